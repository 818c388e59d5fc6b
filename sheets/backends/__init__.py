"""Where the spreadsheet lives: a Google Sheet or a local workbook, behind one small interface."""

from sheets.backends.base import RawTabs, SheetBackend

__all__ = ["RawTabs", "SheetBackend"]
