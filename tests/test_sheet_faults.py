"""Google Sheets failing under the bot: the local Sheets stand-in in fault mode, read through the
real Google backend, the DatasetCache and the Answerer (and, for a few, the bolt app and the local
Slack stand-in).

For each fault: with a last good read the bot answers from it, and the reply says when the data
is from and why it is old; without one it says what is wrong and what to do; and the operator log
says so once, not once per question.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.answers import Answerer
from bot.app import build_app
from bot.config import Settings
from commands.language import Language
from sheets.backends.google import GoogleSheetBackend, RetryPolicy
from sheets.cache import DatasetCache
from sheets.demo import demo_tabs
from sheets.errors import SheetsError, SheetTabMissing
from tests.fakes.sheets_api import DEFAULT_CLIENT_EMAIL, FakeSheetsApi
from tests.fakes.slack_api import (
    RESPONSE_URL,
    SIGNING_SECRET,
    FakeSlackApi,
)
from tests.logs import log_text
from tests.test_listeners import mention, slash

ZONE = ZoneInfo("Europe/Stockholm")
AS_OF = date(2026, 6, 29)
READ_AT = datetime(2026, 6, 29, 8, 5, tzinfo=ZONE)
TTL = 60.0
STAFF = "U0DEMO01"
#: Questions that all rest on the sheet's data; each one finds the cache expired.
QUESTIONS = ("läge", "deltagare RESAM", "mål", "insats RESAM", "budget", "kontroll", "vecka")
#: The backend's timeout in these tests, and how long the stand-in waits before answering.
TIMEOUT, SLOW = 0.1, 0.4
DATA_FROM = "data från 08:05"
STALE = "siffrorna är från den senaste lyckade läsningen"
UNREADABLE = "Arket går inte att läsa just nu"


@dataclass(frozen=True)
class Fault:
    """A way Google fails, how to make the stand-in fail so, and what the bot must say."""

    name: str
    inject: Callable[[FakeSheetsApi], None]
    #: What the reply (in Swedish) and the log line (in English) must say: what is wrong and
    #: what to do.
    says_sv: tuple[str, ...]
    says_en: tuple[str, ...]


def _refuse_key(api: FakeSheetsApi) -> None:
    api.token_error = (
        400,
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )
    api.revoke_tokens()  # the token from the last good read stops working too


def _delete_sheet(api: FakeSheetsApi) -> None:
    api.spreadsheet_id = "1DeletedSheetKey"


def _unshare(api: FakeSheetsApi) -> None:
    api.deny_access = True


GOOGLE_DID_NOT_ANSWER_SV = ("Google Kalkylark svarade inte", "försök igen om några minuter")
GOOGLE_DID_NOT_ANSWER_EN = ("Google Sheets did not answer", "try again in a few minutes")
FAULTS = [
    Fault(
        "429 with Retry-After",
        lambda api: api.fail_next(429, headers={"Retry-After": "7"}, times=1000),
        ("för många anrop, HTTP 429", *GOOGLE_DID_NOT_ANSWER_SV),
        ("too many requests, HTTP 429", *GOOGLE_DID_NOT_ANSWER_EN),
    ),
    Fault(
        "500",
        lambda api: api.fail_next(500, times=1000),
        ("HTTP 500", *GOOGLE_DID_NOT_ANSWER_SV),
        ("HTTP 500", *GOOGLE_DID_NOT_ANSWER_EN),
    ),
    Fault(
        "503",
        lambda api: api.fail_next(503, times=1000),
        ("HTTP 503", *GOOGLE_DID_NOT_ANSWER_SV),
        ("HTTP 503", *GOOGLE_DID_NOT_ANSWER_EN),
    ),
    Fault(
        "timeout",
        lambda api: api.fail_next(200, body={}, delay=SLOW, times=1000),
        ("inget svar i tid", *GOOGLE_DID_NOT_ANSWER_SV),
        ("no answer in time", *GOOGLE_DID_NOT_ANSWER_EN),
    ),
    Fault(
        "connection refused",
        lambda api: api.stop(),
        ("ingen anslutning", *GOOGLE_DID_NOT_ANSWER_SV, "GOOGLE_SHEETS_API_URL"),
        ("no connection", *GOOGLE_DID_NOT_ANSWER_EN, "GOOGLE_SHEETS_API_URL"),
    ),
    Fault(
        "invalid credentials",
        _refuse_key,
        (DEFAULT_CLIENT_EMAIL, "Skapa en ny JSON-nyckel", "GOOGLE_SERVICE_ACCOUNT_JSON"),
        (DEFAULT_CLIENT_EMAIL, "Create a new JSON key", "GOOGLE_SERVICE_ACCOUNT_JSON"),
    ),
    Fault(
        "not shared (403)",
        _unshare,
        (f"Dela arket med {DEFAULT_CLIENT_EMAIL}", "Redigerare behövs"),
        (f"Share the sheet with {DEFAULT_CLIENT_EMAIL}", "Editor is needed"),
    ),
    Fault(
        "deleted (404)",
        _delete_sheet,
        ("Google hittar inget kalkylark", "Kontrollera GOOGLE_SHEET_ID"),
        ("Google found no spreadsheet", "Check GOOGLE_SHEET_ID"),
    ),
    Fault(
        "Deltagare renamed",
        lambda api: api.rename_tab("Deltagare", "Deltagare gamla"),
        ("Fliken Deltagare saknas i arket", "döp tillbaka den till Deltagare"),
        ("The tab Deltagare (Participants) is missing", "rename it back to Deltagare"),
    ),
    Fault(
        "Insatser removed",
        lambda api: api.remove_tab("Insatser"),
        ("Fliken Insatser saknas i arket", "återställ den från versionshistoriken"),
        ("The tab Insatser (Projects) is missing", "restore it from the version history"),
    ),
    Fault(
        "a required header typed over",
        lambda api: _set_cell(api, "Deltagare", 0, 2, "Kön?!"),
        ("Fliken Deltagare går inte att använda", "saknar kolumnen Kön"),
        ("The tab Deltagare cannot be used", "lacks the column Gender"),
    ),
]


def _set_cell(api: FakeSheetsApi, title: str, row: int, column: int, value: Any) -> None:
    tabs = api.tabs
    tabs[title][row][column] = value
    api.set_tabs(tabs)


class Clock:
    """A monotonic clock the test moves on, so the cache's TTL passes without waiting."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def pass_ttl(self) -> None:
        self.seconds += TTL + 1


