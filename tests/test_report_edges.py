"""The period report at the edges: ``finsam-bot report`` on the demo workbook, and ``/finsam
rapport`` through bolt's real dispatch and signature check against the local Slack stand-in,
where the workbook goes to the asker alone, in a DM, after the ack."""

from __future__ import annotations

import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.answers import Answerer
from bot.app import build_client
from bot.cli import EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, main
from bot.config import Settings
from bot.listeners import register
from commands.language import Language
from sheets.backends.workbook import WorkbookBackend
from sheets.dataset import Dataset
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH
from sheets.validate import load_dataset
from tests.fakes.slack_api import (
    RESPONSE_URL,
    SIGNING_SECRET,
    UPLOAD,
    FakeSlackApi,
    event_body,
    signed_headers,
    slash_command_body,
)

AS_OF = BUNDLED_ANCHOR.isoformat()
STAFF = "U0DEMO01"  # Karin Berg, samordnare, on the demo workbook's Personal tab
DM = "D0FINSAMDM"  # the channel the stand-in's conversations.open gives


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- the command line ---------------------------------------------------------------------------


def test_report_writes_the_workbook(
    demo_workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "report", "2026-H1", "--as-of", AS_OF)
    path = tmp_path / "finsam-rapport-2026-H1.xlsx"  # in the working directory
    assert status == EXIT_OK
    assert out.startswith("Rapport 2026-H1: alla insatser")
    assert f"Rapporten är skriven till {path.name}" in out
    assert openpyxl.load_workbook(path).sheetnames[0] == "Sammanfattning"


def test_report_json_is_the_exact_figures(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "report", "--as-of", AS_OF, "--json", "--project", "resam")
    figures = json.loads(out)
    assert status == EXIT_OK
    assert figures["period"]["label"] == "2026-Q3"  # the last full quarter before 23 Nov
    assert [p["code"] for p in figures["projects"]] == ["RESAM"]
    _, text, _ = run(capsys, "figures", "--json", "--as-of", "2026-09-30", "--project", "RESAM")
    [resam] = json.loads(text)["projects"]
    # A period's exits by reason are the year's exits of its days: Q3 = (Jan–Sep) − (Jan–Jun).
    _, text, _ = run(capsys, "figures", "--json", "--as-of", "2026-06-30", "--project", "RESAM")
    [june] = json.loads(text)["projects"]
    assert figures["projects"][0]["period"]["exited"] == resam["exited_ytd"] - june["exited_ytd"]


def test_report_json_to_a_file(
    demo_workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rapport.json"
    status, _, _ = run(capsys, "report", "2026", "--as-of", AS_OF, "--json", "--out", str(out))
    assert status == EXIT_OK
    assert json.loads(out.read_text(encoding="utf-8"))["period"]["counted_through"] == AS_OF


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (("report", "2026-H3"), EXIT_USAGE, "Jag förstår inte perioden 2026-H3"),
        (("report", "2027"), EXIT_USAGE, "har inte börjat"),
        (("report", "--project", "RESAMM"), EXIT_USAGE, "Menade du RESAM?"),
        (("report", "--out", "rapport.txt"), EXIT_USAGE, "ska sluta på .xlsx"),
        (("report", "--out", "/nonexistent/dir/r.xlsx"), EXIT_OUTPUT, "kan inte skriva"),
    ],
)
def test_report_mistakes_end_in_one_line(
    demo_workbook: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    status: int,
    message: str,
) -> None:
    code, _, err = run(capsys, *argv, "--as-of", AS_OF)
    assert code == status
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# -- Slack --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())


