"""Choosing where the sheet is read from: Google when GOOGLE_SHEET_ID is set, else a workbook.

The backends are imported when they are chosen: gspread and google-auth take longer to import than
the demo workbook takes to read, and only a Google Sheet needs them.
"""

from __future__ import annotations

from bot.config import Settings
from sheets.backends.base import SheetBackend
from sheets.cache import DatasetCache
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
        from sheets.backends.google import GoogleSheetBackend

        return GoogleSheetBackend.from_service_account_info(
            info, settings.google_sheet_id, api_url=settings.google_sheets_api_url
        )
    from sheets.backends.workbook import WorkbookBackend
    from sheets.demo import BUNDLED_PATH

    return WorkbookBackend(settings.workbook_path or BUNDLED_PATH)


def open_cache(settings: Settings, *, prepare: bool = True, worker: bool = False) -> DatasetCache:
    """Return a DatasetCache over the configured backend, stamping reads in the configured zone.

    With `prepare`, each read is prepared for answering questions as of today
    (`commands.dispatch.prepare`) before any question sees it: for the bot and the chat, which
    answer many questions from one read; a one-shot command computes just what it prints. With
    `worker`, the sheet is read, loaded and prepared in a worker process (`bot.read_worker`), so
    that this process's threads (the Slack app's acks) never wait for that work; else here.

    Raises:
        SheetCredentialsError: see `open_backend`.
    """
    backend = open_backend(settings)
    if worker:
        from bot.read_worker import ReadWorker

        reader = ReadWorker(settings, prepare=prepare)
        return DatasetCache(backend, settings.cache_ttl_seconds, read=reader.read)
    if not prepare:
        return DatasetCache(backend, settings.cache_ttl_seconds, now=settings.now)

    from commands.dispatch import prepare as prepare_for
    from commands.language import Language

    language = Language(settings.language)
    return DatasetCache(
        backend,
        settings.cache_ttl_seconds,
        now=settings.now,
        prepare=lambda data: prepare_for(
            data, settings.today(), language, settings.small_count_min
        ),
    )
