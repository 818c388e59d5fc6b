"""Period reports for the board and the national follow-up (pure: numpy, no I/O, no clock).

``rapport PERIOD [KOD]`` counts, for one period and for the same period a year earlier, per insats
and in total: who was served, who was new, who exited and why, the share to work or studies
against the goal, participants against the annual target and cost against the budget (both
pro-rated to the period), cost per served participant and the days in the insats of those who
exited; every count split by gender, age band, support at start and kommun. docs/report.md
defines each figure and its edge cases; `build_report` computes them, `report_json` gives them
exactly (for the operator), `report_reply` is the short summary, and ``bot.report_xlsx`` writes
the workbook that goes to the board.

What the workbook publishes is protected as the bot's answers are (`commands.cube`): per insats
and in total, served, new and exited participants, costs, budgets and targets are public and
exact; what is split is one population per attribute, each a table of insatser by the values of
one attribute whose row totals are public: served by gender, by age band, by support at start and
by kommun, and exits by reason (with arbete + studier as the group the outcome share shows).
No published number crosses two attributes, and the gender splits of new and exited participants
(populations nested in the served) are left to the exact JSON: published beside the served split
they would let a reader difference the tables. The year-earlier period is a table set of its
own, protected on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from commands.context import CommandError, Context, echo, footnotes
from commands.cube import (
    REASON_GROUPS,
    Breakdown,
    ExitReasons,
    category_table,
    gender_table,
    goal_status_of,
    protected_cube,
)
from commands.cube import share_text as shown_share
from commands.disclosure import GroupedProtection, Protection, protect, protect_grouped
from commands.figures import (
    compute_figures,
    outcome_share,
)
from commands.language import Language
from commands.project import find_project
from commands.reply import Paragraph, Reply, Table
from sheets.categories import EXIT_REASONS, GENDERS, OUTCOME_REASONS, UNKNOWN
from sheets.columns import find_tab
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS, Dataset
from sheets.problems import Problem, Text
from sheets.schemas import DeltagareRow, EkonomiRow, InsatsRow
from sheets.values import normalize_words

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The populations of a period, each counted per insats and split by every attribute.
POPULATIONS = ("served", "new", "exited")
#: The attributes every count is split by; kommun's keys come from the sheet.
SPLITS = ("gender", "age_band", "support", "kommun")
#: What a period may be written as, for messages.
PERIOD_EXAMPLES = "2026, 2026-H1, 2026-T2, 2026-Q3, 2026-05, 2026-01-01..2026-06-30"

# A year is split into 2 halves (H), 3 tertials (T) or 4 quarters (Q, or K for kvartal).
_PARTS = {"H": 2, "T": 3, "Q": 4, "K": 4}
_KIND = {2: "half", 3: "tertial", 4: "quarter"}
_LETTER = {2: "H", 3: "T", 4: "Q"}
_YEAR = re.compile(r"(\d{4})")
_PART = re.compile(r"(\d{4})-?([HTQK])(\d)", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
#: Years a period may lie in: enough for any report, and a year earlier is always a real date.
FIRST_YEAR, LAST_YEAR = 1901, 2999


# -- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included.

    Attributes:
        label: how it is written: ``2026``, ``2026-H1``, ``2026-T2``, ``2026-Q3``, ``2026-05`` or
            ``2026-01-01..2026-06-30``.
        first, last: its first and last day.
        kind: ``year``, ``half``, ``tertial``, ``quarter``, ``month`` or ``range``.
        number: which half, tertial, quarter or month of the year (0 for a year or a range).
    """

    label: str
    first: date
    last: date
    kind: str
    number: int = 0

    def year_earlier(self) -> Period:
        """Return the same period a year earlier (a range ending on 29 February ends on the 28th)."""
        if self.kind == "range":
            return _range(_year_before(self.first), _year_before(self.last))
        return _named(self.kind, self.first.year - 1, self.number)

    def describe(self, t: Language) -> str:
        """Return its days as ``1 jan 2026 – 30 jun 2026``."""
        return f"{t.day(self.first)} – {t.day(self.last)}"


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _range(first: date, last: date) -> Period:
    return Period(f"{first.isoformat()}..{last.isoformat()}", first, last, "range")


