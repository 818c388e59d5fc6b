"""The protected cube: every breakdown the bot can show for one read and one as-of date, protected
together once, so that every answer is a slice of it (pure).

What is public and exact: each insats's caseload figures (active, new, exited, served; the
weekly and yearly flows) and their sums. What is protected, each as one table of insatser by the
values of one attribute, with a total row (`commands.disclosure`):

* active participants by gender, age band and support at start; total row over running insatser
  (what ``deltagare`` without an argument shows);
* this year's exits by exit reason, with arbete + studier and the rest as groups (the outcome share
  shows the first group's sum); total row over all insatser, since an insats that ended in June
  had exits this year too (``läge``'s total share, the weekly post, a report of the year to date);
* active participants by kommun, and by caseworker; total row over all insatser (what
  ``deltagare KOMMUN`` and ``deltagare mig`` show).

Each table splits a public total (an insats's active participants, or its exits this year) by one
attribute, and no answer crosses two attributes or an attribute with a flow. Tables linked only by
public totals cannot be combined to narrow each other's hidden cells: any set of tables consistent
with what is shown can be joined into a participant list consistent with all of them (share out
each insats's participants over the tables independently). So protecting the tables one by one
protects the whole cube.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from commands.context import Context
from commands.disclosure import HIDDEN, Protection, protect, protect_grouped
from commands.figures import (
    GOAL_AT_RISK,
    GOAL_ON_TRACK,
    GOAL_TOO_EARLY,
    MIN_EXITS_FOR_SHARE,
    Figures,
    compute_figures,
    outcome_share,
)
from commands.language import Language
from commands.reply import Block, Paragraph, Table
from sheets.categories import EXIT_REASONS, GENDERS, OUTCOME_REASONS
from sheets.dataset import AGE_BANDS, NO_DATE, SUPPORT_KEYS, Categories, Dataset, caseworker_key
from sheets.values import normalize_words

IntArray = npt.NDArray[np.int64]

#: The key of gender column "man" when "annat" is merged into it (see `gender_table`).
MAN_OR_OTHER = "man/annat"
#: The exit reasons as the groups whose sums are shown: to work or studies, and the rest.
REASON_GROUPS = (OUTCOME_REASONS, tuple(r for r in EXIT_REASONS if r not in OUTCOME_REASONS))


@dataclass(frozen=True)
class Breakdown:
    """One protected table: a row per insats (in `Dataset.insatser` order) and a total row.

    Attributes:
        keys: the column keys, in the order shown.
        protection: the counts and which of them are hidden.
        shown: which columns answers show (a blank kommun or caseworker is never shown).
    """

    keys: tuple[str, ...]
    protection: Protection
    shown: tuple[bool, ...]

    @property
    def total_row(self) -> int:
        """The index of the total row."""
        return len(self.protection.values) - 1

    def withheld(self, row: int) -> bool:
        """Return True when row `row` (an insats, or the total row) is too small to split."""
        return bool(self.protection.withheld[row])

    def row(self, row: int) -> list[tuple[str, str]]:
        """Return (key, shown text) of each shown column of `row`: a count or ``..``."""
        return [
            (key, self.protection.text(row, column))
            for column, key in enumerate(self.keys)
            if self.shown[column]
        ]

    def column(self, key: str) -> tuple[list[str], str] | None:
        """Return the shown text of column `key` in each insats row and in the total row, or
        None when there is no such column."""
        if key not in self.keys:
            return None
        column = self.keys.index(key)
        texts = [self.protection.text(row, column) for row in range(self.total_row + 1)]
        return texts[:-1], texts[-1]


@dataclass(frozen=True)
class ExitReasons:
    """This year's exits by reason, protected with arbete + studier as a group of its own."""

    cells: Breakdown
    groups: Protection

    def outcome(self, row: int) -> int | None:
        """Return how many of row `row`'s exits went to work or studies, or None when hidden."""
        if self.groups.hidden[row, 0]:
            return None
        return int(self.groups.values[row, 0])

    def share(self, row: int) -> float | str | None:
        """Return the outcome share of row `row` in % (docs/figures.md), None below 5 exits, or ``..``
        when the count it rests on is hidden."""
        exits = int(self.groups.values[row].sum())
        if exits < MIN_EXITS_FOR_SHARE:
            return None
        outcome = self.outcome(row)
        return HIDDEN if outcome is None else outcome_share(outcome, exits)