def make_app(slack: FakeSlackApi, demo: Dataset) -> App:
    """The bot's listeners on a bolt App, answering as of the demo's anchor (not today)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
    )
    app = App(
        client=build_client(settings),
        signing_secret=SIGNING_SECRET,
        process_before_response=False,
    )
    answerer = Answerer(lambda: demo, Language("sv"), 5, lambda: BUNDLED_ANCHOR)
    register(app, answerer, ThreadPoolExecutor(4))
    return app


def dispatch(app: App, body: bytes, content_type: str) -> tuple[int, float]:
    headers = signed_headers(body, content_type)
    request = BoltRequest(
        body=body.decode(), headers={key.lower(): [value] for key, value in headers.items()}
    )
    started = time.monotonic()
    response = app.dispatch(request)
    return response.status, time.monotonic() - started


def test_rapport_sends_the_workbook_to_the_asker_in_a_dm(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, demo)
    body = slash_command_body("rapport 2026-H1 dela", slack.response_url("report"), user_id=STAFF)
    status, elapsed = dispatch(app, body, "application/x-www-form-urlencoded")
    assert status == 200 and elapsed < 1.0  # the ack does not wait for the workbook
    [response] = slack.wait_for(RESPONSE_URL, name="report", timeout=10)
    text = json.dumps(response.params, ensure_ascii=False)
    assert "Rapport 2026-H1: alla insatser" in text
    assert "skickat till dig i ett direktmeddelande" in text
    [opened] = slack.calls("conversations.open")
    assert opened.params["users"] == STAFF
    [upload] = slack.calls(UPLOAD)
    workbook = openpyxl.load_workbook(io.BytesIO(upload.body))
    assert workbook.sheetnames[0] == "Sammanfattning"
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == DM  # the asker's DM, never the channel
    assert json.loads(complete.params["files"])[0]["title"] == "Rapport 2026-H1"
    assert complete.received_at < response.received_at  # the reply says where the file is


def test_rapport_in_a_dm(slack: FakeSlackApi, demo: Dataset) -> None:
    app = make_app(slack, demo)
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": STAFF,
        "text": "rapport 2026-Q2 RESAM",
        "ts": "1790000000.000200",
    }
    status, _ = dispatch(app, event_body(event, "Ev0REPORT"), "application/json")
    assert status == 200
    [posted] = slack.wait_for("chat.postMessage", timeout=10)
    assert posted.params["channel"] == DM
    assert "RESAM" in json.dumps(posted.params, ensure_ascii=False)
    [upload] = slack.calls(UPLOAD)
    gender = openpyxl.load_workbook(io.BytesIO(upload.body))["Kön"]
    assert gender.cell(7, 1).value == "RESAM" and gender.cell(8, 1).value is None


def test_a_file_that_cannot_be_sent_is_said_and_logged(
    slack: FakeSlackApi, demo: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail_next("files.getUploadURLExternal", 200, body={"ok": False, "error": "missing_scope"})
    app = make_app(slack, demo)
    body = slash_command_body("rapport 2026-H1", slack.response_url("nofile"), user_id=STAFF)
    with caplog.at_level(logging.WARNING, logger="bot.listeners"):
        dispatch(app, body, "application/x-www-form-urlencoded")
        [response] = slack.wait_for(RESPONSE_URL, name="nofile", timeout=10)
    assert "gick inte att skicka" in json.dumps(response.params, ensure_ascii=False)
    assert response.params["response_type"] == "ephemeral"
    [record] = [r for r in caplog.records if r.getMessage() == "report file not sent"]
    assert record.slack_error == "missing_scope"  # type: ignore[attr-defined]


def test_a_bad_period_in_slack_gets_a_private_reply_and_no_file(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, demo)
    body = slash_command_body("rapport 2026-H7 dela", slack.response_url("bad"), user_id=STAFF)
    dispatch(app, body, "application/x-www-form-urlencoded")
    [response] = slack.wait_for(RESPONSE_URL, name="bad", timeout=10)
    assert "Jag förstår inte perioden" in json.dumps(response.params, ensure_ascii=False)
    assert response.params["response_type"] == "ephemeral"
    assert slack.calls(UPLOAD) == [] and slack.calls("conversations.open") == []
