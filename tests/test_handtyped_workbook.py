"""A workbook typed the way people type it, read through the workbook backend, gives the figures
counted by hand (tests/data/make_handtyped_workbook.py builds it; the comments there say what
is in it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from commands.figures import compute_figures, figures_json
from sheets.backends.workbook import WorkbookBackend
from sheets.categories import EXIT_REASONS, GENDERS
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS, Dataset
from sheets.validate import load_dataset
from tests.data.make_handtyped_workbook import PATH, build

# A Wednesday: this week is Monday 13 April to 15 April, the year to date 1 January to 15 April.
AS_OF = date(2026, 4, 15)


def counted(keys: tuple[str, ...], counts: dict[str, int]) -> dict[str, int]:
    """Return a breakdown with every key, zeros included, and the counts given."""
    assert set(counts) <= set(keys)
    return {key: counts.get(key, 0) for key in keys}


def read() -> Dataset:
    return load_dataset(WorkbookBackend(PATH).read_tabs())


def test_the_committed_workbook_is_what_the_script_builds(tmp_path: Path) -> None:
    build(tmp_path / "built.xlsx")
    assert WorkbookBackend(tmp_path / "built.xlsx").read_tabs() == WorkbookBackend(PATH).read_tabs()


def test_what_is_wrong_in_it_and_where_its_headers_are() -> None:
    data = read()
    assert {(p.tab, p.cell, p.severity) for p in data.problems} == {
        ("Insatser", "D5", "error"),  # Start 1.13.2026: month 13
        ("Deltagare", "G11", "error"),  # Inskriven 32/1/2026: no such day
    }
    assert data.rows_left_out == 2
    assert data.header_rows == {"Insatser": 2, "Deltagare": 3}
    assert [(i.code, i.cell, i.participant_rows) for i in data.insatser_left_out] == [
        ("HALSO", "A5", 2)
    ]
    assert data.personal_tab == "Personal"
    assert [person.slack_id for person in data.staff] == ["U0ANNA"]


def test_the_figures_counted_by_hand() -> None:
    figures = figures_json(compute_figures(read(), AS_OF))
    projects: dict[str, dict[str, Any]] = {p["code"]: p for p in figures["projects"]}
    assert figures["as_of"] == "2026-04-15"
    assert figures["rows_left_out"] == 2
    assert list(projects) == ["RESAM", "EMP", "KOM"]  # HALSO's own row has an error

    # RESAM: B000001, B000002 and B000005 active (B000005 new this week); B000003 exited to
    # förvärvsarbete, B000004 to studier, B000006 to arbete this week; B000007 felregistrering
    # and B000008 (no such day) count nowhere.
    assert projects["RESAM"] == {
        "code": "RESAM",
        "name": "Resursteam",
        "running": True,
        "places": 20,  # "20 st"
        "annual_target": 100,  # "100/år"
        "goal": 50.0,
        "goal_status": "för tidigt",  # three exits this year
        "cost_ytd": 226500.5,  # jan 100 000 kr + Februari 1 500 kr + mars 125 000,50; not maj
        "budget": 1500000.0,  # "1 500 000 kr"
        "active": 3,
        "new_week": 1,
        "exited_week": 1,
        "new_ytd": 4,
        "exited_ytd": 3,
        "served_ytd": 6,
        "exits_ytd_by_reason": counted(EXIT_REASONS, {"arbete": 2, "studier": 1}),
        "outcome_share_ytd": None,
        "active_by_gender": counted(GENDERS, {"kvinna": 2, "man": 1}),
        "active_by_age_band": counted(AGE_BANDS, {"30-39": 2, "40-49": 1}),  # 36 and 31; 41
        "active_by_support": counted(
            SUPPORT_KEYS, {"sjukpenning": 1, "försörjningsstöd": 1, "ingen": 1}
        ),
    }
    # EMP (from 15/3/2026 to 31.12.2026): B000009 active; B000010 exited (avbrott); B000011 is
    # enrolled on 20 April, after the as-of date.
    assert projects["EMP"] == {
        "code": "EMP",
        "name": "Empowerment",
        "running": True,
        "places": 12,  # "ca 12"
        "annual_target": 30,
        "goal": 50.0,
        "goal_status": "för tidigt",
        "cost_ytd": 55000.0,  # 2026-03 40 000, 3/2026 -5 000, jan. 2026 20 000 kr
        "budget": 800000.0,
        "active": 1,
        "new_week": 0,
        "exited_week": 0,
        "new_ytd": 2,
        "exited_ytd": 1,
        "served_ytd": 2,
        "exits_ytd_by_reason": counted(EXIT_REASONS, {"övrigt": 1}),
        "outcome_share_ytd": None,
        "active_by_gender": counted(GENDERS, {"kvinna": 1}),
        "active_by_age_band": counted(AGE_BANDS, {"20-24": 1}),  # 2026 - 2004
        "active_by_support": counted(SUPPORT_KEYS, {"lön": 1}),
    }
    # KOM ended in 2025, and so did its one participant.
    assert projects["KOM"]["running"] is False
    assert projects["KOM"]["places"] == 25  # "25 pers"
    assert projects["KOM"]["cost_ytd"] == 0.0
    assert (projects["KOM"]["goal_status"], projects["KOM"]["budget"]) == (None, None)
    assert [projects["KOM"][key] for key in ("active", "new_ytd", "exited_ytd", "served_ytd")] == [
        0,
        0,
        0,
        0,
    ]

    assert figures["totals"] == {
        "active": 4,
        "new_week": 1,
        "exited_week": 1,
        "new_ytd": 6,
        "exited_ytd": 4,
        "served_ytd": 8,
        "exits_ytd_by_reason": counted(EXIT_REASONS, {"arbete": 2, "studier": 1, "övrigt": 1}),
        "outcome_share_ytd": None,  # four exits
        "active_by_gender": counted(GENDERS, {"kvinna": 3, "man": 1}),
        "active_by_age_band": counted(AGE_BANDS, {"20-24": 1, "30-39": 2, "40-49": 1}),
        "active_by_support": counted(
            SUPPORT_KEYS, {"sjukpenning": 1, "försörjningsstöd": 1, "ingen": 1, "lön": 1}
        ),
    }
