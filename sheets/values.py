"""Cell values as people type them, turned into Python values.

Every parser takes one raw cell value as a backend returns it (``str``, ``int``, ``float``,
``bool``, ``date``/``datetime`` or ``None``), returns the parsed value or ``None`` for a blank cell,
and raises :class:`CellValueError` with a plain-language message and fix otherwise. Messages never
quote the value itself: the cell may hold personal data.

Rules (README, "The spreadsheet"):

* Dates: ISO ``2026-03-15``, Swedish ``15/3/2026`` and ``15.3.2026`` (four-digit year), a Google
  serial number (only in a number cell: digits typed as text are not a date), a real date cell. A
  time of day is ignored.
* Numbers: the comma is the decimal mark (``1500,50``), a dot alone is a decimal point, a text with
  both is ambiguous and an error. Spaces, non-breaking spaces, ``kr``, ``SEK`` and ``%`` are dropped.
* Whole numbers (places, targets) may also carry the words people put around a count: ``20 st``,
  ``20 st.``, ``20 platser``, ``20 pers``, ``20 personer``, ``20 deltagare``, ``ca 20``,
  ``cirka 20``, ``100/år``, ``100 per år``, and the English ``20 places``, ``about 20``,
  ``100/year``, ``100 per year``. ``ca 20`` is read as 20.
* Months (Ekonomi): any date (the month it falls in), ``2026-03``, ``2026/03``, ``3/2026``,
  ``03-2026``, ``3.2026``, and a month's name or its short form with a four-digit year, in Swedish
  or English, any case, with or without a dot: ``mars 2026``, ``Mars 2026``, ``jan 2026``,
  ``jan. 2026``, ``januari 2026``, ``sept 2026``, ``March 2026``. A two-digit year is refused
  (``mar-26``, ``mars 26``, ``3/26``: the 26 may be a day of the month), and so is a month
  without a year.
* ``#REF!``, ``#N/A`` and other formula errors are errors of that cell.
* A personnummer or samordningsnummer (:mod:`sheets.identity`) is an error in any cell read as
  text, and in a number cell holding one (``8112189876``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from sheets.identity import contains_identity_number
from sheets.problems import Text

#: Text cells longer than this are probably a paste gone wrong: a warning, never quoted.
LONG_TEXT_LIMIT = 1000


class CellValueError(ValueError):
    """A cell holds something that cannot be read as the column's type."""

    def __init__(self, message: Text, fix: Text) -> None:
        super().__init__(message.en)
        self.message = message
        self.fix = fix

    def detached(self) -> CellValueError:
        """Return this error without its traceback and context, to be kept as a cell's result.

        They hold the frames the error passed through and, through those, the frames' callers
        with all their variables: a kept error would keep the whole sheet's raw cells alive until
        the garbage collector happens to run.
        """
        self.__traceback__ = None
        self.__context__ = None
        return self


# Google Sheets and Excel count days from 1899-12-30 (Lotus 1-2-3's leap-year bug included).
SERIAL_EPOCH = date(1899, 12, 30)
# Dates outside this range are typos (a serial number of 1, the year 20226), not plans.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_SERIAL_ORDINAL = SERIAL_EPOCH.toordinal()
#: The serial numbers of EARLIEST and LATEST.
_SERIAL_FIRST = EARLIEST.toordinal() - _SERIAL_ORDINAL
_SERIAL_LAST = LATEST.toordinal() - _SERIAL_ORDINAL

