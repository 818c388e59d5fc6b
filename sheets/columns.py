"""Reading one tab column by column: find the header row, parse every cell, report bad cells.

The header row is the row among the first non-empty rows that holds the most known headers of
the tab: a title row above it ("Deltagare 2026", often merged across the columns), or a row of
group headings over a few columns, is passed over. Headers may also span two rows, as when a
merged group cell ("Period") sits above some headers and the other headers are merged down over
both rows; the two rows are then read as one.

People repeat the same few values down a column (dates, codes, categories), so each distinct value
is parsed once and the result is looked up for the rest: this is what keeps a sheet of 800 000 rows
fast without giving up the per-cell parsers of :mod:`sheets.schemas`. A column whose values are
mostly distinct (Deltagar-ID) is parsed by its own `Column.parse_cells` instead.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sheets.backends.base import ChunkedRows, RawTabs
from sheets.problems import Problem, Severity, Text, a1
from sheets.schemas import Column, SheetRow
from sheets.values import LONG_TEXT_LIMIT, CellValueError, normalize_words

BoolArray = npt.NDArray[np.bool_]


def header_key(value: Any) -> str:
    """Return the form headers and tab names are compared in: case, spaces and a trailing ':' ignored."""
    return normalize_words(str(value)).rstrip(":").rstrip()


def find_tab(titles: Sequence[str], model: type[SheetRow]) -> str | None:
    """Return the title of the tab for `model` (Swedish or English name), the leftmost on a tie."""
    wanted = {header_key(model.TAB.sv), header_key(model.TAB.en)}
    return next((title for title in titles if header_key(title) in wanted), None)


#: How many non-empty rows at the top of a tab are looked at for the header row.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class HeaderRow:
    """Where a tab's headers are.

    `index` is the 0-based row of the headers (the lower one when they span two rows): the data
    rows follow it. `positions` maps field name → 0-based column of each known header found.
    `first_filled` is the 0-based first non-empty row of the tab, where headers usually are.
    """

    index: int
    positions: dict[str, int]
    first_filled: int


def find_header(rows: Sequence[Sequence[Any]], model: type[SheetRow]) -> HeaderRow | None:
    """Return where the headers of `model`'s tab are in `rows`, or None when the tab is empty.

    The header row is, among the first `HEADER_SEARCH_ROWS` non-empty rows, alone or read
    together with the row below it, the one that holds every required header and the most known
    ones; on a tie one row before two, and the upper before the lower. When no row holds any
    known header, the first non-empty row is taken (and then lacks every required column).
    """
    top: list[Sequence[Any]] = []  # the rows down to the last of `filled`
    filled: list[int] = []
    for index, row in enumerate(_leading(rows)):
        top.append(row)
        if any(map(_filled, row)):
            filled.append(index)
            if len(filled) == HEADER_SEARCH_ROWS:
                break
    if not filled:
        return None
    rows = top
    names = _header_names(model)
    required = {name for name, column in model.columns().items() if column.required}
    best = HeaderRow(filled[0], {}, filled[0])
    best_rank: tuple[bool, int, int, int] = (False, 0, 0, 0)
    for index in filled:
        fields = [names.get(header_key(cell)) if _filled(cell) else None for cell in rows[index]]
        tries = [(index, fields, 0)]
        if index + 1 in filled:
            below = [names.get(header_key(c)) if _filled(c) else None for c in rows[index + 1]]
            # A header spanning two rows: each column's header is the lower one, or the upper
            # one where the lower cell is merged into it (empty) or holds no known header.
            both = [lower or upper for upper, lower in itertools.zip_longest(fields, below)]
            tries.append((index + 1, both, -1))
        for header_index, found, extra_rows in tries:
            positions: dict[str, int] = {}
            for column, name in enumerate(found):
                if name is not None:
                    positions.setdefault(name, column)  # a repeated header counts where first
            rank = (required <= positions.keys(), len(positions), extra_rows, -index)
            if positions and rank > best_rank:
                best, best_rank = HeaderRow(header_index, positions, filled[0]), rank
    return best


def _leading(rows: Sequence[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """Yield the rows from the first on (of `ChunkedRows`, without making the rest)."""
    return rows.leading() if isinstance(rows, ChunkedRows) else iter(rows)


def _header_names(model: type[SheetRow]) -> dict[str, str]:
    """Return header key → field name for the Swedish and English headers of `model`."""
    names: dict[str, str] = {}
    for name, column in model.columns().items():
        names.setdefault(header_key(column.sv), name)
        names.setdefault(header_key(column.en), name)
    return names


def _listing(words: Sequence[str], conjunction: str) -> str:
    """Return `words` as people list them: ``Kod``, ``Kod och Namn``, ``Kod, Namn och Start``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


