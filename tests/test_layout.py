"""Sheets laid out as people lay them out: title rows, headers over two rows, long pastes, and an
insats whose own row has an error."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sheets.columns import find_header
from sheets.schemas import DeltagareRow, InsatsRow
from sheets.structure import unusable_tab_error
from sheets.validate import load_dataset

INSATSER_HEADER = ["Kod", "Namn", "Start", "Slut", "Platser"]
INSATSER_ROWS = [["RESAM", "Resursteam", "2026-01-01", None, 10]]
DELTAGARE_HEADER = ["Deltagar-ID", "Insats", "Kön", "Inskriven", "Avslutad", "Avslutsorsak"]
DELTAGARE_ROWS = [
    ["B000001", "RESAM", "K", "2026-02-01"],
    ["B000002", "RESAM", "M", "2026-02-02"],
]


def sheet(insatser: list[list[Any]], deltagare: list[list[Any]]) -> dict[str, list[list[Any]]]:
    return {"Insatser": insatser, "Deltagare": deltagare}


def test_a_title_row_merged_across_the_columns_is_passed_over() -> None:
    # A merged cell holds its text in its first cell only; the others read as empty.
    data = load_dataset(
        sheet(
            [["Insatser 2026", None, None], *([INSATSER_HEADER, *INSATSER_ROWS])],
            [["Deltagare 2026"], [], [None, "uppdaterad 3/2"], DELTAGARE_HEADER, *DELTAGARE_ROWS],
        )
    )
    assert data.problems == ()
    assert len(data.participants) == 2
    assert data.header_rows == {"Insatser": 2, "Deltagare": 4}
    assert data.participants.row.tolist() == [4, 5]  # 0-based sheet rows: A5 and A6


def test_headers_on_the_first_row_are_no_news() -> None:
    data = load_dataset(
        sheet([INSATSER_HEADER, *INSATSER_ROWS], [DELTAGARE_HEADER, *DELTAGARE_ROWS])
    )
    assert data.header_rows == {}
    # Blank rows above the headers are no title row either.
    data = load_dataset(sheet([[], [None], INSATSER_HEADER, *INSATSER_ROWS], [DELTAGARE_HEADER]))
    assert data.header_rows == {}


def test_a_group_cell_above_the_headers_and_headers_merged_over_two_rows() -> None:
    # Row 2: "Period" merged over Inskriven..Avslutsorsak; the other headers merged down over rows
    # 2-3, so they sit in row 2 and row 3 is empty below them.
    deltagare = [
        ["Deltagare 2026"],
        ["Deltagar-ID", "Insats", "Kön", "Period", None, None, "Anteckning"],
        [None, None, None, "Inskriven", "Avslutad", "Avslutsorsak"],
        ["B000001", "RESAM", "K", "2026-02-01", "2026-03-01", "arbete"],
        ["B000002", "RESAM", "M", "2026-02-02"],
    ]
    data = load_dataset(sheet([INSATSER_HEADER, *INSATSER_ROWS], deltagare))
    assert data.problems == ()
    assert len(data.participants) == 2
    assert data.header_rows == {"Deltagare": 3}
    header = find_header(deltagare, DeltagareRow)
    assert header is not None
    assert header.positions == {
        "deltagar_id": 0,
        "insats": 1,
        "kon": 2,
        "inskriven": 3,
        "avslutad": 4,
        "avslutsorsak": 5,
    }


def test_a_group_row_with_every_header_below_it() -> None:
    deltagare = [
        [None, None, None, "Period"],
        DELTAGARE_HEADER,
        *DELTAGARE_ROWS,
    ]
    data = load_dataset(sheet([INSATSER_HEADER, *INSATSER_ROWS], deltagare))
    assert data.problems == ()
    assert data.header_rows == {"Deltagare": 2}
    assert len(data.participants) == 2


def test_missing_columns_name_the_row_looked_at_and_read_as_a_sentence() -> None:
    deltagare = [["Deltagare 2026"], ["Deltagar-ID", "Insats", "Inskriven"], ["B1", "RESAM", 46000]]
    data = load_dataset(sheet([INSATSER_HEADER, *INSATSER_ROWS], deltagare))
    [problem] = data.problems
    assert problem.cell == "A2"
    assert problem.message.sv == ("Fliken Deltagare saknar kolumnen Kön på rubrikraden (rad 2).")
    assert problem.message.en == (
        "The tab Deltagare lacks the column Gender in its header row (row 2)."
    )
    # The sheet cannot stand in for the last good read; the error names the same row.
    error = unusable_tab_error(sheet([INSATSER_HEADER, *INSATSER_ROWS], deltagare), data)
    assert error is not None and "(rad 2)" in error.message_sv


def test_several_missing_columns() -> None:
    insatser = [["Insatser"], ["Titel", "Platser"], ["x", 3]]
    data = load_dataset(sheet(insatser, [DELTAGARE_HEADER]))
    [problem] = data.problems
    # Only Platser is a known header: that row is looked at, not the title row.
    assert problem.cell == "A2"
    assert "saknar kolumnerna Kod, Namn och Start på rubrikraden (rad 2)" in problem.message.sv
    assert "lacks the columns Code, Name and Start in its header row (row 2)" in problem.message.en


def test_no_known_header_anywhere_falls_back_to_the_first_non_empty_row() -> None:
    insatser = [[], ["Projektlista"], ["Vad", "När"]]
    data = load_dataset(sheet(insatser, [DELTAGARE_HEADER]))
    [problem] = data.problems
    assert problem.cell == "A2"
    assert "kolumnerna Kod, Namn och Start" in problem.message.sv
    header = find_header(insatser, InsatsRow)
    assert header is not None and (header.index, header.positions) == (1, {})


def test_only_the_first_ten_non_empty_rows_are_looked_at() -> None:
    titles = [[f"Rad {n}"] for n in range(10)]
    data = load_dataset(sheet([*titles, INSATSER_HEADER, *INSATSER_ROWS], [DELTAGARE_HEADER]))
    [problem] = data.problems
    assert problem.cell == "A1"  # today's rule: the first non-empty row, which lacks them all


def test_a_long_paste_is_a_warning_never_quoted_and_quick() -> None:
    paste = "Lorem ipsum 1 500 kr, 2026-03-15. " * 1500  # 51 000 characters
    assert len(paste) > 50_000
    insatser = [
        ["Kod", "Namn", "Huvudman", "Start", "Platser", "Budget (kr)"],
        ["RESAM", "Resursteam", paste, "2026-01-01", paste, paste],
        [paste, "Lång kod", None, "2026-01-01"],
        ["EMP", "Empowerment", None, "2026-01-01"],
    ]
    deltagare = [
        ["Deltagar-ID", "Insats", "Kön", "Kommun", "Inskriven", "Handläggare"],
        ["B000001", "RESAM", "K", paste, "2026-02-01", paste],
        [paste, "EMP", "K", "Lillby", "2026-02-01", None],
        ["B000003", paste, "M", "Lillby", "2026-02-01", None],  # in the insats of the long code
        ["B000004", paste + "x", "M", "Lillby", "2026-02-01", None],
        *([f"B1{n:05d}", "RESAM", "M", "Lillby", "2026-02-01", "Anna"] for n in range(5000)),
    ]
    started = time.perf_counter()
    data = load_dataset(sheet(insatser, deltagare))
    assert time.perf_counter() - started < 1.0  # about 0.05 s; generous on a busy machine
    problems = {(p.tab, p.cell, p.severity) for p in data.problems}
    assert problems == {
        ("Insatser", "C2", "warning"),
        ("Insatser", "E2", "error"),  # not a number
        ("Insatser", "F2", "error"),
        ("Insatser", "A3", "warning"),
        ("Deltagare", "D2", "warning"),
        ("Deltagare", "F2", "warning"),
        ("Deltagare", "A3", "warning"),
        ("Deltagare", "B4", "warning"),
        ("Deltagare", "B5", "warning"),
        ("Deltagare", "B5", "error"),  # no such insats, and no suggestion quoting a paste
    }
    for problem in data.problems:
        text = problem.message.sv + problem.message.en + problem.fix.sv + problem.fix.en
        assert "Lorem" not in text and len(text) < 400
    warning = next(p for p in data.problems if p.cell == "C2")
    assert warning.message.sv.startswith("Huvudman: texten är längre än 1\u00a0000 tecken")
    # Warnings only: the long code still counts, and so does the participant in it (and the one
    # with a long ID); RESAM's places and budget are errors, which leaves out its participants.
    assert sorted(p.kod[:5] for p in data.insatser) == ["EMP", "Lorem"]
    assert len(data.participants) == 2
    assert [(i.code, i.cell, i.participant_rows) for i in data.insatser_left_out] == [
        ("RESAM", "A2", 5001)
    ]


def test_which_insats_is_left_out_and_how_many_participant_rows_it_takes() -> None:
    insatser = [
        ["Kod", "Namn", "Start"],
        ["RESAM", "Resursteam", "2026-01-01"],
        ["EMP", "Empowerment", "31/2/2026"],  # A3: not a date
        ["HALSO", "Hälsosam", "2026-01-01"],  # A4 and A6: the code twice
        [None, "Utan kod", "2026-01-01"],  # A5: no code
        ["halso ", "Hälsosam igen", "2026-01-01"],
        [None, None, None],
        ["KOM", "Kom-jobb", "2026-01-01"],
    ]
    deltagare = [
        DELTAGARE_HEADER,
        ["D1", "RESAM", "K", "2026-02-01"],
        ["D2", "EMP", "K", "2026-02-01"],
        ["D3", "emp", "M", "2026-02-01"],
        ["D4", "EMP", "M", "2026-02-01", "2026-02-05", "felregistrering"],  # not counted
        ["D5", "EMP", "Q", "2026-02-01"],  # its own error: among rows_left_out instead
        ["D6", "HALSO", "K", "2026-02-01"],
        ["D7", "Halso", "K", "2026-02-01"],
        ["D8", "HALSO", "K", "2026-02-01"],
    ]
    data = load_dataset(sheet(insatser, deltagare))
    assert [(i.code, i.cell, i.participant_rows) for i in data.insatser_left_out] == [
        ("EMP", "A3", 2),
        ("HALSO", "A4", 3),
        (None, "A5", 0),
    ]
    assert data.rows_left_out == 4 + 1  # the four insats rows with errors, and D5
    assert len(data.participants) == 1


@pytest.mark.parametrize(("title", "expected"), [("Personal", "Personal"), ("Staff ", "Staff ")])
def test_the_personal_tab_is_named_when_there_is_one(title: str, expected: str) -> None:
    tabs = sheet([INSATSER_HEADER, *INSATSER_ROWS], [DELTAGARE_HEADER])
    assert load_dataset(tabs).personal_tab is None
    tabs[title] = []  # even an empty one
    assert load_dataset(tabs).personal_tab == expected
    tabs[title] = [["Personal 2026"], ["Slack-ID", "Namn"], ["U0ANNA", "Anna"]]
    data = load_dataset(tabs)
    assert [person.namn for person in data.staff] == ["Anna"]
    assert data.header_rows == {title: 2}
