"""A batchGet answer decoded a piece at a time (sheets.backends.pieces) gives exactly the rows
json gives for the whole answer, wherever it is cut and in whatever order the tabs are read."""

from __future__ import annotations

import gc
import itertools
import json
import time
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets.backends.pieces import AnswerError, BatchGetRows
from tests.fakes.sheets_api import google_json

# Texts with what a cut looks for and what makes one go wrong: brackets, commas, quotes,
# backslashes (a text may end in one), spaces and newlines, and letters beyond ASCII.
TEXTS = st.text(alphabet=st.sampled_from('[],"\\ \n\tåäöÅ€😀aB1'), max_size=12)
CELLS = st.one_of(
    TEXTS,
    st.sampled_from(["],[", "], [", '"],["', "\\", "]]}]}"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
ROWS = st.lists(st.lists(CELLS, max_size=5), max_size=12)
TABS = st.dictionaries(st.sampled_from(["Insatser", "Deltagare", "Ekonomi", "x],[y"]), ROWS)


def answer_body(tabs: dict[str, list[list[Any]]], *, pretty: bool = False) -> bytes:
    """Return the answer Google gives to a batchGet of `tabs` (an empty tab has no values)."""
    ranges = [
        {
            "range": f"'{title}'!A1:Z99",
            "majorDimension": "ROWS",
            **({"values": rows} if rows else {}),
        }
        for title, rows in tabs.items()
    ]
    return google_json({"spreadsheetId": "sheet", "valueRanges": ranges}, pretty=pretty)


def read_all(pieces: BatchGetRows, order: list[str]) -> dict[str, list[list[Any]]]:
    """Return every tab's rows, read a chunk at a time, the tabs in `order`."""
    tabs = pieces.tabs()
    return {
        title: [list(row) for chunk in tabs[title].chunks() for row in chunk] for title in order
    }


@settings(max_examples=300, deadline=None)
@given(
    tabs=TABS,
    piece_bytes=st.sampled_from([1, 2, 7, 40, 10**9]),
    pretty=st.booleans(),
    backwards=st.booleans(),
)
def test_the_rows_are_the_whole_answers_however_it_is_cut(
    tabs: dict[str, list[list[Any]]], piece_bytes: int, pretty: bool, backwards: bool
) -> None:
    body = answer_body(tabs, pretty=pretty)
    whole = json.loads(body)["valueRanges"]
    empty: list[str] = []
    pieces = BatchGetRows(body, list(tabs), piece_bytes=piece_bytes, on_empty=empty.append)
    order = list(reversed(tabs)) if backwards else list(tabs)

    rows = read_all(pieces, order)

    assert rows == {title: whole[i].get("values", []) for i, title in enumerate(tabs)}
    assert sorted(empty) == sorted(title for title, tab_rows in tabs.items() if not tab_rows)


@settings(max_examples=200, deadline=None)
@given(
    rows=ROWS,
    told=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 4), st.lists(TEXTS, max_size=3))),
    piece_bytes=st.sampled_from([1, 7, 40, 10**9]),
    another_tab_after=st.booleans(),
)
def test_rows_read_expecting_texts_are_the_whole_answers_up_to_the_width(
    rows: list[list[Any]],
    told: list[tuple[int, int, list[str]]],
    piece_bytes: int,
    another_tab_after: bool,
) -> None:
    # After each chunk the loader may tell texts: some the rows hold, some not (the piece then
    # decodes as before), at positions within the width or beyond it, for rows shorter or
    # longer than it; a piece may reach into the next tab.
    tabs = {"Deltagare": rows, **({"Ekonomi": [["Insats"], ["IPS"]]} if another_tab_after else {})}
    body = answer_body(tabs)
    pieces = BatchGetRows(body, list(tabs), piece_bytes=piece_bytes)
    tab = pieces.tabs()["Deltagare"]
    held = [cell for row in rows for cell in row if isinstance(cell, str)]
    width = 0
    read: list[list[Any]] = []
    tellings = iter(told)
    for chunk in tab.chunks():
        read += [list(row) for row in chunk]
        width, position, texts = next(tellings, (width, 0, []))
        tab.expect(width, {position: texts + held[: len(read)]})

    assert len(read) == len(rows)
    for got, row in zip(read, rows, strict=True):
        # What every row had up to the width told before it: the cells beyond may be gone.
        assert got[: len(row)] == row[: len(got)] and not any(got[len(row) :])
    assert read_all(pieces, list(tabs)[1:]) == {title: tabs[title] for title in list(tabs)[1:]}


def test_the_texts_told_are_the_cells_themselves_once_told() -> None:
    rows = [[f"B{n:06d}", "kvinna" if n % 2 else "man", n] for n in range(3000)]
    pieces = BatchGetRows(answer_body({"Deltagare": rows}), ["Deltagare"], piece_bytes=4096)
    tab = pieces.tabs()["Deltagare"]
    woman, man = "".join(["kvin", "na"]), "".join(["m", "an"])  # not the rows' own objects

    chunks = tab.chunks()
    first = next(chunks)
    tab.expect(3, {1: [woman, man]})
    rest = [row for chunk in chunks for row in chunk]

    assert all(row[1] is not woman and row[1] is not man for row in first)
    # The answer's last piece (its end, as Google wrote it) is decoded as before.
    middle = list(enumerate(rest, len(first)))[:2000]
    assert all(row[1] is (woman if n % 2 else man) for n, row in middle)
    assert [list(row) for row in first + rest] == rows


