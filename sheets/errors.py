"""Errors raised when the spreadsheet cannot be read or written.

Vendor exceptions (gspread, google-auth, requests, openpyxl) are converted to these where they are
caught, so the layers above never see them. Every error carries a plain-language message for the
operator in Swedish and English: what is wrong and what to do.
"""

from __future__ import annotations


class SheetsError(Exception):
    """The spreadsheet could not be read or written."""

    def __init__(self, message_en: str, message_sv: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_sv = message_sv or message_en

    def __reduce__(self) -> tuple[type[SheetsError], tuple[str, str]]:
        # Both messages survive pickling (the bot's worker process sends errors back pickled);
        # by default only the first argument would.
        return type(self), (self.message_en, self.message_sv)

    def message(self, language: str) -> str:
        """Return the message in `language` (`sv` or `en`)."""
        return self.message_sv if language == "sv" else self.message_en


class SheetNotFound(SheetsError):
    """The spreadsheet or workbook does not exist (deleted, wrong key or path)."""


class SheetAccessDenied(SheetsError):
    """The credentials are valid but the sheet is not shared with the service account."""


class SheetCredentialsError(SheetsError):
    """The service-account credentials are missing, malformed or rejected."""


class SheetUnavailable(SheetsError):
    """The service did not answer in time, or kept answering 429/5xx after the retries."""


class SheetTabMissing(SheetsError):
    """The sheet was read, but a tab the figures need (Insatser, Deltagare) is missing or unusable:
    renamed, deleted, emptied, or without one of its required columns."""
