"""A synthetic demo workbook: what a samordningsförbund's shared spreadsheet looks like.

The bot runs on it when no Google Sheet is configured, and ``finsam-bot demo-data PATH`` writes a
fresh one. Everything in it is made up: the insatser are modelled on the kinds of projects
Finsam associations run (see DOMAIN.md), placed in Norra Västmanland's municipalities; the
participants are random, with pseudonymous codes (``RESAM-0042``, ``D-2025-0123``) that can never
be read as a personnummer. No real person, no real personnummer.

**The anchor.** The workbook is built around one date, the *anchor*: it is the day the demo
stands still on, i.e. what the sheet would look like on that day. Insatser periods are placed
relative to it (most running on the anchor, one ended before it, one not yet started, one ending
within 60 days after it), participants are enrolled and exited up to it (a few in the anchor's ISO
week and the week before, so "this week" and "last week" have something to show), and Ekonomi has
one cost row per insats and month from January of the anchor's year to the anchor's month. Ask
the bot with ``--as-of`` the anchor to see the figures the data was shaped for. The generator
never looks at the clock: the same anchor and seed give the same cell values.

**Typed like people type.** Some dates are text (``15/3/2026``, ``15.3.2026``, ``2026-03-15``),
some amounts are text (``12 500 kr``), categories come in accepted variant spellings
(``Utbildning``, ``rehabiliteringspenning``), and some caseworkers are written as Slack users
(``<@U0DEMO03>``). A handful of deliberate mistakes give the data check something to report:
an unknown insats code, a misspelt gender, an exit date without a reason and a reason without an
exit date, an exit before the enrolment, an enrolment typed decades ahead, a Deltagar-ID used
twice in one insats, a ``#REF!`` formula error, an ambiguous amount (``1.500,50``), and one
``felregistrering`` row (which the bot skips silently).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sheets.schemas import HISTORIK_HEADER, DeltagareRow, InsatsRow, PersonalRow

#: The anchor of the workbook bundled with the package (a Monday, ISO week 2026-W48).
BUNDLED_ANCHOR = date(2026, 11, 23)
#: The bundled demo workbook: ``write_demo_workbook(BUNDLED_PATH, BUNDLED_ANCHOR)``.
BUNDLED_PATH = Path(__file__).parent / "demo" / "demo.xlsx"

INSATSER_HEADER = [column.sv for column in InsatsRow.columns().values()]
DELTAGARE_HEADER = [column.sv for column in DeltagareRow.columns().values()]
# "Kommentar" is a column of the association's own: the bot ignores unknown columns.
EKONOMI_HEADER = ["Insats", "Månad", "Belopp (kr)", "Kommentar"]
PERSONAL_HEADER = [column.sv for column in PersonalRow.columns().values()]
#: Weeks of Historik before the anchor's week, as if the bot had posted every Monday.
HISTORY_WEEKS = 11

_T = TypeVar("_T")

Phase = Literal["running", "ongoing", "ended", "ending_soon", "not_started"]

#: Staff: Slack ID, name as written in Handläggare, role.
_STAFF = [
    ("U0DEMO01", "Karin Berg", "samordnare"),
    ("U0DEMO02", "Anna Lindqvist", "handläggare"),
    ("U0DEMO03", "Johan Sandberg", "handläggare"),
    ("U0DEMO04", "Sara Holm", "handläggare"),
    ("U0DEMO05", "Erik Nyström", "handläggare"),
    ("U0DEMO06", "Lena Åkesson", "läsare"),
]
_SLACK_ID = {name: slack_id for slack_id, name, _ in _STAFF}

_KOMMUNER = [("Fagersta", 55), ("Norberg", 25), ("Skinnskatteberg", 16), (None, 4)]

# Support at start: canonical word, weight, and the other ways people type it.
_SUPPORT: list[tuple[str, int, tuple[str, ...]]] = [
    ("sjukpenning", 18, ("Sjukpenning ", "rehabiliteringspenning")),
    ("försörjningsstöd", 20, ("Försörjningsstöd",)),
    ("aktivitetsersättning", 10, ("Aktivitetsersättning",)),
    ("sjukersättning", 7, ()),
    ("a-kassa", 8, ("A-kassa",)),
    ("aktivitetsstöd", 8, ("Aktivitetsstöd", "utvecklingsersättning")),
    ("etableringsersättning", 4, ()),
    ("lön", 3, ()),
    ("ingen", 10, ("Ingen",)),
    ("annat", 3, ()),
]

# Exit reasons by SUS group, each with the spellings staff use (first = most common).
_REASONS: dict[str, list[tuple[str, int]]] = {
    "arbete": [("arbete", 6), ("Arbete", 3), ("förvärvsarbete", 2), ("anställning", 1)],
    "studier": [("studier", 5), ("Studier", 2), ("Utbildning", 2), ("studerar", 1)],
    "arbetssökande": [("arbetssökande", 5), ("Arbetssökande", 2), ("aktivt arbetssökande", 1)],
    "övrigt": [
        ("övrigt", 4),
        ("Övrigt", 2),
        ("ohälsa", 3),
        ("sjukskriven", 2),
        ("avbrott", 2),
        ("flyttat", 1),
        ("annan insats", 2),
    ],
}

_GENDER_SPELLINGS: dict[str, list[tuple[str, int]]] = {
    "kvinna": [("kvinna", 14), ("Kvinna", 3), ("K", 3)],
    "man": [("man", 14), ("Man", 3), ("M", 3)],
    "annat": [("annat", 1)],
}


@dataclass(frozen=True)
class _Plan:
    """How one insats of the demo looks and behaves."""

    code: str
    name: str
    owner: str
    places: int
    annual_target: int
    goal: int | None
    budget: int | None
    phase: Phase
    start_months: int  # it started on the 1st of the month this many months before the anchor's
    end_months: int  # "running": it ends at the end of the month this many months after
    active: int  # participants active on the anchor
    exited: int  # participants who have left by the anchor
    stay_days: tuple[int, int]  # shortest and longest enrolment
    to_work: float  # share of exits to arbete
    to_studies: float  # share of exits to studier
    caseworkers: tuple[str, ...]
    ages: tuple[int, int, int] = (19, 64, 38)  # youngest, oldest, most common age at enrolment
    women: float = 0.58
    id_style: Literal["code", "year"] = "code"
    typical_support: str | None = None
    local_kommun: str | None = None
    spend: float = 1.0  # monthly cost relative to budget / 12
    cohort_weeks: int | None = None  # group-based: a new group every this many weeks


# fmt: off
_PLANS: tuple[_Plan, ...] = (
    _Plan(
        "RESAM", "RESAM – samordnat resursteam",
        "Region Västmanland, Försäkringskassan, Arbetsförmedlingen",
        places=30, annual_target=60, goal=50, budget=950_000, phase="running",
        start_months=30, end_months=14, active=26, exited=26, stay_days=(90, 365),
        to_work=0.42, to_studies=0.14, caseworkers=("Anna Lindqvist", "Johan Sandberg"),
    ),
    _Plan(
        "EMPOW", "Empowerment – unga vuxna 18–29", "Fagersta kommun",
        places=20, annual_target=40, goal=50, budget=210_000, phase="ended",
        start_months=36, end_months=0, active=0, exited=26, stay_days=(120, 365),
        to_work=0.30, to_studies=0.22, caseworkers=("Anna Lindqvist",), ages=(18, 29, 23),
        typical_support="aktivitetsersättning",
    ),
    _Plan(
        "SJHJ", "Självhjälpsgrupper", "Region Västmanland",
        places=16, annual_target=40, goal=20, budget=260_000, phase="running",
        start_months=18, end_months=18, active=13, exited=14, stay_days=(60, 240),
        to_work=0.14, to_studies=0.10, caseworkers=("Sara Holm",),
    ),
    _Plan(
        "HALSO", "Hälsocenter", "Region Västmanland",
        places=20, annual_target=60, goal=None, budget=380_000, phase="running",
        start_months=24, end_months=9, active=17, exited=18, stay_days=(60, 300),
        to_work=0.12, to_studies=0.06, caseworkers=("Sara Holm",), typical_support="sjukpenning",
    ),
    _Plan(
        "HGRP", "Handläggargruppen",
        "Fagersta, Norbergs och Skinnskattebergs kommuner, Region Västmanland, "
        "Försäkringskassan, Arbetsförmedlingen",
        places=30, annual_target=55, goal=15, budget=300_000, phase="running",
        start_months=34, end_months=13, active=27, exited=20, stay_days=(120, 420),
        to_work=0.17, to_studies=0.08, caseworkers=("Johan Sandberg", "Erik Nyström"),
        id_style="year",
    ),
    _Plan(
        "SAMTEAM", "Samverkansteam", "Samordningsförbundet",
        places=25, annual_target=40, goal=30, budget=900_000, phase="running",
        start_months=22, end_months=20, active=22, exited=16, stay_days=(90, 365),
        to_work=0.14, to_studies=0.06, caseworkers=("Anna Lindqvist", "Erik Nyström"),
        id_style="year", spend=1.25,
    ),
    _Plan(
        "SESAM", "Sesam – kvinnor 18–63", "Försäkringskassan, vårdcentralerna",
        places=30, annual_target=60, goal=35, budget=650_000, phase="ending_soon",
        start_months=33, end_months=0, active=20, exited=30, stay_days=(90, 330),
        to_work=0.30, to_studies=0.10, caseworkers=("Anna Lindqvist",), ages=(18, 63, 42),
        women=1.0, typical_support="sjukpenning",
    ),
    _Plan(
        "KOMJOBB", "Kom-jobb", "Arbetsförmedlingen",
        places=15, annual_target=25, goal=40, budget=300_000, phase="running",
        start_months=14, end_months=10, active=12, exited=9, stay_days=(90, 300),
        to_work=0.45, to_studies=0.05, caseworkers=("Erik Nyström",), typical_support="a-kassa",
    ),
    _Plan(
        "PRISMA", "Prisma", "Arbetsförmedlingen",
        places=8, annual_target=15, goal=40, budget=180_000, phase="running",
        start_months=12, end_months=12, active=6, exited=4, stay_days=(90, 270),
        to_work=0.35, to_studies=0.10, caseworkers=("Erik Nyström",), ages=(18, 64, 30),
        typical_support="aktivitetsstöd",
    ),
    _Plan(
        "PAVAG", "På väg", "Arbetsförmedlingen, folkhögskolan",
        places=10, annual_target=20, goal=60, budget=240_000, phase="running",
        start_months=20, end_months=8, active=11, exited=9, stay_days=(60, 240),
        to_work=0.40, to_studies=0.10, caseworkers=("Johan Sandberg",),
    ),
    _Plan(
        "SEVAG", "SE-vägen – supported employment", "Samordningsförbundet (Arvsfonden)",
        places=20, annual_target=50, goal=40, budget=520_000, phase="running",
        start_months=26, end_months=7, active=16, exited=16, stay_days=(120, 420),
        to_work=0.25, to_studies=0.05, caseworkers=("Sara Holm", "Anna Lindqvist"),
    ),
    _Plan(
        "UNGAKT", "Ung och aktiv", "Försäkringskassan, Arbetsförmedlingen, Region Västmanland",
        places=30, annual_target=60, goal=40, budget=None, phase="not_started",
        start_months=0, end_months=0, active=0, exited=0, stay_days=(90, 180),
        to_work=0.3, to_studies=0.2, caseworkers=("Anna Lindqvist",), ages=(18, 29, 22),
    ),
    _Plan(
        "MOTKRO", "Mötesplats Kronan", "Norbergs kommun",
        places=20, annual_target=50, goal=50, budget=350_000, phase="running",
        start_months=13, end_months=11, active=15, exited=6, stay_days=(60, 300),
        to_work=0.35, to_studies=0.10, caseworkers=("Johan Sandberg",), women=0.5,
        local_kommun="Norberg",
    ),
    _Plan(
        "HALSAM", "Hälsosam – hälsogrupper", "Samordningsförbundet",
        places=12, annual_target=80, goal=15, budget=300_000, phase="ongoing",
        start_months=12, end_months=0, active=0, exited=0, stay_days=(77, 77),
        to_work=0.08, to_studies=0.06, caseworkers=("Sara Holm",), cohort_weeks=13,
    ),
)
# fmt: on


@dataclass(eq=False)
class _Participant:
    plan: _Plan
    canonical_gender: str
    gender: str
    birth_year: object
    kommun: str | None
    support: str | None
    enrolled: date
    exited: date | None
    reason: str | None
    caseworker: str | None
    insats: str = ""
    participant_id: str = ""
    typed_dates: bool = True  # False: keep its dates as date cells (the deliberate problems)

    def __post_init__(self) -> None:
        self.insats = self.insats or self.plan.code


def demo_tabs(anchor: date, seed: int = 2026) -> dict[str, list[list[object]]]:
    """Return the demo workbook's raw rows per tab, header row first.

    Tabs: Insatser, Deltagare, Ekonomi, Personal, and Historik for the 11 weeks before the anchor's
    week, as if the bot had posted every Monday (the anchor's own week is left for it). Cells are
    ``str``, ``int``, ``date`` or ``None``, some typed as text the way people type them. The
    result depends on `anchor` and `seed` only (see the module docstring for the anchor).
    """
    rng = random.Random(seed)
    periods = {plan.code: _period(plan, anchor) for plan in _PLANS}
    participants = _participants(rng, anchor, periods)
    return {
        "Insatser": _insatser_rows(periods),
        "Deltagare": _deltagare_rows(rng, participants),
        "Ekonomi": _ekonomi_rows(rng, anchor, periods),
        "Personal": [list(PERSONAL_HEADER), *(list[object](row) for row in _STAFF)],
        "Historik": _historik_rows(anchor, periods, participants),
    }


def _historik_rows(
    anchor: date, periods: dict[str, tuple[date, date | None]], people: list[_Participant]
) -> list[list[object]]:
    """What the weekly post would have recorded on each of the Mondays before the anchor's week."""
    outcome_words = {
        word.casefold() for group in ("arbete", "studier") for word, _ in _REASONS[group]
    }
    rows: list[list[object]] = [list(HISTORIK_HEADER)]
    this_monday = _monday(anchor)
    for back in range(HISTORY_WEEKS, 0, -1):
        day = this_monday - timedelta(weeks=back)
        first, last = day - timedelta(days=7), day - timedelta(days=1)
        year, week, _ = day.isocalendar()
        label = f"{year}-W{week:02d}"
        totals = [0, 0, 0, 0]
        for plan in _PLANS:
            start, end = periods[plan.code]
            if not start <= day <= (end or day):
                continue
            mine = [p for p in people if p.insats == plan.code and p.reason != "felregistrering"]
            figures = [
                sum(1 for p in mine if p.enrolled <= day and (p.exited is None or p.exited > day)),
                sum(1 for p in mine if first <= p.enrolled <= last),
                sum(1 for p in mine if p.exited and first <= p.exited <= last),
                sum(
                    1
                    for p in mine
                    if p.exited
                    and first <= p.exited <= last
                    and (p.reason or "").casefold() in outcome_words
                ),
            ]
            totals = [a + b for a, b in zip(totals, figures, strict=True)]
            rows.append([label, day, plan.code, *figures, None])
        rows.append([label, day, "*", *totals, f"{day.isoformat()} 08:00"])
    return rows


def write_demo_workbook(path: Path, anchor: date, seed: int = 2026) -> None:
    """Write the demo workbook for `anchor` and `seed` to `path` (.xlsx), replacing any file there.

    Real date cells, a bold frozen header row and column widths, like a sheet staff keep.

    Raises:
        OSError: `path` cannot be written.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in demo_tabs(anchor, seed).items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        month_column = rows[0].index("Månad") + 1 if "Månad" in rows[0] else None
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm" if cell.column == month_column else "yyyy-mm-dd"
                elif isinstance(cell.value, int) and cell.value >= 10_000:
                    cell.number_format = "#,##0"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for number, width in enumerate(_column_widths(rows), start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
    workbook.properties.creator = "finsam-bot demo-data"
    workbook.save(path)


# --- periods -----------------------------------------------------------------------------------


def _first_of_month(day: date, shift: int) -> date:
    """The first day of the month `shift` months after `day`'s month (before, when negative)."""
    year, month = divmod(day.year * 12 + day.month - 1 + shift, 12)
    return date(year, month + 1, 1)


def _last_of_month(day: date, shift: int) -> date:
    return _first_of_month(day, shift + 1) - timedelta(days=1)


def _period(plan: _Plan, anchor: date) -> tuple[date, date | None]:
    """Start and Slut of `plan`'s insats, placed relative to `anchor`."""
    if plan.phase == "not_started":
        return _first_of_month(anchor, 2), _last_of_month(anchor, 2 + 17)
    start = _first_of_month(anchor, -plan.start_months)
    if plan.phase == "ongoing":
        return start, None
    if plan.phase == "ended":
        return start, _last_of_month(anchor, -5)
    if plan.phase == "ending_soon":
        # The end of the month 25 days on: 25 to 55 days after the anchor, inside the alert window.
        return start, _last_of_month(anchor + timedelta(days=25), 0)
    return start, _last_of_month(anchor, plan.end_months)


# --- participants ------------------------------------------------------------------------------


def _weighted(rng: random.Random, choices: list[tuple[_T, int]]) -> _T:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights)[0]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    """A random working day from `first` to `last`, both included (`first` if `last` is before).

    People are enrolled and exited on weekdays: a weekend moves to the Monday after, or to the
    Friday before when the Monday is past `last`; it stays put when neither is in range.
    """
    day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    if day.weekday() < 5:
        return day
    monday = day + timedelta(days=7 - day.weekday())
    friday = day - timedelta(days=day.weekday() - 4)
    if monday <= last:
        return monday
    return friday if friday >= first else day


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _new_participant(
    rng: random.Random, plan: _Plan, enrolled: date, exited: date | None, reason: str | None
) -> _Participant:
    roll = rng.random()
    gender = "kvinna" if roll < plan.women else ("man" if roll < 0.97 else "annat")
    low, high, mode = plan.ages
    age = round(rng.triangular(low, high, mode))
    birth_year: object = enrolled.year - age if rng.random() > 0.03 else None
    if plan.local_kommun and rng.random() < 0.85:
        kommun: str | None = plan.local_kommun
    else:
        kommun = _weighted(rng, _KOMMUNER)
    support = _support(rng, plan)
    caseworker: str | None = rng.choice(plan.caseworkers)
    if caseworker == "Johan Sandberg" and rng.random() < 0.1:
        caseworker = f"<@{_SLACK_ID[caseworker]}>"
    elif rng.random() < 0.03:
        caseworker = None
    return _Participant(
        plan=plan,
        canonical_gender=gender,
        gender=_weighted(rng, _GENDER_SPELLINGS[gender]),
        birth_year=birth_year,
        kommun=kommun,
        support=support,
        enrolled=enrolled,
        exited=exited,
        reason=reason,
        caseworker=caseworker,
    )


