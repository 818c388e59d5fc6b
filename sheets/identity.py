"""Recognising Swedish personnummer and samordningsnummer, so they never reach the bot's figures.

A personnummer is ``YYMMDD-NNNC`` or ``YYYYMMDDNNNC`` (``+`` instead of ``-`` for people over 100);
a samordningsnummer is the same with 60 added to the day. ``C`` is the Luhn check digit over the ten
digits ``YYMMDDNNN``. Requiring a real date and a valid check digit keeps pseudonymous codes such as
``RESAM-2025-0042`` from being mistaken for one.
"""

from __future__ import annotations

import re
from datetime import date

# 10 or 12 digits, optionally with - or + before the last four, not part of a longer digit run.
_CANDIDATE = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?(\d{4})(?!\d)")


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
