"""No data lost: the bot writes nowhere but Historik, only appends there, and a failed or repeated
write never duplicates a week.

Weeks of questions and weekly posts, with faults on the way, against the Google backend (every
write request the local Sheets stand-in receives is checked) and against a local workbook.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.answers import Answerer
from bot.app import build_app, build_client
from bot.config import Settings
from bot.weekly import WeeklyPoster
from commands.dispatch import HELP
from commands.language import Language
from sheets.backends.base import SheetBackend
from sheets.backends.google import GoogleSheetBackend, RetryPolicy
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import DatasetCache
from sheets.demo import BUNDLED_PATH, demo_tabs, write_demo_workbook
from sheets.errors import SheetUnavailable
from tests.fakes.sheets_api import FakeSheetsApi, RecordedRequest
from tests.fakes.slack_api import RESPONSE_URL, SIGNING_SECRET, FakeSlackApi
from tests.logs import log_text
from tests.test_listeners import mention, slash

ZONE = ZoneInfo("Europe/Stockholm")
FIRST_MONDAY = date(2026, 6, 29)
WEEKS = ("2026-W27", "2026-W28", "2026-W29")
CHANNEL = "C0STATUS"
HISTORIK = "Historik"
QUESTIONS = [
    *HELP,
    "deltagare RESAM",
    "deltagare mig",
    "insats RESAM",
    "budget RESAM",
    "kontroll dela",
    "RESAM",
    "okänt ord",
]


def settings_for(slack: FakeSlackApi) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(slack.bot_token),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
    )


def poster_for(backend: SheetBackend, slack: FakeSlackApi, monday: date) -> WeeklyPoster:
    moment = datetime.combine(monday, datetime.min.time(), ZONE).replace(hour=8)
    return WeeklyPoster(
        backend,
        build_client(settings_for(slack)),
        CHANNEL,
        language=Language("sv"),
        small_count_min=5,
        zone=ZONE,
        now=lambda: moment,
    )


def ask_everything(backend: SheetBackend, slack: FakeSlackApi, name: str) -> None:
    """Every subcommand, through the Slack app, as slash commands and mentions."""
    app = build_app(settings_for(slack), DatasetCache(backend, 60).get)
    in_threads = len(slack.calls("chat.postMessage")) + len(slack.calls("chat.postEphemeral"))
    for number, question in enumerate(QUESTIONS):
        slash(app, slack, question, f"{name}-{number}", user_id="U0DEMO02")
        mention(app, question, f"Ev0{name}{number}", user="U0DEMO02")
    for number in range(len(QUESTIONS)):
        assert slack.wait_for(RESPONSE_URL, name=f"{name}-{number}")
    deadline = time.monotonic() + 10
    while len(slack.calls("chat.postMessage")) + len(
        slack.calls("chat.postEphemeral")
    ) < in_threads + len(QUESTIONS):
        assert time.monotonic() < deadline, "a mention was not answered"
        time.sleep(0.01)


def marks(rows: Sequence[Sequence[Any]], week: str) -> int:
    """How many ``*`` rows (the week's post) Historik holds for `week`."""
    return sum(1 for row in rows if row[:1] == [week] and row[2:3] == ["*"])


def week_rows(rows: Sequence[Sequence[Any]], week: str) -> list[Sequence[Any]]:
    return [row for row in rows if row[:1] == [week]]


def run_weeks(backend: SheetBackend, slack: FakeSlackApi, name: str) -> None:
    """Three weeks of posts, each run again, with every question asked before the first."""
    ask_everything(backend, slack, name)
    for offset, week in enumerate(WEEKS):
        monday = FIRST_MONDAY + timedelta(weeks=offset)
        assert poster_for(backend, slack, monday).run(monday).outcome == "posted", week
        assert poster_for(backend, slack, monday).run(monday).outcome == "already_posted"


# -- Google --------------------------------------------------------------------------------------


def google_backend(sheets: FakeSheetsApi) -> GoogleSheetBackend:
    return GoogleSheetBackend.from_service_account_info(
        sheets.service_account_info(),
        sheets.spreadsheet_id,
        api_url=sheets.url,
        retry=RetryPolicy(max_attempts=3, first_wait=0.01),
        sleep=lambda _: None,
    )


def written_tabs(request: RecordedRequest) -> list[str]:
    """Return the tabs a write request changes: the appended range's tab, or the added tabs."""
    if request.route == "append":
        a1_range = unquote(request.path.split("/values/", 1)[1].rsplit(":append", 1)[0])
        return [a1_range.split("!")[0].strip("'").replace("''", "'")]
    if request.route == "batchUpdate":
        changes = request.json["requests"]
        assert all(set(change) == {"addSheet"} for change in changes), changes
        return [change["addSheet"]["properties"]["title"] for change in changes]
    raise AssertionError(f"an unexpected write: {request.method} {request.path}")


def assert_only_historik_grew(
    before: dict[str, list[list[Any]]], after: dict[str, list[list[Any]]]
) -> None:
    assert [title for title in after if title != HISTORIK] == [
        title for title in before if title != HISTORIK
    ]
    for title, rows in before.items():
        if title != HISTORIK:
            assert after[title] == rows, f"{title} changed"
    kept = before.get(HISTORIK, [])
    assert after[HISTORIK][: len(kept)] == kept, "Historik rows were changed, not appended"


@pytest.mark.parametrize("historik", ["present", "missing"])
def test_google_sheet_gets_historik_appends_and_nothing_else(
    slack: FakeSlackApi, historik: str
) -> None:
    tabs = demo_tabs(FIRST_MONDAY)
    if historik == "missing":
        del tabs[HISTORIK]
    with FakeSheetsApi(tabs) as sheets:
        before = sheets.tabs
        backend = google_backend(sheets)
        run_weeks(backend, slack, f"G{historik}")

        # A failed write on the way: a 429 is retried (Google did not write), a 500 is not
        # (it may have), and the next run completes the week without posting it again.
        monday = FIRST_MONDAY + timedelta(weeks=len(WEEKS))
        sheets.fail_next(429, headers={"Retry-After": "0"}, routes=["append"])
        assert poster_for(backend, slack, monday).run(monday).outcome == "posted"
        monday += timedelta(weeks=1)
        sheets.fail_next(500, routes=["append"])
        assert poster_for(backend, slack, monday).run(monday).outcome == "failed"
        assert poster_for(backend, slack, monday).run(monday).outcome == "recorded"

        writes = [r for r in sheets.requests if r.method != "GET" and r.route != "token"]
        assert writes, "the weekly posts wrote Historik"
        assert {tab for request in writes for tab in written_tabs(request)} == {HISTORIK}
        added = sheets.count("batchUpdate")
        assert added == (1 if historik == "missing" else 0), "Historik is added once, if missing"
        after = sheets.tabs
    assert_only_historik_grew(before, after)
    for week in (*WEEKS, "2026-W30", "2026-W31"):
        assert marks(after[HISTORIK], week) == 1, week
        running = len(week_rows(after[HISTORIK], week)) - 1
        assert running > 0 and len(week_rows(after[HISTORIK], WEEKS[0])) - 1 == running


class _LostAnswer:
    """A backend whose appends are written but reported as failed: Google wrote the rows and the
    answer was lost on the way back (a timeout after the write)."""

    def __init__(self, backend: SheetBackend) -> None:
        self.backend = backend
        self.url = backend.url
        self.failures = 1

    def read_tabs(self) -> dict[str, list[list[Any]]]:
        return self.backend.read_tabs()

    def append_rows(self, tab: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.backend.append_rows(tab, header, rows)
        if self.failures:
            self.failures -= 1
            raise SheetUnavailable("no answer in time")


def test_a_write_whose_answer_was_lost_is_not_written_again(slack: FakeSlackApi) -> None:
    with FakeSheetsApi(demo_tabs(FIRST_MONDAY)) as sheets:
        backend = _LostAnswer(google_backend(sheets))
        assert poster_for(backend, slack, FIRST_MONDAY).run(FIRST_MONDAY).outcome == "failed"
        again = poster_for(backend, slack, FIRST_MONDAY).run(FIRST_MONDAY)
        assert again.outcome == "already_posted", "Historik has the week: nothing more is written"
        rows = sheets.tabs[HISTORIK]
    assert marks(rows, WEEKS[0]) == 1
    assert len(slack.channels[CHANNEL]) == 1


# -- a local workbook ------------------------------------------------------------------------------


def test_workbook_gets_historik_appends_and_nothing_else(
    slack: FakeSlackApi, tmp_path: Path
) -> None:
    path = tmp_path / "finsam.xlsx"
    write_demo_workbook(path, FIRST_MONDAY)
    backend = WorkbookBackend(path)
    before = backend.read_tabs()
    answerer = Answerer(DatasetCache(backend, 60).get, Language("en"), 5, lambda: FIRST_MONDAY)
    for question in QUESTIONS:
        answerer.answer(question, "U0DEMO01")
    for offset in range(len(WEEKS)):
        monday = FIRST_MONDAY + timedelta(weeks=offset)
        assert poster_for(backend, slack, monday).run(monday).outcome == "posted"
    assert poster_for(backend, slack, monday).run(monday).outcome == "already_posted"
    after = backend.read_tabs()
    assert_only_historik_grew(before, after)
    for week in WEEKS:
        assert marks(after[HISTORIK], week) == 1


def test_serve_never_writes_historik_into_the_bundled_demo_workbook(
    slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.server import _weekly_schedule

    settings = settings_for(slack).model_copy(update={"status_channel": CHANNEL})
    cache = DatasetCache(WorkbookBackend(BUNDLED_PATH), 60)
    app = build_app(settings, cache.get)
    with caplog.at_level(logging.INFO):
        assert _weekly_schedule(settings, cache, app) is None
    assert 'event="weekly post off" reason="the bundled demo workbook is read-only"' in log_text(
        caplog.records
    )
