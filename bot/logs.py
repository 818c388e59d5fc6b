"""The operator log: one line per event, as ``key=value`` pairs (logfmt), set up in one place.

Every line has ``time``, ``level``, ``logger`` and ``event`` (the message), then the event's fields:
whatever a log call passes as ``extra``::

    log.warning("sheet read failed", extra={"error": "SheetUnavailable", "detail": "…"})

    time=2026-11-23T07:00:12.345Z level=WARNING logger=sheets.cache event="sheet read failed"
    error=SheetUnavailable detail="Google Sheets did not answer …"

(on one line). Values with spaces, quotes or line breaks are quoted and escaped, so an event never
spills over two lines. An exception is logged as its type and the place it was raised, never its
message or traceback text: the message of an error raised on sheet data may quote a cell, and the
log carries no cell values. Tokens are `SecretStr` in the settings and never passed to a log call;
the libraries' request logs that could show them are at DEBUG, below what is configured.

Nothing people type reaches the log either. The libraries that handle Slack's requests quote them
in some of their lines: bolt logs a request it refuses (bad signature, stale timestamp) with its
whole body, the text typed and a live response_url, at INFO. Of such libraries' lines only the
fixed wording before the first detail is kept (`_event`), and bolt's refused-request line is
replaced by the bot's own event (`RefusedRequest`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

#: The name of the one handler `configure_logging` installs (and replaces when called again).
HANDLER_NAME = "finsam-bot"
#: Attributes every LogRecord has; any other attribute came from ``extra`` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
#: Libraries whose INFO lines repeat what the bot logs itself: only their warnings are shown.
_QUIET_LIBRARIES = ("apscheduler",)
#: Libraries that handle what Slack sends and may quote it (a request body, a request line),
#: with the level from which their lines are cut to their fixed wording: all of bolt's; the
#: warnings and errors of slack_sdk and gunicorn (their INFO lines are about the process).
_REQUEST_LIBRARIES = {
    "slack_bolt": logging.NOTSET,
    "slack_sdk": logging.WARNING,
    "gunicorn": logging.WARNING,
}
#: Where such a line's details begin: bolt writes "Unhandled request ({…})", gunicorn
#: "Invalid request from ip=…: Invalid Request Line '…'" and "Error handling request %s".
_DETAILS = re.compile(r"""\s*[(:{\[\n'"%]""")
#: The logger of bolt's request signature check.
_BOLT_VERIFICATION = "slack_bolt.RequestVerification"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EventFormatter(logging.Formatter):
    """Formats a record as one logfmt line: time, level, logger, event, then its fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return `record` as one line (no line break inside, whatever the values hold)."""
        created = datetime.fromtimestamp(record.created, UTC)
        pairs: list[tuple[str, Any]] = [
            (
                "time",
                created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
            ),
            ("level", record.levelname),
            ("logger", record.name),
            ("event", _event(record)),
        ]
        pairs.extend(
            (key, value)
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        )
        if record.exc_info and record.exc_info[1] is not None:
            pairs.append(("exception", describe_exception(record.exc_info[1])))
        return " ".join(f"{key}={_value(value)}" for key, value in pairs)


def _event(record: logging.LogRecord) -> str:
    """Return the event of `record`: its message, or for a library that may quote a request
    (`_REQUEST_LIBRARIES`) only the fixed wording before the first detail or argument."""
    library = record.name.split(".", 1)[0]
    if library not in _REQUEST_LIBRARIES or record.levelno < _REQUEST_LIBRARIES[library]:
        return record.getMessage()
    # The template, never its arguments; an exception passed as the message is named by type.
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    return _DETAILS.split(template, maxsplit=1)[0].strip() or record.name


class RefusedRequest(logging.Filter):
    """Replaces bolt's line for a request whose signature or timestamp does not verify.

    Bolt logs it at INFO with the request's whole body: what someone typed, and a response_url
    that can post in the channel for half an hour. The bot logs that a request was refused and
    what to check, which is all the operator needs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite `record` in place; keep it."""
        record.msg, record.args = "request refused", ()
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.reason = "signature or timestamp did not verify (forged, or older than 5 minutes)"
        record.fix = (
            "if every request from Slack is refused, check SLACK_SIGNING_SECRET and the "
            "server's clock"
        )
        return True


def _value(value: Any) -> str:
    """Return a field's value as logfmt: bare when it is one plain word, else quoted."""
    text = value if isinstance(value, str) else str(value)
    if text and not any(ch.isspace() or ch in '"=\\' or not ch.isprintable() for ch in text):
        return text
    return json.dumps(text, ensure_ascii=False)


def configure_logging(
    level: int = logging.WARNING, stream: TextIO | None = None
) -> logging.Handler:
    """Send log records at `level` and above to `stream` (stderr) as one logfmt line each.

    The one place logging is set up, for ``finsam-bot serve`` (INFO) and the other commands
    (WARNING). Calling it again replaces the handler it installed, and leaves other handlers
    (a test's capture) alone. Returns the handler.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(EventFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    verification = logging.getLogger(_BOLT_VERIFICATION)
    if not any(isinstance(f, RefusedRequest) for f in verification.filters):
        verification.addFilter(RefusedRequest())
    return handler


def describe_exception(error: BaseException) -> str:
    """Return an exception as one log line: its type and where it was raised, never its message.

    The message of an exception raised on sheet data may quote a cell (a pandas KeyError, a
    ValueError from a parser), and logs must carry no cell values (README, Privacy). The place is the
    innermost frame of this project's code, and the innermost frame overall when that differs.
    """
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if _is_project_file(frame.filename)]
    places = ours[-1:] + frames[-1:]
    where = " ← ".join(dict.fromkeys(_place(frame) for frame in reversed(places)))
    name = type(error).__qualname__
    module = type(error).__module__
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    return f"{name} at {where}" if where else name


def _is_project_file(filename: str) -> bool:
    path = Path(filename).resolve()
    return path.is_relative_to(_PROJECT_ROOT) and ".venv" not in path.parts


def _place(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    try:
        shown = path.resolve().relative_to(_PROJECT_ROOT).as_posix()
    except ValueError:
        shown = "/".join(path.parts[-2:])  # a library: its package and file are enough
    return f"{shown}:{frame.lineno} in {frame.name}"
