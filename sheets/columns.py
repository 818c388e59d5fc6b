"""Reading one tab column by column: find the header row, parse every cell, report bad cells.

People repeat the same few values down a column (dates, codes, categories), so each distinct value
is parsed once and the result is looked up for the rest: this is what keeps a sheet of 800 000 rows
fast without giving up the per-cell parsers of :mod:`sheets.schemas`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import numpy as np
import numpy.typing as npt

from sheets.problems import Problem, Severity, Text, a1
from sheets.schemas import SheetRow
from sheets.values import CellValueError, normalize_words

BoolArray = npt.NDArray[np.bool_]


def header_key(value: Any) -> str:
    """Return the form headers and tab names are compared in: case, spaces and a trailing ':' ignored."""
    return normalize_words(str(value)).rstrip(":").rstrip()


def find_tab(titles: Sequence[str], model: type[SheetRow]) -> str | None:
    """Return the title of the tab for `model` (Swedish or English name), the leftmost on a tie."""
    wanted = {header_key(model.TAB.sv), header_key(model.TAB.en)}
    return next((title for title in titles if header_key(title) in wanted), None)


@dataclass
class ParsedColumn:
    """One column of a tab: the raw cells and what each distinct value parsed to."""

    raw: Sequence[Any]
    memo: dict[Any, Any]
    # True when the column mixes booleans with 0/1, which compare equal in a dict: then the memo is
    # keyed by (type, value) so TRUE is never mistaken for the number 1.
    typed_keys: bool

    def map(self, convert: Callable[[Any], Any]) -> list[Any]:
        """Return `convert(parsed)` for every cell, converting each distinct value once.

        Cells that failed to parse give `convert(None)`.
        """
        table = {
            key: convert(None if isinstance(result, CellValueError) else result)
            for key, result in self.memo.items()
        }
        if self.typed_keys:
            return [table[(type(value), value)] for value in self.raw]
        return list(map(table.__getitem__, self.raw))

    def values(self) -> list[Any]:
        """Return the parsed value of every cell (None for blank or bad cells)."""
        return self.map(lambda parsed: parsed)

    def mask(self, test: Callable[[Any], bool]) -> BoolArray:
        """Return a boolean array: `test(result)` for every cell, where result may be an error."""
        hits = {key for key, result in self.memo.items() if test(result)}
        if not hits:
            return np.zeros(len(self.raw), dtype=bool)
        if self.typed_keys:
            return np.fromiter(((type(v), v) in hits for v in self.raw), bool, len(self.raw))
        return np.fromiter(map(hits.__contains__, self.raw), bool, len(self.raw))

    def errors(self) -> Iterator[tuple[int, CellValueError]]:
        """Yield (position, error) for every cell that failed to parse."""
        bad = self.mask(lambda result: isinstance(result, CellValueError))
        for position in np.flatnonzero(bad):
            value = self.raw[int(position)]
            key = (type(value), value) if self.typed_keys else value
            yield int(position), self.memo[key]


def parse_column(raw: Sequence[Any], parse: Callable[[Any], Any]) -> ParsedColumn:
    """Parse every distinct value of `raw` once with `parse`; errors are kept, not raised."""
    kinds = set(map(type, raw))
    typed_keys = bool in kinds and (int in kinds or float in kinds)
    keys: set[Any] = {(type(v), v) for v in raw} if typed_keys else set(raw)
    memo: dict[Any, Any] = {}
    for key in keys:
        try:
            memo[key] = parse(key[1] if typed_keys else key)
        except CellValueError as error:
            memo[key] = error.detached()
    return ParsedColumn(raw, memo, typed_keys)


@dataclass
class ParsedTab:
    """A tab read against its schema: parsed columns of its data rows, and its problems.

    `rows[i]` is the 0-based sheet row of data row `i`; `bad[i]` is True when that row has an
    error; `skipped[i]` is True for rows that count nowhere and are never reported (empty rows,
    felregistrering). A tab that is missing, empty or lacks a required column has `usable` False.
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


def _unusable(model: type[SheetRow], title: str | None, problem: Problem | None) -> ParsedTab:
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
    )


def read_tab(tabs: dict[str, list[list[Any]]], model: type[SheetRow]) -> ParsedTab:
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
    header_index = next((i for i, row in enumerate(raw_rows) if any(_filled(v) for v in row)), None)
    columns = model.columns()
    if header_index is None:
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

    wanted: dict[str, str] = {}
    for name, column in columns.items():
        wanted.setdefault(header_key(column.sv), name)
        wanted.setdefault(header_key(column.en), name)
    positions: dict[str, int] = {}
    for index, header in enumerate(raw_rows[header_index]):
        field_name = wanted.get(header_key(header)) if _filled(header) else None
        if field_name is not None and field_name not in positions:
            positions[field_name] = index  # a repeated header counts where it first appears
    missing = [c for n, c in columns.items() if c.required and n not in positions]
    if missing:
        return _unusable(
            model,
            title,
            Problem(
                title,
                a1(0, header_index),
                "error",
                Text(
                    sv=f"Fliken {title} saknar kolumnen {', '.join(c.sv for c in missing)}.",
                    en=f"The tab {title} lacks the column {', '.join(c.en for c in missing)}.",
                ),
                Text(
                    sv=f"Rubrikraden (rad {header_index + 1}) ska innehålla: {expected.sv}.",
                    en=f"The header row (row {header_index + 1}) should hold: {expected.en}.",
                ),
            ),
        )

    data = raw_rows[header_index + 1 :]
    width = max(positions.values()) + 1
    if any(len(row) > width for row in data):
        data = [row[:width] for row in data]  # ignore unknown columns to the right
    transposed = list(zip_longest(*data, fillvalue=None)) if data else []
    count = len(data)
    parsed = {
        name: parse_column(
            transposed[index] if index < len(transposed) else (None,) * count, columns[name].parse
        )
        for name, index in positions.items()
    }

    # A row is empty when all its known columns are blank; such rows are skipped, not reported.
    filled = np.zeros(count, dtype=bool)
    for parsed_column in parsed.values():
        filled |= parsed_column.mask(lambda result: result is not None)
    return ParsedTab(
        model,
        title,
        usable=True,
        rows=np.arange(count, dtype=np.int64) + header_index + 1,
        column_positions=positions,
        columns=parsed,
        bad=np.zeros(count, dtype=bool),
        skipped=~filled,
    )


def report_cells(tab: ParsedTab) -> None:
    """Add a problem for every cell that failed to parse and every required cell left blank."""
    columns = tab.model.columns()
    for name, column in tab.columns.items():
        spec = columns[name]
        for position, error in column.errors():
            tab.report(
                name,
                [position],
                Text(sv=f"{spec.sv}: {error.message.sv}", en=f"{spec.en}: {error.message.en}"),
                error.fix,
            )
        if spec.required:
            blank = np.flatnonzero(column.mask(lambda result: result is None))
            tab.report(
                name,
                blank,
                Text(sv=f"{spec.sv} saknas.", en=f"{spec.en} is missing."),
                Text(sv=f"Fyll i {spec.sv}.", en=f"Fill in {spec.sv} ({spec.en})."),
            )


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
