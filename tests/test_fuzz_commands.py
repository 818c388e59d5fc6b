"""Fuzzed command text: whatever people type after ``/finsam``, in a mention or in a DM, the bot
replies (an answer, the help text or a clear error), never raises, never shows a stack trace, and
never repeats a personnummer.

Twice over: through ``commands.dispatch.answer`` on the demo Dataset, and through the real Slack
app in-process (bolt's dispatch with signed requests, the bot's listeners and Answerer, its real
WebClient posting to the local Slack stand-in), reading the reply the stand-in received.

`make test` runs 150 examples per property; `make fuzz` 10 000 with a fixed seed
(HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from slack_bolt import App

from bot.app import build_app
from bot.blocks import MAX_BLOCKS, render_reply
from bot.config import Settings
from commands.context import Context
from commands.dispatch import HELP, answer
from commands.language import Language
from commands.parse import SHARE_WORDS, SUBCOMMANDS
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH
from sheets.identity import contains_identity_number
from tests.fakes.slack_api import (
    BOT_USER_ID,
    RESPONSE_URL,
    SIGNING_SECRET,
    FakeSlackApi,
    event_body,
    slash_command_body,
)
from tests.test_listeners import FORM, JSON, dispatch

DEMO: Dataset = DatasetCache(WorkbookBackend(BUNDLED_PATH), 3600).get()
#: Staff on the demo's Personal tab (a coordinator, a caseworker) and someone not on it.
USERS = ("U0DEMO01", "U0DEMO02", "U0NOTSTAFF")
#: What a bug looks like to the asker: the Answerer's apology.
APOLOGIES = ("Något gick fel", "Something went wrong")
#: Slack's special mentions: the bot must never ping a channel with words someone typed.
SPECIAL_MENTIONS = ("<!channel", "<!here", "<!everyone", "<!subteam")

# -- what people type ------------------------------------------------------------------------------


def _luhn_digit(nine: str) -> str:
    total = 0
    for position, char in enumerate(nine):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


@st.composite
def identity_numbers(draw: st.DrawFn) -> str:
    """A valid personnummer or samordningsnummer, written in any of the ways the sheet rules allow."""
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    day = born.day + (60 if draw(st.booleans()) else 0)  # samordningsnummer: day + 60
    short = f"{born:%y%m}{day:02d}"
    serial = f"{draw(st.integers(0, 999)):03d}"
    last_four = serial + _luhn_digit(short + serial)
    century = draw(st.booleans())
    separator = draw(st.sampled_from(["", "-", "+"]))
    number = f"{born.year // 100}{short}" if century else short
    return f"{number}{separator}{last_four}"


SUBCOMMAND_WORDS = sorted({word for words in SUBCOMMANDS.values() for word in words})
ARGUMENT_WORDS = sorted(
    {row.kod for row in DEMO.insatser}
    | {"resam", "RESAM,", "NOPE", "RESAN", "mig", "me", "Fagersta", "norberg", "kommun"}
    | {"Anna", "Lindqvist", "Anna Lindqvist", "<@U0DEMO02>", "<@U0DEMO03|johan>", "U0DEMO03"}
    | {"@anna", f"<@{BOT_USER_ID}>", *SHARE_WORDS}
)
KNOWN_WORDS = sorted({*SUBCOMMAND_WORDS, *ARGUMENT_WORDS, "/finsam", "finsam", "@finsam"})
ODD_TOKENS = [
    "<!channel>",
    "<!here|here>",
    "<!subteam^S123|team>",
    "<#C0FINSAM|finsam>",
    "<https://evil.example|klicka>",
    "```",
    "*fet*",
    "_kursiv_",
    "~",
    "&amp;",
    "&lt;",
    "<",
    ">",
    "&",
    "\u200b",
    "\u202e",
    "\ufeff",
    "🙂",
    "x" * 3000,
    "dela dela",
    "'; DROP TABLE deltagare; --",
    "{{7*7}}",
    "%s%s%n",
    "\\",
    "\x00",
    "Traceback",
]
tokens = st.one_of(
    st.sampled_from(KNOWN_WORDS),
    st.sampled_from(ODD_TOKENS),
    identity_numbers(),
    st.text(max_size=20),
    st.text(alphabet="0123456789-+ ", max_size=14),
)


@st.composite
def first_words(draw: st.DrawFn) -> str:
    """The first word: mostly a subcommand (any case) or an insats code, so that every command's
    arguments are fuzzed, not only the help text for an unknown word."""
    kind = draw(st.integers(0, 9))
    if kind < 6:
        word = draw(st.sampled_from(SUBCOMMAND_WORDS))
        return word.upper() if kind == 5 else word
    if kind < 8:
        return draw(st.sampled_from(ARGUMENT_WORDS))
    return draw(tokens)


arguments = st.one_of(st.sampled_from(ARGUMENT_WORDS), tokens)
prefixes = st.sampled_from(["", "", "", "/finsam ", "finsam ", f"<@{BOT_USER_ID}> ", "dela "])
separators = st.sampled_from([" ", " ", " ", "  ", "\n", "\t", "\u00a0", ", ", ""])


@st.composite
def command_texts(draw: st.DrawFn) -> str:
    """Text as people type it: a few words, known or not, joined as people join them."""
    words = [draw(first_words()), *draw(st.lists(arguments, max_size=6))]
    text = draw(prefixes)
    for word in words:
        text += word + draw(separators)
    return text if draw(st.booleans()) else text.strip()


def _shows(number: str, text: str) -> bool:
    """Whether `text` holds `number` (with or without its separator) as a number of its own.

    Inside a longer run of digits it is no personnummer, and such a run may be echoed.
    """
    forms = {number, number.replace("-", "").replace("+", "")}
    return any(re.search(rf"(?<!\d){re.escape(form)}(?!\d)", text) for form in forms)


def _assert_a_reply_to_show(text: str, typed: str) -> None:
    """The reply says something, is not an apology for a bug, and repeats nothing forbidden."""
    assert text.strip(), "an empty reply"
    assert "Traceback" not in text or "Traceback" in typed
    for apology in APOLOGIES:
        assert apology not in text, f"a bug answering {typed!r}"
    assert not contains_identity_number(text), f"a personnummer in the reply to {typed!r}"


# -- through the commands --------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(command_texts(), st.sampled_from(["sv", "en"]), st.sampled_from([*USERS, None]))
def test_any_text_gets_a_reply(text: str, language: str, user: str | None) -> None:
    context = Context(BUNDLED_ANCHOR, Language(language), 5, user)
    reply = answer(DEMO, text, context)
    assert reply.title
    shown = reply.as_text()
    _assert_a_reply_to_show(shown, text)
    message = render_reply(reply, context.language)
    assert 1 <= len(message.blocks) <= MAX_BLOCKS
    assert not contains_identity_number(json.dumps(message.blocks, ensure_ascii=False))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    command_texts(),
    identity_numbers(),
    st.integers(min_value=0),
    st.sampled_from(["sv", "en"]),
)
def test_a_personnummer_typed_anywhere_is_never_repeated(
    text: str, number: str, where: int, language: str
) -> None:
    words = text.split(" ")
    words.insert(where % (len(words) + 1), number)
    typed = " ".join(words)
    reply = answer(DEMO, typed, Context(BUNDLED_ANCHOR, Language(language), 5, USERS[0]))
    shown = reply.as_text()
    assert not _shows(number, shown)
    _assert_a_reply_to_show(shown, typed)


def test_every_subcommand_word_is_fuzzed() -> None:
    """The strategy reaches every subcommand (and its help), not only unknown words."""
    assert set(HELP) == set(SUBCOMMANDS)
    for words in SUBCOMMANDS.values():
        assert set(words) <= set(KNOWN_WORDS)


# -- through the Slack app ---------------------------------------------------------------------------


class _Errors(logging.Handler):
    """Collects ERROR records (the app's error handler logs a listener that raised)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture(scope="module")
def app(slack: FakeSlackApi) -> App:
    settings_ = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(slack.bot_token),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
    )
    return build_app(settings_, lambda: DEMO)


