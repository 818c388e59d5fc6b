"""The Slack listeners: ``/finsam``, @mentions and direct messages, all answered the same way.

Every listener acknowledges first and reads the sheet after (Slack waits 3 seconds for the ack).
With bolt's default ``process_before_response=False`` the listener runs in bolt's thread pool and
the ack goes back to Slack the moment ``ack()`` is called, so the HTTP response never waits for
the sheet. The listener then hands the answer to the bot's own answering pool and returns, so
bolt's threads are free for the next acks however many questions wait for a read of the sheet.
The answer goes out on its own: through the slash command's response_url, or in the thread of
the mention (only to the asker, unless they wrote ``dela``) or the DM.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.answers import Answer, Answerer
from bot.blocks import render_reply
from bot.logs import describe_exception
from commands.language import Language
from commands.reply import Paragraph

log = logging.getLogger(__name__)

COMMAND = "/finsam"
#: The user Slack's own Slackbot writes as: its messages in the bot's DM are never questions.
SLACKBOT = "USLACKBOT"
#: Message subtypes that are still a person's question: a message with a file is answered
#: from its text.
QUESTION_SUBTYPES = frozenset({"file_share"})
#: How many recent event IDs are remembered to answer a retried event once. Slack retries an
#: event three times within about five minutes, so a few thousand covers any plausible traffic.
RECENT_EVENTS = 4096


class RecentEvents:
    """The most recent Slack event IDs, to recognise an event Slack sends again.

    Slack retries an event (``X-Slack-Retry-Num``, same ``event_id``) when the first delivery was
    not acknowledged in time; answering each delivery would answer twice. Bounded, thread-safe.
    """

    def __init__(self, size: int = RECENT_EVENTS) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """Return True the first time `event_id` is seen (and remember it), False after that."""
        with self._lock:
            if event_id in self._seen:
                self._seen.move_to_end(event_id)
                return False
            self._seen[event_id] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True


def register(
    app: App,
    answerer: Answerer,
    answering: Executor,
    recent_events: RecentEvents | None = None,
) -> None:
    """Register the middleware, the listeners and the error handler of the bot on `app`.

    The listeners ack in bolt's threads and answer in `answering`.
    """
    events = recent_events or RecentEvents()
    language = answerer.language

    def in_the_background(body: dict[str, Any], work: Callable[[], None]) -> None:
        """Run `work` (answering) in `answering`, failing as a listener would (`on_error`).

        Bolt acks from the same threads it runs listeners in: a listener that waited for the
        sheet would hold one, and with all of them waiting for one read the next ack would wait
        too (at 1000 questions a minute on a sheet that takes 3 s to read, up to 1.8 s).
        """

        def run() -> None:
            try:
                work()
            except Exception as error:  # the outermost edge of an answer, as app.error is
                on_error(error, body)

        answering.submit(run)

    def answer_each_event_once(body: dict[str, Any], next_: Callable[[], None]) -> Any:
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not events.first_time(event_id):
            return BoltResponse(status=200, body="")  # acknowledge the retry, answer nothing
        next_()
        return None

    def slash_command(
        ack: Ack,
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
        body: dict[str, Any],
    ) -> None:
        ack()

        def answer_command() -> None:
            answer = answerer.answer(command.get("text", ""), command.get("user_id"))
            answer = send_report(client, command.get("user_id"), answer, language)
            message = render_reply(answer.reply, language)
            response = respond(
                **message.as_kwargs(),
                response_type="in_channel" if answer.for_everyone else "ephemeral",
            )
            if response.status_code != 200:
                log.warning(
                    "answer not delivered",
                    extra={"to": "response_url", "http_status": response.status_code},
                )

        in_the_background(body, answer_command)

    def mention(
        ack: Ack,
        event: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        body: dict[str, Any],
    ) -> None:
        ack()
        channel = event.get("channel", "")
        if event.get("channel_type") == "im" or channel.startswith("D"):
            return  # a mention in a DM is answered as the DM itself
        text = _without_mention(event.get("text", ""), context.bot_user_id)

        def answer_mention() -> None:
            answer = answerer.answer(text, event.get("user"))
            answer = send_report(client, event.get("user"), answer, language)
            _post(client, channel, event, answer, language, in_channel=True)

        in_the_background(body, answer_mention)

    def direct_message(
        ack: Ack,
        event: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        body: dict[str, Any],
    ) -> None:
        ack()
        if not _is_question_in_dm(event):
            return
        text = _without_mention(event.get("text", ""), context.bot_user_id)

        def answer_message() -> None:
            answer = answerer.answer(text, event.get("user"))
            answer = send_report(client, event.get("user"), answer, language)
            _post(client, event["channel"], event, answer, language, in_channel=False)

        in_the_background(body, answer_message)

    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            # An event the app is subscribed to or sent anyway (app_home_opened, tokens_revoked,
            # app_uninstalled, member_joined_channel): acknowledged, nothing to answer.
            log.info("request not handled", extra={"request": _request_kind(body)})
            return BoltResponse(status=200, body="")
        fields = {"request": _request_kind(body), "exception": describe_exception(error)}
        if isinstance(error, SlackApiError):
            fields["slack_error"] = str(error.response.get("error"))
        log.error("handling a Slack request failed", extra=fields)
        return None

    app.middleware(answer_each_event_once)
    app.command(COMMAND)(slash_command)
    app.event("app_mention")(mention)
    # Every message event is listened to, so that the ones ignored here (edits, the bot's own
    # messages) are not logged by bolt as unhandled requests together with their text.
    app.event("message")(direct_message)
    app.error(on_error)


def send_report(
    client: WebClient, user_id: str | None, answer: Answer, language: Language
) -> Answer:
    """Upload the report workbook of `answer`, if it has one, to the asker alone: in their DM
    with the bot (conversations.open), whoever else sees the answer. Return the answer with a
    line saying where the file is, or that it could not be sent (the log says why)."""
    report = answer.report
    if report is None or not user_id:
        return answer
    try:
        opened = client.conversations_open(users=user_id)
        client.files_upload_v2(
            channel=str(opened["channel"]["id"]),
            content=report.content,
            filename=report.filename,
            title=report.title,
            initial_comment=report.title,
        )
        note = language(
            "Rapporten som Excel-fil har jag skickat till dig i ett direktmeddelande.",
            "I have sent you the report as an Excel file in a direct message.",
        )
    except (SlackClientError, OSError) as error:
        fields = {"exception": describe_exception(error)}
        if isinstance(error, SlackApiError):
            fields["slack_error"] = str(error.response.get("error"))
        log.warning("report file not sent", extra=fields)
        note = language(
            "Excel-filen gick inte att skicka just nu; försök igen om en stund. Den som driver "
            "boten ser i loggen varför.",
            "The Excel file could not be sent right now; try again in a while. Whoever runs the "
            "bot can see why in the log.",
        )
    reply = replace(answer.reply, blocks=(*answer.reply.blocks, Paragraph(note)))
    return replace(answer, reply=reply, report=None)


def _post(
    client: WebClient,
    channel: str,
    event: dict[str, Any],
    answer: Answer,
    language: Language,
    *,
    in_channel: bool,
) -> None:
    """Post `answer` in the thread of `event`. Asked in a channel, only the asker sees it
    (ephemeral) unless they wrote ``dela`` and it may be shared; a DM is private already."""
    message = render_reply(answer.reply, language)
    thread_ts = event.get("thread_ts") or event.get("ts")
    if in_channel and not answer.for_everyone:
        client.chat_postEphemeral(
            channel=channel, user=event.get("user", ""), thread_ts=thread_ts, **message.as_kwargs()
        )
    else:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message.as_kwargs())


def _is_question_in_dm(event: dict[str, Any]) -> bool:
    """Return True for a person's new message in a DM with the bot, a file with text included
    (not an edit, a bot, Slackbot, a join)."""
    subtype = event.get("subtype")
    return (
        event.get("channel_type") == "im"
        and (not subtype or subtype in QUESTION_SUBTYPES)
        and not event.get("bot_id")
        and event.get("user") not in (None, "", SLACKBOT)
        and bool(event.get("channel"))
        and (not subtype or bool(str(event.get("text") or "").strip()))
    )


def _without_mention(text: str, bot_user_id: str | None) -> str:
    """Return `text` without mentions of the bot itself, wherever they are in the sentence."""
    if not bot_user_id:
        return text
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text).strip()


def _request_kind(body: dict[str, Any]) -> str:
    """Return what kind of request failed, for the log: never its text."""
    if body.get("command"):
        return f"{body['command']} command"
    event = body.get("event")
    if isinstance(event, dict):
        return f"{event.get('type', 'unknown')} event"
    return "request"
