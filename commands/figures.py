"""The figures of docs/figures.md for every insats and in total (pure: numpy, no I/O).

Counts are computed for all insatser at once: each condition is a boolean mask over the
participants, and ``np.bincount`` on the insats index sums it per insats. Breakdowns use the same
trick with ``insats * k + category``. A few vectorised passes serve 800 000 rows.

The figures are computed once per Dataset and as-of date and kept in the Dataset (`memo`), so
that a question is answered by looking them up, not by counting again. These are exact: what
answers show of them, split by an attribute, comes from the protected cube (`commands.cube`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from commands.periods import Periods
from sheets.categories import EXIT_REASONS, GENDERS, OUTCOME_REASONS
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS, Dataset, Participants
from sheets.schemas import InsatsRow

#: Below this many exits an outcome share is not shown ("–"), and goal status is "för tidigt".
MIN_EXITS_FOR_SHARE = 5

GOAL_ON_TRACK = "på väg"
GOAL_AT_RISK = "risk"
GOAL_TOO_EARLY = "för tidigt"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Counts:
    """Participant counts for one insats, a selection of participants, or all of them."""

    active: int
    new_week: int
    exited_week: int
    new_last_week: int
    exited_last_week: int
    outcomes_last_week: int
    new_ytd: int
    exited_ytd: int
    served_ytd: int
    exits_ytd_by_reason: dict[str, int]
    active_by_gender: dict[str, int]
    active_by_age_band: dict[str, int]
    active_by_support: dict[str, int]

    @property
    def outcome_share_ytd(self) -> float | None:
        """Share of this year's exits that went to work or studies, in % (None below 5 exits)."""
        outcomes = sum(self.exits_ytd_by_reason[reason] for reason in OUTCOME_REASONS)
        return outcome_share(outcomes, self.exited_ytd)


@dataclass(frozen=True)
class ProjectFigures:
    """The figures of one insats as of a date."""

    insats: InsatsRow
    running: bool
    counts: Counts
    cost_ytd: float | None

    @property
    def goal_status(self) -> str | None:
        """`på väg`, `risk`, `för tidigt` (fewer than 5 exits this year) or None without a goal."""
        return goal_status(self.insats.mal_procent, self.counts)

    @property
    def capacity_use(self) -> float | None:
        """Active participants as a % of places, or None without places."""
        if not self.insats.platser:
            return None
        return 100 * self.counts.active / self.insats.platser


@dataclass(frozen=True)
class Figures:
    """Every insats's figures and the totals over all valid insatser, as of a date."""

    periods: Periods
    projects: tuple[ProjectFigures, ...]
    totals: Counts
    rows_left_out: int

    @property
    def running(self) -> tuple[ProjectFigures, ...]:
        """The insatser running on the as-of date."""
        return tuple(project for project in self.projects if project.running)

    def project(self, code: str) -> ProjectFigures | None:
        """Return the figures of the insats with Kod `code` (any case), or None."""
        key = code.strip().casefold()
        return next((p for p in self.projects if p.insats.kod.casefold() == key), None)


def outcome_share(outcomes: int, exits: int) -> float | None:
    """Return outcomes / exits in %, rounded half up to one decimal; None below 5 exits."""
    if exits < MIN_EXITS_FOR_SHARE:
        return None
    # Exact arithmetic: 12.25 must round to 12.3, which float rounding does not promise.
    tenths = Fraction(1000 * outcomes, exits) + Fraction(1, 2)
    return int(tenths) / 10


def goal_status(goal: float | None, counts: Counts) -> str | None:
    """Return the goal status (docs/figures.md) for an outcome goal in % and the year's counts."""
    if goal is None:
        return None
    share = counts.outcome_share_ytd
    if share is None:
        return GOAL_TOO_EARLY
    return GOAL_ON_TRACK if share >= goal else GOAL_AT_RISK


def is_running(insats: InsatsRow, as_of: date) -> bool:
    """Return True when Start ≤ as_of and (Slut is empty or Slut ≥ as_of)."""
    return insats.start <= as_of and (insats.slut is None or insats.slut >= as_of)


#: The breakdowns of `Counts` and their keys, in order.
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "exits_ytd_by_reason": EXIT_REASONS,
    "active_by_gender": GENDERS,
    "active_by_age_band": AGE_BANDS,
    "active_by_support": SUPPORT_KEYS,
}