@pytest.fixture(scope="module")
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


_numbers = itertools.count(1)
REPLY_ROUTES = (RESPONSE_URL, "chat.postMessage", "chat.postEphemeral")


def _the_reply(slack: FakeSlackApi, timeout: float = 10.0) -> dict[str, Any]:
    """Wait for the one reply the stand-in receives; return what was posted."""
    deadline = time.monotonic() + timeout
    while True:
        replies = [call for call in slack.calls() if call.route in REPLY_ROUTES]
        if replies or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    assert len(replies) == 1, [call.route for call in replies]
    params = replies[0].params
    return {
        key: json.loads(value) if key == "blocks" and isinstance(value, str) else value
        for key, value in params.items()
    }


def _mrkdwn(value: Any) -> Iterator[str]:
    """Yield every text of `value` (blocks) that Slack reads as markup: mentions there ping.

    ``plain_text`` (the header) shows ``<!channel>`` as it is, without pinging anyone.
    """
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from _mrkdwn(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mrkdwn(item)


def _ask_in_slack(app: App, slack: FakeSlackApi, surface: str, text: str, user: str) -> None:
    number = next(_numbers)
    if surface == "command":
        body = slash_command_body(text, slack.response_url(f"fuzz-{number}"), user_id=user)
        status, _ = dispatch(app, body, FORM)
    else:
        event: dict[str, Any] = {
            "user": user,
            "ts": f"1790000000.{number:06d}",
            "channel_type": "im" if surface == "dm" else "channel",
        }
        if surface == "mention":
            event |= {"type": "app_mention", "channel": "C0FINSAM"}
            event["text"] = f"<@{BOT_USER_ID}> {text}"
        else:
            event |= {"type": "message", "channel": "D0FINSAMDM", "text": text}
        status, _ = dispatch(app, event_body(event, f"Ev0FUZZ{number}"), JSON)
    assert status == 200


@settings(
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ]
)
@given(
    surface=st.sampled_from(["command", "mention", "dm"]),
    text=command_texts(),
    user=st.sampled_from(USERS),
    number=st.one_of(st.none(), identity_numbers()),
)
def test_any_text_in_slack_gets_a_reply_and_nothing_raises(
    app: App,
    slack: FakeSlackApi,
    errors: _Errors,
    surface: str,
    text: str,
    user: str,
    number: str | None,
) -> None:
    slack.clear()
    slack.channels.clear()
    errors.records.clear()
    typed = f"{text} {number}" if number else text
    _ask_in_slack(app, slack, surface, typed, user)
    reply = _the_reply(slack)
    posted = json.dumps(reply, ensure_ascii=False)
    _assert_a_reply_to_show(reply["text"], typed)
    assert not contains_identity_number(posted)
    if number:
        assert not _shows(number, posted)
    for markup in [reply["text"], *_mrkdwn(reply["blocks"])]:
        assert not any(ping in markup for ping in SPECIAL_MENTIONS), "a ping from typed text"
    assert 1 <= len(reply["blocks"]) <= MAX_BLOCKS
    assert errors.records == [], "the app's error handler was called"