def _support(rng: random.Random, plan: _Plan) -> str | None:
    if rng.random() < 0.05:
        return None
    weights = [
        (index, weight * (4 if canonical == plan.typical_support else 1))
        for index, (canonical, weight, _) in enumerate(_SUPPORT)
    ]
    canonical, _, variants = _SUPPORT[_weighted(rng, weights)]
    if variants and rng.random() < 0.2:
        return rng.choice(variants)
    return canonical


def _exit_reason(rng: random.Random, plan: _Plan) -> str:
    roll = rng.random()
    if roll < plan.to_work:
        group = "arbete"
    elif roll < plan.to_work + plan.to_studies:
        group = "studier"
    else:
        group = "arbetssökande" if rng.random() < 0.4 else "övrigt"
    return _weighted(rng, _REASONS[group])


def _participants(
    rng: random.Random, anchor: date, periods: dict[str, tuple[date, date | None]]
) -> list[_Participant]:
    """Every participant row, in the order staff entered them, with the deliberate problems."""
    people: list[_Participant] = []
    for plan in _PLANS:
        start, end = periods[plan.code]
        if start > anchor:
            continue
        last = min(anchor, end) if end else anchor
        if plan.cohort_weeks:
            people.extend(_cohorts(rng, plan, start, anchor))
            continue
        shortest, longest = plan.stay_days
        for _ in range(plan.active):
            enrolled = _day_between(rng, max(start, last - timedelta(days=longest)), last)
            people.append(_new_participant(rng, plan, enrolled, None, None))
        for _ in range(plan.exited):
            if plan.phase == "ended" and rng.random() < 0.35:
                exited = last  # still enrolled when the insats closed
            else:
                exited = _day_between(rng, min(start + timedelta(days=shortest), last), last)
            enrolled = max(start, exited - timedelta(days=rng.randint(shortest, longest)))
            reason = _exit_reason(rng, plan)
            people.append(_new_participant(rng, plan, enrolled, exited, reason))

    protected = _recent_movements(rng, anchor, people)
    people.sort(key=lambda person: person.enrolled)
    _assign_ids(people)
    return _with_problems(rng, anchor, people, protected)