@dataclass
class ParsedColumn:
    """One column of a tab: each distinct value parsed once, and which of them each cell holds.

    Cell `i` parsed to `results[index[i]]`: a value, None for a blank cell, or the
    CellValueError its parser raised. Every question about the column's cells is then a question
    about its few distinct results, answered for all cells at once by indexing with `index`.
    """

    results: list[Any]
    index: npt.NDArray[np.intp]
    #: The positions of the cells whose text is longer than `LONG_TEXT_LIMIT`, when the parser
    #: has found them already (None: `long_texts` finds them).
    long_cells: list[int] | None = None
    #: The only results that may be None or an error, when the parser knows them (a column of
    #: `Column.parse_cells`: the others are texts); None: any result may be.
    maybe_blank_or_bad: list[int] | None = None
    #: Per distinct result: True where it is None (the cells are blank).
    blank_results: BoolArray = field(init=False, repr=False)
    #: Per distinct result: True where it is a CellValueError (the cells are bad).
    bad_results: BoolArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        count = len(self.results)
        if self.maybe_blank_or_bad is not None:
            self.blank_results = np.zeros(count, dtype=bool)
            self.bad_results = np.zeros(count, dtype=bool)
            for position in self.maybe_blank_or_bad:
                self.blank_results[position] = self.results[position] is None
                self.bad_results[position] = isinstance(self.results[position], CellValueError)
            return
        # Both in C: a column of mostly distinct values has nearly as many results as rows.
        none, error = itertools.repeat(None), itertools.repeat(CellValueError)
        self.blank_results = np.fromiter(map(operator.is_, self.results, none), bool, count)
        self.bad_results = np.fromiter(map(isinstance, self.results, error), bool, count)

    def map(self, convert: Callable[[Any], Any], dtype: npt.DTypeLike = object) -> npt.NDArray[Any]:
        """Return an array of `convert(parsed)` for every cell, converting each distinct value once.

        Cells that failed to parse give `convert(None)`.
        """
        parsed = self.results
        if self.bad_results.any():
            parsed = list(parsed)
            for position in np.flatnonzero(self.bad_results).tolist():
                parsed[position] = None
        table = np.fromiter(map(convert, parsed), dtype=dtype, count=len(parsed))
        return table[self.index]

    def values(self) -> list[Any]:
        """Return the parsed value of every cell (None for blank or bad cells)."""
        return list(self.map(lambda parsed: parsed))

    def value(self, position: int) -> Any:
        """Return the parsed value of one cell (None when blank or bad)."""
        result = self.results[self.index[position]]
        return None if isinstance(result, CellValueError) else result

    def mask(self, test: Callable[[Any], bool]) -> BoolArray:
        """Return a boolean array: `test(result)` for every cell, where result may be an error."""
        hits = np.fromiter(
            (bool(test(result)) for result in self.results), dtype=bool, count=len(self.results)
        )
        return hits[self.index]

    def blank(self) -> BoolArray:
        """Return a boolean array: True for every blank cell."""
        return self.blank_results[self.index]

    def bad(self) -> BoolArray:
        """Return a boolean array: True for every cell that failed to parse."""
        return self.bad_results[self.index]

    def errors(self) -> Iterator[tuple[int, CellValueError]]:
        """Yield (position, error) for every cell that failed to parse."""
        for position in np.flatnonzero(self.bad()).tolist():
            yield position, self.results[self.index[position]]

    def long_texts(self) -> npt.NDArray[np.intp]:
        """Return the positions of the cells whose text is longer than `LONG_TEXT_LIMIT`.

        Empty for a column of dates or numbers: a long text there does not parse at all.
        """
        if self.long_cells is not None:
            return np.array(self.long_cells, dtype=np.intp)
        texts = list(self.results)
        for position in np.flatnonzero(self.blank_results | self.bad_results).tolist():
            texts[position] = ""
        try:
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        except TypeError:  # not a text column
            return np.zeros(0, dtype=np.intp)
        long_results = lengths > LONG_TEXT_LIMIT
        if not long_results.any():
            return np.zeros(0, dtype=np.intp)
        return np.flatnonzero(long_results[self.index])


