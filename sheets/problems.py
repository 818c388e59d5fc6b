"""Problems found in the sheet: where they are, how bad, and how to fix them, in two languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence in Swedish and English."""

    sv: str
    en: str

    def __call__(self, language: str) -> str:
        """Return the sentence in `language` (`sv`, anything else gives English)."""
        return self.sv if language == "sv" else self.en


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the sheet.

    `cell` is an A1 reference (``"G12"``) or ``None`` for a problem with a whole tab. Messages never
    quote a participant's cell value: they name the column and say what is expected instead.
    """

    tab: str
    cell: str | None
    severity: Severity
    message: Text
    fix: Text

    @property
    def row(self) -> int | None:
        """The sheet row number of `cell`, or ``None`` for a tab-level problem."""
        if self.cell is None:
            return None
        digits = "".join(ch for ch in self.cell if ch.isdigit())
        return int(digits) if digits else None


def column_letter(index: int) -> str:
    """Return the A1 column letters for a 0-based column index (0 → ``A``, 27 → ``AB``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(column: int, row: int) -> str:
    """Return the A1 reference of a 0-based column index and a 0-based row index."""
    return f"{column_letter(column)}{row + 1}"
