"""Settings: the environment and `.env.example`, which must agree with the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, environment_names

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"


def example_settings() -> dict[str, tuple[str, bool]]:
    """Return each variable of .env.example: its value and whether it is set (not commented)."""
    found: dict[str, tuple[str, bool]] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#?)([A-Z_]+)=(.*)", line)
        if match:
            found[match[2]] = (match[3], not match[1])
    return found


def test_env_example_names_every_setting_and_the_readme_every_one_of_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = " ".join(line.split("|")[1] for line in section.splitlines() if line[:3] == "| `")
    example = example_settings()
    assert set(example) == environment_names() - {"LANGUAGE"}, "LANGUAGE is the old name"
    for name in example:
        assert f"`{name}`" in documented, f"{name} is not in the README's settings"


def test_env_example_shows_socket_mode_or_http_mode_not_both() -> None:
    example = example_settings()
    assert example["SLACK_APP_TOKEN"][1] != example["SLACK_SIGNING_SECRET"][1]


def test_env_example_is_valid_settings_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "sv_SE:sv")  # the system's locale, as on most machines
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.status_channel is not None
    assert re.fullmatch(r"[CG][A-Z0-9]{8,}", settings.status_channel), "a channel ID, not #name"
    assert settings.language == "sv" and settings.open_access is False


@pytest.mark.parametrize(
    ("finsam_language", "language", "expected"),
    [
        (None, "sv_SE:sv", "sv"),
        (None, "en_US:en", "sv"),
        (None, "en", "en"),
        (None, " en ", "en"),
        (None, "EN", "sv"),
        ("en", "sv", "en"),
        ("EN", None, "en"),
        ("sv", "en", "sv"),
    ],
)
def test_finsam_language_and_the_old_language_only_when_it_is_sv_or_en(
    monkeypatch: pytest.MonkeyPatch,
    finsam_language: str | None,
    language: str | None,
    expected: str,
) -> None:
    for name, value in (("FINSAM_LANGUAGE", finsam_language), ("LANGUAGE", language)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).language == expected  # type: ignore[call-arg]


def test_open_access_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).open_access is False  # type: ignore[call-arg]
    monkeypatch.setenv("OPEN_ACCESS", "true")
    assert Settings(_env_file=None).open_access is True  # type: ignore[call-arg]
