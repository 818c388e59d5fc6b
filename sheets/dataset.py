"""The Dataset: the validated contents of the sheet, ready for figures.

Participants are held column-wise as numpy arrays of small integers (dates as day ordinals,
categories as codes), so that figures for 800 000 rows are a few vectorised passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from sheets import categories
from sheets.problems import Problem, Text, a1
from sheets.schemas import HistorikRow, InsatsRow, PersonalRow
from sheets.values import normalize_key, normalize_words

#: Day ordinal standing for "not exited": later than any real date.
NO_DATE = np.iinfo(np.int32).max

AGE_BANDS = ("16-19", "20-24", "25-29", "30-39", "40-49", "50-59", "60+", categories.UNKNOWN)
#: Lower age of each band but the last two; band i covers AGE_LIMITS[i] ≤ age < AGE_LIMITS[i + 1].
AGE_LIMITS = (16, 20, 25, 30, 40, 50, 60)
SUPPORT_KEYS = (*categories.SUPPORTS, categories.UNKNOWN)

#: Warn when a date lies this far after the as-of date: probably a typo of the year.
FUTURE_WARNING_DAYS = 365


def caseworker_key(text: str) -> str:
    """Return the form a Handläggare cell is matched in: a Slack ID (``U…``) or a casefolded name.

    ``<@U123>``, ``<@U123|anna>`` and ``U123`` all give ``U123``; names ignore case and spaces.
    """
    stripped = text.strip()
    if stripped.startswith("<@") and stripped.endswith(">"):
        return stripped[2:-1].split("|")[0].upper()
    if stripped[:1] in ("U", "W") and stripped[1:].isalnum() and stripped.upper() == stripped:
        return stripped
    return normalize_words(stripped)


@dataclass(frozen=True)
class DateColumn:
    """A date column of valid rows, kept to warn about typos of the year for any as-of date.

    `rows` are 0-based sheet rows, `ordinals` the dates as day ordinals (NO_DATE when blank).
    """

    tab: str
    column: int
    name: Text
    rows: npt.NDArray[np.int64]
    ordinals: npt.NDArray[np.int64]


@dataclass(frozen=True)
class LeftOutInsats:
    """An insats whose own row has an error: it, and every participant in it, count nowhere.

    Attributes:
        code: the Kod as written, or None when the Kod cell itself is unusable (blank, a formula
            error, a personnummer, an overlong paste): the code must then not be shown.
        cell: the A1 reference of the Kod cell on the Insatser tab, such as ``A7`` (the first
            row's, when the code is on several rows).
        participant_rows: the Deltagare rows in this insats that would count but for it: rows
            with an error of their own (already in `rows_left_out`), felregistrering rows and
            empty rows are not among them.
    """

    code: str | None
    cell: str
    participant_rows: int


@dataclass(frozen=True)
class Categories:
    """A text column of the participants as codes into its distinct values.

    Attributes:
        codes: each participant's position in `values`, -1 for a blank cell.
        values: the distinct values (as matched: see `caseworker_key`, `normalize_words`), sorted.
    """

    codes: npt.NDArray[np.int32]
    values: tuple[str, ...]

    @classmethod
    def of(cls, keys: Sequence[str | None]) -> Categories:
        """Return the Categories of a value (or None, blank) per participant."""
        values = tuple(sorted({key for key in keys if key is not None}))
        position = {value: i for i, value in enumerate(values)}
        codes = np.fromiter(
            (-1 if key is None else position[key] for key in keys), dtype=np.int32, count=len(keys)
        )
        return cls(codes, values)


@dataclass(frozen=True)
class Participants:
    """The valid participants of valid insatser, column by column (numpy arrays of one length).

    Attributes:
        insats: the insats's index in `Dataset.insatser`.
        gender: index in GENDERS; age_band: in AGE_BANDS; support: in SUPPORT_KEYS.
        enrolled, exited: day ordinals (`exited` NO_DATE when not exited).
        reason: index in EXIT_REASONS, -1 when none.
        row: the 0-based sheet row.
        kommun, caseworker: the matching keys of those cells (see `caseworker_key`).
    """

    insats: npt.NDArray[np.int16]
    gender: npt.NDArray[np.int8]
    age_band: npt.NDArray[np.int8]
    support: npt.NDArray[np.int8]
    enrolled: npt.NDArray[np.int64]
    exited: npt.NDArray[np.int64]
    reason: npt.NDArray[np.int8]
    row: npt.NDArray[np.int64]
    kommun: Categories
    caseworker: Categories

    def __len__(self) -> int:
        return len(self.insats)

    @classmethod
    def empty(cls) -> Participants:
        """Return no participants."""
        none = Categories(np.zeros(0, dtype=np.int32), ())
        small, wide = np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int64)
        return cls(
            insats=np.zeros(0, dtype=np.int16),
            gender=small,
            age_band=small,
            support=small,
            enrolled=wide,
            exited=wide,
            reason=small,
            row=wide,
            kommun=none,
            caseworker=none,
        )


@dataclass(frozen=True)
class Costs:
    """The valid rows of the Ekonomi tab: insats index, month (ordinal of its 1st), amount."""

    insats: npt.NDArray[np.int16]
    month: npt.NDArray[np.int64]
    amount: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.insats)


@dataclass
class Dataset:
    """The validated sheet.

    Attributes:
        insatser: the insatser whose rows are valid; a participant's ``insats`` is an index here.
        participants: every valid participant of a valid insats (see `Participants`).
        costs: the Ekonomi tab's valid rows; None without an Ekonomi tab.
        staff: the Personal tab's valid rows.
        history: the Historik tab's valid rows.
        problems: what is wrong in the sheet, independent of the as-of date.
        rows_left_out: rows with an error in Insatser, Deltagare and Ekonomi.
        all_codes: every Kod written in Insatser, valid or not (to tell "unknown" from "has errors").
        date_columns: participants' dates, checked against an as-of date by `problems_as_of`.
        loaded_at: when the sheet was read (for "data from HH:MM").
        url: a link to the sheet, or None.
        personal_tab: the title of the Personal tab as written in the sheet, or None when the
            sheet has none (then no one is listed, and the bot stays closed unless told to open).
        historik_tab: the title of the Historik tab as written in the sheet, or None (the weekly
            post then creates it).
        stale: why this is an earlier read (the sheet cannot be read now), or None.
        header_rows: tab title → 1-based row its headers were read from, for the tabs whose
            headers are not on their first non-empty row (a title row above them, or headers
            spanning two rows: then the lower one). Empty for a sheet laid out as usual.
        insatser_left_out: the insatser whose own row has an error, in sheet order, with how
            many participant rows each takes with it.
    """

    insatser: tuple[InsatsRow, ...]
    participants: Participants
    costs: Costs | None
    staff: tuple[PersonalRow, ...]
    history: tuple[HistorikRow, ...]
    problems: tuple[Problem, ...]
    rows_left_out: int
    all_codes: tuple[str, ...]
    date_columns: tuple[DateColumn, ...] = ()
    loaded_at: datetime | None = None
    url: str | None = None
    personal_tab: str | None = None
    historik_tab: str | None = None
    #: Set when the sheet could not be read and this is an earlier read: says why.
    stale: Text | None = None
    header_rows: dict[str, int] = field(default_factory=dict)
    insatser_left_out: tuple[LeftOutInsats, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    # Results the commands compute from the (immutable) data, kept per key: see `memo`.
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {normalize_key(row.kod): i for i, row in enumerate(self.insatser)}

    def insats_index(self, code: str) -> int | None:
        """Return the position of the valid insats with Kod `code` (any case), or None."""
        return self._index.get(normalize_key(code))

    def problems_as_of(self, as_of: date) -> list[Problem]:
        """Return every problem, with a warning for each date more than a year after `as_of`."""
        limit = (as_of + timedelta(days=FUTURE_WARNING_DAYS)).toordinal()
        late: list[Problem] = []
        for column in self.date_columns:
            far = (column.ordinals > limit) & (column.ordinals != NO_DATE)
            late.extend(
                Problem(
                    column.tab,
                    a1(column.column, int(row)),
                    "warning",
                    Text(
                        sv=f"{column.name.sv}: datumet ligger mer än ett år fram i tiden.",
                        en=f"{column.name.en}: the date is more than a year ahead.",
                    ),
                    Text(
                        sv="Kontrollera årtalet; det är troligen ett skrivfel.",
                        en="Check the year; it is probably a typo.",
                    ),
                )
                for row in column.rows[far]
            )
        return [*self.problems, *late]

    def memo(self, key: Any, compute: Any) -> Any:
        """Return `compute()` for `key`, computed once per Dataset (a Dataset never changes)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]
