"""The interface every backend implements: raw cell values per tab, read in one call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

#: Tab title → rows of raw cell values, exactly as stored (ragged rows allowed). Values are
#: ``str``, ``int``, ``float``, ``bool``, ``datetime``/``date`` (workbook date cells) or ``None``.
#: Google returns dates as serial numbers (``dateTimeRenderOption=SERIAL_NUMBER``).
RawTabs = dict[str, list[list[Any]]]


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
