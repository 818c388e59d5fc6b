"""All settings in one place (README, Settings), read from the environment or a ``.env`` file."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The old name of FINSAM_LANGUAGE, still read when it holds exactly `sv` or `en`.
LEGACY_LANGUAGE = "language"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCHEDULE = re.compile(
    r"(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
)


class Settings(BaseSettings):
    """The bot's settings. Secrets are `SecretStr`, so they never show up in a log or a repr."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    google_sheet_id: str | None = None
    google_service_account_file: Path | None = None
    google_service_account_json: SecretStr | None = None
    google_sheets_api_url: str = "https://sheets.googleapis.com"
    workbook_path: Path | None = Field(
        default=None,
        description="local .xlsx used without GOOGLE_SHEET_ID; the bundled demo if unset",
    )

    status_channel: str | None = None
    weekly_schedule: str = "mon 08:00"
    timezone: str = "Europe/Stockholm"
    #: FINSAM_LANGUAGE. The old name LANGUAGE is also the system's locale variable (`sv_SE:sv`),
    #: so it counts only when it is exactly `sv` or `en` (see `_legacy_language`).
    language: Literal["sv", "en"] = Field(
        default="sv", validation_alias=AliasChoices("finsam_language", LEGACY_LANGUAGE)
    )
    #: Lets everyone in the workspace ask, whatever the Personal tab says (or without one).
    open_access: bool = False
    small_count_min: int = Field(default=5, ge=0)
    cache_ttl_seconds: float = Field(default=60, ge=0)
    port: int = Field(default=3000, ge=1, le=65535)

    @field_validator("weekly_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value.strip().lower()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name such as Europe/Stockholm"
            ) from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _legacy_language(cls, values: Any) -> Any:
        """Drop LANGUAGE unless it is exactly `sv` or `en`: it is the system's locale list
        (`sv_SE:sv`, `en_US:en`) on many machines, and must never stop the bot from starting."""
        if isinstance(values, dict) and LEGACY_LANGUAGE in values:
            legacy = values[LEGACY_LANGUAGE]
            if not (isinstance(legacy, str) and legacy.strip() in ("sv", "en")):
                values = {key: value for key, value in values.items() if key != LEGACY_LANGUAGE}
        return values

    @field_validator("language", mode="before")
    @classmethod
    def _lower_language(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today in the configured time zone: the default as-of date."""
        return datetime.now(self.zone).date()

    def now(self) -> datetime:
        """The current time in the configured time zone."""
        return datetime.now(self.zone)

    def service_account_info(self) -> dict[str, Any] | None:
        """Return the parsed service-account JSON from `_JSON` or `_FILE`, or None when neither.

        Raises:
            ValueError: the JSON cannot be read or parsed (the message never includes the key).
        """
        if self.google_service_account_json is not None:
            text = self.google_service_account_json.get_secret_value()
            source = "GOOGLE_SERVICE_ACCOUNT_JSON"
        elif self.google_service_account_file is not None:
            try:
                text = self.google_service_account_file.read_text(encoding="utf-8")
            except OSError as error:
                raise ValueError(
                    f"cannot read GOOGLE_SERVICE_ACCOUNT_FILE {self.google_service_account_file}: {error.strerror}"
                ) from None
            source = "GOOGLE_SERVICE_ACCOUNT_FILE"
        else:
            return None
        try:
            info = json.loads(text)
        except ValueError:
            raise ValueError(f"{source} is not valid JSON") from None
        if not isinstance(info, dict):
            raise ValueError(f"{source} is not a JSON object")
        return info


def environment_names() -> frozenset[str]:
    """Return every environment variable the settings read, upper case (FINSAM_LANGUAGE and
    the old LANGUAGE included), for a test or a script that must clear them."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
        else:
            names.add(name.upper())
    return frozenset(names)


def parse_schedule(text: str) -> tuple[str, int, int]:
    """Return (APScheduler day_of_week, hour, minute) for a schedule such as ``mon 08:00``.

    Weekdays are names (``mon``, ``mon,thu``, ``mon-fri``), never numbers: APScheduler 3.x counts
    Monday as 0 where cron counts it as 1, and a number would silently post on the wrong day.

    Raises:
        ValueError: not of the form ``DAY[,DAY] HH:MM`` with English three-letter day names.
    """
    match = _SCHEDULE.fullmatch(text.strip().lower())
    if not match:
        raise ValueError(
            f"WEEKLY_SCHEDULE {text!r} should look like 'mon 08:00' (weekday names, not numbers)"
        )
    days = match["days"]
    for part in re.split("[,-]", days):
        if part not in WEEKDAYS:
            raise ValueError(
                f"WEEKLY_SCHEDULE: {part!r} is not a weekday; use {', '.join(WEEKDAYS)}"
            )
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"WEEKLY_SCHEDULE: {hour:02d}:{minute:02d} is not a time of day")
    return days, hour, minute
