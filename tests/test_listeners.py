"""The Slack app in-process: bolt's real dispatch and signature check, the app's real WebClient
against the local Slack stand-in, and sheets that are slow, unreachable or trip a bug.

The end-to-end tests (test_slack_app.py) run the same app under gunicorn; these look closer at
what happens when something goes wrong, and at the order of the ack and the sheet read.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.answers import Answerer
from bot.app import ANSWER_THREADS, build_app
from bot.cli import main
from bot.config import Settings, environment_names
from bot.listeners import RecentEvents
from bot.logs import describe_exception
from commands.language import Language
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH, demo_tabs
from sheets.errors import SheetUnavailable
from sheets.validate import load_dataset
from tests.fakes.slack_api import (
    BOT_USER_ID,
    RESPONSE_URL,
    SIGNING_SECRET,
    FakeSlackApi,
    event_body,
    signed_headers,
    slash_command_body,
)
from tests.logs import log_line, log_text

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
STAFF = "U0DEMO01"
#: What a cell of the sheet might hold; it must never reach a log line.
CELL_VALUE = "19121212-1212 Anna Lindqvist"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the environment or a developer's .env (bolt's remove_os_env_temporarily)."""
    names = environment_names()
    for key in list(os.environ):
        if key.upper() in names or key.upper().startswith(("SLACK_", "GOOGLE_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return DatasetCache(WorkbookBackend(BUNDLED_PATH), 3600).get()


def settings_for(slack: FakeSlackApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "language": "sv",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_app(slack: FakeSlackApi, load: Callable[[], Dataset], **overrides: Any) -> App:
    app = build_app(settings_for(slack, **overrides), load)
    return app


def dispatch(app: App, body: bytes, content_type: str, **signing: Any) -> tuple[int, float]:
    """Send a signed request through bolt's dispatch; return the status and the time to ack."""
    headers = signed_headers(body, content_type, **signing)
    request = BoltRequest(
        body=body.decode(), headers={key.lower(): [value] for key, value in headers.items()}
    )
    started = time.monotonic()
    response = app.dispatch(request)
    return response.status, time.monotonic() - started


def slash(app: App, slack: FakeSlackApi, text: str, name: str, user_id: str = STAFF) -> float:
    status, elapsed = dispatch(
        app, slash_command_body(text, slack.response_url(name), user_id=user_id), FORM
    )
    assert status == 200
    return elapsed


def mention(app: App, text: str, event_id: str, user: str = STAFF) -> None:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1790000000.000100",
        "channel": "C0FINSAM",
    }
    status, _ = dispatch(app, event_body(event, event_id), JSON)
    assert status == 200


def test_the_ack_does_not_wait_for_the_sheet(slack: FakeSlackApi, demo: Dataset) -> None:
    read_started = threading.Event()

    def slow_sheet() -> Dataset:
        read_started.set()
        time.sleep(1.5)
        return demo

    app = make_app(slack, slow_sheet)
    elapsed = slash(app, slack, "läge", "slow")
    assert elapsed < 0.5, "the ack went back before the sheet was read"
    assert read_started.wait(2)
    assert slack.calls(RESPONSE_URL, "slow") == []
    calls = slack.wait_for(RESPONSE_URL, name="slow", timeout=5)
    assert len(calls) == 1
    assert calls[0].params["blocks"][0]["type"] == "header"


def test_many_questions_during_a_slow_read_are_all_acked_at_once(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    def slow_sheet() -> Dataset:
        time.sleep(1.0)
        return demo

    app = make_app(slack, slow_sheet)
    # More than the answering threads: each answer holds one while the sheet is read, and the
    # acks come from threads of their own, so none waits for a free one.
    questions = ANSWER_THREADS + 10
    acks = [slash(app, slack, "mål", f"busy-{i}") for i in range(questions)]
    assert max(acks) < 0.5
    assert len(slack.wait_for(RESPONSE_URL, questions, timeout=10)) == questions


def test_an_unreachable_sheet_gets_a_reply_that_says_so(slack: FakeSlackApi) -> None:
    def unreachable() -> Dataset:
        raise SheetUnavailable(
            "Google Sheets did not answer in time.", "Google Kalkylark svarade inte i tid."
        )

    app = make_app(slack, unreachable)
    slash(app, slack, "läge dela", "down")
    message = slack.wait_for(RESPONSE_URL, name="down")[0].params
    assert message["response_type"] == "ephemeral"
    assert "Google Kalkylark svarar inte just nu" in message["text"]
    assert "i tid" not in message["text"], "the operator's detail stays in the log"


def test_a_bug_gets_an_apology_and_one_log_line_without_cell_values(
    slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    def buggy() -> Dataset:
        raise KeyError(CELL_VALUE)

    app = make_app(slack, buggy, language="en")
    with caplog.at_level(logging.INFO):
        slash(app, slack, "deltagare RESAM", "bug")
        message = slack.wait_for(RESPONSE_URL, name="bug")[0].params
    assert message["response_type"] == "ephemeral"
    assert "Something went wrong" in message["text"]
    assert "coordinator has been told" in message["text"]
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    line = log_line(errors[0])
    assert "KeyError" in line and "test_listeners.py" in line
    assert "19121212" not in caplog.text and "Anna" not in caplog.text
    assert errors[0].exc_info is None, "no traceback with the exception's message in the log"


def test_a_failing_slack_api_is_retried_then_logged_once(
    slack: FakeSlackApi, demo: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(slack, lambda: demo)
    slack.fail_next("chat.postMessage", 500, times=3)
    with caplog.at_level(logging.INFO):
        mention(app, "läge dela", "Ev0FAIL1")
        calls = slack.wait_for("chat.postMessage", 3, timeout=10)
        deadline = time.monotonic() + 5
        while not any(r.levelno >= logging.ERROR for r in caplog.records):
            assert time.monotonic() < deadline, "the error handler logged nothing"
            time.sleep(0.02)
    assert len(calls) == 3, "one call and two retries of a 500"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "app_mention event" in log_line(errors[0])
    assert "SlackApiError" in log_line(errors[0])


@pytest.mark.parametrize(
    ("route", "question", "channel_type"),
    [
        ("chat.postMessage", "mål dela", "channel"),  # a shared answer to a mention
        ("chat.postEphemeral", "hjälp", "channel"),  # a private answer to a mention
        ("chat.postMessage", "läge", "im"),  # an answer in a DM
    ],
)
def test_a_rate_limited_answer_is_sent_after_retry_after(
    slack: FakeSlackApi,
    demo: Dataset,
    caplog: pytest.LogCaptureFixture,
    route: str,
    question: str,
    channel_type: str,
) -> None:
    app = make_app(slack, lambda: demo)
    slack.fail_next(route, 429, headers={"Retry-After": "1"})
    with caplog.at_level(logging.INFO):
        if channel_type == "im":
            event = {
                "type": "message",
                "channel_type": "im",
                "channel": "D0FINSAMDM",
                "user": STAFF,
                "text": question,
                "ts": "1790000000.000100",
            }
            status, _ = dispatch(app, event_body(event, "Ev0RATEDM"), JSON)
            assert status == 200
        else:
            mention(app, question, f"Ev0RATE{route}")
        calls = slack.wait_for(route, 2, timeout=5)
    assert len(calls) == 2, "one 429, then the answer"
    assert calls[1].received_at - calls[0].received_at >= 0.9, "Retry-After was honoured"
    assert calls[1].params["thread_ts"] == "1790000000.000100"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_response_url_that_refuses_the_answer_is_logged(
    slack: FakeSlackApi, demo: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(slack, lambda: demo)
    slack.fail_next(RESPONSE_URL, 404, body="expired_url")
    with caplog.at_level(logging.INFO):
        slash(app, slack, "läge", "expired")
        assert slack.wait_for(RESPONSE_URL, name="expired")
        deadline = time.monotonic() + 5
        while not caplog.records:
            assert time.monotonic() < deadline, "nothing logged"
            time.sleep(0.01)
    [line] = log_text(caplog.records).splitlines()
    assert "level=WARNING" in line and 'event="answer not delivered"' in line
    assert "http_status=404" in line


def test_a_private_answer_to_a_mention_is_ephemeral_in_the_thread(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, lambda: demo)
    mention(app, "hjälp", "Ev0HELP1")
    calls = slack.wait_for("chat.postEphemeral")
    assert len(calls) == 1
    assert calls[0].params["user"] == STAFF
    assert calls[0].params["thread_ts"] == "1790000000.000100"
    assert slack.calls("chat.postMessage") == []


def test_a_mention_is_answered_privately_in_its_thread_unless_dela(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, lambda: demo)
    mention(app, "läge", "Ev0PRIVATE1")
    [private] = slack.wait_for("chat.postEphemeral")
    assert private.params["user"] == STAFF
    assert private.params["thread_ts"] == "1790000000.000100"
    assert slack.calls("chat.postMessage") == []

    mention(app, "läge dela", "Ev0SHARED1")
    [shared] = slack.wait_for("chat.postMessage")
    assert shared.params["thread_ts"] == "1790000000.000100"
    assert shared.params["blocks"] == private.params["blocks"], "the same answer, for everyone"
    assert len(slack.calls("chat.postEphemeral")) == 1


def direct_message(app: App, event_id: str, **fields: Any) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0FINSAMDM",
        "user": STAFF,
        "text": "läge",
        "ts": "1790000000.000100",
    } | fields
    status, _ = dispatch(app, event_body(event, event_id), JSON)
    assert status == 200


def test_slackbot_gets_no_reply_and_a_file_with_a_question_is_answered(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, lambda: demo)
    files = [{"id": "F0FINSAM1", "name": "lista.xlsx"}]
    direct_message(app, "Ev0SLACKBOT1", user="USLACKBOT", text="läge")
    direct_message(app, "Ev0FILEONLY1", subtype="file_share", text="", files=files)
    direct_message(
        app, "Ev0FILE1", subtype="file_share", text="mål", files=files, ts="1790000000.000300"
    )
    [answer] = slack.wait_for("chat.postMessage")
    assert answer.params["thread_ts"] == "1790000000.000300"
    assert answer.params["blocks"][0]["text"]["text"].startswith("Mål")
    time.sleep(0.3)
    assert len(slack.calls("chat.postMessage")) == 1, "Slackbot and a bare file get no reply"


OTHER_EVENTS = [
    {"type": "app_home_opened", "user": STAFF, "channel": "D0FINSAMDM", "tab": "messages"},
    {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER_ID]}},
    {"type": "app_uninstalled"},
    {"type": "member_joined_channel", "user": STAFF, "channel": "C0FINSAM"},
    {"type": "reaction_added", "user": STAFF, "reaction": "eyes", "item": {"type": "message"}},
]


@pytest.mark.parametrize("event", OTHER_EVENTS, ids=[e["type"] for e in OTHER_EVENTS])
def test_events_the_bot_does_not_handle_are_acked_quietly(
    slack: FakeSlackApi, demo: Dataset, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    app = make_app(slack, lambda: demo)
    with caplog.at_level(logging.INFO):
        status, _ = dispatch(app, event_body(event, f"Ev0{event['type']}"), JSON)
    assert status == 200
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    [line] = log_text(caplog.records).splitlines()
    assert f'event="request not handled" request="{event["type"]} event"' in line
    time.sleep(0.1)
    assert [call for call in slack.calls() if call.route != "auth.test"] == []


def sheet_without_personal(title: str | None) -> Dataset:
    """The demo sheet with its Personal tab renamed to `title`, or deleted (None)."""
    tabs = demo_tabs(BUNDLED_ANCHOR)
    personal = tabs.pop("Personal")
    if title is not None:
        tabs[title] = personal
    return load_dataset(tabs)


@pytest.mark.parametrize("title", [None, "Personalen", "Behöriga"])
def test_without_a_personal_tab_everyone_is_refused_and_the_log_says_what_to_fix(
    slack: FakeSlackApi, caplog: pytest.LogCaptureFixture, title: str | None
) -> None:
    data = sheet_without_personal(title)
    app = make_app(slack, lambda: data)
    with caplog.at_level(logging.INFO):
        for number, user in enumerate((STAFF, "U0DEMO02", "U0NOTSTAFF")):
            slash(app, slack, "läge dela", f"closed-{number}", user_id=user)
        messages = [slack.wait_for(RESPONSE_URL, name=f"closed-{n}")[0].params for n in range(3)]
        mention(app, "deltagare RESAM", "Ev0CLOSED1")
        [in_thread] = slack.wait_for("chat.postEphemeral")
    for message in [*messages, in_thread.params]:
        assert message.get("response_type", "ephemeral") == "ephemeral"
        text = message["text"]
        assert "fliken Personal" in text and "saknas" in text and "samordnaren" in text
        assert not re.search(r"\d", text), "no figures"
        assert "```" not in json.dumps(message["blocks"])
    assert slack.calls("chat.postMessage") == []
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    [line] = log_text(errors).splitlines()  # once, not once per question
    assert "level=ERROR" in line and 'event="access closed"' in line
    assert "Personal" in line and "OPEN_ACCESS=true" in line and "rename it back" in line


def test_open_access_answers_everyone_without_a_personal_tab(slack: FakeSlackApi) -> None:
    data = sheet_without_personal(None)
    app = make_app(slack, lambda: data, open_access=True)
    slash(app, slack, "läge", "open", user_id="U0NOTSTAFF")
    message = slack.wait_for(RESPONSE_URL, name="open")[0].params
    assert "```" in json.dumps(message["blocks"]), "the figures"
    assert "Personal" not in message["text"]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("fault", ["missing", "corrupt", "not an xlsx", "a folder"])
def test_a_missing_or_corrupt_workbook_is_explained_without_the_servers_details(
    slack: FakeSlackApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    language: str,
) -> None:
    folder = tmp_path / "srv" / "finsam"
    folder.mkdir(parents=True)
    path = folder / ("finsam.csv" if fault == "not an xlsx" else "finsam.xlsx")
    if fault == "corrupt":
        path.write_bytes(b"PK\x03\x04 not really a zip file")
    elif fault == "not an xlsx":
        path.write_text("Kod;Namn\nRESAM;Resursteam\n", encoding="utf-8")
    elif fault == "a folder":
        path.mkdir()
    app = make_app(slack, DatasetCache(WorkbookBackend(path), 60).get, language=language)
    with caplog.at_level(logging.INFO):
        slash(app, slack, "läge dela", "broken")
        message = slack.wait_for(RESPONSE_URL, name="broken")[0].params
    assert message["response_type"] == "ephemeral"
    shown = json.dumps(message, ensure_ascii=False)
    for server_detail in (
        str(tmp_path),
        path.name,
        "WORKBOOK_PATH",
        "finsam-bot",
        "demo-data",
        ".xlsx",
        "zip",
        "Errno",
        "openpyxl",
    ):
        assert server_detail not in shown, server_detail
    who = "Den som driver boten" if language == "sv" else "Whoever runs the bot"
    assert who in message["text"]
    # The operator's log has what the asker was spared: the path and what to do.
    log = log_text(caplog.records)
    assert str(path) in log
    if fault == "missing":
        assert "WORKBOOK_PATH" in log and "demo-data" in log


def test_the_weekly_preview_stays_private_even_with_dela(
    slack: FakeSlackApi, demo: Dataset
) -> None:
    app = make_app(slack, lambda: demo)
    slash(app, slack, "vecka dela", "preview")
    message = slack.wait_for(RESPONSE_URL, name="preview")[0].params
    assert message["response_type"] == "ephemeral"


def test_mig_is_the_asker(slack: FakeSlackApi, demo: Dataset) -> None:
    app = make_app(slack, lambda: demo)
    slash(app, slack, "deltagare mig", "me", user_id="U0DEMO02")
    message = slack.wait_for(RESPONSE_URL, name="me")[0].params
    assert "Anna Lindqvist" in message["blocks"][0]["text"]["text"]


def test_recent_events_remember_a_bounded_number() -> None:
    events = RecentEvents(size=3)
    assert events.first_time("Ev1")
    assert not events.first_time("Ev1")
    for event_id in ("Ev2", "Ev3", "Ev4"):
        assert events.first_time(event_id)
    assert events.first_time("Ev1"), "the oldest was forgotten"
    assert len(events._seen) == 3


def test_describe_exception_names_the_place_not_the_message() -> None:
    try:
        {}[CELL_VALUE]
    except KeyError as error:
        line = describe_exception(error)
    assert line.startswith("KeyError at tests/test_listeners.py:")
    assert "19121212" not in line


def test_answerer_never_raises(demo: Dataset) -> None:
    answerer = Answerer(lambda: demo, Language("en"), 5, lambda: BUNDLED_ANCHOR)
    for text in ("", "   ", "<@U0FINSAMBOT>", "deltagare 19121212-1212", "x" * 5000, "dela"):
        result = answerer.answer(text, STAFF)
        assert result.reply.title
        assert "19121212" not in result.reply.as_text()


# -- finsam-bot serve: what it says when it cannot start ------------------------------------------


def test_serve_without_a_bot_token_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set" in err


def test_serve_in_http_mode_needs_the_signing_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-used")
    assert main(["serve"]) == 2
    assert "SLACK_SIGNING_SECRET is not set" in capsys.readouterr().err


def test_serve_with_a_refused_token_says_so(
    slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "refused SLACK_BOT_TOKEN" in err and "invalid_auth" in err
    assert "xoxb-revoked" not in err
