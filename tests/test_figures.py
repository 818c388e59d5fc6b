"""The figures of docs/figures.md on hand-built edge cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from commands.figures import (
    GOAL_AT_RISK,
    GOAL_ON_TRACK,
    GOAL_TOO_EARLY,
    compute_figures,
    figures_json,
    outcome_share,
)
from commands.periods import Periods
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS
from sheets.validate import load_dataset

HEADER = [
    "Deltagar-ID",
    "Insats",
    "Kön",
    "Födelseår",
    "Försörjning vid start",
    "Inskriven",
    "Avslutad",
    "Avslutsorsak",
]
INSATSER = [
    ["Kod", "Namn", "Start", "Slut", "Platser", "Mål arbete/studier (%)", "Budget (kr)"],
    ["RESAM", "Resursteam", "2025-01-01", None, 4, 50, 100000],
]


def figures_for(
    rows: list[list[Any]], as_of: date, insatser: list[list[Any]] = INSATSER, **tabs: Any
) -> Any:
    data = load_dataset({"Insatser": insatser, "Deltagare": [HEADER, *rows], **tabs})
    return compute_figures(data, as_of)


def person(
    pid: str,
    enrolled: str,
    exited: str | None = None,
    reason: str | None = None,
    *,
    code: str = "RESAM",
    gender: str = "K",
    born: int | None = 1990,
    support: str | None = None,
) -> list[Any]:
    return [pid, code, gender, born, support, enrolled, exited, reason]


def test_periods_of_an_ordinary_week() -> None:
    periods = Periods(date(2026, 11, 25))  # a Wednesday
    assert periods.week_start == date(2026, 11, 23)
    assert (periods.last_week_start, periods.last_week_end) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert periods.iso_week == "2026-W48" and periods.last_iso_week == "2026-W47"


def test_iso_weeks_across_new_year() -> None:
    periods = Periods(date(2026, 1, 4))  # the Sunday of 2026-W01, which began on Monday 2025-12-29
    assert periods.iso_week == "2026-W01"
    assert periods.week_start == date(2025, 12, 29)
    assert (periods.last_week_start, periods.last_week_end) == (
        date(2025, 12, 22),
        date(2025, 12, 28),
    )
    assert periods.last_iso_week == "2025-W52"
    assert periods.year_start == date(2026, 1, 1)
    # 2027-01-01 is a Friday in 2026-W53.
    assert Periods(date(2027, 1, 1)).iso_week == "2026-W53"


def test_new_year_week_counts_december_days_in_the_week_but_not_in_the_year() -> None:
    rows = [
        person("A", "2025-12-29"),  # Monday of 2026-W01: new this week, not this year
        person("B", "2026-01-02"),  # new this week and this year
        person(
            "C", "2025-12-28", "2025-12-31", "arbete"
        ),  # last week new, exited this week last year
        person("D", "2025-06-01", "2026-01-01", "studier"),  # exited on 1 Jan: served this year
        person("E", "2025-06-01", "2025-12-31", "arbete"),  # exited before the year: not served
    ]
    counts = figures_for(rows, date(2026, 1, 4)).projects[0].counts
    assert counts.new_week == 2
    assert counts.new_ytd == 1
    assert counts.new_last_week == 1
    assert counts.exited_week == 3  # C, D and E exited Monday 29 Dec – Sunday 4 Jan
    assert counts.exited_ytd == 1
    assert counts.served_ytd == 3  # A, B, D
    assert counts.active == 2


def test_exit_on_the_as_of_date_is_not_active_and_is_an_exit() -> None:
    as_of = date(2026, 3, 11)
    rows = [
        person("A", "2026-01-10", "2026-03-11", "arbete"),
        person("B", "2026-03-11"),
        person("C", "2026-03-12"),
    ]
    counts = figures_for(rows, as_of).projects[0].counts
    assert counts.active == 1  # B: enrolled on D counts, C enrolled after D does not yet
    assert counts.exited_week == counts.exited_ytd == 1
    assert counts.new_week == 1
    assert counts.served_ytd == 2
    # The day before, A is still active and has not exited.
    before = figures_for(rows, date(2026, 3, 10)).projects[0].counts
    assert (before.active, before.exited_ytd) == (1, 0)


def test_rows_with_errors_and_felregistrering_are_left_out() -> None:
    rows = [
        person("A", "2026-01-10"),
        person("B", "31/2/2026"),  # not a date: left out
        person("C", "2026-01-10", "2026-02-01"),  # exit without reason: left out
        person("D", "2026-01-10", "2026-02-01", "felregistrering"),  # silently skipped
    ]
    figures = figures_for(rows, date(2026, 3, 1))
    assert figures.projects[0].counts.active == 1
    assert figures.rows_left_out == 2


def test_insats_not_started_or_ended_is_not_running_but_counts_in_totals() -> None:
    insatser = [
        *INSATSER,
        ["NEW", "Starts later", "2026-06-01", None],
        ["OLD", "Ended", "2024-01-01", "2026-02-28"],
        ["LAST", "Ends on D", "2024-01-01", "2026-03-01"],
    ]
    rows = [
        person("A", "2026-01-10"),
        person("B", "2025-01-10", "2026-02-01", "arbete", code="OLD"),
    ]
    figures = figures_for(rows, date(2026, 3, 1), insatser)
    running = {p.insats.kod: p.running for p in figures.projects}
    assert running == {"RESAM": True, "NEW": False, "OLD": False, "LAST": True}
    assert [p.insats.kod for p in figures.running] == ["RESAM", "LAST"]
    assert figures.totals.exited_ytd == 1  # OLD's exit is in the totals


def test_empty_participants_give_zero_everywhere() -> None:
    figures = figures_for([], date(2026, 3, 1))
    assert figures.totals.active == 0
    assert figures.projects[0].counts.outcome_share_ytd is None
    assert set(figures.totals.active_by_age_band) == set(AGE_BANDS)
    assert figures_for([], date(2026, 3, 1), [INSATSER[0]]).projects == ()


@pytest.mark.parametrize(
    ("outcomes", "exits", "expected"),
    [
        (0, 4, None),
        (4, 4, None),
        (0, 5, 0.0),
        (5, 5, 100.0),
        (1, 8, 12.5),
        (49, 400, 12.3),
        (1, 6, 16.7),
        (2, 3 * 5, 13.3),
        (1, 16, 6.3),
    ],
)
def test_outcome_share_rounds_half_up_and_needs_five_exits(
    outcomes: int, exits: int, expected: float | None
) -> None:
    assert outcome_share(outcomes, exits) == expected


def test_goal_status() -> None:
    def status(reasons: list[str]) -> str | None:
        rows = [
            person(f"P{i}", "2026-01-05", "2026-02-01", reason) for i, reason in enumerate(reasons)
        ]
        return figures_for(rows, date(2026, 3, 1)).projects[0].goal_status

    assert status(["arbete", "studier", "övrigt", "övrigt"]) == GOAL_TOO_EARLY
    assert (
        status(["arbete", "studier", "övrigt", "övrigt", "arbetssökande"]) == GOAL_AT_RISK
    )  # 40 %
    assert (
        status(["arbete", "studier", "övrigt", "arbete", "arbetssökande", "övrigt"])
        == GOAL_ON_TRACK
    )  # 50 %
    no_goal = [["Kod", "Namn", "Start"], ["X", "x", "2025-01-01"]]
    assert figures_for([], date(2026, 3, 1), no_goal).projects[0].goal_status is None


def test_breakdowns_list_every_key_and_age_bands_have_exact_edges() -> None:
    rows = [
        person("A", "2026-01-10", born=2010),  # 16 → 16-19
        person("B", "2026-01-10", born=2011, gender="M"),  # 15 → okänd
        person("C", "2026-01-10", born=2006, gender="X"),  # 20 → 20-24
        person("D", "2026-01-10", born=1966, support="rehabiliteringspenning"),  # 60 → 60+
        person("E", "2026-01-10", born=None, support="a-kassa"),  # okänd
        person("F", "2025-12-31", born=2007),  # 18 at enrolment in 2025 → 16-19
    ]
    counts = figures_for(rows, date(2026, 3, 1)).projects[0].counts
    assert counts.active_by_age_band == {
        "16-19": 2,
        "20-24": 1,
        "25-29": 0,
        "30-39": 0,
        "40-49": 0,
        "50-59": 0,
        "60+": 1,
        "okänd": 2,
    }
    assert counts.active_by_gender == {"kvinna": 4, "man": 1, "annat": 1}
    assert set(counts.active_by_support) == set(SUPPORT_KEYS)
    assert counts.active_by_support["sjukpenning"] == 1
    assert counts.active_by_support["okänd"] == 4


def test_capacity_use() -> None:
    rows = [person(f"P{i}", "2026-01-10") for i in range(5)]
    project = figures_for(rows, date(2026, 3, 1)).projects[0]
    assert project.capacity_use == 125.0


def test_cost_ytd_counts_january_to_the_as_of_month() -> None:
    ekonomi = [
        ["Insats", "Månad", "Belopp (kr)"],
        ["RESAM", "2025-12", 1000],  # last year
        ["RESAM", "2026-01", 200],
        ["RESAM", "2026-03-31", "300,50"],  # a date in the as-of month
        ["RESAM", "2026-03", -50],  # a correction
        ["RESAM", "2026-04", 9999],  # after the as-of month
    ]
    figures = figures_for([], date(2026, 3, 15), Ekonomi=ekonomi)
    assert figures.projects[0].cost_ytd == 450.5
    assert figures_for([], date(2026, 3, 15), Ekonomi=ekonomi[:1]).projects[0].cost_ytd == 0.0
    assert figures_for([], date(2026, 3, 15)).projects[0].cost_ytd is None


def test_figures_json_has_the_spec_schema() -> None:
    rows = [person("A", "2026-01-10"), person("B", "2026-01-10", "2026-02-01", "arbete")]
    output = figures_json(figures_for(rows, date(2026, 3, 1)))
    assert set(output) == {"as_of", "rows_left_out", "projects", "totals"}
    assert output["as_of"] == "2026-03-01"
    [project] = output["projects"]
    assert set(project) == {
        "code", "name", "running", "active", "places", "new_week", "exited_week", "new_ytd", "exited_ytd",
        "served_ytd", "annual_target", "exits_ytd_by_reason", "outcome_share_ytd", "goal", "goal_status",
        "active_by_gender", "active_by_age_band", "active_by_support", "cost_ytd", "budget",
    }  # fmt: skip
    assert project["exits_ytd_by_reason"] == {
        "arbete": 1,
        "studier": 0,
        "arbetssökande": 0,
        "övrigt": 0,
    }
    assert list(project["active_by_support"]) == [*SUPPORT_KEYS]
    assert output["totals"]["active"] == 1
    assert "outcome_share_ytd" in output["totals"] and "code" not in output["totals"]


def test_figures_do_not_depend_on_the_day_they_are_computed() -> None:
    rows = [person("A", "2026-01-10"), person("B", "2030-01-10")]
    first = figures_json(figures_for(rows, date(2026, 3, 1)))
    assert first == figures_json(figures_for(rows, date(2026, 3, 1)))
    assert first["totals"]["active"] == 1


def test_cube_counts_per_kommun_and_caseworker_are_the_counts_of_their_participants() -> None:
    """The kommun and caseworker tables of the protected cube hold what counting gives; a
    caseworker written by name and by Slack ID (Personal links them) is one person."""
    from commands.cube import person_key, protected_cube
    from sheets.backends.workbook import WorkbookBackend
    from sheets.dataset import NO_DATE
    from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH

    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    participants = data.participants
    insats = participants.insats
    for as_of in (BUNDLED_ANCHOR, date(BUNDLED_ANCHOR.year, 1, 2)):
        day = as_of.toordinal()
        exited = participants.exited
        active = (participants.enrolled <= day) & ((exited > day) | (exited == NO_DATE))
        cube = protected_cube(data, as_of, 5)
        for column, table, key in (
            ("kommun", cube.kommun, str),
            ("caseworker", cube.caseworker, lambda text: person_key(data, text)),
        ):
            categories = getattr(participants, column)
            cells = [None if code < 0 else categories.values[code] for code in categories.codes]
            keys = np.array([None if c is None else key(c) for c in cells])
            shown = [k for k, on in zip(table.keys, table.shown, strict=True) if on]
            assert len(shown) > 2, "the demo sheet has several of each"
            for position, value in enumerate(table.keys):
                if not table.shown[position]:
                    continue
                mine = active & (keys == value)
                counted = np.bincount(insats[mine], minlength=len(data.insatser))
                assert table.protection.values[:-1, position].tolist() == counted.tolist()
                assert table.protection.values[-1, position] == counted.sum()
    assert person_key(data, data.staff[0].namn) == data.staff[0].slack_id
