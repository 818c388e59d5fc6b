"""The spreadsheet as a local Excel workbook (.xlsx): the demo and the no-Google setup.

Reads every tab in one pass with openpyxl and returns the raw cell values, exactly as the Google
backend does, so the same pure loading code handles both. Writes (only ever Historik rows) replace
the file atomically, so a crash mid-save never leaves a half-written workbook behind.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from sheets.backends.base import RawTabs
from sheets.errors import SheetNotFound, SheetsError
from sheets.problems import Text

# What openpyxl raises for a file that is not a readable workbook: a zip that is not a workbook
# (KeyError for a missing part), a broken XML part (SyntaxError: ElementTree's and lxml's parse
# errors derive from it), a truncated zip (EOFError), or values it cannot make sense of.
_NOT_A_WORKBOOK = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    SyntaxError,
    EOFError,
)
#: What Slack users are told about a workbook the bot may not read, or that is not a workbook.
_NOT_READABLE = Text(
    sv="Boten har inte behörighet att läsa sin arbetsbok. Den som driver boten ser i sin logg "
    "vad som ska rättas.",
    en="The bot has no permission to read its workbook. Whoever runs the bot sees in its log "
    "what to fix.",
)
_NOT_AN_XLSX = Text(
    sv="Arbetsboken som boten läser är inte en giltig Excel-fil. Den som driver boten ser i sin "
    "logg vad som ska rättas.",
    en="The workbook the bot reads is not a valid Excel file. Whoever runs the bot sees in its "
    "log what to fix.",
)


class WorkbookBackend:
    """A spreadsheet kept as a local .xlsx file.

    Args:
        path: the workbook file. It is opened on every read, so edits made in Excel or LibreOffice
            are picked up by the next read.
    """

    #: A local file has no link to show in Slack.
    url: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read_tabs(self) -> RawTabs:
        """Return every worksheet of the workbook as ``{tab title: rows of raw values}``.

        Values are the cells' stored values (for a formula, its value when the file was last
        saved; a formula error comes back as its text, such as ``#REF!``). Date cells come back as
        ``datetime`` (or ``date``/``time``) objects as openpyxl gives them. Trailing empty cells of
        each row and trailing empty rows of each tab are dropped; empty rows in between are kept
        as ``[]`` so row numbers still match the sheet.

        Raises:
            SheetNotFound: the file does not exist.
            SheetsError: the file cannot be opened or is not a valid .xlsx workbook.
        """
        workbook = self._open(read_only=True)
        try:
            tabs: RawTabs = {}
            for sheet in workbook.worksheets:
                # The size recorded in the file is only a hint, and wrong in files from some
                # tools; openpyxl would silently cut the rows at it. Read whatever is there.
                sheet.reset_dimensions()
                tabs[sheet.title] = _trimmed_rows(sheet.iter_rows(values_only=True))
        except _NOT_A_WORKBOOK as exc:
            raise self._invalid(exc) from exc
        finally:
            workbook.close()
        return tabs

    def append_rows(self, tab: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append `rows` below the last non-empty row of `tab`, creating it with `header` if missing.

        The tab is found the way the loader finds tabs: ignoring case, surrounding spaces and a
        trailing ``:``; the leftmost match wins. A tab that exists but is empty gets `header` first.
        A timezone-aware ``datetime`` is written as its wall-clock time (Excel has no time zones).
        Nothing is written when `rows` is empty.

        The workbook is rewritten by openpyxl: formulas are kept but their saved results are not
        (the file is marked for recalculation when next opened in Excel or LibreOffice), and parts
        openpyxl does not understand (charts, images, pivot tables) are lost.

        Raises:
            SheetNotFound: the file does not exist.
            SheetsError: the file is not a valid workbook, or is not writable.
        """
        if not rows:
            return
        workbook = self._open(read_only=False)
        try:
            sheet = _find_tab(workbook.worksheets, tab)
            if sheet is None:
                sheet = workbook.create_sheet(title=tab)
            next_row = _last_used_row(sheet) + 1
            if next_row == 1:
                _write_row(sheet, 1, header)
                next_row = 2
            for values in rows:
                _write_row(sheet, next_row, values)
                next_row += 1
            # openpyxl keeps formulas but not their saved results; ask Excel to recompute them.
            workbook.calculation.fullCalcOnLoad = True
            self._save(workbook)
        finally:
            workbook.close()

    def _open(self, *, read_only: bool) -> Any:
        """Open the workbook with openpyxl, converting its failures to SheetsError."""
        try:
            return openpyxl.load_workbook(
                self.path,
                read_only=read_only,
                # Reading wants the saved results of formulas; writing must keep the formulas.
                data_only=read_only,
                keep_vba=self.path.suffix.lower() == ".xlsm",
            )
        except FileNotFoundError as exc:
            raise SheetNotFound(
                f"The workbook {self.path} does not exist. Check WORKBOOK_PATH, or create a demo "
                f"workbook there with: finsam-bot demo-data {self.path}",
                f"Arbetsboken {self.path} finns inte. Kontrollera WORKBOOK_PATH, eller skapa en "
                f"demoarbetsbok där med: finsam-bot demo-data {self.path}",
            ) from exc
        except PermissionError as exc:
            raise SheetsError(
                f"The workbook {self.path} cannot be read: permission denied.",
                f"Arbetsboken {self.path} kan inte läsas: behörighet saknas.",
                public=_NOT_READABLE,
            ) from exc
        except IsADirectoryError as exc:
            raise SheetsError(
                f"{self.path} is a folder, not a workbook file. Point WORKBOOK_PATH at an .xlsx "
                "file.",
                f"{self.path} är en mapp, inte en arbetsbok. Låt WORKBOOK_PATH peka på en "
                ".xlsx-fil.",
                public=_NOT_AN_XLSX,
            ) from exc
        except OSError as exc:
            raise SheetsError(
                f"The workbook {self.path} cannot be opened: {exc.strerror or exc}.",
                f"Arbetsboken {self.path} kan inte öppnas: {exc.strerror or exc}.",
            ) from exc
        except _NOT_A_WORKBOOK as exc:
            raise self._invalid(exc) from exc

    def _invalid(self, exc: BaseException) -> SheetsError:
        detail = str(exc)[:200] or type(exc).__name__
        return SheetsError(
            f"{self.path} is not a valid Excel workbook (.xlsx): {detail}. Save the spreadsheet "
            "in Excel format (.xlsx), e.g. in Google Sheets with File → Download → Microsoft Excel.",
            f"{self.path} är inte en giltig Excel-arbetsbok (.xlsx): {detail}. Spara kalkylarket "
            "i Excel-format (.xlsx), t.ex. i Google Kalkylark med Arkiv → Ladda ned → Microsoft "
            "Excel.",
            public=_NOT_AN_XLSX,
        )

    def _not_writable(self, exc: BaseException | None = None) -> SheetsError:
        reason = f" ({exc})" if exc is not None else ""
        return SheetsError(
            f"The workbook {self.path} is not writable{reason}: check the file's and the folder's "
            "permissions, and that the file is not open and locked in another program.",
            f"Arbetsboken {self.path} går inte att skriva till{reason}: kontrollera behörigheten "
            "för filen och mappen, och att filen inte är öppen och låst i ett annat program.",
        )

    def _save(self, workbook: Any) -> None:
        """Write `workbook` to a temporary file beside the target, then move it into place."""
        # A read-only file means "do not change this", even though replacing it would succeed.
        if not os.access(self.path, os.W_OK):
            raise self._not_writable()
        try:
            handle, temporary_name = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
        except PermissionError as exc:
            raise self._not_writable(exc) from exc
        except OSError as exc:
            raise self._save_failed(exc) from exc
        temporary = Path(temporary_name)
        try:
            with os.fdopen(handle, "wb") as stream:
                workbook.save(stream)
            # mkstemp creates the file readable by its owner only; keep the workbook's own mode.
            os.chmod(temporary, stat.S_IMODE(self.path.stat().st_mode))
            os.replace(temporary, self.path)
        except PermissionError as exc:
            raise self._not_writable(exc) from exc
        except OSError as exc:
            raise self._save_failed(exc) from exc
        finally:
            temporary.unlink(missing_ok=True)

    def _save_failed(self, exc: OSError) -> SheetsError:
        return SheetsError(
            f"The workbook {self.path} could not be saved: {exc.strerror or exc}.",
            f"Arbetsboken {self.path} kunde inte sparas: {exc.strerror or exc}.",
        )


