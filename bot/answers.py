"""From a question typed in Slack to the Reply the bot gives, whatever goes wrong on the way.

This is where the Slack app decides *what* to answer: it reads the sheet, checks that the asker
may use the bot, calls the pure commands, and turns a sheet that cannot be read or a bug into a
polite reply. *How* the answer is sent (response_url, thread, ephemeral) is `bot.listeners`'.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.access import Access, Mode, access_for, log_access
from bot.logs import describe_exception
from bot.report_xlsx import ReportFile, report_file
from commands.context import Context
from commands.dispatch import answer_request
from commands.language import Language
from commands.parse import Request, parse_request
from commands.reply import Paragraph, Reply
from sheets.dataset import Dataset
from sheets.errors import SheetsError, SheetUnavailable

log = logging.getLogger(__name__)

#: Subcommands whose answer is only ever shown to the asker, even with ``dela``: the weekly post's
#: preview is a preview, not the post.
PRIVATE_SUBCOMMANDS = frozenset({"vecka"})


@dataclass(frozen=True)
class Answer:
    """What to say to one question.

    Attributes:
        reply: the reply to render.
        private: show it to the asker only, even with ``dela`` (help, a mistake, a refusal, an
            error, a preview).
        share: the asker wrote ``dela``/``share``: show it in the channel (or thread) unless it
            is private. Without it, only the asker sees an answer asked in a channel.
        report: the workbook of a ``rapport`` answer, sent to the asker alone (in a DM).
    """

    reply: Reply
    private: bool
    share: bool = False
    report: ReportFile | None = None

    @property
    def for_everyone(self) -> bool:
        """True when everyone where it was asked may see it: ``dela`` and not private."""
        return self.share and not self.private


class Answerer:
    """Answers questions as the Slack app does: one instance per app, shared by its threads.

    Args:
        load: returns the Dataset (``DatasetCache.get``); may raise SheetsError.
        language: the language of replies (FINSAM_LANGUAGE).
        small_count_min: the privacy threshold (SMALL_COUNT_MIN).
        today: returns the as-of date for a question (today in TIMEZONE).
        open_access: everyone may ask, whatever the Personal tab says (OPEN_ACCESS).
    """

    def __init__(
        self,
        load: Callable[[], Dataset],
        language: Language,
        small_count_min: int,
        today: Callable[[], date],
        *,
        open_access: bool = False,
    ) -> None:
        self.load = load
        self.language = language
        self.small_count_min = small_count_min
        self.today = today
        self.open_access = open_access
        self._closed_logged = False  # the log says once that the bot is closed, not per question
        self._log_lock = threading.Lock()

    def answer(self, text: str, user_id: str | None) -> Answer:
        """Return the answer to `text` asked by Slack user `user_id`.

        Never raises: a sheet that cannot be read, an asker not in Personal and an unexpected
        error all become private replies (the last also one log line, without cell values).
        """
        request = parse_request(text)
        try:
            data = self.load()
            access = access_for(data, user_id, self.open_access)
            self._log_closed(access)
            if not access.allowed:
                return Answer(refusal(access, user_id, self.language), private=True)
            context = Context(
                self.today(), self.language, self.small_count_min, user_id, role=access.role
            )
            reply = answer_request(data, request, context)
            report = None
            if request.subcommand == "rapport" and not reply.is_help:
                report = report_file(data, request.argument, context)
        except SheetsError as error:
            return Answer(sheet_unreachable(error, self.language), private=True)
        except Exception as error:  # the outermost edge: a bug must not leave the asker waiting
            log.error(
                "answering failed",
                extra={"question": _kind(request), "exception": describe_exception(error)},
            )
            return Answer(something_went_wrong(self.language), private=True)
        private = reply.is_help or request.subcommand in PRIVATE_SUBCOMMANDS
        return Answer(reply, private=private, share=request.share, report=report)

    def _log_closed(self, access: Access) -> None:
        """Log once that the bot answers no one for want of a Personal tab (and once that it
        answers again), so the operator learns it from the first refusal, not the hundredth."""
        closed = access.mode is Mode.CLOSED_NO_TAB
        with self._log_lock:
            if closed == self._closed_logged:
                return
            self._closed_logged = closed
        if closed:
            log_access(access.mode)
        else:
            log.info("access open again", extra={"access": access.mode.value})


def refusal(access: Access, user_id: str | None, language: Language) -> Reply:
    """Return the polite refusal for someone who may not ask (reveals no figures): they are not
    on the Personal tab, or the sheet has no Personal tab."""
    if access.mode is Mode.CLOSED_NO_TAB:
        why = language(
            "Jag svarar ingen just nu: fliken Personal, som säger vem som får fråga mig, saknas i "
            "förbundets ark. Be samordnaren lägga till den igen (eller döpa tillbaka den, om den "
            "har bytt namn), så kan du fråga mig sedan.",
            "I answer no one right now: the Personal tab, which says who may ask me, is missing "
            "from the association's sheet. Ask the coordinator to add it back (or rename it back, "
            "if it was renamed), and then ask me again.",
        )
    else:
        who = f" ({user_id})" if user_id else ""
        why = language(
            "Jag svarar bara personal som finns på fliken Personal i förbundets ark. Be "
            f"samordnaren lägga till ditt Slack-ID{who} där, så kan du fråga mig sedan.",
            "I only answer staff listed on the Personal tab of the association's sheet. "
            f"Ask the coordinator to add your Slack ID{who} there, and then ask me again.",
        )
    return Reply(
        language("Du har inte tillgång till finsam-bot", "You do not have access to finsam-bot"),
        (Paragraph(why),),
        is_help=True,
    )


def sheet_unreachable(error: SheetsError, language: Language) -> Reply:
    """Return the reply for a sheet that cannot be read: what is wrong and who can fix it.

    Only the error's public message: the asker cannot see the server, so a path, a setting or a
    library's words would not help them (the log has those). Google not answering passes by
    itself; the rest needs a person, and the bot reads the sheet again by itself once it is fixed.
    """
    if isinstance(error, SheetUnavailable):
        after = language("Försök igen om en stund.", "Try again in a while.")
    else:
        after = language(
            "När det är rättat svarar jag som vanligt igen.",
            "Once that is fixed I answer as usual again.",
        )
    return Reply(
        language("Arket går inte att läsa just nu", "The sheet cannot be read right now"),
        (Paragraph(error.public_message(language.code)), Paragraph(after)),
        is_help=True,
    )


def something_went_wrong(language: Language) -> Reply:
    """Return the reply for an unexpected error (a bug): no details, the log has them."""
    return Reply(
        language("Något gick fel", "Something went wrong"),
        (
            Paragraph(
                language(
                    "Något gick fel när jag skulle svara. Samordnaren har fått veta det; försök "
                    "igen om en stund.",
                    "Something went wrong while I was answering. The coordinator has been told; "
                    "try again in a while.",
                )
            ),
        ),
        is_help=True,
    )


def _kind(request: Request) -> str:
    """Return which subcommand was asked, for the log: never the words typed after it."""
    return request.subcommand or "other"