class Cube:
    """Every breakdown the bot shows for one read and as-of date, protected together.

    Rows of every table follow `Dataset.insatser`; their total rows sum the running insatser
    (gender, age band, support) or all insatser (exit reason, kommun, caseworker). Each table is
    protected the first time it is asked for (a one-shot ``ask läge`` needs only the exit
    reasons); the bot's reads protect them all at once (`complete`), before any question.
    """

    def __init__(self, data: Dataset, as_of: date, threshold: int) -> None:
        self.data = data
        self.as_of = as_of
        self.threshold = threshold

    def complete(self) -> Cube:
        """Protect every table now; return the Cube."""
        for table in ("gender", "age_band", "support", "exit_reason", "kommun", "caseworker"):
            getattr(self, table)
        return self

    @cached_property
    def _figures(self) -> Figures:
        return compute_figures(self.data, self.as_of)

    @cached_property
    def _running(self) -> npt.NDArray[np.bool_]:
        return np.array([p.running for p in self._figures.projects], dtype=bool)

    def _active_by(self, name: str, keys: tuple[str, ...]) -> IntArray:
        projects = self._figures.projects
        return np.array(
            [[getattr(p.counts, name)[k] for k in keys] for p in projects], dtype=np.int64
        ).reshape(len(projects), len(keys))

    def _table(self, keys: tuple[str, ...], counts: IntArray) -> Breakdown:
        return Breakdown(keys, protect(counts, self._running, self.threshold), (True,) * len(keys))

    @cached_property
    def gender(self) -> Breakdown:
        """Active participants by gender (``annat`` merged into ``man`` when small)."""
        return gender_table(
            self._active_by("active_by_gender", GENDERS), self._running, self.threshold
        )

    @cached_property
    def age_band(self) -> Breakdown:
        """Active participants by age band at enrolment."""
        return self._table(AGE_BANDS, self._active_by("active_by_age_band", AGE_BANDS))

    @cached_property
    def support(self) -> Breakdown:
        """Active participants by support at start."""
        return self._table(SUPPORT_KEYS, self._active_by("active_by_support", SUPPORT_KEYS))

    @cached_property
    def exit_reason(self) -> ExitReasons:
        """This year's exits by reason, with the outcome group's sums."""
        projects = self._figures.projects
        exits = np.array(
            [[p.counts.exits_ytd_by_reason[r] for r in EXIT_REASONS] for p in projects],
            dtype=np.int64,
        ).reshape(len(projects), len(EXIT_REASONS))
        groups = tuple(tuple(EXIT_REASONS.index(r) for r in group) for group in REASON_GROUPS)
        everyone = np.ones(len(projects), dtype=bool)
        reasons = protect_grouped(exits, everyone, self.threshold, groups)
        cells = Breakdown(EXIT_REASONS, reasons.cells, (True,) * len(EXIT_REASONS))
        return ExitReasons(cells, reasons.by_group)

    @cached_property
    def _active(self) -> npt.NDArray[np.bool_]:
        participants = self.data.participants
        day = self.as_of.toordinal()
        enrolled, exited = participants.enrolled, participants.exited
        active: npt.NDArray[np.bool_] = (enrolled <= day) & ((exited > day) | (exited == NO_DATE))
        return active

    def _by_category(self, column: str, key: Callable[[str], str]) -> Breakdown:
        keys, counts, shown = category_table(self.data, self._active, column, key)
        everyone = np.ones(len(self.data.insatser), dtype=bool)
        return Breakdown(
            keys, protect(counts, everyone, self.threshold, shown=np.array(shown)), shown
        )

    @cached_property
    def kommun(self) -> Breakdown:
        """Active participants by kommun; the total row sums all insatser."""
        return self._by_category("kommun", normalize_words)

    @cached_property
    def caseworker(self) -> Breakdown:
        """Active participants by caseworker (one person however written); all insatser."""
        return self._by_category("caseworker", lambda text: person_key(self.data, text))


def person_key(data: Dataset, text: str) -> str:
    """Return the person a Handläggare cell or a typed name or mention stands for.

    A Slack user (``<@U123>``, ``U123``) is that ID; a name written on the Personal tab is that
    person's Slack ID, so "Eva Lind" in one cell and ``<@U123>`` in another are one caseload;
    any other name is the name itself (case and spaces ignored).
    """
    key = caseworker_key(text)
    names = data.memo("staff by name", lambda: _staff_by_name(data))
    return names.get(key, key)  # type: ignore[no-any-return]


def _staff_by_name(data: Dataset) -> dict[str, str]:
    return {normalize_words(row.namn): row.slack_id.upper() for row in data.staff}