def _cohorts(rng: random.Random, plan: _Plan, start: date, anchor: date) -> list[_Participant]:
    """Group-based enrolment: a group starts every few weeks; the newest is running now."""
    assert plan.cohort_weeks is not None
    course = timedelta(days=plan.stay_days[0])
    group_start = _monday(anchor - timedelta(days=35))
    starts: list[date] = []
    while group_start >= start:
        starts.append(group_start)
        group_start -= timedelta(weeks=plan.cohort_weeks)
    people: list[_Participant] = []
    for first_day in reversed(starts):
        for _ in range(rng.randint(9, 12)):
            exited: date | None = first_day + course
            reason: str | None = None
            if rng.random() < 0.15:  # dropped out
                exited = _day_between(rng, first_day + timedelta(days=7), first_day + course)
                reason = rng.choice(["avbrott", "ohälsa", "flyttat"])
            if exited is not None and exited > anchor:
                exited, reason = None, None
            elif reason is None:
                reason = _exit_reason(rng, plan)
            people.append(_new_participant(rng, plan, first_day, exited, reason))
    return people


def _recent_movements(rng: random.Random, anchor: date, people: list[_Participant]) -> set[int]:
    """Move a few enrolments and exits into the anchor's ISO week and the week before.

    Returns the ids (``id()``) of the participants moved, so no deliberate problem lands on them.
    """
    this_monday = _monday(anchor)
    last_monday = this_monday - timedelta(days=7)
    last_sunday = this_monday - timedelta(days=1)
    continuous = [p for p in people if p.plan.phase != "ended" and not p.plan.cohort_weeks]
    active = [p for p in continuous if p.exited is None]
    exited = [p for p in continuous if p.exited and p.enrolled < last_monday - timedelta(days=30)]
    moved = rng.sample(active, 8) + rng.sample(exited, 5)
    for person in moved[:3]:
        person.enrolled = _day_between(rng, this_monday, anchor)
    for person in moved[3:8]:
        person.enrolled = _day_between(rng, last_monday, last_sunday)
    for person in moved[8:10]:
        person.exited = _day_between(rng, this_monday, anchor)
    for person in moved[10:]:
        person.exited = _day_between(rng, last_monday, last_sunday)
    return {id(person) for person in moved}


