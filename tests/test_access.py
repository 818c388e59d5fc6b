"""Who may ask, on real sheets: access fails closed, and each person asks in their role."""

from __future__ import annotations

from typing import Any

import pytest

from bot.access import Mode, access_for, access_mode, access_warning
from sheets.dataset import Dataset
from sheets.demo import BUNDLED_ANCHOR, demo_tabs
from sheets.validate import load_dataset

STRANGER = "U0NOTSTAFF"
COORDINATOR, CASEWORKER, READER = "U0DEMO01", "U0DEMO02", "U0DEMO06"


def sheet(personal: list[list[Any]] | None, title: str = "Personal") -> Dataset:
    """The demo sheet with `personal` as its Personal tab under `title` (None: no such tab)."""
    tabs = demo_tabs(BUNDLED_ANCHOR)
    del tabs["Personal"]
    if personal is not None:
        tabs[title] = personal
    return load_dataset(tabs)


def test_the_people_on_personal_ask_in_their_roles() -> None:
    data = sheet(demo_tabs(BUNDLED_ANCHOR)["Personal"])
    assert data.personal_tab == "Personal"
    assert access_mode(data, open_access=False) is Mode.LISTED
    assert access_for(data, COORDINATOR, False).role == "samordnare"
    assert access_for(data, CASEWORKER.lower(), False).role == "handläggare"
    assert access_for(data, READER, False).role == "läsare"
    for outsider in (STRANGER, None):
        access = access_for(data, outsider, False)
        assert not access.allowed and access.role is None
    assert access_warning(Mode.LISTED) is None, "nothing to warn about"


@pytest.mark.parametrize("title", [None, "Personalen", "Behöriga"])
def test_a_missing_or_renamed_personal_tab_keeps_everyone_out(title: str | None) -> None:
    rows = demo_tabs(BUNDLED_ANCHOR)["Personal"]
    data = sheet(rows if title else None, title or "Personal")
    assert data.personal_tab is None
    assert access_mode(data, open_access=False) is Mode.CLOSED_NO_TAB
    for user in (COORDINATOR, STRANGER, None):
        assert not access_for(data, user, False).allowed
    warning = access_warning(Mode.CLOSED_NO_TAB)
    assert warning is not None
    problem, fix = warning
    assert "no Personal tab" in problem.en and "answers no one" in problem.en
    assert "rename it back" in fix.en and "OPEN_ACCESS=true" in fix.en
    assert "Lägg till fliken Personal" in fix.sv


def test_an_empty_personal_tab_lets_everyone_in_without_a_role() -> None:
    for rows in ([], [["Slack-ID", "Namn", "Roll"]]):
        data = sheet(rows)
        assert data.personal_tab == "Personal"
        assert access_mode(data, open_access=False) is Mode.OPEN_EMPTY_TAB
        access = access_for(data, STRANGER, False)
        assert access.allowed and access.role is None
    warning = access_warning(Mode.OPEN_EMPTY_TAB)
    assert warning is not None and "everyone" in warning[0].en


def test_open_access_lets_everyone_in_whatever_the_sheet_says() -> None:
    for data in (sheet(None), sheet(demo_tabs(BUNDLED_ANCHOR)["Personal"])):
        assert access_mode(data, open_access=True) is Mode.OPEN_BY_SETTING
        for user in (STRANGER, READER):
            access = access_for(data, user, True)
            assert access.allowed and access.role is None, "no Personal restrictions"
    warning = access_warning(Mode.OPEN_BY_SETTING)
    assert warning is not None and "OPEN_ACCESS" in warning[0].en


def test_a_personal_tab_whose_rows_all_have_errors_keeps_everyone_out() -> None:
    data = sheet([["Slack-ID", "Namn", "Roll"], ["not an id", "Karin Berg", "samordnare"]])
    assert data.staff == ()
    assert access_mode(data, open_access=False) is Mode.LISTED
    assert not access_for(data, STRANGER, False).allowed


def test_a_blank_role_is_a_reader_and_the_board_reads_too() -> None:
    data = sheet(
        [
            ["Slack-ID", "Namn", "Roll"],
            ["U0BLANK01", "Utan Roll", None],
            ["U0BOARD01", "Styrelsen", "styrelse"],
            ["U0BOARD02", "Board Member", "Board"],
            # Listed twice: the role that sees less counts.
            ["U0TWICE01", "Två Gånger", "samordnare"],
            ["U0TWICE01", "Två Gånger", "handläggare"],
        ]
    )
    assert not [p for p in data.problems if p.tab == "Personal"], "styrelse and board are roles"
    assert access_for(data, "U0BLANK01", False).role == "läsare"
    assert access_for(data, "U0BOARD01", False).role == "läsare"
    assert access_for(data, "U0BOARD02", False).role == "läsare"
    assert access_for(data, "U0TWICE01", False).role == "handläggare"