def protected_cube(data: Dataset, as_of: date, threshold: int) -> Cube:
    """Return the Cube of `data` as of `as_of`, computed once per read, date and threshold."""
    return data.memo(  # type: ignore[no-any-return]
        ("cube", as_of, threshold), lambda: Cube(data, as_of, threshold)
    )


def _by_value(
    data: Dataset, active: npt.NDArray[np.bool_], values: IntArray, count: int
) -> IntArray:
    """Return the active participants of each insats by `values` (0 ≤ value < count)."""
    insats = data.participants.insats.astype(np.int64)
    units = len(data.insatser)
    flat = np.bincount(insats[active] * count + values[active], minlength=units * count)
    return flat.reshape(units, count)


def category_table(
    data: Dataset, active: npt.NDArray[np.bool_], column: str, key: object
) -> tuple[tuple[str, ...], IntArray, tuple[bool, ...]]:
    """Return the keys, counts and shown columns of the participants selected by `active` (the
    active ones here; the period reports select others) by a text column (``kommun`` or
    ``caseworker``), values mapped by `key`; a blank cell is a column never shown."""
    categories: Categories = getattr(data.participants, column)
    mapped = [key(value) for value in categories.values]  # type: ignore[operator]
    keys = tuple(dict.fromkeys(mapped))
    at = {k: i for i, k in enumerate(keys)}
    position = np.array([at[k] for k in mapped] + [len(keys)], dtype=np.int64)
    codes = categories.codes.astype(np.int64)
    values = position[np.where(codes < 0, len(mapped), codes)]
    counts = _by_value(data, active, values, len(keys) + 1)
    return (*keys, ""), counts, (*([True] * len(keys)), False)


def gender_table(counts: IntArray, running: npt.NDArray[np.bool_], threshold: int) -> Breakdown:
    """Return participants by gender (`counts`: insatser × GENDERS; the total row sums the rows
    of `running`), with ``annat`` merged into ``man`` when it is small.

    ``annat`` is usually 0 or a handful in the whole association: kept apart, it would be a small
    count in nearly every insats that has it, and hiding it would hide the count of women or men
    beside it too. Merged, women stay visible and the small group is protected inside a larger
    one (the column is then labelled men/other).
    """
    other = counts[:, 2]
    totals = np.append(other, other[running].sum())
    if threshold > 1 and bool(((totals > 0) & (totals < threshold)).any()):
        merged = np.stack([counts[:, 0], counts[:, 1] + counts[:, 2]], axis=1)
        keys: tuple[str, ...] = (GENDERS[0], MAN_OR_OTHER)
        counts = merged
    else:
        keys = GENDERS
    return Breakdown(keys, protect(counts, running, threshold), (True,) * len(keys))


Share = float | str | None


def goal_status_of(goal: float | None, share: Share) -> str | None:
    """Return the goal status (docs/figures.md) as the published share allows: `på väg`, `risk`,
    `för tidigt` below 5 exits, ``..`` when the share is hidden, None without a goal."""
    if goal is None:
        return None
    if share is None:
        return GOAL_TOO_EARLY
    if isinstance(share, str):
        return HIDDEN
    return GOAL_ON_TRACK if share >= goal else GOAL_AT_RISK


def goal_word(status: str | None, t: Language) -> str:
    """Return a goal status in the reply's language."""
    words = {
        GOAL_ON_TRACK: t("på väg", "on track"),
        GOAL_AT_RISK: t("risk", "at risk"),
        GOAL_TOO_EARLY: t("för tidigt", "too early"),
        HIDDEN: HIDDEN,
    }
    return words.get(status or "", "–")


def share_text(share: Share, t: Language) -> str:
    """Return a published outcome share as shown: ``42,9 %``, ``–`` (too few exits) or ``..``."""
    if isinstance(share, str):
        return share
    return t.percent(share)


def hidden_note(blocks: list[Block], context: Context) -> Paragraph | None:
    """Return the note that explains ``..``, when any table among `blocks` shows it."""
    shown = any(
        cell == HIDDEN
        for block in blocks
        if isinstance(block, Table)
        for row in block.rows
        for cell in row
    )
    if not shown:
        return None
    t = context.language
    return Paragraph(
        t(
            f".. döljer ett tal under {context.small_count_min}, eller ett tal som skulle avslöja "
            "ett sådant, så att ingen deltagare kan pekas ut.",
            f".. hides a count under {context.small_count_min}, or a count that would give one "
            "away, so that no participant can be singled out.",
        )
    )
