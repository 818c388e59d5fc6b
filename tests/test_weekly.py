"""The weekly post against the local Slack and Sheets stand-ins: exactly once, late, and faults."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import SecretStr

from bot.app import build_client
from bot.cli import EXIT_OK, EXIT_USAGE, main
from bot.config import Settings
from bot.weekly import POST_EVENT, WeeklyPoster, WeeklySchedule
from commands.language import Language
from sheets.backends.google import GoogleSheetBackend, RetryPolicy
from sheets.backends.workbook import WorkbookBackend
from sheets.demo import demo_tabs, write_demo_workbook
from tests.fakes.sheets_api import FakeSheetsApi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.logs import log_text

ZONE = ZoneInfo("Europe/Stockholm")
AS_OF = date(2026, 6, 29)  # a Monday, ISO week 2026-W27
WEEK = "2026-W27"
CHANNEL = "C0STATUS"


@pytest.fixture
def sheets() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi(demo_tabs(AS_OF)) as api:
        yield api


def poster(sheets: FakeSheetsApi, slack: FakeSlackApi, now: datetime | None = None) -> WeeklyPoster:
    backend = GoogleSheetBackend.from_service_account_info(
        sheets.service_account_info(),
        sheets.spreadsheet_id,
        api_url=sheets.url,
        retry=RetryPolicy(max_attempts=2, first_wait=0.01),
        sleep=lambda _: None,
    )
    settings = Settings(slack_bot_token=SecretStr(BOT_TOKEN), slack_api_url=slack.api_url)
    moment = now or datetime(2026, 6, 29, 8, 0, tzinfo=ZONE)
    return WeeklyPoster(
        backend,
        build_client(settings),
        CHANNEL,
        language=Language("sv"),
        small_count_min=5,
        zone=ZONE,
        now=lambda: moment,
    )


def as_json(value: Any) -> Any:
    """A Web API argument as sent: JSON bodies keep objects, form bodies carry JSON text."""
    return json.loads(value) if isinstance(value, str) else value


def historik(sheets: FakeSheetsApi) -> list[list[Any]]:
    return sheets.tabs.get("Historik", [])


def posts(slack: FakeSlackApi) -> list[dict[str, Any]]:
    return [call.params for call in slack.calls("chat.postMessage")]


def test_one_post_with_chart_and_historik_then_nothing(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    before = len(historik(sheets))
    result = poster(sheets, slack).run(AS_OF)
    assert result.outcome == "posted" and result.week == WEEK

    [post] = posts(slack)
    assert post["channel"] == CHANNEL
    assert "Veckostatus 2026-W27" in post["text"]
    assert as_json(post["metadata"])["event_payload"] == {"week": WEEK}
    assert as_json(post["blocks"])[0]["type"] == "header"
    # The chart goes in the post's thread: one channel message per week.
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.params["thread_ts"] == slack.channels[CHANNEL][0]["ts"]
    [upload_url] = slack.calls("files.getUploadURLExternal")
    assert upload_url.params.get("alt_txt", "").startswith("Aktiva deltagare per vecka")
    assert (
        slack.calls("upload")[0].body.startswith(b"\x89PNG")
        or b"PNG" in slack.calls("upload")[0].body[:200]
    )

    rows = historik(sheets)[before:]
    assert sheets.count("append") == 1  # one request for all of the week's rows
    assert {row[0] for row in rows} == {WEEK}
    marks = [row for row in rows if row[2] == "*"]
    assert len(marks) == 1 and marks[0][7].startswith("2026-06-29 08:00")
    assert sum(row[3] for row in rows if row[2] != "*") == marks[0][3]

    again = poster(sheets, slack).run(AS_OF)
    assert again.outcome == "already_posted"
    assert len(posts(slack)) == 1 and sheets.count("append") == 1


def test_the_change_against_last_week_comes_from_historik(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    poster(sheets, slack).run(AS_OF)
    later = poster(sheets, slack, datetime(2026, 7, 6, 8, 0, tzinfo=ZONE)).run(date(2026, 7, 6))
    assert later.outcome == "posted" and later.post is not None
    table = later.post.reply.blocks[1]
    changes = [row[2] for row in table.rows]  # type: ignore[union-attr]
    assert all(change[0] in "▲▼±" for change in changes)


def test_a_missed_monday_posts_once_at_start_marked_late(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    tuesday = datetime(2026, 6, 30, 10, 0, tzinfo=ZONE)
    schedule = WeeklySchedule(poster(sheets, slack, tuesday), "mon 08:00")
    schedule.start()
    try:
        assert slack.wait_for("chat.postMessage", timeout=10)
        assert sheets.wait_for("append", timeout=10)
    finally:
        schedule.stop()
    [post] = posts(slack)
    assert "(sent)" in post["text"] and "kommer sent" in post["text"]

    restart = WeeklySchedule(poster(sheets, slack, tuesday + timedelta(hours=1)), "mon 08:00")
    restart.start()
    try:
        slack.wait_for("chat.postMessage", count=2, timeout=1.0)
    finally:
        restart.stop()
    assert len(posts(slack)) == 1


def test_a_start_before_the_scheduled_time_posts_nothing(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    early = WeeklySchedule(
        poster(sheets, slack, datetime(2026, 6, 29, 7, 0, tzinfo=ZONE)), "mon 08:00"
    )
    early.start()
    try:
        assert early.scheduler is not None
        assert [job.id for job in early.scheduler.get_jobs()] == ["weekly-post"]
    finally:
        early.stop()
    assert posts(slack) == []


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("not_in_channel", "/invite @finsam in STATUS_CHANNEL"),
        ("channel_not_found", "check STATUS_CHANNEL (use the channel ID, C…) and invite the bot"),
    ],
)
def test_bot_not_in_channel_is_logged_with_the_fix_and_nothing_is_recorded(
    sheets: FakeSheetsApi,
    slack: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
    error: str,
    fix: str,
) -> None:
    slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": error})
    with caplog.at_level(logging.ERROR):
        result = poster(sheets, slack).run(AS_OF)
    assert result.outcome == "failed" and "invite" in result.detail
    [line] = log_text(caplog.records).splitlines()
    assert 'event="weekly post not sent"' in line and f"slack_error={error}" in line
    assert fix in line and "week=2026-W27" in line
    assert "Historik" not in sheets.tabs or not any(row[0] == WEEK for row in historik(sheets))
    assert poster(sheets, slack).run(AS_OF).outcome == "posted"  # after someone invites the bot


def test_rate_limited_post_is_retried_after_retry_after(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "1"})
    result = poster(sheets, slack).run(AS_OF)
    assert result.outcome == "posted"
    calls = slack.calls("chat.postMessage")
    assert len(calls) == 2 and calls[1].received_at - calls[0].received_at >= 0.9
    assert len(slack.channels[CHANNEL]) == 1


def test_a_failed_chart_upload_still_posts_the_text(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    slack.fail_next(
        "files.getUploadURLExternal", 200, body={"ok": False, "error": "not_allowed_token_type"}
    )
    result = poster(sheets, slack).run(AS_OF)
    assert result.outcome == "posted"
    assert len(posts(slack)) == 1
    assert any(row[2] == "*" for row in historik(sheets))


def test_a_failed_historik_write_is_completed_next_time_without_a_second_post(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    sheets.fail_next(500, routes=["append"])  # writes are not retried: Google may have written
    first = poster(sheets, slack).run(AS_OF)
    assert first.outcome == "failed"
    assert len(posts(slack)) == 1
    assert not any(row[0] == WEEK for row in historik(sheets))  # never marked posted by mistake

    second = poster(sheets, slack).run(AS_OF)
    assert second.outcome == "recorded"
    assert len(posts(slack)) == 1  # found by its metadata in conversations.history
    assert sum(1 for row in historik(sheets) if row[0] == WEEK and row[2] == "*") == 1
    assert poster(sheets, slack).run(AS_OF).outcome == "already_posted"


def test_the_post_is_found_again_only_by_its_own_metadata(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    slack.channels[CHANNEL] = [
        {
            "ts": "9999999999.000001",
            "text": "Veckostatus 2026-W27",
            "metadata": {"event_type": "other", "event_payload": {"week": WEEK}},
        }
    ]
    assert poster(sheets, slack).run(AS_OF).outcome == "posted"
    assert as_json(posts(slack)[0]["metadata"])["event_type"] == POST_EVENT


def test_cli_weekly_against_the_stand_ins(
    sheets: FakeSheetsApi,
    slack: FakeSlackApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "GOOGLE_SHEET_ID": sheets.spreadsheet_id,
        "GOOGLE_SERVICE_ACCOUNT_JSON": json.dumps(sheets.service_account_info()),
        "GOOGLE_SHEETS_API_URL": sheets.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "STATUS_CHANNEL": CHANNEL,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["weekly", "--as-of", AS_OF.isoformat(), "--dry-run"]) == EXIT_OK
    assert "Veckostatus 2026-W27" in capsys.readouterr().out and posts(slack) == []

    assert main(["weekly", "--as-of", AS_OF.isoformat()]) == EXIT_OK
    assert "postat i C0STATUS" in capsys.readouterr().err
    assert len(posts(slack)) == 1 and len(slack.calls("files.completeUploadExternal")) == 1
    assert any(row[:3] == [WEEK, AS_OF.isoformat(), "*"] for row in historik(sheets))

    assert main(["weekly", "--as-of", AS_OF.isoformat()]) == EXIT_OK
    assert "har redan gått ut" in capsys.readouterr().err
    assert len(posts(slack)) == 1


def test_cli_weekly_on_a_workbook_and_never_on_the_bundled_one(
    slack: FakeSlackApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("STATUS_CHANNEL", CHANNEL)
    assert main(["weekly"]) == EXIT_USAGE  # no WORKBOOK_PATH: the bundled demo is read-only
    assert "--dry-run" in capsys.readouterr().err

    path = tmp_path / "sheet.xlsx"
    write_demo_workbook(path, AS_OF)
    monkeypatch.setenv("WORKBOOK_PATH", str(path))
    assert main(["weekly", "--as-of", AS_OF.isoformat()]) == EXIT_OK
    assert main(["weekly", "--as-of", AS_OF.isoformat()]) == EXIT_OK
    assert len(posts(slack)) == 1
    rows = WorkbookBackend(path).read_tabs()["Historik"]
    assert sum(1 for row in rows if row[:1] == [WEEK] and row[2] == "*") == 1


def test_serve_starts_the_schedule_in_its_worker_and_posts_a_missed_week(
    slack: FakeSlackApi, tmp_path: Path
) -> None:
    """`finsam-bot serve` in HTTP mode: the scheduler runs inside gunicorn's one worker."""
    import os
    import signal
    import subprocess
    import sys

    import requests

    from tests.test_slack_app import ROOT, SIGNING_SECRET, clean_environment, free_port

    today = datetime.now(ZONE).date()
    path = tmp_path / "sheet.xlsx"
    write_demo_workbook(path, today)
    port = free_port()
    env = clean_environment() | {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WORKBOOK_PATH": str(path),
        "STATUS_CHANNEL": CHANNEL,
        "WEEKLY_SCHEDULE": "mon-sun 00:00",  # always already due this week (but at midnight)
        "PORT": str(port),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert slack.wait_for("chat.postMessage", timeout=30), log.read_text()
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        for _ in range(100):
            rows = WorkbookBackend(path).read_tabs().get("Historik", [])
            if any(
                row[2:3] == ["*"]
                and row[0] == f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}"
                for row in rows
            ):
                break
            slack.wait_for("never", timeout=0.1)
        else:
            raise AssertionError(log.read_text())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    assert len(posts(slack)) == 1
    assert "Traceback" not in log.read_text()