class _Numbers(dict[Any, int]):
    """Value → its number, in order of first appearance: a value not seen before gets the next.

    Looking a value up is then one C call that makes nothing new for a value seen before (nearly
    every cell of a column), and `__missing__` numbers the others.
    """

    __slots__ = ()

    def __missing__(self, value: Any) -> int:
        number = self[value] = len(self)
        return number


def distinct(values: Sequence[Any]) -> tuple[list[Any], npt.NDArray[np.intp]]:
    """Return the distinct values in order of first appearance, and each value's number there."""
    numbers = _Numbers()
    index = np.fromiter(map(numbers.__getitem__, values), dtype=np.intp, count=len(values))
    return list(numbers), index


def parse_column(raw: Sequence[Any], parse: Callable[[Any], Any]) -> ParsedColumn:
    """Parse every distinct value of `raw` once with `parse`; errors are kept, not raised."""
    keys, index = distinct(raw)
    values = keys
    # Booleans equal 0 and 1 in a dict, so TRUE may have been taken for the number 1 (which is
    # then among the keys). When a column mixes booleans with numbers, values are told apart by
    # type too.
    if (0 in keys or 1 in keys) and _mixes_booleans_and_numbers(raw):
        keys, index = distinct(list(zip(map(type, raw), raw, strict=True)))
        values = [value for _, value in keys]
    return _parse_each(values, index, parse)


def _mixes_booleans_and_numbers(values: Sequence[Any]) -> bool:
    kinds = set(map(type, values))
    return bool in kinds and (int in kinds or float in kinds)


def _parse_each(
    values: list[Any], index: npt.NDArray[np.intp], parse: Callable[[Any], Any]
) -> ParsedColumn:
    results: list[Any] = []
    for value in values:
        try:
            results.append(parse(value))
        except CellValueError as error:
            results.append(error.detached())
    return ParsedColumn(results, index)


# Rows read at a time by `parse_columns`.
_CHUNK_ROWS = 4000


def parse_columns(
    rows: Sequence[Sequence[Any]], wanted: dict[str, tuple[int, Column]]
) -> dict[str, ParsedColumn]:
    """Parse cell `index` of every row with `column`, for each `name: (index, column)` of `wanted`.

    The same as `parse_column` on each column (a cell missing from a short row is None), but
    reading the rows a slice at a time: each cell is then read while its row is still in the
    CPU cache, which makes a big tab several times faster to read than column by column.
    """
    return _parse_rows(rows, wanted)[0]


def _row_chunks(rows: Sequence[Sequence[Any]], start: int) -> Iterator[Sequence[Sequence[Any]]]:
    """Yield the rows from `start` on, some at a time: `ChunkedRows` as they are decoded."""
    if isinstance(rows, ChunkedRows):
        yield from rows.chunks(start)
        return
    for first in range(start, len(rows), _CHUNK_ROWS):
        yield rows[first : first + _CHUNK_ROWS]


