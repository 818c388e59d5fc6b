"""Errors raised when the spreadsheet cannot be read or written.

Vendor exceptions (gspread, google-auth, requests, openpyxl) are converted to these where they are
caught, so the layers above never see them. Every error carries two messages in Swedish and
English:

- `message`: for the operator (the log, the command line): what is wrong and what to do, naming
  paths, settings and commands as needed;
- `public_message`: for the people asking in Slack, who cannot see the server: what is wrong and
  who can fix it, without a path, a setting, a command or a library's own words.
"""

from __future__ import annotations

from typing import ClassVar

from sheets.problems import Text


class SheetsError(Exception):
    """The spreadsheet could not be read or written.

    Args:
        message_en: the operator's message in English.
        message_sv: the same in Swedish (default: the English one).
        public: what Slack users are told instead (default: the class's `PUBLIC`).
    """

    #: What Slack users are told when the raiser says nothing more specific.
    PUBLIC: ClassVar[Text] = Text(
        sv="Arket som boten läser går inte att öppna. Den som driver boten ser i sin logg vad "
        "som är fel och hur det rättas.",
        en="The sheet the bot reads cannot be opened. Whoever runs the bot sees in its log what "
        "is wrong and how to fix it.",
    )

    def __init__(
        self, message_en: str, message_sv: str | None = None, *, public: Text | None = None
    ) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_sv = message_sv or message_en
        self.public = public or self.PUBLIC

    def message(self, language: str) -> str:
        """Return the operator's message in `language` (`sv` or `en`)."""
        return self.message_sv if language == "sv" else self.message_en

    def public_message(self, language: str) -> str:
        """Return what Slack users are told, in `language` (`sv` or `en`)."""
        return self.public(language)


class SheetNotFound(SheetsError):
    """The spreadsheet or workbook does not exist (deleted, wrong key or path)."""

    PUBLIC = Text(
        sv="Boten hittar inte arket den ska läsa: det kan ha tagits bort eller flyttats, eller så "
        "pekar botens inställning fel. Den som driver boten ser i sin logg vad som ska rättas.",
        en="The bot cannot find the sheet it reads: it may have been deleted or moved, or the "
        "bot's setting points the wrong way. Whoever runs the bot sees in its log what to fix.",
    )


class SheetAccessDenied(SheetsError):
    """The credentials are valid but the sheet is not shared with the service account."""

    PUBLIC = Text(
        sv="Boten får inte öppna arket: det är inte delat med botens konto. Den som äger arket "
        "kan dela det; den som driver boten ser i sin logg vilken adress det ska delas med.",
        en="The bot may not open the sheet: it is not shared with the bot's account. The sheet's "
        "owner can share it; whoever runs the bot sees in its log which address to share it with.",
    )


class SheetCredentialsError(SheetsError):
    """The service-account credentials are missing, malformed or rejected."""

    PUBLIC = Text(
        sv="Google godkänner inte botens inloggning till arket. Den som driver boten behöver "
        "lägga in en ny nyckel; loggen säger hur.",
        en="Google does not accept the bot's sign-in to the sheet. Whoever runs the bot needs to "
        "put in a new key; the log says how.",
    )


class SheetUnavailable(SheetsError):
    """The service did not answer in time, or kept answering 429/5xx after the retries."""

    PUBLIC = Text(
        sv="Google Kalkylark svarar inte just nu. Det brukar gå över av sig självt; försök igen "
        "om några minuter.",
        en="Google Sheets is not answering right now. It usually passes by itself; try again in "
        "a few minutes.",
    )


class SheetTabMissing(SheetsError):
    """The sheet was read, but a tab the figures need (Insatser, Deltagare) is missing or unusable:
    renamed, deleted, emptied, or without one of its required columns."""

    def public_message(self, language: str) -> str:
        """Return the message itself: it names a tab and a column of the sheet, which the people
        who edit the sheet can fix, and nothing of the server."""
        return self.message(language)
