"""Validation: every rule of docs/figures.md, "Which rows count", on small hand-built sheets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sheets.problems import Problem, a1, column_letter
from sheets.schemas import DeltagareRow, InsatsRow
from sheets.validate import load_dataset

INSATSER = [
    ["Kod", "Namn", "Start", "Slut", "Platser"],
    ["RESAM", "Resursteam", "2026-01-01", None, 10],
    ["EMP", "Empowerment", "2026-01-01", "2026-12-31", 5],
]
DELTAGARE_HEADER = ["Deltagar-ID", "Insats", "Kön", "Inskriven", "Avslutad", "Avslutsorsak"]


def deltagare(*rows: list[Any]) -> list[list[Any]]:
    return [DELTAGARE_HEADER, *rows]


def problems_at(problems: tuple[Problem, ...] | list[Problem]) -> set[tuple[str, str | None, str]]:
    return {(p.tab, p.cell, p.severity) for p in problems}


def test_a1_references() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    assert a1(0, 0) == "A1"
    assert a1(27, 9) == "AB10"


def test_a_clean_sheet_has_no_problems() -> None:
    data = load_dataset(
        {"Insatser": INSATSER, "Deltagare": deltagare(["A1", "RESAM", "K", "2026-02-01"])}
    )
    assert data.problems == ()
    assert data.rows_left_out == 0
    assert len(data.participants) == 1
    assert [row.kod for row in data.insatser] == ["RESAM", "EMP"]


def test_headers_in_english_any_order_case_colon_and_blank_rows_above() -> None:
    tabs = {
        "projects": [
            [],
            ["  CODE: ", "name", "Start", "Unknown column"],
            ["RESAM", "R", 46023, "secret text"],
        ],
        "Participants": [
            [None, None],
            ["Enrolled", "gender", "Project", "Participant ID", "Notes"],
            ["2026-02-01", "F", "resam", "A1", "free text is ignored"],
        ],
    }
    data = load_dataset(tabs)
    assert data.problems == ()
    assert len(data.participants) == 1
    assert data.insatser[0].start == date(2026, 1, 1)


def test_a_repeated_header_counts_where_it_first_appears() -> None:
    tabs = {
        "Insatser": INSATSER,
        "Deltagare": [
            ["Deltagar-ID", "Insats", "Kön", "Inskriven", "Kön"],
            ["A1", "RESAM", "K", "2026-02-01", "nonsense"],
        ],
    }
    data = load_dataset(tabs)
    assert data.problems == ()
    assert int(data.participants.gender[0]) == 0  # kvinna, from column C


def test_when_two_tabs_match_one_name_the_leftmost_wins() -> None:
    tabs = {
        "Insatser": INSATSER,
        "Deltagare": deltagare(["A1", "RESAM", "K", "2026-02-01"]),
        "Participants": deltagare(),
    }
    assert len(load_dataset(tabs).participants) == 1


def test_missing_tab_is_one_clear_problem_and_nothing_raises() -> None:
    data = load_dataset({"Insatser": INSATSER})
    [problem] = data.problems
    assert problem.tab == "Deltagare" and problem.cell is None and problem.severity == "error"
    assert "Deltagare" in problem.message.sv
    assert "Deltagar-ID" in problem.fix.sv and "Inskriven" in problem.fix.sv
    assert len(data.participants) == 0


def test_missing_required_column_names_the_tab_and_the_expected_headers() -> None:
    tabs = {
        "Insatser": INSATSER,
        "Deltagare": [
            [None],
            ["Deltagar-ID", "Insats", "Inskriven"],
            ["A1", "RESAM", "2026-02-01"],
        ],
    }
    data = load_dataset(tabs)
    [problem] = data.problems
    assert (problem.tab, problem.cell) == ("Deltagare", "A2")
    assert "Kön" in problem.message.sv and "Gender" in problem.message.en
    assert "Avslutsorsak" in problem.fix.sv  # the full list of expected headers
    assert len(data.participants) == 0


def test_empty_sheets_give_no_figures_and_no_crash() -> None:
    data = load_dataset({"Insatser": [], "Deltagare": []})
    assert {p.tab for p in data.problems} == {"Insatser", "Deltagare"}
    assert data.insatser == () and len(data.participants) == 0
    headers_only = load_dataset({"Insatser": INSATSER[:1], "Deltagare": deltagare()})
    assert headers_only.problems == () and headers_only.insatser == ()
    assert load_dataset({}).rows_left_out == 0


def test_empty_rows_are_skipped_silently() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                [], [None, "", "  "], ["A1", "RESAM", "K", "2026-02-01"], ["", None]
            ),
        }
    )
    assert data.problems == ()
    assert len(data.participants) == 1
    assert int(data.participants.row[0]) == 3  # 0-based sheet row: the fourth row


def test_a_bad_cell_is_reported_with_tab_and_cell_and_the_rest_still_counts() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                ["A1", "RESAM", "K", "2026-02-01"],
                ["A2", "RESAM", "kvinnna", "2026-02-01"],
                ["A3", "RESAM", "M", "31/2/2026"],
                ["A4", "RESAM", "M", "2026-02-01"],
            ),
        }
    )
    assert problems_at(data.problems) == {
        ("Deltagare", "C3", "error"),
        ("Deltagare", "D4", "error"),
    }
    assert data.rows_left_out == 2
    assert len(data.participants) == 2


def test_a_formula_error_in_an_optional_column_is_an_error_of_the_row() -> None:
    tabs = {
        "Insatser": INSATSER,
        "Deltagare": [
            [*DELTAGARE_HEADER, "Kommun"],
            ["A1", "RESAM", "K", "2026-02-01", None, None, "#N/A"],
        ],
    }
    data = load_dataset(tabs)
    assert problems_at(data.problems) == {("Deltagare", "G2", "error")}
    assert len(data.participants) == 0


def test_required_cells_left_blank() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(["A1", None, "K", "2026-02-01"], ["A2", "RESAM", "K", None]),
        }
    )
    assert problems_at(data.problems) == {
        ("Deltagare", "B2", "error"),
        ("Deltagare", "D3", "error"),
    }
    assert any("saknas" in p.message.sv for p in data.problems)


def test_felregistrering_is_skipped_before_any_other_check() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                ["A1", "RESAM", "K", "2026-02-01"],
                ["A1", "NOPE", "kvinnna", "31/2/2026", "2026-03-01", "Felregistrering"],
                ["A1", "RESAM", "K", "2026-02-01", "2026-03-01", "felregistrering"],
            ),
        }
    )
    assert data.problems == ()  # not even the repeated A1 is reported
    assert data.rows_left_out == 0
    assert len(data.participants) == 1


def test_repeated_codes_make_every_such_row_an_error_and_their_participants_count_nowhere() -> None:
    tabs = {
        "Insatser": [*INSATSER, ["resam ", "Again", "2026-01-01"]],
        "Deltagare": deltagare(
            ["A1", "RESAM", "K", "2026-02-01"], ["A2", "EMP", "K", "2026-02-01"]
        ),
    }
    data = load_dataset(tabs)
    assert problems_at(data.problems) == {("Insatser", "A2", "error"), ("Insatser", "A4", "error")}
    assert [row.kod for row in data.insatser] == ["EMP"]
    assert data.rows_left_out == 2  # the insats rows, not their participants
    assert len(data.participants) == 1
    assert data.all_codes == ("RESAM", "EMP")


def test_end_before_start() -> None:
    data = load_dataset(
        {
            "Insatser": [*INSATSER, ["OLD", "Old", "2026-05-01", "2026-04-30"]],
            "Deltagare": deltagare(),
        }
    )
    assert problems_at(data.problems) == {("Insatser", "D4", "error")}


def test_unknown_insats_suggests_the_nearest_code() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                ["A1", "RSAM", "K", "2026-02-01"], ["A2", "ZZZZZZ", "K", "2026-02-01"]
            ),
        }
    )
    by_cell = {p.cell: p for p in data.problems}
    assert "Menade du RESAM?" in by_cell["B2"].message.sv
    assert "Did you mean RESAM?" in by_cell["B2"].message.en
    assert "Menade du" not in by_cell["B3"].message.sv
    assert data.rows_left_out == 2


def test_code_and_id_compare_ignoring_case_and_spaces() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                ["a-1", " resam", "K", "2026-02-01"],
                [" A-1 ", "RESAM", "M", "2026-02-01"],
                ["A-1", "EMP", "M", "2026-02-01"],  # the same ID in another insats is fine
            ),
        }
    )
    assert problems_at(data.problems) == {
        ("Deltagare", "A2", "error"),
        ("Deltagare", "A3", "error"),
    }
    assert len(data.participants) == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["A-1", "a-1 ", "A-2", "B000001", "b000001", "B000002", "Å-1", "å-1", "ß-1", None]
            ),
            st.sampled_from(["RESAM", "resam", "EMP", "NOPE", None]),
        ),
        max_size=12,
    )
)
def test_repeated_ids_are_every_live_row_of_an_id_twice_in_one_insats(
    rows: list[tuple[str | None, str | None]],
) -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(*[[i, code, "K", "2026-02-01"] for i, code in rows]),
        }
    )
    key = [(i.strip().casefold(), code.casefold()) if i and code else None for i, code in rows]
    repeated = {
        f"A{position + 2}"
        for position, pair in enumerate(key)
        if pair is not None and key.count(pair) > 1
    }
    assert {p.cell for p in data.problems if p.message.en.startswith("The same Part")} == repeated


def test_exit_reason_if_and_only_if_exit_date() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(
                ["A1", "RESAM", "K", "2026-02-01", "2026-03-01", None],
                ["A2", "RESAM", "K", "2026-02-01", None, "arbete"],
                ["A3", "RESAM", "K", "2026-02-01", "2026-03-01", "studier"],
                ["A4", "RESAM", "K", "2026-02-01", "2026-01-01", "studier"],
            ),
        }
    )
    assert problems_at(data.problems) == {
        ("Deltagare", "F2", "error"),
        ("Deltagare", "F3", "error"),
        ("Deltagare", "E5", "error"),
    }
    assert len(data.participants) == 1


def test_dates_far_ahead_are_warnings_that_depend_on_the_as_of_date_and_still_count() -> None:
    data = load_dataset(
        {"Insatser": INSATSER, "Deltagare": deltagare(["A1", "RESAM", "K", "2062-10-05"])}
    )
    assert data.problems == ()
    assert len(data.participants) == 1  # counted: a warning only
    [warning] = data.problems_as_of(date(2026, 11, 23))
    assert (warning.tab, warning.cell, warning.severity) == ("Deltagare", "D2", "warning")
    assert data.problems_as_of(date(2061, 11, 23)) == []
    # Exactly 365 days ahead is fine, 366 is not.
    edge = load_dataset(
        {"Insatser": INSATSER, "Deltagare": deltagare(["A1", "RESAM", "K", "2027-11-23"])}
    )
    assert edge.problems_as_of(date(2026, 11, 23)) == []
    assert len(edge.problems_as_of(date(2026, 11, 22))) == 1


def test_age_at_enrolment_outside_16_to_67_is_a_warning() -> None:
    header = [*DELTAGARE_HEADER, "Födelseår"]
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": [
                header,
                ["A1", "RESAM", "K", "2026-02-01", None, None, 2011],
                ["A2", "RESAM", "K", "2026-02-01", None, None, 2010],
                ["A3", "RESAM", "K", "2026-02-01", None, None, 1959],
                ["A4", "RESAM", "K", "2026-02-01", None, None, 1958],
            ],
        }
    )
    assert problems_at(data.problems) == {
        ("Deltagare", "G2", "warning"),
        ("Deltagare", "G5", "warning"),
    }
    assert len(data.participants) == 4
    assert data.rows_left_out == 0


def test_personnummer_in_deltagar_id_is_an_error_and_never_echoed() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(["19811218-9876", "RESAM", "K", "2026-02-01"]),
        }
    )
    [problem] = data.problems
    assert problem.cell == "A2"
    for text in (problem.message.sv, problem.message.en, problem.fix.sv, problem.fix.en):
        assert "9876" not in text
    assert len(data.participants) == 0


def test_booleans_are_not_mistaken_for_one() -> None:
    tabs = {
        "Insatser": [
            ["Kod", "Namn", "Start", "Platser"],
            ["A", "a", "2026-01-01", 1],
            ["B", "b", "2026-01-01", True],
        ],
        "Deltagare": deltagare(),
    }
    data = load_dataset(tabs)
    assert problems_at(data.problems) == {("Insatser", "D3", "error")}
    assert [row.platser for row in data.insatser] == [1]


def test_ekonomi_tab() -> None:
    base = {"Insatser": INSATSER, "Deltagare": deltagare()}
    assert load_dataset(base).costs is None  # no tab: costs not tracked
    empty = load_dataset({**base, "Ekonomi": [["Insats", "Månad", "Belopp (kr)"]]})
    assert empty.costs is not None and len(empty.costs) == 0
    data = load_dataset(
        {
            **base,
            "Ekonomi": [
                ["Insats", "Månad", "Belopp (kr)"],
                ["RESAM", "2026-01", "12 500 kr"],
                ["RESAM", "2026-02", "-4 800"],
                ["RESM", "2026-02", "100"],
                ["EMP", "2026-02", "1.500,50"],
            ],
        }
    )
    assert problems_at(data.problems) == {("Ekonomi", "A4", "error"), ("Ekonomi", "C5", "error")}
    assert data.rows_left_out == 2
    assert data.costs is not None
    assert sorted(data.costs.amount) == [-4800.0, 12500.0]


def test_personal_and_historik_tabs() -> None:
    data = load_dataset(
        {
            "Insatser": INSATSER,
            "Deltagare": deltagare(),
            "Personal": [
                ["Slack-ID", "Namn", "Roll"],
                ["<@U0ABC12>", "Anna Lind", "Handläggare"],
                ["nobody", "X", None],
            ],
            "History": [
                ["Week", "Date", "Project", "Active"],
                ["2026-W47", "2026-11-16", "RESAM", 12],
                ["v47", None, "*", None],
            ],
        }
    )
    assert [(s.slack_id, s.namn, s.roll) for s in data.staff] == [
        ("U0ABC12", "Anna Lind", "handläggare")
    ]
    assert [h.vecka for h in data.history] == ["2026-W47"]
    assert problems_at(data.problems) == {("Personal", "A3", "error"), ("History", "A3", "error")}
    assert data.rows_left_out == 0  # Personal and Historik errors are not figure rows


def test_ragged_rows_and_columns_beyond_z() -> None:
    header = ["x"] * 26 + DELTAGARE_HEADER
    row = [None] * 26 + ["A1", "RESAM", "K"]  # ragged: Inskriven missing entirely
    data = load_dataset({"Insatser": INSATSER, "Deltagare": [header, row]})
    assert problems_at(data.problems) == {("Deltagare", "AD2", "error")}


def test_the_pydantic_models_read_cells_as_the_loader_does() -> None:
    row = DeltagareRow.model_validate(
        {
            "deltagar_id": " A1 ",
            "insats": "RESAM",
            "kon": "K",
            "inskriven": "15/3/2026",
            "avslutsorsak": "Utbildning",
        }
    )
    assert (row.deltagar_id, row.kon, row.inskriven, row.avslutsorsak) == (
        "A1",
        "kvinna",
        date(2026, 3, 15),
        "studier",
    )
    insats = InsatsRow.model_validate(
        {"kod": "R", "namn": "R", "start": 46096, "budget": "1 500 kr"}
    )
    assert insats.budget == 1500.0
    with pytest.raises(ValidationError):
        DeltagareRow.model_validate(
            {"deltagar_id": "811218-9876", "insats": "R", "kon": "K", "inskriven": "2026-01-01"}
        )
