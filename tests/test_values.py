"""Cell values as people type them: every accepted format, and what is refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from sheets import categories
from sheets.identity import contains_identity_number
from sheets.schemas import parse_birth_year, parse_participant_id, parse_slack_id, parse_week
from sheets.values import (
    CellValueError,
    parse_amount,
    parse_date,
    parse_month,
    parse_number,
    parse_percent,
    parse_text,
    parse_whole_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-15", date(2026, 3, 15)),
        ("2026-3-5", date(2026, 3, 5)),
        (" 2026-03-15 ", date(2026, 3, 15)),
        ("2026-03-15 14:30", date(2026, 3, 15)),
        ("2026-03-15T14:30:00", date(2026, 3, 15)),
        ("15/3/2026", date(2026, 3, 15)),
        ("15/03/2026", date(2026, 3, 15)),
        ("15.3.2026", date(2026, 3, 15)),
        ("1.12.2025 08.15", date(2025, 12, 1)),
        ("\u00a015/3/2026", date(2026, 3, 15)),
        (46096, date(2026, 3, 15)),  # a Google serial number
        (46096.75, date(2026, 3, 15)),  # the fraction is a time of day: ignored
        (45658.0, date(2025, 1, 1)),
        (61, date(1900, 3, 1)),  # serials count from 1899-12-30 (the 1900 leap-year bug)
        (2, date(1900, 1, 1)),  # the first day and the last taken for a date
        (109_574.99, date(2199, 12, 31)),
        (date(2026, 3, 15), date(2026, 3, 15)),
        (datetime(2026, 3, 15, 23, 59), date(2026, 3, 15)),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_dates_people_type(raw: Any, expected: date | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "46096",  # digits typed as text are not a date
        "15/3/26",  # a two-digit year is ambiguous
        "31/2/2026",  # not in the calendar
        "2026-13-01",
        "15-3-2026",
        "mars 2026",
        "#REF!",
        "#N/A",
        True,
        float("nan"),
        float("inf"),
        -5,
        1,  # 1899-12-31: a typo, not a date anyone means
        1.99,
        109_575,  # 2200-01-01
        10**9,
        "9999-01-01",
    ],
)
def test_not_dates(raw: Any) -> None:
    with pytest.raises(CellValueError) as caught:
        parse_date(raw)
    assert caught.value.fix.sv and caught.value.fix.en


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1500, 1500.0),
        (1500.5, 1500.5),
        ("1500", 1500.0),
        ("1 500", 1500.0),
        ("1\u00a0500", 1500.0),  # non-breaking space, as Sheets' sv locale writes it
        ("1\u202f500", 1500.0),  # narrow no-break space
        ("1500,50", 1500.5),  # the Swedish decimal comma
        ("1500.50", 1500.5),  # a dot alone is a decimal point
        ("1 500 kr", 1500.0),
        ("1 500,50 kr", 1500.5),
        ("1500 SEK", 1500.0),
        ("1500:-", 1500.0),
        ("12 %", 12.0),
        ("12,5%", 12.5),
        ("-4 800", -4800.0),
        ("\u22124800", -4800.0),  # the minus sign Word and Numbers type
        (",5", 0.5),
        (" ", None),
        (None, None),
    ],
)
def test_numbers_people_type(raw: Any, expected: float | None) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1.500,50",
        "1,500.50",
        "1,500,000",
        "tolv",
        "12 st",
        "#VALUE!",
        "#DIV/0!",
        True,
        float("nan"),
        "--5",
    ],
)
def test_not_numbers(raw: Any) -> None:
    with pytest.raises(CellValueError):
        parse_number(raw)


def test_ambiguous_number_says_why() -> None:
    with pytest.raises(CellValueError) as caught:
        parse_number("1.500,50")
    assert "komma och punkt" in caught.value.message.sv
    assert "1.500,50" not in caught.value.message.sv  # the value itself is never quoted


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        ("12", 12),
        ("12,0", 12),
        (12.0, 12),
        ("0", 0),
        ("20 st", 20),
        ("20 st.", 20),
        ("20st", 20),
        ("20 ST", 20),
        ("ca 20", 20),
        ("ca. 20", 20),
        ("cirka 20", 20),
        ("20 platser", 20),
        ("20 pers", 20),
        ("20 personer", 20),
        ("20 deltagare", 20),
        ("100/år", 100),
        ("100 / år", 100),
        ("100 per år", 100),
        ("100 st/år", 100),
        ("1 200 st", 1200),
        ("20 places", 20),
        ("about 20", 20),
        ("100/year", 100),
        ("100 per year", 100),
        ("20\u00a0st", 20),
    ],
)
def test_whole_numbers(raw: Any, expected: int) -> None:
    assert parse_whole_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12,5",
        -1,
        "-3",
        2.5,
        "20 stolar",
        "st 20",
        "ca",
        "20 st 30",
        "tjugo st",
        "1" * 400,
        "#REF! st",
    ],
)
def test_not_whole_numbers(raw: Any) -> None:
    with pytest.raises(CellValueError):
        parse_whole_number(raw)


def test_percent_and_amount_ranges() -> None:
    assert parse_percent("50 %") == 50.0
    assert parse_percent(0) == 0.0
    with pytest.raises(CellValueError):
        parse_percent("150 %")
    assert parse_amount("950 000") == 950000.0
    with pytest.raises(CellValueError):
        parse_amount("-1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-3", date(2026, 3, 1)),
        ("2026/03", date(2026, 3, 1)),
        ("03/2026", date(2026, 3, 1)),
        ("3/2026", date(2026, 3, 1)),
        ("3-2026", date(2026, 3, 1)),
        ("3.2026", date(2026, 3, 1)),
        (46096, date(2026, 3, 1)),
        ("15/3/2026", date(2026, 3, 1)),
        ("15.3.2026", date(2026, 3, 1)),
        (datetime(2026, 3, 15), date(2026, 3, 1)),
        ("mars 2026", date(2026, 3, 1)),
        ("Mars 2026", date(2026, 3, 1)),
        (" MARS  2026 ", date(2026, 3, 1)),
        ("mar 2026", date(2026, 3, 1)),
        ("jan 2026", date(2026, 1, 1)),
        ("jan. 2026", date(2026, 1, 1)),
        ("januari 2026", date(2026, 1, 1)),
        ("maj 2026", date(2026, 5, 1)),
        ("sept. 2026", date(2026, 9, 1)),
        ("okt 2026", date(2026, 10, 1)),
        ("december 2026", date(2026, 12, 1)),
        ("March 2026", date(2026, 3, 1)),
        ("May 2026", date(2026, 5, 1)),
        ("Oct 2026", date(2026, 10, 1)),
        ("mars\u00a02026", date(2026, 3, 1)),
        (None, None),
        ("", None),
    ],
)
def test_months(raw: Any, expected: date | None) -> None:
    assert parse_month(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "mars",  # which year?
        "mar-26",  # 26 may be the year or the day
        "mars 26",
        "3/26",
        "13/2026",
        "2026-13",
        "marsipan 2026",
        "2026 mars",
        "46096",
        "#REF!",
        "x" * 50_000,
    ],
)
def test_not_months(raw: Any) -> None:
    with pytest.raises(CellValueError) as caught:
        parse_month(raw)
    assert "2026-03" in caught.value.fix.sv


def test_text_cells() -> None:
    assert parse_text("  RESAM ") == "RESAM"
    assert parse_text(123.0) == "123"  # a code typed as a number
    assert parse_text("") is None
    with pytest.raises(CellValueError):
        parse_text("#REF!")
    assert parse_text("#1 prioritet") == "#1 prioritet"  # a hash is not always a formula error


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("K", "kvinna"),
        ("kvinna", "kvinna"),
        (" Kvinna ", "kvinna"),
        ("female", "kvinna"),
        ("M", "man"),
        ("MAN", "man"),
        ("male", "man"),
        ("X", "annat"),
        ("Annan", "annat"),
        ("other", "annat"),
    ],
)
def test_gender_spellings(raw: str, expected: str) -> None:
    assert categories.parse_gender(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Arbete", "arbete"),
        ("förvärvsarbete", "arbete"),
        ("Anställning", "arbete"),
        ("employment", "arbete"),
        ("Studier", "studier"),
        ("utbildning", "studier"),
        ("education", "studier"),
        ("aktivt  arbetssökande", "arbetssökande"),  # repeated inner spaces ignored
        ("job seeking", "arbetssökande"),
        ("ohälsa", "övrigt"),
        ("Annan insats", "övrigt"),
        ("flyttat", "övrigt"),
        ("Felregistrering", "felregistrering"),
    ],
)
def test_exit_reason_spellings(raw: str, expected: str) -> None:
    assert categories.parse_exit_reason(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rehabiliteringspenning", "sjukpenning"),
        ("utvecklingsersättning", "aktivitetsstöd"),
        ("A-kassa", "a-kassa"),
        ("Försörjningsstöd ", "försörjningsstöd"),
        ("ingen", "ingen"),
    ],
)
def test_support_spellings(raw: str, expected: str) -> None:
    assert categories.parse_support(raw) == expected


@pytest.mark.parametrize("raw", ["kvinnna", "k v", "1"])
def test_unknown_gender(raw: str) -> None:
    with pytest.raises(CellValueError):
        categories.parse_gender(raw)


# Synthetic numbers built to pass the Luhn check; none belongs to a real person.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("811218-9876", True),
        ("8112189876", True),
        ("198112189876", True),
        ("19811218-9876", True),
        ("811218+9876", True),  # over 100 years old
        ("811278-9873", True),  # samordningsnummer: day + 60
        ("ID 811218-9876 x", True),  # anywhere in the cell
        ("811218-9875", False),  # wrong check digit
        ("811318-9876", False),  # month 13
        ("RESAM-2025-0042", False),
        ("D-2025-0123", False),
        ("1234567890123", False),  # 13 digits
        ("", False),
    ],
)
def test_identity_numbers(text: str, expected: bool) -> None:
    assert contains_identity_number(text) is expected


def test_participant_id_refuses_personnummer_without_repeating_it() -> None:
    with pytest.raises(CellValueError) as caught:
        parse_participant_id("19811218-9876")
    for message in (
        caught.value.message.sv,
        caught.value.message.en,
        caught.value.fix.sv,
        caught.value.fix.en,
    ):
        assert "9876" not in message and "811218" not in message
    assert parse_participant_id(" RESAM-0042 ") == "RESAM-0042"


def test_other_columns() -> None:
    assert parse_birth_year("1987") == 1987
    with pytest.raises(CellValueError):
        parse_birth_year(87)
    assert parse_slack_id("<@U0DEMO01>") == "U0DEMO01"
    assert parse_slack_id("u0demo01") == "U0DEMO01"
    with pytest.raises(CellValueError):
        parse_slack_id("Anna")
    assert parse_week("2026-w48") == "2026-W48"
    with pytest.raises(CellValueError):
        parse_week("v48")