# -- faults: a failed post is tried again, and a week is never recorded before its post ------------


def paused_scheduler() -> BackgroundScheduler:
    """A started scheduler that runs nothing by itself: the test runs its jobs."""
    scheduler = BackgroundScheduler(timezone=ZONE)
    scheduler.start(paused=True)
    return scheduler


def test_a_failed_post_is_tried_again_at_the_next_tick_of_the_same_week(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    monday = datetime(2026, 6, 29, 8, 0, tzinfo=ZONE)
    schedule = WeeklySchedule(poster(sheets, slack, monday), "mon 08:00")
    schedule.scheduler = paused_scheduler()
    try:
        slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
        with caplog.at_level(logging.INFO):
            schedule.run_on_schedule()
        retry = schedule.scheduler.get_job("weekly-retry")
        assert retry is not None and retry.next_run_time == monday + timedelta(minutes=30)
        assert 'event="weekly post retry scheduled"' in log_text(caplog.records)
        assert not any(row[0] == WEEK for row in historik(sheets)), "not posted, not recorded"

        retry.func(*retry.args, **retry.kwargs)  # the next tick, after someone invited the bot
    finally:
        schedule.scheduler.shutdown(wait=False)
    [post] = posts(slack)[1:]
    assert "kommer sent" in post["text"], "a retried post is marked late"
    assert sum(1 for row in historik(sheets) if row[0] == WEEK and row[2] == "*") == 1


def test_a_failure_at_the_end_of_the_week_is_not_retried_into_the_next(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    sunday_night = datetime(2026, 7, 5, 23, 45, tzinfo=ZONE)
    schedule = WeeklySchedule(poster(sheets, slack, sunday_night), "sun 23:45")
    schedule.scheduler = paused_scheduler()
    try:
        slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
        schedule.run_on_schedule()
        assert schedule.scheduler.get_job("weekly-retry") is None
    finally:
        schedule.scheduler.shutdown(wait=False)


def test_a_failed_post_goes_out_late_at_the_next_start(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    monday = datetime(2026, 6, 29, 8, 0, tzinfo=ZONE)
    slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": "channel_not_found"})
    assert poster(sheets, slack, monday).run(AS_OF).outcome == "failed"

    restart = WeeklySchedule(poster(sheets, slack, monday + timedelta(hours=2)), "mon 08:00")
    restart.start()
    try:
        assert sheets.wait_for("append", timeout=10)
    finally:
        restart.stop()
    sent = [post for post in posts(slack) if "Veckostatus" in post["text"]]
    assert len(sent) == 2 and "kommer sent" in sent[1]["text"]  # the refused one, the late one
    assert len(slack.channels[CHANNEL]) == 1


def test_slack_unreachable_posts_nothing_records_nothing_and_is_tried_again(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    monday = datetime(2026, 6, 29, 8, 0, tzinfo=ZONE)
    schedule = WeeklySchedule(poster(sheets, slack, monday), "mon 08:00")
    schedule.scheduler = paused_scheduler()
    slack.stop()  # connection refused
    try:
        with caplog.at_level(logging.INFO):
            schedule.run_on_schedule()
        assert schedule.scheduler.get_job("weekly-retry") is not None
    finally:
        schedule.scheduler.shutdown(wait=False)
    assert sheets.count("append") == 0
    lines = log_text(caplog.records)
    assert 'event="weekly post not sent"' in lines and "SLACK_API_URL" in lines
    assert "Traceback" not in lines


def test_a_bug_in_the_weekly_job_is_logged_and_tried_again(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    monday = datetime(2026, 6, 29, 8, 0, tzinfo=ZONE)
    weekly = poster(sheets, slack, monday)
    schedule = WeeklySchedule(weekly, "mon 08:00")
    schedule.scheduler = paused_scheduler()

    def broken(**_: Any) -> Any:
        raise KeyError("19121212-1212 a cell value")

    weekly.run = broken  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.INFO):
            schedule.run_on_schedule()
        assert schedule.scheduler.get_job("weekly-retry") is not None
    finally:
        schedule.scheduler.shutdown(wait=False)
    [error] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    line = log_text([error])
    assert "KeyError at tests/test_weekly.py" in line and "week=2026-W27" in line
    assert "19121212" not in log_text(caplog.records)


def test_a_renamed_deltagare_tab_holds_the_post_instead_of_posting_zeros(
    sheets: FakeSheetsApi, slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    sheets.rename_tab("Deltagare", "Deltagare (kopia)")
    with caplog.at_level(logging.ERROR):
        result = poster(sheets, slack).run(AS_OF)
    assert result.outcome == "failed" and "Fliken Deltagare saknas" in result.detail
    assert posts(slack) == [] and sheets.count("append") == 0
    [line] = log_text(caplog.records).splitlines()
    assert 'event="weekly post not sent"' in line and "error=SheetTabMissing" in line
    assert "rename it back to Deltagare" in line

    sheets.rename_tab("Deltagare (kopia)", "Deltagare")
    assert poster(sheets, slack).run(AS_OF).outcome == "posted"


def test_through_the_bots_cache_the_post_reads_the_sheet_afresh_and_never_posts_an_old_read(
    sheets: FakeSheetsApi, slack: FakeSlackApi
) -> None:
    """In `serve` the week's read goes through the cache (and so its reading process): a read
    started for the post, not the cached one, and a failed read holds the post."""
    from bot.weekly import fresh_read_from
    from sheets.cache import DatasetCache

    base = poster(sheets, slack)
    cache = DatasetCache(base.backend, ttl_seconds=3600)
    cache.get()  # what questions were answered from
    reads = sheets.count("batchGet")
    with_cache = WeeklyPoster(
        base.backend,
        base.client,
        CHANNEL,
        language=Language("sv"),
        small_count_min=5,
        zone=ZONE,
        now=base.now,
        read=fresh_read_from(cache),
    )

    before = [list(row) for row in historik(sheets)]
    sheets.deny_access = True
    failed = with_cache.run(AS_OF)
    assert failed.outcome == "failed" and posts(slack) == [] and historik(sheets) == before
    assert sheets.count("batchGet") > reads, "read afresh, not from the cache"

    sheets.deny_access = False
    assert with_cache.run(AS_OF).outcome == "posted"
    assert len(posts(slack)) == 1 and historik(sheets)[-1][2] == "*"
