"""The operator log: one structured line per event, no cell values from Deltagare, no tokens.

The last tests run the bot as `finsam-bot serve` wires it (the Google backend against the local
Sheets stand-in, the cache, the bolt app against the local Slack stand-in, the weekly post) on a
sheet whose Deltagare cells hold marker strings, through questions, faults, a bug and weekly posts,
and read everything the configured log handler wrote.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.app import build_app, build_client
from bot.config import Settings
from bot.logs import HANDLER_NAME, EventFormatter, configure_logging
from bot.server import GunicornLogger, gunicorn_options
from bot.weekly import WeeklyPoster
from commands.language import Language
from sheets.backends.google import GoogleSheetBackend, RetryPolicy
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
from sheets.demo import demo_tabs
from tests.fakes.sheets_api import FakeSheetsApi, throwaway_private_key_pem
from tests.fakes.slack_api import RESPONSE_URL, SIGNING_SECRET, FakeSlackApi
from tests.test_listeners import mention, slash

ZONE = ZoneInfo("Europe/Stockholm")
AS_OF = date(2026, 6, 29)
CHANNEL = "C0STATUS"
LINE = re.compile(
    r"time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=[A-Z]+ logger=\S+ event=(\"[^\"]*\"|\S+)( .*)?"
)


def record(message: str, level: int = logging.WARNING, **fields: Any) -> logging.LogRecord:
    made = logging.LogRecord("sheets.cache", level, __file__, 1, message, (), None)
    for key, value in fields.items():
        setattr(made, key, value)
    return made


# -- the format ---------------------------------------------------------------------------------


def test_an_event_is_one_line_of_key_value_pairs() -> None:
    line = EventFormatter().format(
        record("sheet read failed", error="SheetUnavailable", detail='no "answer"\nin time', n=3)
    )
    assert "\n" not in line and LINE.fullmatch(line), line
    assert " level=WARNING logger=sheets.cache " in line
    assert ' event="sheet read failed" error=SheetUnavailable ' in line
    assert 'detail="no \\"answer\\"\\nin time" n=3' in line


def test_a_message_with_arguments_and_no_fields_is_still_one_line() -> None:
    made = logging.LogRecord("gunicorn.error", logging.INFO, "", 1, "Booting worker %s", (7,), None)
    line = EventFormatter().format(made)
    assert line.endswith('logger=gunicorn.error event="Booting worker 7"')


def test_an_exception_is_its_type_and_place_never_its_message() -> None:
    try:
        {}["19121212-1212 Anna"]  # what a bug on sheet data might carry
    except KeyError:
        import sys

        made = logging.LogRecord("x", logging.ERROR, "", 1, "failed", (), sys.exc_info())
    line = EventFormatter().format(made)
    assert "\n" not in line
    assert "exception=" in line and "KeyError at tests/test_logs.py:" in line
    assert "19121212" not in line and "Anna" not in line and "Traceback" not in line


def test_configure_logging_replaces_its_own_handler_only() -> None:
    root = logging.getLogger()
    other = logging.NullHandler()
    root.addHandler(other)
    first, second = io.StringIO(), io.StringIO()
    configure_logging(logging.INFO, first)
    configure_logging(logging.INFO, second)
    ours = [handler for handler in root.handlers if handler.get_name() == HANDLER_NAME]
    assert len(ours) == 1 and other in root.handlers
    logging.getLogger("bot.test").info("hello", extra={"who": "operator"})
    assert first.getvalue() == ""
    assert second.getvalue().rstrip("\n").endswith("event=hello who=operator")
    logging.getLogger("apscheduler.scheduler").info("Added job")  # repeats our own events
    assert "Added job" not in second.getvalue()


@pytest.mark.parametrize(
    ("logger", "level", "message", "args", "event"),
    [
        (
            "slack_bolt.App",
            logging.WARNING,
            "Unhandled request ({'event': {'text': 'MARKER'}})",
            (),
            "Unhandled request",
        ),
        (
            "slack_bolt.App",
            logging.ERROR,
            "Failed to run listener function (error: 'MARKER')",
            (),
            "Failed to run listener function",
        ),
        (
            "gunicorn.error",
            logging.WARNING,
            "Invalid request from ip=10.0.0.1: Invalid Request Line 'MARKER'",
            (),
            "Invalid request from ip=10.0.0.1",
        ),
        (
            "gunicorn.error",
            logging.ERROR,
            "Error handling request %s",
            ("/slack/events?text=MARKER",),
            "Error handling request",
        ),
        # About the process, not a request: kept whole.
        (
            "gunicorn.error",
            logging.INFO,
            "Booting worker with pid: %s",
            (42,),
            "Booting worker with pid: 42",
        ),
        ("bot.server", logging.ERROR, "cannot start (%s)", ("x",), "cannot start (x)"),
    ],
)
def test_library_lines_that_may_quote_a_request_keep_only_their_fixed_wording(
    logger: str, level: int, message: str, args: tuple[Any, ...], event: str
) -> None:
    line = EventFormatter().format(logging.LogRecord(logger, level, "", 1, message, args, None))
    assert line.endswith(f'event="{event}"'), line
    assert "MARKER" not in line


def test_bolts_line_for_a_refused_request_becomes_the_bots_own() -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream)
    logging.getLogger("slack_bolt.RequestVerification").info(
        "Invalid request signature detected (signature: v0=1, timestamp: 1, body: "
        "text=MARKER&response_url=https%3A%2F%2Fhooks.slack.com%2FMARKER)"
    )
    [line] = stream.getvalue().splitlines()
    assert 'level=WARNING logger=slack_bolt.RequestVerification event="request refused"' in line
    assert "SLACK_SIGNING_SECRET" in line and "MARKER" not in line


def test_gunicorn_logs_in_the_same_format() -> None:
    from gunicorn.config import Config

    config = Config()
    for key, value in gunicorn_options(3000).items():
        config.set(key, value)
    assert config.logger_class is GunicornLogger
    logger = GunicornLogger(config)
    assert logger.error_log.handlers
    assert all(isinstance(h.formatter, EventFormatter) for h in logger.error_log.handlers)


# -- what never reaches the log -------------------------------------------------------------------

#: Marker strings in Deltagare cells, valid and invalid, and a personnummer in Deltagar-ID.
MARKERS = {
    (1, 0): "MARKER-ID-7731",
    (2, 4): "Markerstad",
    (3, 9): "Markör Markörsson",
    (4, 2): "MARKERGENDER",
    (5, 3): "MARKERYEAR",
    (6, 5): "MARKERSUPPORT",
    (7, 8): "MARKERREASON",
    (8, 1): "MARKERCODE",
    (9, 6): "MARKERDATE",
    (10, 0): "19121212-1212",
    (11, 7): "#MARKER!",
}
FORBIDDEN = [*MARKERS.values(), "MARKER", "Markör", "Markerstad", "19121212", "121212-1212"]


def marked_tabs() -> dict[str, list[list[Any]]]:
    tabs = demo_tabs(AS_OF)
    rows = tabs["Deltagare"]
    for (row, column), marker in MARKERS.items():
        rows[row] = [*rows[row], *[None] * 10][:10]
        rows[row][column] = marker
    rows[7][7] = rows[7][6]  # an exit date, so that the marked exit reason is read
    return tabs


@pytest.fixture
def sheets() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi(marked_tabs()) as api:
        yield api


def settings_for(slack: FakeSlackApi) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(slack.bot_token),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
        status_channel=CHANNEL,
    )


def run_the_bot(sheets: FakeSheetsApi, slack: FakeSlackApi, *, questions: int = 99) -> None:
    """Questions, faults, a bug and weekly posts, as `finsam-bot serve` would meet them."""
    backend = GoogleSheetBackend.from_service_account_info(
        sheets.service_account_info(),
        sheets.spreadsheet_id,
        api_url=sheets.url,
        retry=RetryPolicy(max_attempts=2, first_wait=0.01),
        sleep=lambda _: None,
    )
    cache = DatasetCache(backend, 0)  # every question sets off a read of the sheet
    data = cache.get()
    assert any(p.tab == "Deltagare" and p.severity == "error" for p in data.problems)
    app = build_app(settings_for(slack), cache.get)
    questions = [
        "läge",
        "deltagare",
        "deltagare RESAM",
        "deltagare Markerstad",
        "deltagare Markör Markörsson",
        "deltagare mig",
        "insats MARKERCODE",
        "kontroll dela",
        "vecka",
        "budget",
        "mål",
        "19121212-1212",
    ][:questions]
    for number, question in enumerate(questions):
        slash(app, slack, question, f"q{number}", user_id="U0DEMO02")
        mention(app, question, f"Ev0LOG{number}", user="U0DEMO02")
    assert len(slack.wait_for(RESPONSE_URL, len(questions), timeout=10)) == len(questions)
    answers_in_threads = ("chat.postMessage", "chat.postEphemeral")
    deadline = time.monotonic() + 10
    while sum(len(slack.calls(route)) for route in answers_in_threads) < len(questions):
        assert time.monotonic() < deadline, "not every mention was answered"
        time.sleep(0.01)

    posted = len(slack.calls("chat.postMessage"))
    slack.fail_next("chat.postMessage", 500, times=3)  # an answer Slack will not take
    mention(app, "deltagare Markerstad dela", "Ev0LOGFAIL")
    assert len(slack.wait_for("chat.postMessage", posted + 3, timeout=10)) == posted + 3
    time.sleep(0.1)  # the error handler logs after the last try

    def buggy() -> Dataset:
        raise KeyError("MARKER-ID-7731 Markerstad 19121212-1212")

    slash(build_app(settings_for(slack), buggy), slack, "deltagare", "bug")
    slack.wait_for(RESPONSE_URL, name="bug")

    sheets.deny_access = True  # a fault, logged by the cache
    assert cache.wait_for_read(10)  # a refresh set off by an earlier question read before it
    slash(app, slack, "läge", "denied")  # answered from the last read; its refresh fails
    slack.wait_for(RESPONSE_URL, name="denied")
    assert cache.wait_for_read(10)
    sheets.deny_access = False

    poster = WeeklyPoster(
        backend,
        build_client(settings_for(slack)),
        CHANNEL,
        language=Language("sv"),
        small_count_min=5,
        zone=ZONE,
        now=lambda: datetime(2026, 6, 29, 8, 0, tzinfo=ZONE),
    )
    slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
    assert poster.run(AS_OF).outcome == "failed"
    sheets.fail_next(500, routes=["append"])
    assert poster.run(AS_OF).outcome == "failed"  # posted, Historik not written
    assert poster.run(AS_OF).outcome == "recorded"
    assert poster.run(AS_OF).outcome == "already_posted"


def test_no_deltagare_cell_value_and_no_token_reaches_the_log(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream)  # as `finsam-bot serve` does
    run_the_bot(sheets, slack)
    log = stream.getvalue()

    lines = log.splitlines()
    assert all(LINE.fullmatch(line) for line in lines), log
    events = "\n".join(lines)
    for expected in (
        'event="answering failed"',
        'event="handling a Slack request failed"',
        'event="sheet read failed"',
        'event="weekly post not sent"',
        'event="weekly post went out but Historik was not written"',
        'event="weekly post done"',
    ):
        assert expected in events, f"{expected} missing from:\n{log}"
    for value in FORBIDDEN:
        assert value not in log, f"{value!r} in the log:\n{log}"
    for secret in secrets(slack):
        assert secret not in log, f"a secret in the log:\n{log}"


def test_even_at_debug_no_token_is_logged(sheets: FakeSheetsApi, slack: FakeSlackApi) -> None:
    """The bot never logs below INFO; should someone turn DEBUG on, the libraries' request logs
    (slack_sdk, urllib3, google-auth, bolt) still show no token or key."""
    stream = io.StringIO()
    configure_logging(logging.DEBUG, stream)
    run_the_bot(sheets, slack, questions=3)
    log = stream.getvalue()
    assert "Sending a request" in log  # slack_sdk's request log, with the headers redacted
    for secret in secrets(slack):
        assert secret not in log


def secrets(slack: FakeSlackApi) -> list[str]:
    key_lines = throwaway_private_key_pem().splitlines()[1:-1]
    return [slack.bot_token, SIGNING_SECRET, "fake-access-token", *key_lines]