def _assign_ids(people: list[_Participant]) -> None:
    """Number participants per insats in order of enrolment (``D-<year>-<n>`` shares a series)."""
    counters: dict[str, int] = {}
    for person in people:
        year_series = person.plan.id_style == "year"
        series = f"D-{person.enrolled.year}" if year_series else person.plan.code
        counters[series] = counters.get(series, 0) + 1
        person.participant_id = f"{series}-{counters[series]:04d}"


def _with_problems(
    rng: random.Random, anchor: date, people: list[_Participant], protected: set[int]
) -> list[_Participant]:
    """Put the deliberate mistakes into `people`; return the rows in sheet order."""
    taken = set(protected)

    def pick(code: str, *, active: bool, gender: str | None = None) -> _Participant:
        """A participant of `code` (any, if it has none left) to put a mistake on."""

        def fits(person: _Participant) -> bool:
            return id(person) not in taken and (person.exited is None) == active

        candidates = [
            person
            for person in people
            if fits(person)
            and person.plan.code == code
            and (gender is None or person.canonical_gender == gender)
        ]
        chosen = rng.choice(candidates or [person for person in people if fits(person)])
        taken.add(id(chosen))
        chosen.typed_dates = False
        return chosen

    rows = list(people)
    # A Deltagar-ID used again for a new participant of the same insats (both rows are errors).
    reused = pick("RESAM", active=False)
    newcomer = _new_participant(
        rng,
        reused.plan,
        _day_between(rng, anchor - timedelta(days=60), anchor - timedelta(days=15)),
        None,
        None,
    )
    newcomer.participant_id = reused.participant_id
    newcomer.typed_dates = False
    taken.add(id(newcomer))
    position = next((i for i, p in enumerate(rows) if p.enrolled > newcomer.enrolled), len(rows))
    rows.insert(position, newcomer)
    # Someone registered twice by mistake; the second row is marked, and the bot skips it.
    original = pick("MOTKRO", active=True)
    twin = _Participant(
        plan=original.plan,
        canonical_gender=original.canonical_gender,
        gender=original.gender,
        birth_year=original.birth_year,
        kommun=original.kommun,
        support=original.support,
        enrolled=original.enrolled,
        exited=original.enrolled,
        reason="felregistrering",
        caseworker=original.caseworker,
        participant_id=original.participant_id,
        typed_dates=False,
    )
    position = next(i for i, p in enumerate(rows) if p is original)
    rows.insert(position + 1, twin)

    # An insats code with a letter missing.
    pick("RESAM", active=True).insats = "RSAM"
    # A misspelt gender.
    pick("SJHJ", active=True, gender="kvinna").gender = "kvinnna"
    # An exit date without a reason, and a reason without an exit date.
    pick("HGRP", active=False).reason = None
    pick("SAMTEAM", active=True).reason = "arbete"
    # An exit typed with last year's year: before the enrolment.
    backwards = pick("SEVAG", active=False)
    assert backwards.exited is not None
    typo = _same_day_in_year(backwards.exited, backwards.exited.year - 1)
    backwards.exited = typo if typo < backwards.enrolled else backwards.enrolled - timedelta(30)
    # An enrolment typed decades ahead (2026 → 2062 for the bundled anchor): a warning.
    far = pick("KOMJOBB", active=True)
    far.enrolled = _same_day_in_year(far.enrolled, anchor.year + 36)
    # A formula that lost its reference.
    pick("HALSO", active=True).birth_year = "#REF!"
    return rows