class _Texts:
    """Tells `ChunkedRows` which texts the columns of few distinct values hold, as they are read.

    Each column's values so far are the keys of its `_Numbers`. After each chunk, the texts of
    the columns of at most `_FEW_TEXTS` values are told (`ChunkedRows.expect`): the rows still
    to come are then decoded with those very texts, which is less to make, hash and free for
    most of a tab's cells. A text not told makes its piece decode again, as before (about a
    piece's worth of work lost), and is told after the chunk. A column that does so more than
    `_SURPRISES` times (new insatser in a sheet kept in time order) is no longer told.
    """

    def __init__(self, rows: Sequence[Sequence[Any]], width: int, columns: dict[int, _Numbers]):
        self.rows = rows if isinstance(rows, ChunkedRows) else None
        self.width = width
        self.columns = columns
        self.sizes = dict.fromkeys(columns, 0)  # each column's number of values at the last look
        self.texts: dict[int, list[str]] = {}  # what was told
        self.surprises = dict.fromkeys(columns, 0)
        self.dropped: set[int] = set()

    def tell(self) -> None:
        """After a chunk: tell the rows the texts of the columns again if they have new ones."""
        if self.rows is None:
            return
        changed = False
        for index, values in self.columns.items():
            if index in self.dropped or len(values) == self.sizes[index]:
                continue
            self.sizes[index] = len(values)
            texts = [value for value in values if type(value) is str]
            if len(texts) > len(self.texts.get(index, texts)):
                self.surprises[index] += 1
            if len(values) > _FEW_TEXTS or self.surprises[index] > _SURPRISES:
                self.dropped.add(index)
                changed |= self.texts.pop(index, None) is not None
            elif texts and len(texts) != len(self.texts.get(index, ())):
                self.texts[index] = texts
                changed = True
        if changed:
            self.rows.expect(self.width, dict(self.texts))


#: At most so many distinct values in a column whose texts are told to `ChunkedRows.expect`.
_FEW_TEXTS = 512
#: How many times a column's texts may lack one the rows then hold before it is no longer told.
_SURPRISES = 1


def _parse_rows(
    rows: Sequence[Sequence[Any]], wanted: dict[str, tuple[int, Column]], start: int = 0
) -> tuple[dict[str, ParsedColumn], int]:
    """Return `parse_columns` of the rows from `start` on, and how many rows that is."""
    width = max((index for index, _ in wanted.values()), default=-1) + 1
    numbers: dict[str, _Numbers] = {name: _Numbers() for name in wanted}
    numbered: dict[str, list[npt.NDArray[np.intp]]] = {name: [] for name in wanted}
    results: dict[str, list[Any]] = {name: [] for name in wanted}  # of `parse_cells` columns
    long: dict[str, list[int]] = {name: [] for name in wanted}  # of `parse_cells` columns
    checked: dict[str, list[int]] = {name: [] for name in wanted}  # of `parse_cells` columns
    count = 0
    texts = _Texts(
        rows,
        width,
        {
            index: numbers[name]
            for name, (index, column) in wanted.items()
            if column.parse_cells is None
        },
    )
    for chunk in _row_chunks(rows, start):
        # The first `width` columns: cells to the right of the known columns are never read.
        # Rows as wide as that (always, once `expect` is told) need no padding with None.
        wide = min(map(len, chunk), default=width) >= width
        by_index = list(itertools.islice((zip if wide else itertools.zip_longest)(*chunk), width))
        for name, (index, column) in wanted.items():
            column_cells = by_index[index] if index < len(by_index) else (None,) * len(chunk)
            if column.parse_cells is not None:
                cells = column.parse_cells(list(column_cells))
                results[name].extend(cells.results)
                long[name].extend(position + count for position in cells.long)
                checked[name].extend(position + count for position in cells.parsed)
                continue
            # As in `distinct`: each cell gets its value's number.
            found = map(numbers[name].__getitem__, column_cells)
            numbered[name].append(np.fromiter(found, dtype=np.intp, count=len(chunk)))
        count += len(chunk)
        texts.tell()

    parsed: dict[str, ParsedColumn] = {}
    for name, (index, column) in wanted.items():
        if column.parse_cells is not None:
            parsed[name] = ParsedColumn(
                results[name],
                np.arange(count, dtype=np.intp),
                long_cells=long[name],
                maybe_blank_or_bad=checked[name],
            )
        elif 0 in numbers[name] or 1 in numbers[name]:
            # A boolean may have been taken for 0 or 1: `parse_column` tells them apart.
            raw = [
                row[index] if index < len(row) else None
                for row in itertools.islice(rows, start, None)
            ]
            parsed[name] = parse_column(raw, column.parse)
        else:
            cell_numbers = (
                np.concatenate(numbered[name]) if numbered[name] else np.zeros(0, np.intp)
            )
            parsed[name] = _parse_each(list(numbers[name]), cell_numbers, column.parse)
    return parsed, count


