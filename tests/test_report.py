"""Period reports (commands.report): periods, and the figures of a small sheet counted by hand.

The sheet is as of 23 Nov 2026 and the period 2026-Q2 (1 Apr – 30 Jun 2026), with every edge case
docs/report.md names: an enrolment on the period's first and last day, an exit on the first day,
an exit the day before and an enrolment the day after, an enrolment and exit on the same day, an
exit after the as-of date, insatser that start and end inside the period, one not started, one
that ended last year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commands.context import CommandError, Context
from commands.dispatch import answer
from commands.report import (
    build_report,
    last_full_quarter,
    parse_period,
    parse_report_request,
    report_json,
    report_reply,
)
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS, Dataset
from sheets.validate import load_dataset

AS_OF = date(2026, 11, 23)
Q2 = parse_period("2026-Q2")

DELTAGARE_HEADER = [
    "Deltagar-ID",
    "Insats",
    "Kön",
    "Födelseår",
    "Kommun",
    "Försörjning vid start",
    "Inskriven",
    "Avslutad",
    "Avslutsorsak",
]


def hand_sheet() -> dict[str, list[list[Any]]]:
    insatser: list[list[Any]] = [
        ["Insatser 2026"],  # a title row above the headers
        [
            "Kod",
            "Namn",
            "Huvudman",
            "Start",
            "Slut",
            "Deltagarmål per år",
            "Mål arbete/studier (%)",
            "Budget (kr)",
        ],
        ["ALFA", "Alfa", "Fagersta kommun", "2024-01-01", None, "40 st", "50 %", "365 000"],
        # Starts inside the period: runs 1 May – 31 Dec 2026, 245 days.
        ["BETA", "Beta", None, "1/5/2026", "31/12/2026", 100, 60, "245 000 kr"],
        # Ends inside the period, on 15 April.
        ["CEPA", "Cepa", None, "2025-01-01", "2026-04-15", None, None, None],
        ["DELTA", "Delta (startar 2027)", None, "2027-01-01", None, 10, None, 1000],
        # Ended last year: runs in the year-earlier period only.
        ["EKO", "Eko", None, "2024-01-01", "2025-12-31", None, None, None],
    ]
    rows: list[list[Any]] = [
        # ALFA: who counts in 2026-Q2, and why.
        [
            "B000001",
            "ALFA",
            "K",
            1990,
            "Fagersta",
            "sjukpenning",
            "2026-04-01",
            None,
            None,
        ],  # first day
        ["B000002", "ALFA", "M", 2000, "Norberg", "a-kassa", "2026-06-30", None, None],  # last day
        ["B000003", "ALFA", "kvinna", 1980, "fagersta ", None, "10.1.2026", "2026-04-01", "Arbete"],
        [
            "B000004",
            "ALFA",
            "K",
            1980,
            "Fagersta",
            None,
            "2026-03-31",
            "2026-03-31",
            "övrigt",
        ],  # out
        ["B000005", "ALFA", "M", 1980, "Fagersta", None, "2026-07-01", None, None],  # out
        [
            "B000006",
            "ALFA",
            "X",
            1970,
            "Norberg",
            "ingen",
            "2025-06-01",
            "2026-06-30",
            "utbildning",
        ],
        ["B000007", "ALFA", "Man", None, "Norberg", None, "2026-05-05", "2026-05-05", "avbrott"],
        ["B000008", "ALFA", "K", 1960, None, "försörjningsstöd", "2024-02-01", None, None],
        ["B000009", "ALFA", "K", 2008, "Fagersta", None, "2026-06-01", "2026-12-01", "arbete"],
        ["B000010", "ALFA", "M", 1990, "Sala", None, "2026-04-20", "2026-06-10", "arbetssökande"],
        # BETA: six exits in the period, four to work or studies.
        *[
            [f"B00002{n}", "BETA", "K", 1995, "Sala", None, "2026-05-01", f"2026-{m}", reason]
            for n, (m, reason) in enumerate(
                [
                    ("05-11", "arbete"),
                    ("05-21", "arbete"),
                    ("05-31", "studier"),
                    ("06-10", "övrigt"),
                    ("06-20", "arbetssökande"),
                    ("06-30", "anställning"),
                ]
            )
        ],
        ["B000030", "CEPA", "M", 1985, "Sala", None, "2025-03-01", "2026-04-15", "arbete"],
        ["B000040", "EKO", "K", 1985, "Sala", None, "2025-02-01", "2025-04-30", "studier"],
        ["B000050", "ALFA", "kvinnna", 1985, "Sala", None, "2026-04-02", None, None],  # an error
    ]
    ekonomi: list[list[Any]] = [
        ["Insats", "Månad", "Belopp (kr)"],
        ["ALFA", "2026-03", 99_999],  # before the period
        ["ALFA", "2026-04", "10 000"],
        ["ALFA", "2026-05", 20_000],
        ["ALFA", "2026-06", "30 000 kr"],
        ["ALFA", "2026-07", 5],  # after
        ["ALFA", "2025-05", 7_000],  # the year-earlier period
        ["BETA", "2026-05", "12 500,50"],
    ]
    return {"Insatser": insatser, "Deltagare": [DELTAGARE_HEADER, *rows], "Ekonomi": ekonomi}


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset(hand_sheet())


@pytest.fixture(scope="module")
def figures(data: Dataset) -> dict[str, Any]:
    return report_json(build_report(data, Q2, AS_OF, 5))


def project(figures: dict[str, Any], code: str) -> dict[str, Any]:
    return next(p for p in figures["projects"] if p["code"] == code)


# -- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last", "label"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), "2026-H1"),
        ("2026-h2", date(2026, 7, 1), date(2026, 12, 31), "2026-H2"),
        ("2026-T1", date(2026, 1, 1), date(2026, 4, 30), "2026-T1"),
        ("2026-T2", date(2026, 5, 1), date(2026, 8, 31), "2026-T2"),
        ("2026T3", date(2026, 9, 1), date(2026, 12, 31), "2026-T3"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        ("2026-K3", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("2026-05", date(2026, 5, 1), date(2026, 5, 31), "2026-05"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028-02"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        (
            " 2026-01-15..2026-06-30 ",
            date(2026, 1, 15),
            date(2026, 6, 30),
            "2026-01-15..2026-06-30",
        ),
    ],
)
def test_periods_as_people_write_them(text: str, first: date, last: date, label: str) -> None:
    period = parse_period(text)
    assert (period.first, period.last, period.label) == (first, last, label)


@pytest.mark.parametrize(
    "text",
    ["2026-H3", "2026-Q0", "2026-T4", "2026-13", "2026-02-30..2026-03-01", "26-Q1", "Q1", "0900"],
)
def test_a_period_that_does_not_exist_is_a_clear_mistake(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_period(text)
    assert "2026-H1" in caught.value.reason("sv")  # the examples


def test_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(CommandError) as caught:
        parse_period("2026-06-30..2026-01-01")
    assert "slutar innan den börjar" in caught.value.reason("sv")


@pytest.mark.parametrize(
    ("as_of", "label"),
    [
        (date(2026, 9, 30), "2026-Q3"),  # the quarter's last day: it is complete as of that day
        (date(2026, 9, 29), "2026-Q2"),
        (date(2026, 10, 1), "2026-Q3"),
        (date(2026, 1, 15), "2025-Q4"),
        (date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_without_a_period_the_last_full_quarter(as_of: date, label: str) -> None:
    assert last_full_quarter(as_of).label == label
    assert parse_report_request("", as_of).period.label == label


def test_the_same_period_a_year_earlier() -> None:
    assert parse_period("2026-T2").year_earlier() == parse_period("2025-T2")
    assert parse_period("2028-02").year_earlier().last == date(2027, 2, 28)
    leap = parse_period("2028-02-01..2028-02-29").year_earlier()
    assert (leap.first, leap.last, leap.kind) == (date(2027, 2, 1), date(2027, 2, 28), "range")


def test_a_request_takes_period_and_code_in_either_order() -> None:
    assert parse_report_request("RESAM 2026-H1", AS_OF).code == "RESAM"
    assert parse_report_request("RESAM 2026-H1", AS_OF).period.label == "2026-H1"
    assert parse_report_request("RESAM", AS_OF).period.label == "2026-Q3"
    with pytest.raises(CommandError):
        parse_report_request("2026 2025", AS_OF)


def test_a_period_that_has_not_started_is_refused(data: Dataset) -> None:
    with pytest.raises(CommandError) as caught:
        build_report(data, parse_period("2027"), AS_OF, 5)
    assert "har inte börjat" in caught.value.reason("sv")


# -- figures counted by hand --------------------------------------------------------------------


def test_who_is_served_new_and_exited(figures: dict[str, Any]) -> None:
    alfa = project(figures, "ALFA")["period"]
    # Served: B1 (enrolled on the first day), B2 (the last day), B3 (exited on the first day),
    # B6, B7 (in and out on one day), B8, B9 (exits after the as-of date), B10. Not B4 (exited
    # the day before), B5 (enrolled the day after) or B50 (a row with an error).
    assert alfa["served"] == 8
    assert alfa["new"] == 5  # B1, B2, B7, B9, B10
    assert alfa["exited"] == 4  # B3, B6, B7, B10
    assert alfa["exits_by_reason"] == {"arbete": 1, "studier": 1, "arbetssökande": 1, "övrigt": 1}
    assert alfa["outcomes"] == 2
    assert alfa["outcome_share"] is None  # fewer than 5 exits
    assert alfa["goal_status"] == "för tidigt"


def test_the_splits_of_each_population(figures: dict[str, Any]) -> None:
    alfa = project(figures, "ALFA")["period"]
    assert alfa["served_by_gender"] == {"kvinna": 4, "man": 3, "annat": 1}
    assert alfa["new_by_gender"] == {"kvinna": 2, "man": 3, "annat": 0}
    assert alfa["exited_by_gender"] == {"kvinna": 1, "man": 2, "annat": 1}
    # Kommun as written, case and spaces ignored ("fagersta "), a blank one as okänd.
    assert alfa["served_by_kommun"] == {"Fagersta": 3, "Norberg": 3, "Sala": 1, "okänd": 1}
    # Age at enrolment: B1 2026-1990 = 36, B2 26, B3 46, B6 55, B7 unknown, B8 64, B9 18, B10 36.
    assert alfa["served_by_age_band"] == {
        "16-19": 1,
        "20-24": 0,
        "25-29": 1,
        "30-39": 2,
        "40-49": 1,
        "50-59": 1,
        "60+": 1,
        "okänd": 1,
    }
    assert set(alfa["served_by_support"]) == set(SUPPORT_KEYS)
    assert alfa["served_by_support"]["okänd"] == 4  # B3, B7, B9, B10
    for population in ("served", "new", "exited"):
        for split, keys in (("age_band", AGE_BANDS), ("support", SUPPORT_KEYS)):
            counts = alfa[f"{population}_by_{split}"]
            assert tuple(counts) == keys  # every key, zeros included
            assert sum(counts.values()) == alfa[population]


def test_days_in_the_insats_of_those_who_exited(figures: dict[str, Any]) -> None:
    # ALFA's exits stayed 0 (B7), 51 (B10), 81 (B3: 10 Jan – 1 Apr) and 394 days (B6);
    # quartiles as Excel's KVARTIL.INK: positions 0.75, 1.5 and 2.25 of the sorted days.
    assert project(figures, "ALFA")["period"]["days_in_insats"] == {
        "q1": 38.25,
        "median": 66.0,
        "q3": 159.25,
    }
    assert project(figures, "BETA")["period"]["days_in_insats"] == {
        "q1": 22.5,
        "median": 35.0,
        "q3": 47.5,
    }
    assert project(figures, "CEPA")["previous_period"]["days_in_insats"] is None


def test_outcome_share_and_goal(figures: dict[str, Any]) -> None:
    beta = project(figures, "BETA")["period"]
    assert (beta["exited"], beta["outcomes"], beta["outcome_share"]) == (6, 4, 66.7)
    assert beta["goal_status"] == "på väg"  # 66.7 % against 60 %
    totals = figures["totals"]["period"]
    assert totals["exited"] == 4 + 6 + 1  # CEPA's B30 exited on 15 April
    assert totals["outcomes"] == 2 + 4 + 1
    assert totals["outcome_share"] == 63.6
    assert "goal_status" not in totals


def test_target_budget_and_cost_pro_rated(figures: dict[str, Any]) -> None:
    alfa, beta, cepa = (project(figures, code)["period"] for code in ("ALFA", "BETA", "CEPA"))
    # ALFA runs all 91 days of Q2: 40 × 91/365 = 9.97; 365 000 kr × 91/365.
    assert alfa["target_prorated"] == 10.0
    assert alfa["budget_prorated"] == 91_000.0
    assert alfa["cost"] == 60_000.0  # April to June, not March or July
    assert alfa["cost_per_served"] == 7_500.0
    # BETA starts on 1 May: 61 of its 245 days of 2026 are in Q2.
    assert beta["target_prorated"] == 16.7  # 100 × 61/365
    assert beta["budget_prorated"] == 61_000.0  # 245 000 × 61/245
    assert beta["cost"] == 12_500.5
    assert cepa["target_prorated"] is None and cepa["budget_prorated"] is None
    assert cepa["cost"] == 0.0  # an Ekonomi tab without rows for it
    totals = figures["totals"]["period"]
    assert totals["target_prorated"] == 26.7
    assert totals["budget_prorated"] == 152_000.0
    assert totals["cost"] == 72_500.5


def test_the_year_earlier_period(figures: dict[str, Any]) -> None:
    assert figures["previous_period"]["label"] == "2025-Q2"
    alfa = project(figures, "ALFA")["previous_period"]
    assert (alfa["served"], alfa["new"], alfa["exited"]) == (2, 1, 0)  # B6 new, B8
    assert alfa["cost"] == 7_000.0
    assert alfa["budget_prorated"] is None  # the sheet holds 2026's budget only
    assert alfa["target_prorated"] == 10.0
    eko = project(figures, "EKO")
    assert eko["period"]["served"] == 0
    assert (eko["previous_period"]["served"], eko["previous_period"]["exited"]) == (1, 1)
    assert project(figures, "BETA")["previous_period"]["target_prorated"] == 0.0


def test_which_insatser_are_in_the_report(figures: dict[str, Any]) -> None:
    # DELTA has not started and had nothing in either period; EKO ended but ran a year earlier.
    assert [p["code"] for p in figures["projects"]] == ["ALFA", "BETA", "CEPA", "EKO"]
    assert figures["rows_left_out"] == 1


def test_a_period_not_yet_ended_is_counted_through_the_as_of_date(data: Dataset) -> None:
    report = build_report(data, parse_period("2026"), date(2026, 5, 31), 5)
    assert report.current.through == date(2026, 5, 31)
    assert report.previous.through == date(2025, 5, 31)
    figures = report_json(report)
    alfa = project(figures, "ALFA")["period"]
    assert figures["period"]["counted_through"] == "2026-05-31"
    # As of 31 May: B2, B5 and B9 are not enrolled yet, B6 and B10 have not exited; B4 (in and
    # out on 31 March) counts this time. Served B1, B3, B4, B6, B7, B8, B10; exited B3, B4, B7.
    assert alfa["served"] == 7 and alfa["exited"] == 3
    assert alfa["cost"] == 99_999 + 10_000 + 20_000  # through May
    assert alfa["budget_prorated"] == round(365_000 * 151 / 365, 2)


def test_the_json_has_every_key_of_every_split_even_at_zero(figures: dict[str, Any]) -> None:
    eko = project(figures, "EKO")["period"]
    assert eko["served_by_gender"] == {"kvinna": 0, "man": 0, "annat": 0}
    assert eko["exited_by_kommun"] == {"Fagersta": 0, "Norberg": 0, "Sala": 0, "okänd": 0}
    assert eko["days_in_insats"] is None and eko["cost_per_served"] is None


def test_one_insats(data: Dataset) -> None:
    figures = report_json(build_report(data, Q2, AS_OF, 5), "beta")
    assert [p["code"] for p in figures["projects"]] == ["BETA"]
    assert figures["totals"]["period"]["served"] == 8 + 6 + 1  # totals stay all insatser


def test_the_reply_shows_the_headline_figures_against_the_year_before(data: Dataset) -> None:
    reply = report_reply(data, "2026-Q2", Context(AS_OF))
    text = reply.as_text()
    assert reply.title == "Rapport 2026-Q2: alla insatser"
    assert "Deltagare under perioden  15" in text and "2025-Q2" in text
    assert "1 rad med fel räknas inte" in text
    english = answer(data, "report 2026-Q2 BETA", Context(AS_OF, small_count_min=0)).as_text()
    assert english.startswith("Rapport 2026-Q2: BETA – Beta")
    assert "66,7 %" in english


def test_a_mistake_in_slack_gets_a_friendly_reply(data: Dataset) -> None:
    reply = answer(data, "rapport 2026-Q2 BETTA", Context(AS_OF))
    assert reply.is_help and "Menade du BETA?" in reply.as_text()
    reply = answer(data, "rapport 2026-H7", Context(AS_OF))
    assert reply.is_help and "2026-T2" in reply.as_text()
    reply = answer(data, "rapport 2026-Q2 DELTA", Context(AS_OF))
    assert reply.is_help and "DELTA pågick inte" in reply.as_text()


def test_a_year_to_date_report_hides_exit_reasons_exactly_as_the_answers_do() -> None:
    """The report of the running year splits the very exits the answers split: it shows the
    answers' protected table, never a second protection of it that would give the first away."""
    from commands.cube import protected_cube
    from commands.report import build_report, parse_period
    from sheets.backends.workbook import WorkbookBackend
    from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH

    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    cube = protected_cube(data, BUNDLED_ANCHOR, 5).exit_reason
    report = build_report(data, parse_period(str(BUNDLED_ANCHOR.year)), BUNDLED_ANCHOR, 5)
    shown = report.current.protected.exits
    codes = [insats.kod for insats in data.insatser]
    assert cube.cells.protection.hidden.any(), "the demo hides exit reasons"
    for row, insats in enumerate(report.insatser):
        answers_row = codes.index(insats.kod)
        assert shown.cells.row(row) == cube.cells.row(answers_row), insats.kod
        assert shown.share(row) == cube.share(answers_row), insats.kod
    earlier = report.previous.protected.exits  # another year: protected on its own
    assert earlier.cells.protection.values.shape[0] == len(report.insatser) + 1