def _trimmed_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Return `rows` as lists without trailing ``None`` cells and without trailing empty rows."""
    result: list[list[Any]] = []
    pending_empty = 0  # empty rows are only kept when a non-empty row follows them
    for row in rows:
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        if not end:
            pending_empty += 1
            continue
        if pending_empty:
            result.extend([] for _ in range(pending_empty))
            pending_empty = 0
        result.append(list(row[:end]))
    return result


def _tab_key(title: str) -> str:
    """`title` the way tab names are compared: case, spaces and a trailing ':' ignored."""
    return " ".join(title.split()).removesuffix(":").strip().casefold()


def _find_tab(sheets: Iterable[Any], tab: str) -> Any | None:
    """Return the leftmost worksheet whose title matches `tab`, or None."""
    wanted = _tab_key(tab)
    return next((sheet for sheet in sheets if _tab_key(sheet.title) == wanted), None)


def _last_used_row(sheet: Any) -> int:
    """Return the number of the last row with a value in `sheet` (0 when it has none)."""
    last = 0
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(value is not None for value in row):
            last = number
    return last


def _write_row(sheet: Any, row_number: int, values: Sequence[Any]) -> None:
    """Write `values` into row `row_number` of `sheet`, each as a plain value."""
    for column, value in enumerate(values, start=1):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        cell = sheet.cell(row=row_number, column=column, value=value)
        if isinstance(value, str) and value.startswith("="):
            # openpyxl takes a text starting with '=' for a formula; the bot writes data only.
            cell.data_type = "s"
