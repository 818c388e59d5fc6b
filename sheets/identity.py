"""Recognising Swedish personnummer and samordningsnummer, so they never reach the bot's figures.

A personnummer is ``YYMMDD-NNNC`` or ``YYYYMMDDNNNC`` (``+`` instead of ``-`` for people over 100);
a samordningsnummer is the same with 60 added to the day. ``C`` is the Luhn check digit over the ten
digits ``YYMMDDNNN``. Requiring a real date and a valid check digit keeps pseudonymous codes such as
``RESAM-2025-0042`` or ``B000001`` from being mistaken for one.

People write the number in many ways, and every way is found: 10 or 12 digits, with nothing, a
space, or a dash before the last four. A dash is ``-``, ``+``, the en dash and em dash, the minus
sign (U+2212) or a Unicode hyphen (U+2010-U+2012, the non-breaking hyphen among them), optionally
with a space on either side (``870412 - 9827``); a space is also a no-break, narrow no-break or thin
space. Digits of any script count.

`contains_identity_number` answers for one text. `candidate_lines` answers for a whole column at
once, over the column's texts joined into one: it finds the few that could hold a number, so that
a column of 100 000 IDs that hold none costs about a millisecond.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import numpy.typing as npt

_SPACES = " \u00a0\u202f\u2009"
_DASHES = "-+\u2010\u2011\u2012\u2013\u2014\u2212"
_SPACE = f"[{_SPACES}]"
_DASH = f"[{re.escape(_DASHES)}]"
# 10 or 12 digits, optionally with a separator before the last four, not part of a longer digit run.
_CANDIDATE = re.compile(
    rf"(?<!\d)(\d{{6}}|\d{{8}})(?:{_SPACE}?{_DASH}{_SPACE}?|{_SPACE})?(\d{{4}})(?!\d)"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _real_date(year: int | None, yy: int, month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer
        day -= 60
    centuries = [year] if year is not None else [1900 + yy, 2000 + yy]
    for full_year in centuries:
        try:
            date(full_year, month, day)
        except ValueError:
            continue
        return True
    return False


def _is_identity_number(date_part: str, last_four: str) -> bool:
    year = int(date_part[:4]) if len(date_part) == 8 else None
    if year is not None and not 1800 <= year <= 2199:
        return False
    short = date_part[-6:]
    yy, month, day = int(short[:2]), int(short[2:4]), int(short[4:6])
    return _real_date(year, yy, month, day) and _luhn_ok(short + last_four)


def contains_identity_number(text: str) -> bool:
    """Return True when `text` contains a personnummer or samordningsnummer anywhere."""
    return any(_is_identity_number(match[1], match[2]) for match in _CANDIDATE.finditer(text))


# A column's texts are searched as ASCII bytes in which every character that may be part of a
# number shows its role: "0" for a digit, "-" for an ASCII dash, " " for a space. Non-ASCII
# characters first become "?", then "0": such a character may be a digit, a dash or a space, and
# "0" stands for whichever role it plays.
_ROLES = bytes.maketrans(b"0123456789+?", b"0000000000-0")
#: With these deleted as well, only the digits (and possible digits) of each line are left.
_NOT_DIGITS = bytes(byte for byte in range(128) if byte not in b"0123456789?\n")
_TEN_DIGITS = b"0" * 10
#: Above this many places with ten digits, the finer search of the second step pays.
_FEW_LINES = 32
_DIGIT, _SPACE_ROLE, _DASH_ROLE = ord("0"), ord(" "), ord("-")


def candidate_lines(lines: str) -> npt.NDArray[np.intp]:
    """Return the numbers (0-based, ascending) of the lines of `lines` that may hold a number.

    Every line that contains a personnummer or samordningsnummer (as `contains_identity_number`
    finds it) is among them; few lines without one are. Lines are separated by newlines; a
    number never spans one.

    No work per line: first one plain substring search for ten digits in a row once everything
    but digits is deleted, which IDs like ``B000001``, ``RESAM-2025-00042`` or ``2026-17`` never
    have; when many lines do (IDs such as ``2026-0315-00042``), a few array operations over the
    runs of digits then find the runs a separator joins into a number.
    """
    raw = lines.encode("ascii", "replace")
    digits = raw.translate(_ROLES, _NOT_DIGITS)
    if digits.count(_TEN_DIGITS) <= _FEW_LINES:
        found: list[int] = []
        at = digits.find(_TEN_DIGITS)
        while at != -1:
            found.append(at)
            next_line = digits.find(b"\n", at)  # one offset a line is enough
            at = digits.find(_TEN_DIGITS, next_line) if next_line != -1 else -1
        return _line_numbers(digits, np.array(found, dtype=np.intp))
    marks = raw.translate(_ROLES)
    return _line_numbers(marks, _number_starts(np.frombuffer(marks, dtype=np.uint8)))


def _number_starts(marks: npt.NDArray[np.uint8]) -> npt.NDArray[np.intp]:
    """Return where a run of digits starts that may begin a number, in `marks` (after `_ROLES`).

    After `_ROLES` a number is a run of six digits or more (ten or more when there is no
    separator, or only non-ASCII ones, which read as digits), then one to three spaces and dashes,
    then a run of four or more; or, for a non-ASCII dash between two spaces (``870412 – 9827``),
    the same with a run of one digit and a space on either side of it in between.
    """
    digit = np.concatenate(([False], marks == _DIGIT, [False]))
    edges = np.flatnonzero(digit[1:] != digit[:-1])
    starts, ends = edges[0::2], edges[1::2]  # each run of digits is marks[start:end]
    lengths = ends - starts
    # Only runs of six digits or more can begin a number: look at them and the two runs after.
    six = np.flatnonzero(lengths[:-1] >= 6)
    last = len(marks) - 1
    separator = (marks == _SPACE_ROLE) | (marks == _DASH_ROLE)
    gap = starts[six + 1] - ends[six]
    joined = (lengths[six + 1] >= 4) & (gap <= 3)
    for offset in range(3):  # every character between the two runs is a space or a dash
        joined &= (gap <= offset) | separator[np.minimum(ends[six] + offset, last)]
    three = six[six + 2 < len(starts)]
    spaced = (
        (lengths[three + 1] == 1)
        & (lengths[three + 2] >= 4)
        & (starts[three + 1] - ends[three] == 1)
        & (starts[three + 2] - ends[three + 1] == 1)
        & (marks[ends[three]] == _SPACE_ROLE)
        & (marks[ends[three + 1]] == _SPACE_ROLE)
    )
    return np.concatenate((starts[lengths >= 10], starts[six[joined]], starts[three[spaced]]))


def _line_numbers(text: bytes, offsets: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    if not offsets.size:
        return np.zeros(0, dtype=np.intp)
    newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == ord("\n"))
    return np.unique(np.searchsorted(newlines, offsets))
