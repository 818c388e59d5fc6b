"""Reading a tab column by column: the fast paths give exactly what the per-cell parsers give."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sheets.columns import ParsedColumn, parse_column, parse_columns
from sheets.schemas import DeltagareRow, parse_participant_id, parse_participant_ids
from sheets.validate import load_dataset
from sheets.values import CellValueError

COLUMNS = DeltagareRow.columns()

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 0.0, 1.0, 46000, 46000.5, 1987, "", " ", "#REF!", " #n/a", "#x"]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.dates(date(1890, 1, 1), date(2210, 1, 1)),
    st.text(max_size=20),
    # Pseudonymous codes, personnummer and samordningsnummer, with digits of other scripts too.
    st.text(alphabet="RESAM-+ \n#0123456789٠١٢٣٤٥٦٧٨٩", max_size=16),
    st.sampled_from(["811218-9876", "19811218-9876", "811278-9870", "RESAM-0042", "K", "arbete"]),
)


def parsed(parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except CellValueError as error:
        return ("error", error.message.en)


def results(column: ParsedColumn) -> list[Any]:
    return [
        ("error", r.message.en) if isinstance(r, CellValueError) else r
        for r in (column.results[i] for i in column.index)
    ]


@given(st.lists(cells, max_size=40))
def test_participant_ids_parse_as_one_by_one(values: list[Any]) -> None:
    bulk = parse_participant_ids(list(values))
    assert [("error", r.message.en) if isinstance(r, CellValueError) else r for r in bulk] == [
        parsed(parse_participant_id, value) for value in values
    ]


@given(st.lists(st.lists(cells, max_size=12), max_size=40))
def test_parse_columns_is_parse_column_per_column(rows: list[list[Any]]) -> None:
    wanted = {name: (index, column) for index, (name, column) in enumerate(COLUMNS.items())}
    together = parse_columns(rows, wanted)
    for name, (index, column) in wanted.items():
        cells_of_column = [row[index] if index < len(row) else None for row in rows]
        one_by_one = [parsed(column.parse, c) for c in cells_of_column]
        assert results(together[name]) == one_by_one
        assert together[name].blank().tolist() == [r is None for r in one_by_one]
        assert together[name].bad().tolist() == [isinstance(r, tuple) for r in one_by_one]
        alone = parse_column(cells_of_column, column.parse)
        assert results(alone) == [parsed(column.parse, c) for c in cells_of_column]


def test_a_kept_cell_error_holds_no_frames() -> None:
    # A traceback would keep every raw cell of the read alive until the garbage collector runs.
    column = parse_column(["31/2/2026", "#REF!", "x"], COLUMNS["inskriven"].parse)
    errors = [error for _, error in column.errors()]
    assert len(errors) == 3
    assert all(e.__traceback__ is None and e.__context__ is None for e in errors)


def test_a_big_tab_is_read_in_slices_with_nothing_lost_between_them() -> None:
    header = list(DeltagareRow.columns())
    rows = [[f"D-{n}", "RESAM", "K", None, None, None, 46000 + n % 7] for n in range(2500)]
    rows[1234] = []  # an empty row
    rows[2001] = rows[2001][:2]  # a short row: Kön and Inskriven missing
    data = load_dataset(
        {
            "Insatser": [["Kod", "Namn", "Start"], ["RESAM", "R", "2020-01-01"]],
            "Deltagare": [[COLUMNS[name].sv for name in header], *rows],
        }
    )
    assert len(data.participants) == 2500 - 2
    assert {p.cell for p in data.problems} == {"C2003", "G2003"}


def test_long_texts_found_by_the_id_parser_are_those_found_cell_by_cell() -> None:
    long = "x" * 1001
    ids: list[Any] = [f"B{n:06d}" for n in range(2500)]
    for position in (0, 999, 1000, 2499):
        ids[position] = long + str(position)
    ids[5] = "#" + long  # starts with '#' but is no formula error: a long text all the same
    ids[6] = long + " 811218-9876"  # a personnummer: an error, not a long text
    ids[7] = " " * 2000  # blank
    wanted = {"deltagar_id": (0, COLUMNS["deltagar_id"])}
    together = parse_columns([[value] for value in ids], wanted)["deltagar_id"]
    assert together.long_cells is not None  # found by the ID parser, not looked for again
    alone = parse_column(ids, COLUMNS["deltagar_id"].parse)
    assert alone.long_cells is None
    assert together.long_texts().tolist() == alone.long_texts().tolist() == [0, 5, 999, 1000, 2499]