FORMULA_ERRORS = frozenset(
    {
        "#REF!",
        "#N/A",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#ERROR!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

# Spaces people (and spreadsheet locales) put in numbers: space, no-break, narrow no-break, thin.
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\u2007\t")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_SWEDISH_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")
_UNIT = re.compile(r"(?i)(kr|sek|%|:-)$")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_NAMED_MONTH = re.compile(r"([^\W\d_]+)\.? ?(\d{4})")
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("mars", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sept", "sep"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# The words people put around a count: "ca 20", "20 st.", "100/år", "20 platser".
_COUNT = re.compile(
    r"(?:(?:ca\.?|c:a|cirka|ungefär|omkring|about|approx\.?|approximately|~) ?)?"
    r"(?P<number>[^a-zåäö/~]+?) ?"
    r"(?:(?:st\.?|stycken|pers\.?|personer|platser|plats|deltagare"
    r"|places|people|persons|participants|pcs\.?) ?)?"
    r"(?:(?:/|per) ?(?:år|year|yr)|om året|a year)?"
)

_FORMULA_MESSAGE = Text(
    sv="Cellen visar ett formelfel.",
    en="The cell shows a formula error.",
)
_FORMULA_FIX = Text(
    sv="Rätta formeln eller skriv in värdet för hand.",
    en="Fix the formula or type the value in by hand.",
)


_IDENTITY_MESSAGE = Text(
    sv="Cellen innehåller ett personnummer eller samordningsnummer, som inte får finnas i arket.",
    en="The cell contains a personnummer or samordningsnummer, which must not be in the sheet.",
)
_IDENTITY_FIX = Text(
    sv="Ta bort numret ur cellen och ur versionshistoriken (Arkiv → Versionshistorik).",
    en="Remove the number from the cell and from the version history (File → Version history).",
)


class IdentityNumberError(CellValueError):
    """A cell holds a personnummer or samordningsnummer. The message and fix never repeat it."""

    def __init__(self, fix: Text = _IDENTITY_FIX) -> None:
        super().__init__(_IDENTITY_MESSAGE, fix)


def _refuse_identity_number(text: str) -> None:
    if contains_identity_number(text):
        raise IdentityNumberError()


def _check_formula_error(text: str) -> None:
    if text.startswith("#") and text.upper() in FORMULA_ERRORS:
        raise CellValueError(_FORMULA_MESSAGE, _FORMULA_FIX)


def _date_error(what: Text | None = None) -> CellValueError:
    return CellValueError(
        what or Text(sv="Cellen är inget datum.", en="The cell is not a date."),
        Text(
            sv="Skriv datumet som 2026-03-15 (eller 15/3/2026).",
            en="Write the date as 2026-03-15 (or 15/3/2026).",
        ),
    )


def _in_range(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise _date_error(
            Text(
                sv="Datumet ligger orimligt långt bort i tiden.",
                en="The date is implausibly far in the past or future.",
            )
        )
    return day


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return _in_range(date(year, month, day))
    except ValueError:
        raise _date_error(
            Text(
                sv="Datumet finns inte i kalendern.", en="The date does not exist in the calendar."
            )
        ) from None


def parse_date(value: Any) -> date | None:
    """Return the date in a cell, or None for a blank cell.

    Raises:
        CellValueError: the cell holds something that is not a date.
    """
    kind = type(value)
    if (kind is int or kind is float) and _SERIAL_FIRST <= value < _SERIAL_LAST + 1:
        # The common case, first: a serial number in range (never NaN), whole part the day.
        return date.fromordinal(_SERIAL_ORDINAL + int(value))
    if isinstance(value, str):  # typed as text (no formula error matches a date: tested after)
        text = value.strip().replace("\u00a0", " ")
        match = _ISO_DATE.fullmatch(text)
        if match:
            return _make_date(int(match[1]), int(match[2]), int(match[3]))
        match = _SWEDISH_DATE.fullmatch(text)
        if match:
            return _make_date(int(match[4]), int(match[3]), int(match[1]))
        if not text:
            return None
        _check_formula_error(text)
        _refuse_identity_number(text)
        if text.isdigit():
            raise _date_error(
                Text(
                    sv="Siffror skrivna som text är inget datum.",
                    en="Digits typed as text are not a date.",
                )
            )
    elif value is None:
        return None
    elif isinstance(value, datetime):
        return _in_range(value.date())
    elif isinstance(value, date):
        return _in_range(value)
    elif isinstance(value, bool):
        raise _date_error()
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            raise _date_error()
        # A serial number: the whole part counts days, the fraction is a time of day (ignored).
        try:
            return _in_range(SERIAL_EPOCH + timedelta(days=math.floor(value)))
        except OverflowError:
            raise _date_error() from None
    raise _date_error()


def parse_month(value: Any) -> date | None:
    """Return the first day of the month in a cell, or None when blank.

    A month is a date, ``2026-03``, ``3/2026`` or a month's name with a four-digit year (see the
    module docstring).

    Raises:
        CellValueError: the cell holds no month, or a month with a two-digit year.
    """
    if isinstance(value, str) and len(value) <= 40:  # a long text is no month: skip the patterns
        text = normalize_words(value)
        match = _YEAR_MONTH.fullmatch(text)
        if match:
            return _month(int(match[1]), int(match[2]))
        match = _MONTH_YEAR.fullmatch(text)
        if match:
            return _month(int(match[2]), int(match[1]))
        match = _NAMED_MONTH.fullmatch(text)
        if match and match[1] in _MONTH_NAMES:
            return _month(int(match[2]), _MONTH_NAMES[match[1]])
    try:
        day = parse_date(value)
    except IdentityNumberError:
        raise
    except CellValueError:
        raise CellValueError(
            Text(sv="Cellen är ingen månad.", en="The cell is not a month."),
            Text(
                sv="Skriv månaden som 2026-03 eller mars 2026 (med fyrsiffrigt år).",
                en="Write the month as 2026-03 or mars 2026 (with a four-digit year).",
            ),
        ) from None
    return day.replace(day=1) if day else None


def _month(year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise CellValueError(
            Text(sv="Månaden finns inte (1-12).", en="The month does not exist (1-12)."),
            Text(sv="Skriv månaden som 2026-03.", en="Write the month as 2026-03."),
        )
    return _make_date(year, month, 1)


def _number_error(message: Text) -> CellValueError:
    return CellValueError(
        message,
        Text(
            sv="Skriv bara talet, med komma som decimaltecken: 1500,50.",
            en="Write just the number, with a comma as the decimal mark: 1500,50.",
        ),
    )


_NOT_A_NUMBER = Text(sv="Cellen är inget tal.", en="The cell is not a number.")


def parse_number(value: Any) -> float | None:
    """Return the number in a cell as a float, or None for a blank cell.

    Raises:
        CellValueError: the cell holds something that is not a number, or a number with both a
            comma and a dot (``1.500,50`` could mean two things).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _number_error(_NOT_A_NUMBER)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _number_error(_NOT_A_NUMBER)
        # Ten or twelve digits may be a personnummer typed without its dash.
        if 1e9 <= abs(value) < 1e12 and float(value).is_integer():
            _refuse_identity_number(str(int(abs(value))))
        return float(value)
    if not isinstance(value, str):
        raise _number_error(_NOT_A_NUMBER)
    text = value.translate(_SPACES)
    if not text:
        return None
    _check_formula_error(text)
    _refuse_identity_number(value)
    text = _UNIT.sub("", text).replace("\u2212", "-")  # U+2212 is the minus sign Word types
    if "," in text and "." in text:
        raise _number_error(
            Text(
                sv="Talet har både komma och punkt, så det går inte att veta vilket som är decimaltecken.",
                en="The number has both a comma and a dot, so the decimal mark is ambiguous.",
            )
        )
    if text.count(",") == 1:
        text = text.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise _number_error(_NOT_A_NUMBER)
    number = float(text)
    if not math.isfinite(number):  # hundreds of digits: a paste gone wrong, not a number
        raise _number_error(_NOT_A_NUMBER)
    return number


def parse_whole_number(value: Any) -> int | None:
    """Return a whole number ≥ 0 from a cell, or None for a blank cell.

    The words people put around a count are dropped: ``20 st``, ``ca 20``, ``100/år`` (see the
    module docstring).

    Raises:
        CellValueError: not a number, a fraction, or negative.
    """
    if isinstance(value, str) and len(value) <= 40:  # a long text is no count: skip the pattern
        match = _COUNT.fullmatch(normalize_words(value))
        if match:
            value = match["number"]
    number = parse_number(value)
    if number is None:
        return None
    if number < 0 or not number.is_integer():
        raise CellValueError(
            Text(
                sv="Här ska stå ett heltal, 0 eller mer.",
                en="This must be a whole number, 0 or more.",
            ),
            Text(
                sv="Skriv ett heltal, till exempel 12.", en="Write a whole number, for example 12."
            ),
        )
    return int(number)


def parse_amount(value: Any) -> float | None:
    """Return an amount in kronor ≥ 0 from a cell, or None for a blank cell.

    Raises:
        CellValueError: not a number, or negative.
    """
    number = parse_number(value)
    if number is not None and number < 0:
        raise CellValueError(
            Text(sv="Beloppet får inte vara negativt.", en="The amount must not be negative."),
            Text(sv="Skriv ett belopp på 0 kr eller mer.", en="Write an amount of 0 SEK or more."),
        )
    return number


def parse_percent(value: Any) -> float | None:
    """Return a percentage 0–100 from a cell (``12 %``, ``12,5``), or None for a blank cell.

    Raises:
        CellValueError: not a number, or outside 0–100.
    """
    number = parse_number(value)
    if number is not None and not 0 <= number <= 100:
        raise CellValueError(
            Text(
                sv="Andelen ska vara mellan 0 och 100.", en="The share must be between 0 and 100."
            ),
            Text(sv="Skriv procent som 50 eller 50 %.", en="Write the percentage as 50 or 50 %."),
        )
    return number


def parse_text(value: Any) -> str | None:
    """Return the text in a cell with surrounding spaces removed, or None for a blank cell.

    A number typed into a text column (a code like ``123``) is read as its digits.

    Raises:
        CellValueError: the cell shows a formula error, or holds a personnummer or
            samordningsnummer (the message never repeats it).
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("#"):
            _check_formula_error(text)
        if not text:
            return None
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date):
        return value.isoformat()[:10]
    else:
        text = str(value)
    _refuse_identity_number(text)
    return text


def normalize_key(text: str) -> str:
    """Return the form used to compare codes and IDs: case and surrounding spaces ignored."""
    return text.strip().casefold()


def normalize_words(text: str) -> str:
    """Return the form used to compare categories and headers: case and extra spaces ignored."""
    return " ".join(text.replace("\u00a0", " ").split()).casefold()
