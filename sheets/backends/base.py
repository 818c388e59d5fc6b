"""The interface every backend implements: raw cell values per tab, read in one call."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol


class ChunkedRows(Sequence[Sequence[Any]]):
    """A tab's rows that a backend decodes as they are read, rather than all before.

    Read them with `chunks` (or `leading` for the first few); they are then never all Python
    objects at once. Used as a plain sequence they are all made, as any tab's.
    """

    @abstractmethod
    def chunks(self, start: int = 0) -> Iterator[Sequence[Sequence[Any]]]:
        """Yield the rows from row `start` on, some at a time, in order."""

    @abstractmethod
    def leading(self) -> Iterator[Sequence[Any]]:
        """Yield the rows from the first on, one at a time, in order."""

    def expect(self, width: int, texts: Mapping[int, Collection[str]]) -> None:
        """Say what the rows `chunks` has still to hand out are read for, so that they can be
        made faster: only their first `width` cells are read, and the cell at each position
        in `texts` mostly holds one of those texts.

        The rows handed out after may then lack the cells from `width` on, or have None for the
        cells a row lacks at its end; their first `width` cells are exactly as before. By
        default nothing changes.
        """


#: Tab title → rows of raw cell values, exactly as stored (ragged rows allowed). Values are
#: ``str``, ``int``, ``float``, ``bool``, ``datetime``/``date`` (workbook date cells) or ``None``.
#: Google returns dates as serial numbers (``dateTimeRenderOption=SERIAL_NUMBER``). A large
#: tab's rows may be `ChunkedRows`.
RawTabs = dict[str, Sequence[Sequence[Any]]]


class SheetBackend(Protocol):
    """A place the association's spreadsheet is read from and Historik rows are appended to."""

    #: A link people can open to fix the sheet (shown in alerts), or ``None``.
    url: str | None

    def read_tabs(self) -> RawTabs:
        """Return every tab of the spreadsheet with all its cell values, in one read.

        Raises:
            SheetsError: (a subclass of it) when the spreadsheet cannot be read.
        """
        ...

    def append_rows(self, tab: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append `rows` below the last row of `tab`, creating the tab with `header` if missing.

        The bot only ever appends to the Historik tab; it never writes anywhere else.

        Raises:
            SheetsError: (a subclass of it) when the rows could not be written.
        """
        ...
