"""The demo workbook: deterministic, realistic, private, and the bundled file matches the code."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from sheets.backends.workbook import WorkbookBackend
from sheets.demo import (
    BUNDLED_ANCHOR,
    BUNDLED_PATH,
    DELTAGARE_HEADER,
    EKONOMI_HEADER,
    INSATSER_HEADER,
    PERSONAL_HEADER,
    demo_tabs,
    write_demo_workbook,
)
from sheets.schemas import HISTORIK_HEADER
from sheets.validate import load_dataset

ANCHORS = [
    BUNDLED_ANCHOR,
    date(2025, 1, 1),
    date(2028, 2, 29),
    date(2027, 6, 13),
    date(2026, 12, 31),
]


def as_date(value: object) -> date | None:
    """Read a demo date cell the way people typed it (enough for these tests, not the loader)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    assert isinstance(value, str), value
    if match := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value):
        return date(int(match[3]), int(match[2]), int(match[1]))
    return date.fromisoformat(value)


def normalised(tabs: dict[str, list[list[object]]]) -> dict[str, list[list[object]]]:
    """Date cells as dates (a workbook gives midnight datetimes) and no trailing empty cells."""
    result: dict[str, list[list[object]]] = {}
    for title, rows in tabs.items():
        result[title] = []
        for row in rows:
            cells = [
                as_date(v) if isinstance(v, datetime) and v.time() == time() else v for v in row
            ]
            while cells and cells[-1] is None:
                cells.pop()
            result[title].append(cells)
    return result


def records(tabs: dict[str, list[list[object]]], tab: str) -> list[dict[str, object]]:
    header, *rows = tabs[tab]
    return [dict(zip(map(str, header), row, strict=True)) for row in rows]


def test_same_anchor_and_seed_give_identical_values() -> None:
    assert demo_tabs(BUNDLED_ANCHOR) == demo_tabs(BUNDLED_ANCHOR, seed=2026)
    assert demo_tabs(date(2025, 3, 3), seed=7) == demo_tabs(date(2025, 3, 3), seed=7)


def test_another_seed_gives_other_participants() -> None:
    assert demo_tabs(BUNDLED_ANCHOR, seed=1)["Deltagare"] != demo_tabs(BUNDLED_ANCHOR)["Deltagare"]


def test_tabs_and_headers() -> None:
    tabs = demo_tabs(BUNDLED_ANCHOR)
    assert list(tabs) == ["Insatser", "Deltagare", "Ekonomi", "Personal", "Historik"]
    assert tabs["Historik"][0] == HISTORIK_HEADER
    assert tabs["Insatser"][0] == INSATSER_HEADER
    assert tabs["Deltagare"][0] == DELTAGARE_HEADER
    assert tabs["Ekonomi"][0][:3] == ["Insats", "Månad", "Belopp (kr)"] == EKONOMI_HEADER[:3]
    assert tabs["Personal"][0] == PERSONAL_HEADER
    assert INSATSER_HEADER == [
        "Kod", "Namn", "Huvudman", "Start", "Slut", "Platser", "Deltagarmål per år",
        "Mål arbete/studier (%)", "Budget (kr)",
    ]  # fmt: skip
    assert DELTAGARE_HEADER == [
        "Deltagar-ID", "Insats", "Kön", "Födelseår", "Kommun", "Försörjning vid start",
        "Inskriven", "Avslutad", "Avslutsorsak", "Handläggare",
    ]  # fmt: skip
    assert PERSONAL_HEADER == ["Slack-ID", "Namn", "Roll"]


def test_bundled_workbook_matches_the_generator() -> None:
    """Regenerate with write_demo_workbook(BUNDLED_PATH, BUNDLED_ANCHOR) when this fails."""
    assert BUNDLED_PATH.stat().st_size < 100_000
    read_back = WorkbookBackend(BUNDLED_PATH).read_tabs()
    assert normalised(read_back) == normalised(demo_tabs(BUNDLED_ANCHOR))


def test_written_workbook_reads_back_with_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_demo_workbook(path, date(2025, 3, 3), seed=5)
    read_back = WorkbookBackend(path).read_tabs()
    assert normalised(read_back) == normalised(demo_tabs(date(2025, 3, 3), seed=5))
    assert isinstance(read_back["Insatser"][1][3], datetime)


@pytest.mark.parametrize("anchor", ANCHORS)
def test_no_deltagar_id_looks_like_a_personnummer(anchor: date) -> None:
    for row in records(demo_tabs(anchor), "Deltagare"):
        participant_id = str(row["Deltagar-ID"])
        assert re.fullmatch(r"[A-Z]+-(\d{4}-)?\d{4}", participant_id), participant_id
        digits = re.sub(r"\D", "", participant_id)
        assert len(digits) not in (10, 12)
        assert not re.search(r"\d{6}", participant_id)