def _same_day_in_year(day: date, year: int) -> date:
    return date(year, day.month, min(day.day, 28))


# --- rows --------------------------------------------------------------------------------------


def _typed_date(rng: random.Random, day: date | None, allow_text: bool) -> object:
    """`day` as a date cell, or now and then as text the way people type a date."""
    if day is None or not allow_text or rng.random() >= 0.07:
        return day
    style = rng.randrange(3)
    if style == 0:
        return f"{day.day}/{day.month}/{day.year}"
    if style == 1:
        return f"{day.day}.{day.month}.{day.year}"
    return day.isoformat()


def _insatser_rows(periods: dict[str, tuple[date, date | None]]) -> list[list[object]]:
    rows: list[list[object]] = [list(INSATSER_HEADER)]
    for plan in _PLANS:
        start, end = periods[plan.code]
        row: list[object] = [
            plan.code,
            plan.name,
            plan.owner,
            start,
            end,
            plan.places,
            plan.annual_target,
            plan.goal,
            plan.budget,
        ]
        # A few cells typed as text, as they are in real sheets.
        if plan.code == "HGRP":
            row[3] = f"{start.day}/{start.month}/{start.year}"
        if plan.code == "KOMJOBB" and end is not None:
            row[4] = end.isoformat()
        if plan.code == "RESAM":
            row[8] = _kronor(plan.budget or 0)
        if plan.code == "SEVAG":
            row[7] = f"{plan.goal} %"
        rows.append(row)
    return rows


