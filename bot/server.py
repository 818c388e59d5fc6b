"""Running the Slack app: Socket Mode, or HTTP mode behind gunicorn (``finsam-bot serve``).

Socket Mode (SLACK_APP_TOKEN set) needs no public URL: the app opens a WebSocket to Slack. HTTP
mode serves Slack's requests at ``/slack/events`` on PORT, checks their signatures with
SLACK_SIGNING_SECRET, and answers ``/healthz`` (liveness: the process answers) and ``/readyz``
(readiness: a good read of the sheet exists) for the platform's health checks. It runs under
gunicorn with one worker process and several threads, as bolt's own Heroku example does, not under
bolt's development server: one worker, so whatever runs beside the app (the weekly scheduler) runs
exactly once.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornBaseLogger
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import Mode, access_mode, log_access
from bot.app import build_app
from bot.config import Settings
from bot.logs import EventFormatter, describe_exception
from bot.source import open_cache
from bot.weekly import WeeklyPoster, WeeklySchedule, fresh_read_from
from commands.language import Language
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
from sheets.errors import SheetsError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
EXIT_OK, EXIT_USAGE, EXIT_SHEET = 0, 2, 3
#: gunicorn threads of the one worker: each holds a request only until its ack (milliseconds),
#: the answers are computed in the bot's answering pool (see bot.app). Twenty requests at once
#: are acked as fast with 8 threads as with 32 (make bench).
THREADS = 8
_PLAIN_TEXT = [("Content-Type", "text/plain; charset=utf-8")]


def wsgi_app(app: App, load: Callable[[], Dataset]) -> WSGIApplication:
    """Return the WSGI application of HTTP mode: Slack's requests, ``/healthz`` and ``/readyz``.

    `load` returns the Dataset (``DatasetCache.get``), for readiness.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in (HEALTH_PATH, READY_PATH) and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, text = ("200 OK", "ok\n") if path == HEALTH_PATH else readiness(load)
            start_response(status, _PLAIN_TEXT)
            return [text.encode()]
        return slack(environ, start_response)

    return application


def readiness(load: Callable[[], Dataset]) -> tuple[str, str]:
    """Return the HTTP status and short text of ``/readyz``: 200 when a good read of the sheet
    exists (even one the bot falls back on while the sheet cannot be read), else 503.

    The text names the kind of fault only: the address is public, and the log has the details.
    """
    try:
        data = load()
    except SheetsError as error:
        reason = f"the sheet cannot be read ({type(error).__name__}); the log says why"
        return "503 Service Unavailable", f"not ready: {reason}\n"
    except Exception as error:  # the outermost edge of a probe: a bug is a 503 and a log line
        log.error("readiness check failed", extra={"exception": describe_exception(error)})
        return "503 Service Unavailable", "not ready: reading the sheet failed; the log says why\n"
    if data.stale is not None:
        return "200 OK", "ready: answering from the last good read of the sheet\n"
    return "200 OK", "ready\n"


class GunicornServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn started from code, serving one WSGI application with the given options."""

    def __init__(self, application: WSGIApplication, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply `options` (gunicorn setting names) to gunicorn's configuration."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApplication:
        """Return the application (built before the worker was forked, so a bad token shows
        at start rather than as a worker that keeps failing to boot)."""
        return self.application


class GunicornLogger(GunicornBaseLogger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's own log lines (workers booting, stopping) in the bot's one-line format."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up as gunicorn does, then give them the bot's formatter."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(EventFormatter())


def gunicorn_options(port: int) -> dict[str, Any]:
    """Return the gunicorn settings of HTTP mode on `port`."""
    return {
        "bind": f"0.0.0.0:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 30,
        "graceful_timeout": 10,
        "errorlog": "-",
        "logger_class": GunicornLogger,  # gunicorn's own lines in the bot's format
        "accesslog": None,  # request lines add nothing to Slack's own retries and logs
        "loglevel": "info",
        "proc_name": "finsam-bot",
    }


def serve(settings: Settings) -> int:
    """Run the Slack app until stopped; return an exit status when it cannot start.

    Socket Mode when SLACK_APP_TOKEN is set, HTTP mode on PORT otherwise. Returns 2 for a missing
    or refused setting (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, the token itself) and 3 when the
    sheet's credentials cannot be read; each logged with what to do. Everything it says goes to
    the log (`bot.logs`), one line per event.
    """
    if settings.slack_bot_token is None:
        _cannot_start(
            "SLACK_BOT_TOKEN is not set, so there is no Slack app to run. Set it (xoxb-…) and "
            "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET, see README 'Install in your workspace'; "
            "'finsam-bot chat' tries the bot without Slack."
        )
        return EXIT_USAGE
    app_token = settings.slack_app_token
    if app_token is None and settings.slack_signing_secret is None:
        _cannot_start(
            "SLACK_SIGNING_SECRET is not set. HTTP mode needs it to check that requests come "
            "from Slack (Basic Information → Signing Secret); or set SLACK_APP_TOKEN (xapp-…) "
            "to run in Socket Mode."
        )
        return EXIT_USAGE
    try:
        # Read, loaded and prepared in a process of its own: the acks never wait for that work.
        cache = open_cache(settings, worker=True)
    except SheetsError as error:
        _cannot_start(error.message_en)
        return EXIT_SHEET
    try:
        app = build_app(settings, cache.get)
    except BoltError as error:
        _cannot_start(f"Slack refused SLACK_BOT_TOKEN: {error}")
        return EXIT_USAGE
    except (SlackClientError, OSError) as error:
        _cannot_start(f"cannot reach Slack at {settings.slack_api_url} to check the token: {error}")
        return EXIT_USAGE

    _read_at_start(cache, settings)
    weekly = _weekly_schedule(settings, cache, app)
    if app_token is not None:
        if weekly is not None:
            weekly.start()
        try:
            return _run_socket_mode(app, app_token.get_secret_value())
        finally:
            if weekly is not None:
                weekly.stop()
    log.info(
        "serving in HTTP mode",
        extra={
            "events_path": EVENTS_PATH,
            "health_path": HEALTH_PATH,
            "ready_path": READY_PATH,
            "port": settings.port,
        },
    )
    options = gunicorn_options(settings.port)
    if weekly is not None:
        # Threads do not survive gunicorn's fork: the scheduler starts inside the one worker.
        options["post_worker_init"] = lambda worker: weekly.start()
    GunicornServer(wsgi_app(app, cache.get), options).run()
    return EXIT_OK


def _cannot_start(reason: str) -> None:
    log.error("cannot start", extra={"reason": reason})


def _read_at_start(cache: DatasetCache, settings: Settings) -> None:
    """Read the sheet before serving, so the first question finds it read and the log says at
    once what is wrong with it, and who may ask.

    A sheet that cannot be read does not stop the bot: it says so to whoever asks, ``/readyz``
    answers 503, and the bot reads the sheet again by itself until it can (no restart needed).
    """
    if settings.open_access:
        log_access(Mode.OPEN_BY_SETTING)
    try:
        data = cache.get()
    except SheetsError as error:
        log.error(
            "sheet cannot be read at start",
            extra={
                "error": type(error).__name__,
                "detail": error.message_en,
                "serving": "not ready: questions get a reply that the sheet cannot be read until "
                "it is fixed; no restart needed",
            },
        )
        return
    log.info(
        "sheet read",
        extra={"insatser": len(data.insatser), "problems": len(data.problems)},
    )
    if not settings.open_access:
        log_access(access_mode(data, open_access=False))


def _weekly_schedule(settings: Settings, cache: DatasetCache, app: App) -> WeeklySchedule | None:
    """Return the weekly post's schedule, or None (with a note) when STATUS_CHANNEL is unset."""
    if not settings.status_channel:
        log.info("weekly post off", extra={"reason": "STATUS_CHANNEL is not set"})
        return None
    if settings.google_sheet_id is None and settings.workbook_path is None:
        # As `finsam-bot weekly`: Historik is never written into the package's own demo file.
        log.warning(
            "weekly post off",
            extra={
                "reason": "the bundled demo workbook is read-only",
                "fix": "set WORKBOOK_PATH (finsam-bot demo-data PATH makes one) or GOOGLE_SHEET_ID",
            },
        )
        return None
    poster = WeeklyPoster(
        cache.backend,
        app.client,
        settings.status_channel,
        language=Language(settings.language),
        small_count_min=settings.small_count_min,
        zone=settings.zone,
        now=settings.now,
        read=fresh_read_from(cache),
    )
    log.info(
        "weekly post scheduled",
        extra={
            "channel": settings.status_channel,
            "schedule": settings.weekly_schedule,
            "timezone": settings.timezone,
        },
    )
    return WeeklySchedule(poster, settings.weekly_schedule)


def _run_socket_mode(app: App, app_token: str) -> int:
    """Connect to Slack over Socket Mode and answer until SIGTERM or Ctrl-C; return the status."""
    handler = SocketModeHandler(app, app_token)

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(EXIT_OK)

    # A platform stops a worker with SIGTERM: close the connection and let answers in progress
    # finish (bolt's threads are joined at exit) instead of dying in the middle of one.
    signal.signal(signal.SIGTERM, stop)
    log.info("Socket Mode connecting", extra={"note": "no public URL needed"})
    try:
        handler.start()  # type: ignore[no-untyped-call]
    except SlackApiError as error:
        _cannot_start(
            f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}): it is the app-level "
            "token (xapp-…) with the scope connections:write, under Basic Information."
        )
        return EXIT_USAGE
    except (SystemExit, KeyboardInterrupt):
        log.info("Socket Mode disconnecting")
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    return EXIT_OK