def _named(kind: str, year: int, number: int = 0) -> Period:
    """Return the year, or its `number`-th half, tertial, quarter or month."""
    if kind == "year":
        return Period(str(year), date(year, 1, 1), date(year, 12, 31), kind)
    if kind == "month":
        following = date(year + (number == 12), number % 12 + 1, 1)
        return Period(
            f"{year}-{number:02d}", date(year, number, 1), following - timedelta(1), kind, number
        )
    parts = {value: key for key, value in _KIND.items()}[kind]
    months = 12 // parts
    first = date(year, (number - 1) * months + 1, 1)
    end_month = number * months
    last = date(year + (end_month == 12), end_month % 12 + 1, 1) - timedelta(1)
    return Period(f"{year}-{_LETTER[parts]}{number}", first, last, kind, number)


def last_full_quarter(as_of: date) -> Period:
    """Return the latest quarter that has ended on or before `as_of` (as of 30 September: Q3;
    as of 29 September or 1 October too: Q2 and Q3 respectively)."""
    quarter = _named("quarter", as_of.year, (as_of.month - 1) // 3 + 1)
    if quarter.last <= as_of:
        return quarter
    if quarter.number == 1:
        return _named("quarter", as_of.year - 1, 4)
    return _named("quarter", as_of.year, quarter.number - 1)


def looks_like_period(word: str) -> bool:
    """Return True when `word` is written like a period (it starts with a four-digit year)."""
    return bool(re.match(r"\d{4}", word.strip()))


def parse_period(text: str) -> Period:
    """Return the Period `text` names.

    Raises:
        CommandError: `text` is no period, a part or month that does not exist, a date that does
            not exist, a range that ends before it starts, or a year outside 1901–2999.
    """
    word = text.strip()
    try:
        if match := _YEAR.fullmatch(word):
            period = _named("year", _year(match[1]))
        elif match := _PART.fullmatch(word):
            parts = _PARTS[match[2].upper()]
            number = int(match[3])
            if not 1 <= number <= parts:
                raise _bad_period(word)
            period = _named(_KIND[parts], _year(match[1]), number)
        elif match := _MONTH.fullmatch(word):
            month = int(match[2])
            if not 1 <= month <= 12:
                raise _bad_period(word)
            period = _named("month", _year(match[1]), month)
        elif match := _RANGE.fullmatch(word):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            for day in (first, last):
                _year(str(day.year))
            if last < first:
                raise CommandError(
                    Text(
                        sv=f"Perioden {echo(word)} slutar innan den börjar.",
                        en=f"The period {echo(word)} ends before it starts.",
                    )
                )
            period = _range(first, last)
        else:
            raise _bad_period(word)
    except ValueError:  # a date that does not exist: 2026-02-30
        raise _bad_period(word) from None
    return period


def _year(text: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(text)
    return year


def _bad_period(word: str) -> CommandError:
    return CommandError(
        Text(
            sv=f"Jag förstår inte perioden {echo(word)}. Skriv till exempel {PERIOD_EXAMPLES}.",
            en=f"I do not understand the period {echo(word)}. Write for example {PERIOD_EXAMPLES}.",
        )
    )


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for: the period (named or the default) and maybe one insats."""

    period: Period
    code: str | None


def parse_report_request(argument: str, as_of: date) -> ReportRequest:
    """Return the period and insats code in `argument` (``2026-H1 RESAM``, either order, both
    optional); without a period, the last full quarter before `as_of`.

    Raises:
        CommandError: a word that is no period, two periods or two codes.
    """
    words = argument.split()
    periods = [word for word in words if looks_like_period(word)]
    codes = [word for word in words if not looks_like_period(word)]
    if len(periods) > 1 or len(codes) > 1:
        raise CommandError(
            Text(
                sv="Skriv en period och högst en insats, till exempel: rapport 2026-H1 RESAM",
                en="Give one period and at most one project, for example: report 2026-H1 RESAM",
            )
        )
    period = parse_period(periods[0]) if periods else last_full_quarter(as_of)
    return ReportRequest(period, codes[0] if codes else None)


# -- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quartiles:
    """Days in the insats of those who exited: the quartiles as Excel's KVARTIL.INK counts them."""

    q1: float
    median: float
    q3: float


@dataclass(frozen=True)
class Flow:
    """One population of a period (served, new or exited): a count per row (the insatser of the
    report, then the total) and its split by each attribute (rows × the attribute's keys)."""

    counts: IntArray
    by: dict[str, IntArray]


@dataclass(frozen=True)
class Protected:
    """The splits the workbook publishes for one period, each protected on its own: rows are the
    report's insatser, then the total row (every insats of the report)."""

    gender: Breakdown
    age_band: Breakdown
    support: Breakdown
    kommun: Breakdown
    exits: ExitReasons


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period; every array has a row per insats of the report, then the total.

    Attributes:
        period: the period asked for.
        through: the last day counted: the period's last day, or the as-of date when the period
            has not ended by then (later dates are not registered yet).
        served, new, exited: the populations, split by each attribute (keys: `Report.keys`).
        exits_by_reason: exited participants by EXIT_REASONS.
        days: the quartiles of days in the insats of those who exited; None without exits.
        cost: the Ekonomi amounts of the months the period touches; None without an Ekonomi tab.
        target: the annual target pro-rated to the days the insats runs in the period.
        budget: the budget pro-rated to those days; None outside the budget's year.
        protected: the published splits.
    """

    period: Period
    through: date
    served: Flow
    new: Flow
    exited: Flow
    exits_by_reason: IntArray
    days: tuple[Quartiles | None, ...]
    cost: tuple[float | None, ...]
    target: tuple[float | None, ...]
    budget: tuple[float | None, ...]
    protected: Protected

    def flow(self, population: str) -> Flow:
        """Return the Flow of ``served``, ``new`` or ``exited``."""
        flow: Flow = getattr(self, population)
        return flow

    def outcomes(self, row: int) -> int:
        """Return the exact number of row `row`'s exits to work or studies."""
        return int(sum(self.exits_by_reason[row, EXIT_REASONS.index(r)] for r in OUTCOME_REASONS))

    def outcome_share(self, row: int) -> float | None:
        """Return the exact outcome share of row `row` in % (None below 5 exits)."""
        return outcome_share(self.outcomes(row), int(self.exited.counts[row]))

    def cost_per_served(self, row: int) -> float | None:
        """Return the cost per served participant of row `row`, or None (no cost, none served)."""
        cost, served = self.cost[row], int(self.served.counts[row])
        return None if cost is None or not served else round(cost / served, 2)


@dataclass(frozen=True)
class Report:
    """A period report: the insatser it covers, the period and the same period a year earlier.

    Attributes:
        as_of: the date it is counted as of.
        insatser: the insatser of the report, in the sheet's order: every valid insats that runs
            on some day of either period, or has participants served or costs in either.
        current, previous: the period and the same period a year earlier.
        keys: each split's keys in order; kommun's are the sheet's kommuner as written (title
            case) and `UNKNOWN` for a blank cell last.
        kommun_shown: which kommun keys the workbook shows (a blank kommun is missing data, not
            a value: never shown).
        threshold: SMALL_COUNT_MIN, which the published splits are protected with.
        budget_year: the year the Budget column is for (the as-of date's year).
        rows_left_out: rows with errors, counted nowhere.
        left_out: the errors that leave those rows out (tab, A1 cell, message: never a value).
    """

    as_of: date
    insatser: tuple[InsatsRow, ...]
    current: PeriodFigures
    previous: PeriodFigures
    keys: dict[str, tuple[str, ...]]
    kommun_shown: tuple[bool, ...]
    threshold: int
    budget_year: int
    rows_left_out: int
    left_out: tuple[Problem, ...]

    @property
    def total_row(self) -> int:
        """The index of the total row in every array and table."""
        return len(self.insatser)

    def row(self, code: str) -> int | None:
        """Return the row of the insats with Kod `code` (any case), or None."""
        key = code.strip().casefold()
        return next((i for i, p in enumerate(self.insatser) if p.kod.casefold() == key), None)


def build_report(data: Dataset, period: Period, as_of: date, threshold: int) -> Report:
    """Return the report of `period` as of `as_of`, its splits protected with `threshold`.

    Computed once per Dataset, period, date and threshold (a Dataset never changes).

    Raises:
        CommandError: the period starts after `as_of` (nothing in it is registered yet).
    """
    if period.first > as_of:
        raise CommandError(
            Text(
                sv=f"Perioden {period.label} har inte börjat än: siffrorna räknas per "
                f"{as_of.isoformat()}.",
                en=f"The period {period.label} has not started yet: figures are counted as of "
                f"{as_of.isoformat()}.",
            )
        )
    return data.memo(  # type: ignore[no-any-return]
        ("report", period, as_of, threshold), lambda: _build(data, period, as_of, threshold)
    )


@dataclass(frozen=True)
class _Window:
    """The days one period is counted over: `first` to `through`, as day ordinals too."""

    period: Period
    first: date
    through: date

    @property
    def lo(self) -> int:
        return self.first.toordinal()

    @property
    def hi(self) -> int:
        return self.through.toordinal()


def _build(data: Dataset, period: Period, as_of: date, threshold: int) -> Report:
    through = min(period.last, as_of)
    earlier = period.year_earlier()
    windows = (
        _Window(period, period.first, through),
        _Window(earlier, earlier.first, min(earlier.last, _year_before(through))),
    )
    units = len(data.insatser)
    participants = data.participants
    insats = participants.insats.astype(np.int64)
    enrolled = participants.enrolled
    exited = participants.exited
    attributes = {
        "gender": participants.gender.astype(np.int64),
        "age_band": participants.age_band.astype(np.int64),
        "support": participants.support.astype(np.int64),
    }
    reason = participants.reason.astype(np.int64)
    kommun_keys, _, kommun_shown = category_table(
        data, np.zeros(len(participants), dtype=bool), "kommun", normalize_words
    )

    def per_insats(mask: BoolArray, values: IntArray, count: int) -> IntArray:
        flat = np.bincount(insats[mask] * count + values[mask], minlength=units * count)
        return flat.reshape(units, count)

    populations = []
    for window in windows:
        masks = {
            "served": (enrolled <= window.hi) & (exited >= window.lo),
            "new": (enrolled >= window.lo) & (enrolled <= window.hi),
            "exited": (exited >= window.lo) & (exited <= window.hi),
        }
        counts = {
            name: {
                **{
                    split: per_insats(mask, values, len(_KEYS[split]))
                    for split, values in attributes.items()
                },
                "kommun": category_table(data, mask, "kommun", normalize_words)[1],
            }
            for name, mask in masks.items()
        }
        reasons = per_insats(masks["exited"], np.maximum(reason, 0), len(EXIT_REASONS))
        costs = _costs(data, window)
        populations.append((window, masks, counts, reasons, costs))

    # The insatser of the report: running on some day of either period, or with anyone served
    # or any cost in either.
    active = np.zeros(units, dtype=bool)
    for window, _, counts, _, costs in populations:
        active |= counts["served"]["gender"].sum(axis=1) > 0
        active |= np.array([bool(c) for c in costs], dtype=bool)
        active |= np.array(
            [_running_days(p, window.first, window.through) > 0 for p in data.insatser],
            dtype=bool,
        )
    rows = np.flatnonzero(active)
    insatser = tuple(data.insatser[i] for i in rows)
    keys = {**_KEYS, "kommun": (*(k.title() for k in kommun_keys[:-1]), UNKNOWN)}

    figures = []
    for window, masks, counts, reasons, costs in populations:
        flows = {name: _flow(counts[name], rows) for name in POPULATIONS}
        cost_rows = [costs[i] for i in rows]
        known = [c for c in cost_rows if c is not None]
        target_rows = [_target(p, window.first, window.through) for p in insatser]
        budget_rows = [_budget(p, window.first, window.through, as_of.year) for p in insatser]
        exits = np.vstack([reasons[rows], reasons[rows].sum(axis=0, keepdims=True)])
        figures.append(
            PeriodFigures(
                period=window.period,
                through=window.through,
                served=flows["served"],
                new=flows["new"],
                exited=flows["exited"],
                exits_by_reason=exits,
                days=_days(insats, enrolled, exited, masks["exited"], rows),
                cost=(*cost_rows, round(sum(known), 2) if data.costs is not None else None),
                target=(*target_rows, _sum(target_rows)),
                budget=(*budget_rows, _sum(budget_rows)),
                protected=_protect(
                    flows["served"],
                    exits,
                    keys["kommun"],
                    kommun_shown,
                    threshold,
                    _same_exits_as_answers(data, window, as_of, threshold, rows),
                ),
            )
        )
    return Report(
        as_of=as_of,
        insatser=insatser,
        current=figures[0],
        previous=figures[1],
        keys=keys,
        kommun_shown=kommun_shown,
        threshold=threshold,
        budget_year=as_of.year,
        rows_left_out=data.rows_left_out,
        left_out=_left_out(data),
    )


def _left_out(data: Dataset) -> tuple[Problem, ...]:
    """Return the errors that leave rows of Insatser, Deltagare and Ekonomi out of the figures
    (an error on the Personal tab leaves a person out of who may ask, not a figure)."""
    titles = list(dict.fromkeys(problem.tab for problem in data.problems))
    tabs = {find_tab(titles, model) for model in (InsatsRow, DeltagareRow, EkonomiRow)}
    return tuple(p for p in data.problems if p.severity == "error" and p.tab in tabs)


_KEYS: dict[str, tuple[str, ...]] = {
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "support": SUPPORT_KEYS,
}


def _flow(by: dict[str, IntArray], rows: IntArray) -> Flow:
    """Return the Flow of the report's rows, with the total row appended."""
    split = {
        name: np.vstack([values[rows], values[rows].sum(axis=0, keepdims=True)])
        for name, values in by.items()
    }
    return Flow(split["gender"].sum(axis=1), split)


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


def _days(
    insats: IntArray, enrolled: IntArray, exited: IntArray, mask: BoolArray, rows: IntArray
) -> tuple[Quartiles | None, ...]:
    """Return the quartiles of days (exit − enrolment) of the exits in `mask`, per row and in all
    of `rows` together."""
    days = (exited - enrolled)[mask]
    where = insats[mask]
    groups = [days[where == row] for row in rows]
    groups.append(days[np.isin(where, rows)])
    return tuple(_quartiles(group) for group in groups)


def _quartiles(days: IntArray) -> Quartiles | None:
    if not days.size:
        return None
    # numpy's default ("linear") is Excel's QUARTILE.INC / KVARTIL.INK.
    q1, median, q3 = np.percentile(days, [25, 50, 75])
    return Quartiles(float(q1), float(median), float(q3))


def _costs(data: Dataset, window: _Window) -> list[float | None]:
    """Return each insats's Ekonomi amounts of the months `window` touches (a month counts
    whole when any of its days is in it); all None without an Ekonomi tab."""
    if data.costs is None:
        return [None] * len(data.insatser)
    costs = data.costs
    months = costs.month
    inside = (months >= window.first.replace(day=1).toordinal()) & (months <= window.hi)
    sums = np.bincount(
        costs.insats.astype(np.int64)[inside],
        weights=costs.amount[inside],
        minlength=len(data.insatser),
    )
    return [float(round(value, 2)) for value in sums]


def _running_days(insats: InsatsRow, first: date, last: date) -> int:
    """Return how many days of `first`..`last` the insats runs (Start to Slut, both included)."""
    start = max(first, insats.start)
    end = min(last, insats.slut) if insats.slut is not None else last
    return max((end - start).days + 1, 0)


def _target(insats: InsatsRow, first: date, last: date) -> float | None:
    """Return the annual target pro-rated to the days the insats runs in `first`..`last`: each
    such day counts 1/365 of a year (1/366 in a leap year)."""
    if insats.deltagarmal is None:
        return None
    share = Fraction(0)
    for year in range(first.year, last.year + 1):
        days = _running_days(insats, max(first, date(year, 1, 1)), min(last, date(year, 12, 31)))
        share += Fraction(days, (date(year + 1, 1, 1) - date(year, 1, 1)).days)
    return round(float(insats.deltagarmal * share), 1)


def _budget(insats: InsatsRow, first: date, last: date, year: int) -> float | None:
    """Return the budget pro-rated to `first`..`last`: the year's budget spread evenly over the
    days the insats runs that year. None without a budget, or for a period outside `year` (the
    sheet holds one budget: the as-of date's year's)."""
    if insats.budget is None or first.year != year or last.year != year:
        return None
    days_in_year = _running_days(insats, date(year, 1, 1), date(year, 12, 31))
    if not days_in_year:
        return None
    return round(insats.budget * _running_days(insats, first, last) / days_in_year, 2)


def _same_exits_as_answers(
    data: Dataset, window: _Window, as_of: date, threshold: int, rows: IntArray
) -> GroupedProtection | None:
    """Return the exit-reason protection the bot's answers use, when this period's exits are the
    very exits those answers split (1 January of the as-of year to the as-of date), else None.

    The same table protected twice, with different cells hidden, would give away in one what the
    other hides; so the report then shows the answers' own table. Its total row (all insatser)
    is the report's: an insats outside the report has no exits in the period.
    """
    if window.first != date(as_of.year, 1, 1) or window.through != as_of:
        return None
    reasons = protected_cube(data, as_of, threshold).exit_reason
    keep = np.append(rows, len(data.insatser))  # the report's rows, and the total row

    def of_rows(protection: Protection) -> Protection:
        return Protection(
            protection.values[keep], protection.hidden[keep], protection.withheld[keep]
        )

    return GroupedProtection(
        reasons_groups(), of_rows(reasons.groups), of_rows(reasons.cells.protection)
    )


def reasons_groups() -> tuple[tuple[int, ...], ...]:
    """Return the exit reasons' groups as column indices: to work or studies, and the rest."""
    return tuple(tuple(EXIT_REASONS.index(r) for r in group) for group in REASON_GROUPS)


def _protect(
    served: Flow,
    exits: IntArray,
    kommuner: tuple[str, ...],
    kommun_shown: tuple[bool, ...],
    threshold: int,
    answers: GroupedProtection | None = None,
) -> Protected:
    """Return the published splits of one period, each protected as a table on its own: served
    by gender, age band, support and kommun, and exits by reason (grouped for the outcome)."""
    body = slice(0, -1)
    everyone = np.ones(len(served.counts) - 1, dtype=bool)

    def table(
        keys: tuple[str, ...], values: IntArray, shown: tuple[bool, ...] | None = None
    ) -> Breakdown:
        mask = None if shown is None else np.array(shown)
        return Breakdown(
            keys,
            protect(values[body], everyone, threshold, shown=mask),
            shown or (True,) * len(keys),
        )

    grouped = answers or protect_grouped(exits[body], everyone, threshold, reasons_groups())
    return Protected(
        gender=gender_table(served.by["gender"][body], everyone, threshold),
        age_band=table(AGE_BANDS, served.by["age_band"]),
        support=table(SUPPORT_KEYS, served.by["support"]),
        kommun=table(kommuner, served.by["kommun"], kommun_shown),
        exits=ExitReasons(
            Breakdown(EXIT_REASONS, grouped.cells, (True,) * len(EXIT_REASONS)), grouped.by_group
        ),
    )


# -- the exact figures --------------------------------------------------------------------------


def report_json(report: Report, code: str | None = None) -> dict[str, Any]:
    """Return the exact figures of `report` (for the operator, like ``figures --json``): one
    object per insats (only `code`'s when given) and the totals, for the period and the year
    before; every split lists all its keys, zeros included."""

    def figures(period: PeriodFigures, row: int, goal: float | None = None) -> dict[str, Any]:
        days = period.days[row]
        share = period.outcome_share(row)
        result: dict[str, Any] = {
            "served": int(period.served.counts[row]),
            "new": int(period.new.counts[row]),
            "exited": int(period.exited.counts[row]),
            "exits_by_reason": dict(
                zip(EXIT_REASONS, map(int, period.exits_by_reason[row]), strict=True)
            ),
            "outcomes": period.outcomes(row),
            "outcome_share": share,
        }
        if row != report.total_row:
            result["goal_status"] = goal_status_of(goal, share)
        result |= {
            "target_prorated": period.target[row],
            "cost": period.cost[row],
            "budget_prorated": period.budget[row],
            "cost_per_served": period.cost_per_served(row),
            "days_in_insats": None
            if days is None
            else {"q1": days.q1, "median": days.median, "q3": days.q3},
        }
        for population in POPULATIONS:
            flow = period.flow(population)
            for split in SPLITS:
                result[f"{population}_by_{split}"] = dict(
                    zip(report.keys[split], map(int, flow.by[split][row]), strict=True)
                )
        return result

    def window(period: PeriodFigures) -> dict[str, str]:
        return {
            "label": period.period.label,
            "first": period.period.first.isoformat(),
            "last": period.period.last.isoformat(),
            "counted_through": period.through.isoformat(),
        }

    projects = [
        {
            "code": insats.kod,
            "name": insats.namn,
            "owner": insats.huvudman,
            "start": insats.start.isoformat(),
            "end": insats.slut.isoformat() if insats.slut else None,
            "annual_target": insats.deltagarmal,
            "goal": insats.mal_procent,
            "budget": insats.budget,
            "period": figures(report.current, row, insats.mal_procent),
            "previous_period": figures(report.previous, row, insats.mal_procent),
        }
        for row, insats in enumerate(report.insatser)
        if code is None or report.row(code) == row
    ]
    return {
        "as_of": report.as_of.isoformat(),
        "period": window(report.current),
        "previous_period": window(report.previous),
        "budget_year": report.budget_year,
        "rows_left_out": report.rows_left_out,
        "projects": projects,
        "totals": {
            "period": figures(report.current, report.total_row),
            "previous_period": figures(report.previous, report.total_row),
        },
    }


# -- the reply ----------------------------------------------------------------------------------


def report_for(data: Dataset, argument: str, context: Context) -> tuple[Report, int]:
    """Return the report `argument` asks for (``2026-H1 RESAM``) and the row it is about: an
    insats's, or the total row.

    Raises:
        CommandError: a bad period, a period that has not started, an unknown code, or an
            insats with nothing in the period.
    """
    request = parse_report_request(argument, context.as_of)
    report = build_report(data, request.period, context.as_of, context.small_count_min)
    if request.code is None:
        return report, report.total_row
    project = find_project(data, compute_figures(data, context.as_of), request.code, Text("", ""))
    row = report.row(project.insats.kod)
    if row is None:
        raise CommandError(
            Text(
                sv=f"{project.insats.kod} pågick inte och hade varken deltagare eller kostnader "
                f"under {report.current.period.label} eller samma period året före.",
                en=f"{project.insats.kod} did not run and had neither participants nor costs in "
                f"{report.current.period.label} or the same period a year earlier.",
            )
        )
    return report, row


def report_reply(data: Dataset, argument: str, context: Context) -> Reply:
    """Return the ``rapport [PERIOD] [KOD]`` reply: the headline figures of the period beside
    the year before, as the workbook publishes them.

    Raises:
        CommandError: see `report_for`.
    """
    t = context.language
    report, row = report_for(data, argument, context)
    current, previous = report.current, report.previous
    name = t("alla insatser", "all projects")
    if row != report.total_row:
        name = f"{report.insatser[row].kod} – {report.insatser[row].namn}"
    title = t("Rapport", "Report") + f" {current.period.label}: {name}"

    def column(period: PeriodFigures) -> list[str]:
        share = period.protected.exits.share(row)
        return [
            str(int(period.served.counts[row])),
            str(int(period.new.counts[row])),
            str(int(period.exited.counts[row])),
            shown_share(share, t),
            t.kronor(period.cost[row]),
            t.kronor(period.budget[row]),
        ]

    labels = [
        t("Deltagare under perioden", "Served in the period"),
        t("Nya", "New"),
        t("Avslutade", "Exited"),
        t("Till arbete/studier", "To work/studies"),
        t("Kostnad", "Cost"),
        t("Budget för perioden", "Budget for the period"),
    ]
    rows = tuple(
        (label, now, before)
        for label, now, before in zip(labels, column(current), column(previous), strict=True)
    )
    header = (t("Uppgift", "Item"), current.period.label, previous.period.label)
    blocks: list[Paragraph | Table] = [
        Paragraph(
            t(
                f"{current.period.describe(t)}, jämfört med samma period året före.",
                f"{current.period.describe(t)}, compared with the same period a year earlier.",
            )
        ),
        Table(header, rows),
    ]
    if current.through < current.period.last:
        blocks.append(
            Paragraph(
                t(
                    f"Perioden har inte slutat: räknat till och med {t.day(current.through)}, "
                    f"och året före till och med {t.day(previous.through)}.",
                    f"The period has not ended: counted through {t.day(current.through)}, and "
                    f"the year before through {t.day(previous.through)}.",
                )
            )
        )
    if row == report.total_row:
        blocks.append(
            Paragraph(
                t(
                    f"{t.count(len(report.insatser), 'insats', 'insatser')} ingår.",
                    f"{t.count(len(report.insatser), 'project', 'projects')} included.",
                )
            )
        )
    return Reply(title, tuple(blocks), footnotes(data, context))