@dataclass
class Bot:
    """The bot's reading and answering, as `finsam-bot serve` wires it, against the stand-in."""

    cache: DatasetCache
    answerer: Answerer
    clock: Clock
    sleeps: list[float]

    def ask(self, text: str, language: str = "sv") -> tuple[str, bool]:
        """Answer `text` once the read it set off after the TTL has ended; return the reply's
        text and whether it is private."""
        self.expire()
        self.answerer.language = Language(language)
        answer = self.answerer.answer(text, STAFF)
        return answer.reply.as_text(), answer.private

    def expire(self) -> None:
        """Let the TTL pass and a question find the read expired, then let that refresh end.

        The question that finds it expired is answered from the last read at once; the refresh
        runs in the background, and the questions after it get what it read, or the last good
        read marked stale when it failed.
        """
        self.clock.pass_ttl()
        with contextlib.suppress(SheetsError):  # no good read yet: the error is the answer
            self.cache.get()
        assert self.cache.wait_for_read(10)


@pytest.fixture
def sheets() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi(demo_tabs(AS_OF)) as api:
        yield api


def bot_for(api: FakeSheetsApi) -> Bot:
    sleeps: list[float] = []
    backend = GoogleSheetBackend.from_service_account_info(
        api.service_account_info(),
        api.spreadsheet_id,
        api_url=api.url,
        timeout=TIMEOUT,
        retry=RetryPolicy(max_attempts=3, first_wait=0.5, jitter=0.0),
        sleep=sleeps.append,  # the waits are recorded, not slept
    )
    clock = Clock()
    cache = DatasetCache(backend, TTL, now=lambda: READ_AT, clock=clock)
    answerer = Answerer(cache.get, Language("sv"), 5, lambda: AS_OF)
    return Bot(cache, answerer, clock, sleeps)


