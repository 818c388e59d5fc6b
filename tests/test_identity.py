"""Personnummer and samordningsnummer: found in every spelling, in any cell, and never shown.

The numbers here are synthetic: built to pass the Luhn check; none belongs to a real person.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.check import check
from commands.context import Context, echo
from commands.figures import compute_figures, figures_json
from commands.language import Language
from sheets.identity import candidate_lines, contains_identity_number
from sheets.schemas import parse_participant_id, parse_participant_ids
from sheets.validate import load_dataset
from sheets.values import CellValueError, parse_text

# Date part and last four of each synthetic number: personnummer of 1981-12-18 and 1946-01-01,
# samordningsnummer (day + 60) of 1981-12-18 and 1987-04-12.
NUMBERS = [("811218", "9876"), ("811278", "9873"), ("870472", "9824"), ("460101", "1234")]
SEPARATORS = [
    "",
    "-",
    "+",  # over 100 years old
    " ",
    "\u2013",  # en dash
    "\u2212",  # minus sign
    "\u2011",  # non-breaking hyphen
    "\u2010",  # hyphen
    "\u00a0",  # no-break space
    " - ",
    " \u2013 ",
]


def spellings(date_part: str, last_four: str) -> list[str]:
    """Every spelling of one number: 10 and 12 digits, with every separator."""
    return [
        f"{century}{date_part}{separator}{last_four}"
        for century in ("", "19")
        for separator in SEPARATORS
    ]


SPELLINGS = [spelling for number in NUMBERS for spelling in spellings(*number)]

NOT_NUMBERS = [
    "RESAM-2025-0042",
    "RESAM-2025-00042",
    "RESAM-0042",
    "B000001",
    "B0000001234",  # seven digits, then four: no date part of six or eight
    "000123",
    "2026-17",
    "D-2025-0123",
    "2026-03-15",  # dates
    "15/3/2026",
    "20260315",
    "20260315-1234",  # a date and four digits that fail the check digit
    "070-123 45 67",  # phone numbers
    "0701234567",  # ten digits, a real date (1907-01-23), but the check digit fails
    "08-123 456 78",
    "+46 70 123 45 67",
    "802412-1234",  # an organisationsnummer: month 24
    "811218-9875",  # wrong check digit
    "811318-9876",  # month 13
    "811292-9876",  # samordningsnummer of day 32
    "81121898761",  # 11 digits
    "1234567890123",  # 13 digits
    "811218--9876",  # two dashes
    "811218 -- 9876",
    "811218/9876",  # not a separator people use for it
    "",
]


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_spelling_is_found(text: str) -> None:
    assert contains_identity_number(text)
    assert contains_identity_number(f"Eva {text}, Storstad")  # anywhere in the cell
    assert len(candidate_lines(f"RESAM-0042\nEva {text}\nB000001")) >= 1


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_pseudonymous_codes_dates_and_phone_numbers_are_not_numbers(text: str) -> None:
    assert not contains_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "Menade du 870472-9824?",
        "Ärenden för Eva 870412–9827",
        "deltagare 811218 9876",
        "8112189876",
    ],
)
def test_a_question_holding_a_number_is_never_echoed(text: str) -> None:
    assert echo(text) == "…"


def test_ids_of_the_usual_shapes_take_no_closer_look() -> None:
    # The column-wide search finds nothing to look at in IDs people use: they are their text.
    for make in (
        "B{:06d}",
        "{:06d}",
        "RESAM-{:04d}",
        "2026-{}",
        "RESAM-2025-{:05d}",
    ):
        texts = [make.format(n) for n in range(1, 3000)]
        assert candidate_lines("\n".join(texts)).size == 0


# Text around numbers and around codes that look a little like them, with digits of other scripts.
texts = st.text(alphabet="RESAMB-+ \u2013\u2212\u00a0\n#0123456789٠١٢٣٤٥٦٧٨٩", max_size=20)
spelled = st.builds(lambda pre, n, post: pre + n + post, texts, st.sampled_from(SPELLINGS), texts)


# IDs with ten digits or more, which make the search look closer at every line.
MANY_DIGITS = [f"2026-0315-{n:05d}" for n in range(40)]


@given(
    st.lists(st.one_of(texts, spelled, st.sampled_from(NOT_NUMBERS)), max_size=30),
    st.sampled_from([[], MANY_DIGITS]),
)
def test_the_column_search_finds_every_line_that_holds_a_number(
    column: list[str], padding: list[str]
) -> None:
    lines = "\n".join(text.replace("\n", " ") for text in [*padding, *column])
    found = set(candidate_lines(lines).tolist())
    for number, text in enumerate(lines.split("\n")):
        if contains_identity_number(text):
            assert number in found
    if padding:
        assert not found & set(range(len(padding)))  # the closer look passes these IDs


def test_the_closer_look_finds_every_spelling_among_ids_with_many_digits() -> None:
    column = [*MANY_DIGITS, *(f"Eva {spelling}" for spelling in SPELLINGS), *MANY_DIGITS]
    found = candidate_lines("\n".join(column)).tolist()
    assert found == list(range(len(MANY_DIGITS), len(MANY_DIGITS) + len(SPELLINGS)))


@given(
    st.lists(
        st.one_of(texts, spelled, st.sampled_from(NOT_NUMBERS), st.none(), st.integers()),
        max_size=30,
    )
)
def test_a_column_of_ids_reads_exactly_as_one_by_one(values: list[Any]) -> None:
    def one(value: Any) -> Any:
        try:
            return parse_participant_id(value)
        except CellValueError as error:
            return ("error", error.message.en, error.fix.en)

    bulk = [
        ("error", r.message.en, r.fix.en) if isinstance(r, CellValueError) else r
        for r in parse_participant_ids(list(values))
    ]
    assert bulk == [one(value) for value in values]


def test_a_number_in_a_cell_is_refused_without_repeating_it() -> None:
    for value in ("Eva 870412\u20139827", 8112189876, 198112189876.0, "811218 9876"):
        with pytest.raises(CellValueError) as caught:
            parse_text(value)
        for text in (caught.value.message.sv, caught.value.message.en, caught.value.fix.sv):
            assert "9827" not in text and "9876" not in text


# One number in every text cell of every tab (each spelled differently), and in a number cell.
PNR = {
    "kod": "870412-9827",
    "namn": "Resursteam 811218 9876",
    "huvudman": "Eva 811278\u20139873",
    "platser": 4601011234,
    "id": "19870412\u22129827",
    "insats": "811218+9876",
    "kon": "8112189876",
    "kommun": "Storstad 870472-9824",
    "handlaggare": "Eva 460101\u20111234",
    "forsorjning": "198112189876",
    "slack": "U811218-9876",
    "personal_namn": "Anna 870412 - 9827",
    "ekonomi_insats": "Eva 870412\u00a09827",
    "historik_insats": "811278 9873",
}


DELTAGARE_HEADER = ["Deltagar-ID", "Insats", "Kön", "Kommun", "Försörjning vid start"]
DELTAGARE_HEADER += ["Inskriven", "Handläggare"]


def sheet_with_numbers() -> dict[str, list[list[Any]]]:
    return {
        "Insatser": [
            ["Kod", "Namn", "Huvudman", "Start", "Platser"],
            ["RESAM", "Resursteam", "Region", "2026-01-01", 10],
            [PNR["kod"], "Kod", "Region", "2026-01-01", 10],  # A3
            ["EMP", PNR["namn"], PNR["huvudman"], "2026-01-01", PNR["platser"]],  # B4 C4 E4
        ],
        "Deltagare": [
            DELTAGARE_HEADER,
            ["D-1", "RESAM", "K", "Lillby", "ingen", "2026-02-01", "Anna"],
            [PNR["id"], "RESAM", "K", "Lillby", "ingen", "2026-02-01", "Anna"],  # A3
            ["D-3", PNR["insats"], "K", "Lillby", "ingen", "2026-02-01", "Anna"],  # B4
            ["D-4", "RESAM", PNR["kon"], "Lillby", "ingen", "2026-02-01", "Anna"],  # C5
            ["D-5", "RESAM", "M", PNR["kommun"], "ingen", "2026-02-01", "Anna"],  # D6
            ["D-6", "RESAM", "M", "Lillby", PNR["forsorjning"], "2026-02-01", "Anna"],  # E7
            ["D-7", "RESAM", "M", "Lillby", "ingen", "2026-02-01", PNR["handlaggare"]],  # G8
            ["D-8", "EMP", "M", "Lillby", "ingen", "2026-02-01", "Anna"],
        ],
        "Ekonomi": [
            ["Insats", "Månad", "Belopp (kr)"],
            ["RESAM", "2026-01", 100],
            [PNR["ekonomi_insats"], "2026-01", 100],  # A3
        ],
        "Personal": [
            ["Slack-ID", "Namn", "Roll"],
            ["U0ANNA", "Anna", "samordnare"],
            [PNR["slack"], "Eva", "läsare"],  # A3
            ["U0EVA", PNR["personal_namn"], "läsare"],  # B4
        ],
        "Historik": [
            ["Vecka", "Insats", "Aktiva"],
            ["2026-W05", "RESAM", 1],
            ["2026-W05", PNR["historik_insats"], 1],  # B3
        ],
    }


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def assert_no_number_in(text: str) -> None:
    """No number of `PNR` appears in `text`, however it is spelled there."""
    for date_part, last_four in NUMBERS:
        assert date_part not in digits(text), text[:200]
        assert date_part + last_four not in digits(text)


def test_a_number_in_any_text_cell_of_any_tab_is_an_error_at_its_cell() -> None:
    data = load_dataset(sheet_with_numbers())
    errors = {(p.tab, p.cell) for p in data.problems if "personnummer" in p.message.sv}
    assert errors == {
        ("Insatser", "A3"),
        ("Insatser", "B4"),
        ("Insatser", "C4"),
        ("Insatser", "E4"),
        ("Deltagare", "A3"),
        ("Deltagare", "B4"),
        ("Deltagare", "C5"),
        ("Deltagare", "D6"),
        ("Deltagare", "E7"),
        ("Deltagare", "G8"),
        ("Ekonomi", "A3"),
        ("Personal", "A3"),
        ("Personal", "B4"),
        ("Historik", "B3"),
    }
    assert [p.kod for p in data.insatser] == ["RESAM"]
    assert len(data.participants) == 1  # D-1; D-8 is in EMP, whose own row has errors
    assert [(i.code, i.cell, i.participant_rows) for i in data.insatser_left_out] == [
        (None, "A3", 0),  # the code itself is a number: never shown
        ("EMP", "A4", 1),
    ]


def test_a_number_is_shown_nowhere() -> None:
    data = load_dataset(sheet_with_numbers())
    for problem in data.problems:
        for text in (problem.message.sv, problem.message.en, problem.fix.sv, problem.fix.en):
            assert_no_number_in(text)
    assert_no_number_in(repr(data.insatser) + repr(data.staff) + repr(data.history))
    assert_no_number_in(repr(data.all_codes) + repr(data.insatser_left_out))
    assert_no_number_in(repr(data.participants))
    assert data.costs is not None
    assert_no_number_in(repr(data.costs))
    for column in ("kommun", "caseworker"):
        assert_no_number_in(repr(getattr(data.participants, column).values))
    as_of = date(2026, 3, 2)
    assert_no_number_in(json.dumps(figures_json(compute_figures(data, as_of))))
    for language in ("sv", "en"):
        reply = check(data, Context(as_of, Language(language)))
        assert_no_number_in(repr(reply))


def test_a_misspelled_code_never_suggests_a_number() -> None:
    tabs = sheet_with_numbers()
    tabs["Deltagare"].append(["D-9", "870412-9828", "M", "Lillby", "ingen", "2026-02-01", "A"])
    data = load_dataset(tabs)
    assert not any("Menade du" in p.message.sv for p in data.problems)
    for problem in data.problems:
        assert_no_number_in(problem.message.sv + problem.message.en)