@dataclass
class ParsedTab:
    """A tab read against its schema: parsed columns of its data rows, and its problems.

    `rows[i]` is the 0-based sheet row of data row `i`; `bad[i]` is True when that row has an
    error; `skipped[i]` is True for rows that count nowhere and are never reported (empty rows,
    felregistrering). A tab that is missing, empty or lacks a required column has `usable` False.
    `header` says where the headers were found (None for a missing or empty tab).
    """

    model: type[SheetRow]
    title: str | None
    usable: bool
    rows: npt.NDArray[np.int64]
    column_positions: dict[str, int]
    columns: dict[str, ParsedColumn]
    bad: BoolArray
    skipped: BoolArray
    problems: list[Problem] = field(default_factory=list)
    header: HeaderRow | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def tab_name(self) -> str:
        """The tab's title in the sheet, or its Swedish name when it is missing."""
        return self.title or self.model.TAB.sv

    @property
    def valid(self) -> BoolArray:
        """True for the data rows that count in figures: not skipped and without errors."""
        return ~self.bad & ~self.skipped

    def cell(self, name: str, position: int) -> str:
        """Return the A1 reference of field `name` in data row `position`."""
        return a1(self.column_positions[name], int(self.rows[position]))

    def report(
        self,
        name: str,
        positions: npt.NDArray[np.int64] | Sequence[int],
        message: Text,
        fix: Text,
        severity: Severity = "error",
    ) -> None:
        """Add a problem at field `name` of each data row in `positions` that is not skipped.

        An error also marks its row bad, so it is left out of figures.
        """
        for position in positions:
            if self.skipped[position]:
                continue
            self.problems.append(
                Problem(self.tab_name, self.cell(name, int(position)), severity, message, fix)
            )
            if severity == "error":
                self.bad[position] = True


def _expected_headers(model: type[SheetRow]) -> Text:
    columns = model.columns().values()
    return Text(
        sv=", ".join(c.sv + (" (krävs)" if c.required else "") for c in columns),
        en=", ".join(c.en + (" (required)" if c.required else "") for c in columns),
    )


def _unusable(
    model: type[SheetRow],
    title: str | None,
    problem: Problem | None,
    header: HeaderRow | None = None,
) -> ParsedTab:
    return ParsedTab(
        model,
        title,
        usable=False,
        rows=np.zeros(0, dtype=np.int64),
        column_positions={},
        columns={},
        bad=np.zeros(0, dtype=bool),
        skipped=np.zeros(0, dtype=bool),
        problems=[problem] if problem else [],
        header=header,
    )