def test_a_text_not_told_or_a_wider_row_later_is_read_as_it_is() -> None:
    rows = [[f"B{n:06d}", "IPS"] for n in range(2000)]
    rows[1500][1] = "NYTT"  # a new insats, not told
    rows[1800] += ["", "kommentar"]  # a row wider than any before
    pieces = BatchGetRows(answer_body({"Deltagare": rows}), ["Deltagare"], piece_bytes=1024)
    tab = pieces.tabs()["Deltagare"]

    chunks = tab.chunks()
    read = [list(row) for row in next(chunks)]
    tab.expect(2, {1: ["IPS"]})
    read += [list(row) for chunk in chunks for row in chunk]

    assert read[1500][:2] == ["B001500", "NYTT"] and read[1800] == rows[1800]
    assert [row[:2] for row in read] == [row[:2] for row in rows]


@pytest.mark.parametrize("piece_bytes", [1, 64, 10**9])
def test_the_first_rows_then_the_rest_then_the_sequence(piece_bytes: int) -> None:
    rows = [["Deltagar-ID", "Insats"], *[[f"B{n:06d}", "IPS"] for n in range(300)], ["x"]]
    pieces = BatchGetRows(answer_body({"Deltagare": rows}), ["Deltagare"], piece_bytes=piece_bytes)
    tab = pieces.tabs()["Deltagare"]

    assert [list(row) for row in itertools.islice(tab.leading(), 3)] == rows[:3]
    assert [list(row) for chunk in tab.chunks(2) for row in chunk] == rows[2:]
    # Once handed out, rows are gone; as a sequence the tab is the whole answer's again.
    assert len(tab) == len(rows) and tab[301] == ["x"] and list(tab) == rows
    assert [row for chunk in tab.chunks(300) for row in chunk] == rows[300:]
    assert bool(tab)


def test_a_tab_missing_from_the_answer_is_empty() -> None:
    empty: list[str] = []
    body = answer_body({"Insatser": [["Kod"], ["IPS"]]})
    pieces = BatchGetRows(body, ["Insatser", "Historik"], piece_bytes=1, on_empty=empty.append)

    assert read_all(pieces, ["Historik", "Insatser"]) == {
        "Historik": [],
        "Insatser": [["Kod"], ["IPS"]],
    }
    assert empty == ["Historik"] and not pieces.tabs()["Historik"]


def test_a_text_full_of_cuts_costs_a_few_tries_not_one_per_cut() -> None:
    # A cut inside the text fails to decode; one try per "],[" would decode 100 000 growing
    # pieces (minutes), twice as long a piece at each try decodes a few.
    text = "],[" * 100_000
    body = answer_body({"Deltagare": [["Kommentar"], [text], ["sista"]]})
    pieces = BatchGetRows(body, ["Deltagare"], piece_bytes=16)

    start = time.perf_counter()
    rows = read_all(pieces, ["Deltagare"])

    assert rows == {"Deltagare": [["Kommentar"], [text], ["sista"]]}
    assert time.perf_counter() - start < 5


def test_keys_in_another_order_and_numbers_msgspec_refuses() -> None:
    body = (
        b'{"valueRanges":[{"values":[["Kod"],["IPS"],[2e308,1e-400]],"range":"I!A1"},'
        b'{"majorDimension":"ROWS","values":[["a"],["b"]],"range":"D!A1"}],"spreadsheetId":"s"}'
    )
    pieces = BatchGetRows(body, ["I", "D"], piece_bytes=1)

    assert read_all(pieces, ["I", "D"]) == {
        "I": [["Kod"], ["IPS"], [float("inf"), 0.0]],
        "D": [["a"], ["b"]],
    }


class Unreadable(Exception):
    pass


def test_an_answer_that_is_no_json_fails_at_once_and_a_broken_piece_when_read() -> None:
    with pytest.raises(Unreadable):
        BatchGetRows(b"<html>Service Unavailable</html>" * 100, ["I"], unreadable=Unreadable)
    with pytest.raises(AnswerError):
        BatchGetRows(b'{"valueRanges": {}}', ["I"], piece_bytes=1)

    broken = b'{"valueRanges":[{"values":[["Kod"],["IPS"],["STEG"],[oops],["x"]]}]}'
    pieces = BatchGetRows(broken, ["I"], piece_bytes=1, unreadable=Unreadable)
    chunks = pieces.tabs()["I"].chunks()
    assert [list(row) for row in next(chunks)] == [["Kod"]]
    with pytest.raises(Unreadable):
        list(chunks)


def test_the_answer_is_freed_with_its_tabs_without_the_garbage_collector() -> None:
    # Were the answer and its tabs to refer to each other, the answer (tens of MB for a large
    # sheet) would stay until the collector ran, which a one-shot command never lets it do.
    body = answer_body({"Deltagare": [[f"B{n:06d}", "IPS"] for n in range(2000)]})
    gc.disable()
    try:
        pieces = BatchGetRows(body, ["Deltagare"], piece_bytes=1024)
        answer = weakref.ref(pieces)
        tabs = pieces.tabs()
        del pieces
        assert sum(len(chunk) for chunk in tabs["Deltagare"].chunks()) == 2000
        del tabs
        assert answer() is None
    finally:
        gc.enable()
