"""End to end in Socket Mode: ``finsam-bot serve`` with SLACK_APP_TOKEN connects to the local
Slack stand-in's WebSocket, acknowledges each envelope at once and answers after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sheets.backends.workbook import WorkbookBackend
from sheets.dataset import Dataset
from sheets.demo import write_demo_workbook
from sheets.validate import load_dataset
from tests.fakes.slack_api import (
    BOT_USER_ID,
    RESPONSE_URL,
    FakeSlackApi,
    event_callback,
    slash_command_fields,
    socket_envelope,
)
from tests.test_slack_app import (
    ACK_LIMIT_SECONDS,
    ROOT,
    STAFF,
    TIMEZONE,
    block_texts,
    clean_environment,
    expected,
    expected_figures,
    figures,
    today,
)


@dataclass
class SocketServer:
    process: subprocess.Popen[bytes]
    log: Path


def serve_env(slack: FakeSlackApi, workbook: Path, app_token: str) -> dict[str, str]:
    return clean_environment() | {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": slack.api_url,
        "WORKBOOK_PATH": str(workbook),
        "TIMEZONE": TIMEZONE,
        "FINSAM_LANGUAGE": "sv",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "finsam.xlsx"
    write_demo_workbook(path, today())
    return path


@pytest.fixture(scope="module")
def data(workbook: Path) -> Dataset:
    return load_dataset(WorkbookBackend(workbook).read_tabs())


@pytest.fixture(scope="module")
def server(
    slack: FakeSlackApi, workbook: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketServer]:
    workdir = tmp_path_factory.mktemp("socket")
    log = workdir / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=workdir,
            env=serve_env(slack, workbook, slack.app_token),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    if not slack.wait_for_socket(timeout=30):
        process.kill()
        pytest.fail(f"finsam-bot serve did not connect over Socket Mode:\n{log.read_text()}")
    yield SocketServer(process, log)
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=15) == 0, log.read_text()
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"finsam-bot serve did not stop on SIGTERM:\n{log.read_text()}")
    server_log = log.read_text()
    assert "Traceback" not in server_log, server_log
    for secret in ("RESAM", "Lindqvist", slack.bot_token, slack.app_token):
        assert secret not in server_log, f"{secret!r} in the server's log:\n{server_log}"


@pytest.fixture(autouse=True)
def fresh_calls(slack: FakeSlackApi) -> None:
    slack.clear()


def test_a_slash_command_over_the_socket_is_acked_and_answered(
    server: SocketServer, slack: FakeSlackApi, data: Dataset
) -> None:
    fields = slash_command_fields("deltagare RESAM dela", slack.response_url("socket-resam"))
    started = time.monotonic()
    slack.socket_send(socket_envelope("slash_commands", dict(fields), "env-resam-1"))
    ack = slack.wait_for_socket_ack("env-resam-1", timeout=ACK_LIMIT_SECONDS)
    assert ack is not None, "no ack within 3 seconds"
    assert time.monotonic() - started < ACK_LIMIT_SECONDS
    calls = slack.wait_for(RESPONSE_URL, name="socket-resam")
    assert len(calls) == 1
    message = calls[0].params
    assert message["response_type"] == "in_channel"
    assert figures("\n".join(block_texts(message["blocks"]))) == expected_figures(
        expected(data, "deltagare RESAM")
    )


def test_a_mention_over_the_socket_is_answered_once_in_its_thread(
    server: SocketServer, slack: FakeSlackApi, data: Dataset
) -> None:
    event = {
        "type": "app_mention",
        "user": STAFF,
        "text": f"<@{BOT_USER_ID}> läge",
        "ts": "1790000000.000700",
        "channel": "C0FINSAM",
    }
    body = event_callback(event, "Ev0SOCKET1")
    slack.socket_send(socket_envelope("events_api", body, "env-mention-1"))
    slack.socket_send(socket_envelope("events_api", body, "env-mention-2", retry=1))
    assert slack.wait_for_socket_ack("env-mention-1") is not None
    assert slack.wait_for_socket_ack("env-mention-2") is not None
    posts = slack.wait_for("chat.postEphemeral")  # no dela: only the asker sees it
    time.sleep(0.5)
    assert len(slack.calls("chat.postEphemeral")) == 1, "a retried event is answered once"
    assert slack.calls("chat.postMessage") == []
    assert posts[0].params["thread_ts"] == "1790000000.000700"
    assert posts[0].params["user"] == STAFF
    assert figures("\n".join(block_texts(posts[0].params["blocks"]))) == expected_figures(
        expected(data, "läge")
    )


def test_a_refused_app_token_stops_serve_with_a_message(
    slack: FakeSlackApi, workbook: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=serve_env(slack, workbook, "xapp-1-revoked"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in result.stderr
    assert "xapp-1-revoked" not in result.stderr