def read_tab(tabs: RawTabs, model: type[SheetRow]) -> ParsedTab:
    """Find `model`'s tab in `tabs`, map its headers and parse every cell of its data rows.

    Returns a ParsedTab whose problems hold the cell errors, missing required values, and — for a
    missing tab or missing required columns — one tab-level problem naming the expected headers.
    Never raises on what is in the cells.
    """
    spec = model.TAB
    title = find_tab(list(tabs), model)
    expected = _expected_headers(model)
    if title is None:
        if not spec.required:
            return _unusable(model, None, None)
        return _unusable(
            model,
            None,
            Problem(
                spec.sv,
                None,
                "error",
                Text(
                    sv=f"Fliken {spec.sv} saknas.", en=f"The tab {spec.sv} ({spec.en}) is missing."
                ),
                Text(
                    sv=f"Lägg till en flik som heter {spec.sv} med rubrikerna: {expected.sv}.",
                    en=f"Add a tab named {spec.sv} (or {spec.en}) with the headers: {expected.en}.",
                ),
            ),
        )
    raw_rows = tabs[title]
    header = find_header(raw_rows, model)
    columns = model.columns()
    if header is None:
        problem = Problem(
            title,
            "A1",
            "error",
            Text(sv=f"Fliken {title} är tom.", en=f"The tab {title} is empty."),
            Text(
                sv=f"Skriv rubrikerna på första raden: {expected.sv}.",
                en=f"Write the headers on the first row: {expected.en}.",
            ),
        )
        return _unusable(model, title, problem if spec.required else None)

    header_index, positions = header.index, header.positions
    missing = [c for n, c in columns.items() if c.required and n not in positions]
    if missing:
        row = header_index + 1
        column_sv = "kolumnen" if len(missing) == 1 else "kolumnerna"
        column_en = "column" if len(missing) == 1 else "columns"
        return _unusable(
            model,
            title,
            Problem(
                title,
                a1(0, header_index),
                "error",
                Text(
                    sv=f"Fliken {title} saknar {column_sv} "
                    f"{_listing([c.sv for c in missing], 'och')} på rubrikraden (rad {row}).",
                    en=f"The tab {title} lacks the {column_en} "
                    f"{_listing([c.en for c in missing], 'and')} in its header row (row {row}).",
                ),
                Text(
                    sv=f"Rubrikraden (rad {row}) ska innehålla: {expected.sv}.",
                    en=f"The header row (row {row}) should hold: {expected.en}.",
                ),
            ),
            header,
        )

    parsed, count = _parse_rows(
        raw_rows,
        {name: (index, columns[name]) for name, index in positions.items()},
        start=header_index + 1,
    )

    # A row is empty when all its known columns are blank; such rows are skipped, not reported.
    filled = np.zeros(count, dtype=bool)
    for parsed_column in parsed.values():
        filled |= ~parsed_column.blank()
    return ParsedTab(
        model,
        title,
        usable=True,
        rows=np.arange(count, dtype=np.int64) + header_index + 1,
        column_positions=positions,
        columns=parsed,
        bad=np.zeros(count, dtype=bool),
        skipped=~filled,
        header=header,
    )


def report_cells(tab: ParsedTab) -> None:
    """Add a problem for every cell that failed to parse and every required cell left blank, and
    a warning for every text longer than `LONG_TEXT_LIMIT` characters (the row still counts)."""
    columns = tab.model.columns()
    limit_en = f"{LONG_TEXT_LIMIT:,}"
    limit_sv = limit_en.replace(",", "\u00a0")  # 1 000: the Swedish thousands separator
    for name, column in tab.columns.items():
        spec = columns[name]
        tab.report(
            name,
            column.long_texts(),
            Text(
                sv=f"{spec.sv}: texten är längre än {limit_sv} tecken, troligen en inklistring "
                "som blev fel.",
                en=f"{spec.en}: the text is longer than {limit_en} characters, probably a paste "
                "gone wrong.",
            ),
            Text(
                sv="Töm cellen och skriv in det som ska stå där.",
                en="Clear the cell and type in what belongs there.",
            ),
            severity="warning",
        )
        for position, error in column.errors():
            tab.report(
                name,
                [position],
                Text(sv=f"{spec.sv}: {error.message.sv}", en=f"{spec.en}: {error.message.en}"),
                error.fix,
            )
        if spec.required:
            tab.report(
                name,
                np.flatnonzero(column.blank()),
                Text(sv=f"{spec.sv} saknas.", en=f"{spec.en} is missing."),
                Text(sv=f"Fyll i {spec.sv}.", en=f"Fill in {spec.sv} ({spec.en})."),
            )


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