@pytest.mark.parametrize("anchor", ANCHORS)
def test_insatser_are_placed_around_the_anchor(anchor: date) -> None:
    insatser = {row["Kod"]: row for row in records(demo_tabs(anchor), "Insatser")}
    assert 12 <= len(insatser) <= 15
    periods = {
        code: (as_date(row["Start"]), as_date(row["Slut"])) for code, row in insatser.items()
    }

    ended = [code for code, (_, end) in periods.items() if end is not None and end < anchor]
    not_started = [code for code, (start, _) in periods.items() if start and start > anchor]
    ending_soon = [
        code
        for code, (start, end) in periods.items()
        if start and start <= anchor and end and anchor <= end <= anchor + timedelta(days=60)
    ]
    assert (ended, not_started, ending_soon) == (["EMPOW"], ["UNGAKT"], ["SESAM"])
    running = set(periods) - {"EMPOW", "UNGAKT", "SESAM"}
    for code in running:
        start, end = periods[code]
        assert start is not None
        assert 365 <= (anchor - start).days <= 3 * 366, code
        assert end is None or 180 <= (end - anchor).days <= 2 * 366, code

    budgets = [row["Budget (kr)"] for row in insatser.values() if row["Budget (kr)"] is not None]
    total = sum(int(str(b).replace(" ", "")) for b in budgets)
    assert 2_000_000 <= total <= 8_000_000


@pytest.mark.parametrize("anchor", ANCHORS)
def test_participants_look_like_a_caseload(anchor: date) -> None:
    tabs = demo_tabs(anchor)
    rows = records(tabs, "Deltagare")
    assert 300 <= len(rows) <= 450

    exited = [row for row in rows if row["Avslutad"] is not None]
    assert 0.4 <= len(exited) / len(rows) <= 0.65

    genders = Counter(str(row["Kön"]).lower()[:1] for row in rows)
    assert genders["k"] > genders["m"] > genders["a"] > 0

    enrolled = [as_date(row["Inskriven"]) for row in rows]
    late = [day for day in enrolled if day and day > anchor]
    assert len(late) == 1 and late[0].year == anchor.year + 36  # the deliberate typo

    this_monday = anchor - timedelta(days=anchor.weekday())
    last_monday = this_monday - timedelta(days=7)
    assert sum(1 for day in enrolled if day and this_monday <= day <= anchor) >= 3
    assert sum(1 for day in enrolled if day and last_monday <= day < this_monday) >= 5

    for row in rows:
        birth_year, day = row["Födelseår"], as_date(row["Inskriven"])
        if isinstance(birth_year, int) and day and day <= anchor:
            assert 18 <= day.year - birth_year <= 64

    staff = {row["Namn"] for row in records(tabs, "Personal")}
    slack_ids = {row["Slack-ID"] for row in records(tabs, "Personal")}
    caseworkers = {row["Handläggare"] for row in rows} - {None}
    written_as_names = {c for c in caseworkers if not str(c).startswith("<@")}
    written_as_users = {str(c)[2:-1] for c in caseworkers if str(c).startswith("<@")}
    assert written_as_names <= staff
    assert written_as_users and written_as_users <= slack_ids


def test_typed_values_and_deliberate_problems() -> None:
    tabs = demo_tabs(BUNDLED_ANCHOR)
    rows = records(tabs, "Deltagare")
    codes = {row["Kod"] for row in records(tabs, "Insatser")}

    date_cells = [row[column] for row in rows for column in ("Inskriven", "Avslutad")]
    texts = [cell for cell in date_cells if isinstance(cell, str)]
    assert any("/" in t for t in texts) and any("." in t for t in texts)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", t) for t in texts)
    assert sum(isinstance(cell, date) for cell in date_cells) > 10 * len(texts)

    assert [row["Insats"] for row in rows if row["Insats"] not in codes] == ["RSAM"]
    assert [row["Kön"] for row in rows].count("kvinnna") == 1
    assert sum(1 for r in rows if r["Avslutad"] and not r["Avslutsorsak"]) == 1
    assert sum(1 for r in rows if not r["Avslutad"] and r["Avslutsorsak"]) == 1
    assert [r["Födelseår"] for r in rows].count("#REF!") == 1
    spans = [(as_date(r["Inskriven"]), as_date(r["Avslutad"])) for r in rows]
    assert sum(1 for enrolled, exited in spans if enrolled and exited and exited < enrolled) == 1
    marked = [r for r in rows if r["Avslutsorsak"] == "felregistrering"]
    assert len(marked) == 1
    kept = [r for r in rows if r["Avslutsorsak"] != "felregistrering"]
    repeated = Counter((r["Insats"], r["Deltagar-ID"]) for r in kept)
    assert [n for n in repeated.values() if n > 1] == [2]

    amounts = [row["Belopp (kr)"] for row in records(tabs, "Ekonomi")]
    assert "1.500,50" in amounts
    assert any(isinstance(a, str) and a.endswith(" kr") for a in amounts)
    assert sum(1 for a in amounts if isinstance(a, int) and a < 0) == 1


def test_ekonomi_runs_from_january_to_the_month_before_the_anchor() -> None:
    """A month's costs are booked when it is over, as an association's accounts are."""
    anchor = BUNDLED_ANCHOR
    months = {
        as_date(row["Månad"] if not isinstance(row["Månad"], str) else f"{row['Månad']}-01")
        for row in records(demo_tabs(anchor), "Ekonomi")
    }
    assert months == {date(anchor.year, month, 1) for month in range(1, anchor.month)}


def test_demo_history_reads_back_cleanly_and_feeds_the_weekly_post() -> None:
    from commands.context import Context
    from commands.weekly import compose_weekly

    data = load_dataset(demo_tabs(BUNDLED_ANCHOR))
    assert not [p for p in data.problems if p.tab == "Historik"]
    post = compose_weekly(data, Context(BUNDLED_ANCHOR))
    assert all(value is not None for _, value in post.chart)  # 11 weeks of Historik + this week
    assert any(
        cell[0] in "▲▼±" for _, _, change, *_ in post.reply.blocks[1].rows for cell in [change]
    )  # type: ignore[union-attr]
