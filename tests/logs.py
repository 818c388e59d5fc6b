"""Log records as the operator sees them: the one-line format of `bot.logs`, fields included.

pytest's `caplog.text` shows only the message; the bot's events carry what happened and what to
do in their fields (``extra``), so tests read them formatted as the bot formats them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.logs import EventFormatter

_FORMATTER = EventFormatter()


def log_line(record: logging.LogRecord) -> str:
    """Return `record` as the line the bot's log handler writes."""
    return _FORMATTER.format(record)


def log_text(records: Iterable[logging.LogRecord]) -> str:
    """Return `records` as the bot's log would hold them, one line each."""
    return "\n".join(log_line(record) for record in records)
