"""The Slack app: a bolt `App` built from the settings, with the bot's listeners registered.

Thin on purpose: what the bot answers is in `bot.answers` and `commands/`, how it listens in
`bot.listeners`, how it is served in `bot.server`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.answers import Answerer
from bot.config import Settings
from bot.listeners import register
from commands.language import Language
from sheets.dataset import Dataset

#: Threads acknowledging Slack's requests (bolt's listener pool). Each holds a request only until
#: its ack: the listener hands the answer to the answering pool and returns at once.
ACK_THREADS = 8
#: Threads answering questions. Every question waiting for a read of the sheet holds one; beyond
#: that, questions wait in the pool's queue, and their acks have gone out already.
ANSWER_THREADS = 32
#: Retries of a Web API call answered 429 (after its Retry-After) or 500/503: enough to ride out
#: a short blip, few enough that an answer is never minutes late.
API_RETRIES = 2


class _TokenFromClient(logging.Filter):
    """Drops bolt's warning that SLACK_BOT_TOKEN "will be unused": bolt reads that variable by
    itself, and the client it is given carries the very same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_client(settings: Settings) -> WebClient:
    """Return a Web API client for SLACK_API_URL that retries rate limits and server errors.

    Raises:
        ValueError: SLACK_BOT_TOKEN is not set.
    """
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    base_url = (
        settings.slack_api_url
        if settings.slack_api_url.endswith("/")
        else settings.slack_api_url + "/"
    )
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=base_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=API_RETRIES))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=API_RETRIES))
    return client


def build_app(settings: Settings, load: Callable[[], Dataset]) -> App:
    """Return the bolt App answering from the Dataset that `load` returns (``DatasetCache.get``).

    Bolt checks the token with ``auth.test`` here, so a wrong token shows at start.

    Raises:
        ValueError: SLACK_BOT_TOKEN is not set, or neither SLACK_SIGNING_SECRET (HTTP mode) nor
            SLACK_APP_TOKEN (Socket Mode) is.
        slack_bolt.error.BoltError: Slack refused the token.
        slack_sdk.errors.SlackClientError: Slack could not be reached to check the token.
    """
    secret = settings.slack_signing_secret
    if secret is None and settings.slack_app_token is None:
        # Never run HTTP mode with an empty secret: anyone could sign a request with it.
        raise ValueError("SLACK_SIGNING_SECRET is not set (needed in HTTP mode)")
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _TokenFromClient) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenFromClient())
    app = App(
        name="finsam-bot",
        client=build_client(settings),
        signing_secret=secret.get_secret_value() if secret is not None else "",
        process_before_response=False,  # ack first, answer after (see listeners)
        listener_executor=ThreadPoolExecutor(ACK_THREADS, thread_name_prefix="finsam-ack"),
        # Requests no listener takes (app_home_opened, tokens_revoked, …) go to the error handler,
        # which acks them quietly, instead of a 404 and a warning quoting the request.
        raise_error_for_unhandled_request=True,
    )
    answerer = Answerer(
        load,
        Language(settings.language),
        settings.small_count_min,
        settings.today,
        open_access=settings.open_access,
    )
    register(app, answerer, ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix="finsam-answer"))
    return app
