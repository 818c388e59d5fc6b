"""Choosing where the sheet is read from: Google when GOOGLE_SHEET_ID is set, else a workbook."""

from __future__ import annotations

from bot.config import Settings
from commands.dispatch import prepare
from commands.language import Language
from sheets.backends.base import SheetBackend
from sheets.backends.google import GoogleSheetBackend
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import DatasetCache
from sheets.demo import BUNDLED_PATH
from sheets.errors import SheetCredentialsError


def open_backend(settings: Settings) -> SheetBackend:
    """Return the backend the settings point at; nothing is read yet.

    Raises:
        SheetCredentialsError: GOOGLE_SHEET_ID is set but the service-account key is missing or
            unreadable.
    """
    if settings.google_sheet_id:
        try:
            info = settings.service_account_info()
        except ValueError as error:
            raise SheetCredentialsError(
                str(error), f"Nyckeln till tjänstekontot går inte att läsa: {error}"
            ) from None
        if info is None:
            raise SheetCredentialsError(
                "GOOGLE_SHEET_ID is set but no service account: set GOOGLE_SERVICE_ACCOUNT_FILE "
                "(a path to the JSON key) or GOOGLE_SERVICE_ACCOUNT_JSON (its text).",
                "GOOGLE_SHEET_ID är satt men inget tjänstekonto: sätt GOOGLE_SERVICE_ACCOUNT_FILE "
                "(sökväg till JSON-nyckeln) eller GOOGLE_SERVICE_ACCOUNT_JSON (dess text).",
            )
        return GoogleSheetBackend.from_service_account_info(
            info, settings.google_sheet_id, api_url=settings.google_sheets_api_url
        )
    return WorkbookBackend(settings.workbook_path or BUNDLED_PATH)


def open_cache(settings: Settings) -> DatasetCache:
    """Return a DatasetCache over the configured backend, stamping reads in the configured zone.

    Each read is prepared for answering questions as of today (`commands.dispatch.prepare`)
    before any question sees it.

    Raises:
        SheetCredentialsError: see `open_backend`.
    """
    language = Language(settings.language)
    return DatasetCache(
        open_backend(settings),
        settings.cache_ttl_seconds,
        now=settings.now,
        prepare=lambda data: prepare(data, settings.today(), language, settings.small_count_min),
    )
