"""Words and number formats in Swedish and English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Language:
    """Formats and picks words for one language: ``sv`` (default) or ``en``."""

    code: str = "sv"

    @property
    def sv(self) -> bool:
        """True for Swedish."""
        return self.code != "en"

    def __call__(self, sv: str, en: str) -> str:
        """Return `sv` or `en`, whichever is this language."""
        return sv if self.sv else en

    def number(self, value: float, decimals: int = 0) -> str:
        """Return a number with thousands separators: ``1 234,5`` or ``1,234.5``."""
        text = f"{value:,.{decimals}f}"
        if self.sv:
            text = text.replace(",", " ").replace(".", ",")
        return text

    def percent(self, value: float | None, decimals: int = 1) -> str:
        """Return ``12,5 %`` / ``12.5%``, or ``–`` for None."""
        if value is None:
            return "–"
        number = self.number(value, decimals)
        return f"{number} %" if self.sv else f"{number}%"

    def kronor(self, value: float | None) -> str:
        """Return ``1 234 567 kr`` / ``SEK 1,234,567``, or ``–`` for None."""
        if value is None:
            return "–"
        return f"{self.number(value)} kr" if self.sv else f"SEK {self.number(value)}"

    def day(self, value: date) -> str:
        """Return ``23 nov 2026`` / ``23 Nov 2026``."""
        months = _MONTHS_SV if self.sv else _MONTHS_EN
        return f"{value.day} {months[value.month - 1]} {value.year}"

    def count(self, number: int, one: str, many: str) -> str:
        """Return ``1 insats`` / ``3 insatser``: the number with the word in its right form."""
        return f"{number} {one if number == 1 else many}"

    def week(self, value: date) -> str:
        """Return ``vecka 48`` / ``week 48``."""
        return self("vecka", "week") + f" {value.isocalendar()[1]}"