def _deltagare_rows(rng: random.Random, people: list[_Participant]) -> list[list[object]]:
    rows: list[list[object]] = [list(DELTAGARE_HEADER)]
    for person in people:
        rows.append(
            [
                person.participant_id,
                person.insats,
                person.gender,
                person.birth_year,
                person.kommun,
                person.support,
                _typed_date(rng, person.enrolled, person.typed_dates),
                _typed_date(rng, person.exited, person.typed_dates),
                person.reason,
                person.caseworker,
            ]
        )
    return rows


def _kronor(amount: int) -> str:
    """`amount` written the Swedish way: ``12 500``."""
    return f"{amount:,}".replace(",", " ")


def _ekonomi_rows(
    rng: random.Random, anchor: date, periods: dict[str, tuple[date, date | None]]
) -> list[list[object]]:
    """One cost row per insats and month it ran, January to the month before the anchor's (a
    month's costs are booked when it is over), plus extras."""
    rows: list[list[object]] = [list(EKONOMI_HEADER)]
    months = [date(anchor.year, month, 1) for month in range(1, max(anchor.month, 2))]
    correction_month = months[len(months) // 2]
    for month in months:
        month_end = _last_of_month(month, 0)
        for plan in _PLANS:
            start, end = periods[plan.code]
            if plan.budget is None or start > month_end or (end is not None and end < month):
                continue
            amount = round(plan.budget / 12 * plan.spend * rng.uniform(0.85, 1.15), -1)
            month_cell: object = month if rng.random() > 0.2 else f"{month:%Y-%m}"
            amount_cell: object = (
                int(amount) if rng.random() > 0.15 else f"{_kronor(int(amount))} kr"
            )
            rows.append([plan.code, month_cell, amount_cell, None])
            if plan.code == "RESAM" and month == correction_month:
                rows.append([plan.code, month, -4_800, "Rättelse: faktura bokförd två gånger"])
            if plan.code == "PAVAG" and month == months[-1]:
                # Both a thousands dot and a decimal comma: ambiguous, an error of the row.
                rows.append([plan.code, month, "1.500,50", "Kursmaterial"])
    return rows


def _column_widths(rows: list[list[object]]) -> list[float]:
    widths: list[float] = []
    for column in range(max(len(row) for row in rows)):
        longest = max(
            10 if isinstance(cell, date) else len(str(cell))
            for row in rows
            if column < len(row) and (cell := row[column]) is not None
        )
        widths.append(min(max(longest + 2, 8), 45))
    return widths
