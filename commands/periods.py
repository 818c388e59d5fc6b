"""The periods figures are counted over (docs/figures.md), all derived from one as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Periods:
    """The periods of docs/figures.md for an as-of date D.

    * this week: Monday of D's ISO week to D;
    * last week: the full ISO week before it, Monday to Sunday;
    * year to date: 1 January of D's year to D.

    ISO weeks cross New Year: 2026-01-04 is the Sunday of week 2026-W01, which began on
    Monday 2025-12-29, so "this week" then starts in the previous calendar year while the year to
    date does not.
    """

    as_of: date

    @property
    def week_start(self) -> date:
        """Monday of the as-of date's ISO week."""
        return self.as_of - timedelta(days=self.as_of.isoweekday() - 1)

    @property
    def last_week_start(self) -> date:
        """Monday of the previous full ISO week."""
        return self.week_start - timedelta(days=7)

    @property
    def last_week_end(self) -> date:
        """Sunday of the previous full ISO week."""
        return self.week_start - timedelta(days=1)

    @property
    def year_start(self) -> date:
        """1 January of the as-of date's year."""
        return date(self.as_of.year, 1, 1)

    @property
    def iso_week(self) -> str:
        """The as-of date's ISO week as ``2026-W48``."""
        year, week, _ = self.as_of.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def last_iso_week(self) -> str:
        """The previous ISO week as ``2026-W47``."""
        year, week, _ = self.last_week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def share_of_year_gone(self) -> float:
        """The part of D's year up to and including D, in % (for budget use)."""
        days_in_year = (date(self.as_of.year + 1, 1, 1) - self.year_start).days
        return 100 * ((self.as_of - self.year_start).days + 1) / days_in_year