def count_arrays(
    participants: Participants, key: IntArray, groups: int, periods: Periods
) -> dict[str, IntArray]:
    """Return every field of `Counts` for each of `groups` groups at once.

    `key` is each participant's group (0 ≤ key < groups). A count is an array of `groups`
    values, a breakdown an array of `groups` rows by the breakdown's keys (see BREAKDOWNS).
    """
    enrolled = participants.enrolled
    exited = participants.exited
    reason = participants.reason.astype(np.int64)
    day = periods.as_of.toordinal()
    week = periods.week_start.toordinal()
    last_week, last_week_end = (
        periods.last_week_start.toordinal(),
        periods.last_week_end.toordinal(),
    )
    year = periods.year_start.toordinal()

    def per_group(mask: npt.NDArray[np.bool_]) -> IntArray:
        return np.bincount(key[mask], minlength=groups)

    def per_category(mask: npt.NDArray[np.bool_], category: IntArray, keys: int) -> IntArray:
        flat = key[mask] * keys + category[mask]
        return np.bincount(flat, minlength=groups * keys).reshape(groups, keys)

    enrolled_by_d = enrolled <= day
    active = enrolled_by_d & (exited > day)
    exited_ytd = (exited >= year) & (exited <= day)
    exited_last_week = (exited >= last_week) & (exited <= last_week_end)
    outcome = np.isin(reason, [EXIT_REASONS.index(r) for r in OUTCOME_REASONS])
    categories = {
        "active_by_gender": participants.gender.astype(np.int64),
        "active_by_age_band": participants.age_band.astype(np.int64),
        "active_by_support": participants.support.astype(np.int64),
    }
    return {
        "active": per_group(active),
        "new_week": per_group((enrolled >= week) & enrolled_by_d),
        "exited_week": per_group((exited >= week) & (exited <= day)),
        "new_last_week": per_group((enrolled >= last_week) & (enrolled <= last_week_end)),
        "exited_last_week": per_group(exited_last_week),
        "outcomes_last_week": per_group(exited_last_week & outcome),
        "new_ytd": per_group((enrolled >= year) & enrolled_by_d),
        "exited_ytd": per_group(exited_ytd),
        "served_ytd": per_group(enrolled_by_d & (exited >= year)),
        "exits_ytd_by_reason": per_category(exited_ytd, reason, len(EXIT_REASONS)),
        **{
            name: per_category(active, values, len(BREAKDOWNS[name]))
            for name, values in categories.items()
        },
    }


def counts_of(arrays: dict[str, IntArray], group: int) -> Counts:
    """Return the Counts of one group of `count_arrays`."""
    fields: dict[str, Any] = {}
    for name, values in arrays.items():
        keys = BREAKDOWNS.get(name)
        if keys is None:
            fields[name] = int(values[group])
        else:
            fields[name] = dict(zip(keys, map(int, values[group]), strict=True))
    return Counts(**fields)


def count_table(participants: Participants, groups: int, periods: Periods) -> list[Counts]:
    """Return Counts for each of `groups` insatser (by the participants' ``insats`` index)."""
    insats = participants.insats.astype(np.int64)
    arrays = count_arrays(participants, insats, groups, periods)
    return [counts_of(arrays, i) for i in range(groups)]


def sum_counts(counts: list[Counts]) -> Counts:
    """Return the Counts summed key by key (an empty list gives zeros everywhere)."""
    if not counts:
        return count_table(_EMPTY_PARTICIPANTS, 1, Periods(date(2000, 1, 1)))[0]

    def total(name: str) -> Any:
        first = getattr(counts[0], name)
        if isinstance(first, dict):
            return {key: sum(getattr(c, name)[key] for c in counts) for key in first}
        return sum(getattr(c, name) for c in counts)

    return Counts(**{name: total(name) for name in Counts.__dataclass_fields__})


_EMPTY_PARTICIPANTS = Participants.empty()


def cost_ytd(data: Dataset, periods: Periods) -> list[float | None]:
    """Return each insats's cost from January to the as-of month of the as-of year.

    All None without an Ekonomi tab; 0.0 for an insats the tab has no rows for.
    """
    if data.costs is None:
        return [None] * len(data.insatser)
    costs = data.costs
    first = periods.year_start.toordinal()
    last = periods.as_of.replace(day=1).toordinal()
    months = costs.month
    in_year = (months >= first) & (months <= last)
    sums = np.bincount(
        costs.insats.astype(np.int64)[in_year],
        weights=costs.amount[in_year],
        minlength=len(data.insatser),
    )
    return [float(round(value, 2)) for value in sums]


def compute_figures(data: Dataset, as_of: date) -> Figures:
    """Return the figures of every valid insats and the totals, as of `as_of`.

    Computed once per Dataset and as-of date, then reused (a Dataset never changes).
    """
    return data.memo(("figures", as_of), lambda: _compute(data, as_of))  # type: ignore[no-any-return]


def _compute(data: Dataset, as_of: date) -> Figures:
    periods = Periods(as_of)
    table = count_table(data.participants, len(data.insatser), periods)
    costs = cost_ytd(data, periods)
    projects = tuple(
        ProjectFigures(insats, is_running(insats, as_of), counts, cost)
        for insats, counts, cost in zip(data.insatser, table, costs, strict=True)
    )
    return Figures(periods, projects, sum_counts(table), data.rows_left_out)


def figures_json(figures: Figures) -> dict[str, Any]:
    """Return the ``figures --json`` object (README, the command line): exact counts, no suppression."""

    def counting(counts: Counts) -> dict[str, Any]:
        return {
            "active": counts.active,
            "new_week": counts.new_week,
            "exited_week": counts.exited_week,
            "new_ytd": counts.new_ytd,
            "exited_ytd": counts.exited_ytd,
            "served_ytd": counts.served_ytd,
            "exits_ytd_by_reason": counts.exits_ytd_by_reason,
            "outcome_share_ytd": counts.outcome_share_ytd,
            "active_by_gender": counts.active_by_gender,
            "active_by_age_band": counts.active_by_age_band,
            "active_by_support": counts.active_by_support,
        }

    projects = [
        {
            "code": project.insats.kod,
            "name": project.insats.namn,
            "running": project.running,
            "places": project.insats.platser,
            "annual_target": project.insats.deltagarmal,
            "goal": project.insats.mal_procent,
            "goal_status": project.goal_status,
            "cost_ytd": project.cost_ytd,
            "budget": project.insats.budget,
            **counting(project.counts),
        }
        for project in figures.projects
    ]
    return {
        "as_of": figures.periods.as_of.isoformat(),
        "rows_left_out": figures.rows_left_out,
        "projects": projects,
        "totals": counting(figures.totals),
    }
