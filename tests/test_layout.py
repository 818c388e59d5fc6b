"""Sheets laid out as people lay them out: title rows and headers over two rows."""

from __future__ import annotations

from typing import Any

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
    assert data.participants["row"].tolist() == [4, 5]  # 0-based sheet rows: A5 and A6


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