def warnings_and_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_with_a_good_read_the_bot_answers_from_it_and_says_how_old(
    sheets: FakeSheetsApi, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    bot = bot_for(sheets)
    fresh, _ = bot.ask("läge")
    assert DATA_FROM in fresh and STALE not in fresh

    fault.inject(sheets)
    with caplog.at_level(logging.INFO):
        for question in QUESTIONS:
            text, _ = bot.ask(question)
            assert DATA_FROM in text, (question, text)
            assert STALE in text and UNREADABLE in text, (question, text)
            # Why, in the askers' words; the server's details are for the log.
            error = bot.cache.last_error
            assert error is not None and error.public_message("sv") in text
            for server_detail in ("GOOGLE_", DEFAULT_CLIENT_EMAIL, "HTTP", "JWT"):
                assert server_detail not in text, (question, server_detail, text)
        english, _ = bot.ask("status", language="en")
    assert "data from 08:05" in english and "the figures are from the last successful" in english
    assert error.public_message("en") in english

    [line] = log_text(warnings_and_errors(caplog)).splitlines()  # once, not per question
    assert 'event="sheet read failed"' in line and 'answering_from="last good read"' in line
    for words in fault.says_en:
        assert words in line
    # The figures are the last good read's, not zeros.
    assert _body(bot.ask("läge")[0]) == _body(fresh)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_without_a_good_read_the_bot_says_what_is_wrong_and_what_to_do(
    sheets: FakeSheetsApi, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    bot = bot_for(sheets)  # nothing is sent to Google before the first question
    fault.inject(sheets)
    with caplog.at_level(logging.INFO):
        for question in QUESTIONS:
            text, private = bot.ask(question)
            assert private, "a sheet that cannot be read is no news for the channel"
            assert text.startswith(UNREADABLE), text
            # The asker is told what is wrong and who can fix it; the server's details (the
            # settings, the service account, Google's own words) are for the log.
            error = bot.cache.last_error
            assert error is not None and error.public_message("sv") in text
            if isinstance(error, SheetTabMissing):  # the sheet's editors can fix that
                for words in fault.says_sv:
                    assert words in text, (question, words, text)
            for server_detail in ("GOOGLE_", DEFAULT_CLIENT_EMAIL, "HTTP", "JWT", "Traceback"):
                assert server_detail not in text, (question, server_detail, text)
    [line] = log_text(warnings_and_errors(caplog)).splitlines()
    assert 'event="sheet read failed"' in line and "answering_from=nothing" in line
    for words in fault.says_en:
        assert words in line


def test_429_waits_as_long_as_retry_after_asks_then_answers_fresh(sheets: FakeSheetsApi) -> None:
    bot = bot_for(sheets)
    bot.ask("läge")
    sheets.fail_next(429, headers={"Retry-After": "7"})
    text, _ = bot.ask("läge")
    assert bot.sleeps == [7.0]
    assert DATA_FROM in text and STALE not in text
    assert sheets.count("batchGet") == 3  # the first read, the 429, the read after the wait


def test_a_timeout_is_the_backends_timeout_not_googles(sheets: FakeSheetsApi) -> None:
    bot = bot_for(sheets)
    bot.ask("läge")
    sheets.fail_next(200, body={}, delay=SLOW, times=3)
    started = datetime.now()
    bot.ask("läge")
    # Three attempts of TIMEOUT each (the waits between them are recorded, not slept).
    assert (datetime.now() - started).total_seconds() < 3 * SLOW
    assert bot.sleeps == [0.5, 1.0]


def test_after_the_fault_the_bot_answers_fresh_and_logs_that_once(
    sheets: FakeSheetsApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot = bot_for(sheets)
    bot.ask("läge")
    sheets.deny_access = True
    with caplog.at_level(logging.INFO):
        assert STALE in bot.ask("läge")[0]
        sheets.deny_access = False
        text, _ = bot.ask("läge")
        bot.ask("mål")
    assert STALE not in text and DATA_FROM in text
    failed, again = log_text(caplog.records).splitlines()
    assert "level=WARNING" in failed and 'event="sheet read failed"' in failed
    assert "level=INFO" in again and 'event="sheet read again"' in again
    assert "after=SheetAccessDenied" in again


def test_a_new_kind_of_fault_is_logged_and_named_in_the_reply(
    sheets: FakeSheetsApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot = bot_for(sheets)
    bot.ask("läge")
    with caplog.at_level(logging.INFO):
        sheets.fail_next(503, times=1000)
        assert "Google Kalkylark svarar inte just nu" in bot.ask("läge")[0]
        sheets.scripted.clear()
        sheets.deny_access = True
        text, _ = bot.ask("läge")
    assert "inte delat med botens konto" in text and "svarar inte just nu" not in text, (
        "the reason given is the current one"
    )
    assert len(warnings_and_errors(caplog)) == 2


def test_a_renamed_tab_renamed_back_is_read_again(sheets: FakeSheetsApi) -> None:
    bot = bot_for(sheets)
    fresh, _ = bot.ask("läge")
    sheets.rename_tab("Deltagare", "Deltagarlista")
    assert "Fliken Deltagare saknas" in bot.ask("läge")[0]
    sheets.rename_tab("Deltagarlista", "Deltagare")
    again, _ = bot.ask("läge")
    assert again == fresh


# -- through the Slack app ------------------------------------------------------------------------


def app_for(slack: FakeSlackApi, bot: Bot) -> Any:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(slack.bot_token),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
    )

    def load() -> Any:
        bot.expire()
        return bot.cache.get()

    return build_app(settings, load)


def test_in_slack_a_stale_answer_says_how_old_and_why(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot = bot_for(sheets)
    bot.cache.get()
    app = app_for(slack, bot)
    sheets.fail_next(503, times=1000)
    with caplog.at_level(logging.INFO):
        for number in range(3):
            slash(app, slack, "läge dela", f"stale-{number}")
            [call] = slack.wait_for(RESPONSE_URL, name=f"stale-{number}")
            message = call.params
            assert message["response_type"] == "in_channel"
            context = str(message["blocks"][-1])
            assert DATA_FROM in context and STALE in context
            assert "Google Kalkylark svarar inte just nu" in context and "HTTP" not in context
    assert len(warnings_and_errors(caplog)) == 1


def test_in_slack_a_missing_tab_without_a_good_read_gets_a_private_reply(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    sheets.rename_tab("Deltagare", "Participants old")
    bot = bot_for(sheets)
    app = app_for(slack, bot)
    with caplog.at_level(logging.INFO):
        for number in range(3):
            mention(app, "läge", f"Ev0TAB{number}")
        calls = slack.wait_for("chat.postEphemeral", 3)
    assert len(calls) == 3 and slack.calls("chat.postMessage") == []
    for call in calls:
        assert "Fliken Deltagare saknas i arket" in call.params["text"]
    assert len(warnings_and_errors(caplog)) == 1


def _body(text: str) -> str:
    """Return a reply's text without its footnotes (when the data is from, and why)."""
    return text.split("\n\n(")[0]
