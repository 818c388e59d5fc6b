"""Turning what people type after ``/finsam`` (or in a mention or DM) into a Request."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Subcommand → the words that ask for it (Swedish first, then English and common variants).
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "hjälp": ("hjälp", "help", "hjalp", "?", "h"),
    "läge": ("läge", "status", "lage", "läget"),
    "deltagare": ("deltagare", "caseload", "participants"),
    "insats": ("insats", "project", "insatser", "projects"),
    "mål": ("mål", "goals", "mal", "goal"),
    "budget": ("budget", "costs", "ekonomi"),
    "kontroll": ("kontroll", "check", "validate"),
    "vecka": ("vecka", "week", "weekly", "veckostatus"),
    "rapport": ("rapport", "report", "rapporter", "reports"),
}
SHARE_WORDS = ("dela", "share")

_WORD_TO_SUBCOMMAND = {word: name for name, words in SUBCOMMANDS.items() for word in words}
# Slack wraps a mention of the bot (and of anyone) as <@U123> or <@U123|name>.
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[:,]?\s*")


@dataclass(frozen=True)
class Request:
    """A parsed request: the subcommand, its arguments, and whether to share the answer.

    `subcommand` is None when the first word is not a known subcommand; `words` then holds all
    the words (an insats code typed on its own is answered with its card).
    """

    subcommand: str | None
    words: tuple[str, ...]
    share: bool
    text: str

    @property
    def argument(self) -> str:
        """The arguments as one string (``"Anna Lindqvist"``), empty when there are none."""
        return " ".join(self.words)


def parse_request(text: str) -> Request:
    """Return the Request for `text`. Never raises: anything unknown is left to the dispatcher."""
    cleaned = _LEADING_MENTION.sub("", text or "", count=1)
    cleaned = cleaned.replace("\u00a0", " ").strip()
    words = cleaned.split()
    if words and words[0].casefold() in ("/finsam", "finsam", "@finsam"):
        words = words[1:]  # typed in a DM as it would be typed in a channel
    share = any(word.casefold() in SHARE_WORDS for word in words)
    words = [word for word in words if word.casefold() not in SHARE_WORDS]
    if not words:
        return Request("hjälp", (), share, cleaned)
    first = words[0].casefold().lstrip("/").rstrip(":,.!")
    subcommand = _WORD_TO_SUBCOMMAND.get(first)
    rest = tuple(words[1:]) if subcommand else tuple(words)
    return Request(subcommand, rest, share, cleaned)
