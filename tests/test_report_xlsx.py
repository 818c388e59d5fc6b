"""The report workbook read back with openpyxl: every number it shows is the exact figure of
``report --json`` or ``..``, every ``..`` keeps its interval at least SMALL_COUNT_MIN wide given
everything the workbook shows (linear programmes, tests/privacy_lp.py), it holds no participant's
cell, it has native charts and Swedish formats, and LibreOffice opens it.

The audit reads only the workbook: for each protected table (served by gender, age band, support
at start and kommun, exits by reason, for the period and for the year before) it gathers every
cell, total and outcome share shown on any sheet, and asks what a reader can work out from them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

from bot.report_xlsx import FIRST_ROW, GROUP_ROW, HEADER_ROW, report_bytes, write_report
from commands.disclosure import HIDDEN
from commands.figures import outcome_share
from commands.language import Language
from commands.report import Report, build_report, parse_period, report_json
from sheets.backends.workbook import WorkbookBackend
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH
from sheets.validate import load_dataset
from tests.privacy_lp import Model
from tests.test_privacy_audit import generated_sheets

THRESHOLD = 5
SV = Language("sv")

#: Split sheets: title → (table, the JSON split, header label → JSON keys summed).
GENDER_KEYS = {
    "Kvinnor": ("kvinna",),
    "Män": ("man",),
    "Annat": ("annat",),
    "Män och annat": ("man", "annat"),
}
SPLIT_SHEETS = {"Kön": "gender", "Ålder": "age_band", "Försörjning": "support", "Kommun": "kommun"}
REASONS = {
    "Arbete": "arbete",
    "Studier": "studier",
    "Arbetssökande": "arbetssökande",
    "Övrigt": "övrigt",
}
PERIODS = ("period", "previous_period")


@dataclass
class Block:
    """The columns of one period on a sheet: header → column number."""

    title: str
    columns: dict[str, int] = field(default_factory=dict)


@dataclass
class SheetTable:
    blocks: list[Block]
    rows: dict[str, dict[int, Any]]  # Kod (or "Totalt") → column number → value


def read_table(sheet: Worksheet) -> SheetTable:
    """Read a table sheet as the writer lays it out (group titles, headers, a row per insats)."""
    blocks: list[Block] = []
    group = None
    for column in range(3, sheet.max_column + 1):
        title = sheet.cell(row=GROUP_ROW, column=column).value
        if title:
            group = Block(str(title))
            blocks.append(group)
        header = sheet.cell(row=HEADER_ROW, column=column).value
        if header is not None:
            if group is None:  # a sheet with one block and no title (Uppföljning Finsam)
                group = Block("")
                blocks.append(group)
            group.columns[str(header)] = column
    rows: dict[str, dict[int, Any]] = {}
    for row in range(FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        if code is None:
            break
        rows[str(code)] = {
            column: sheet.cell(row=row, column=column).value
            for column in range(1, sheet.max_column + 1)
        }
    return SheetTable(blocks, rows)


@dataclass
class Published:
    """What the workbook shows of each protected table: (table, period, Kod, key) → values, row
    totals (table, period, Kod) → value, outcome counts (period, Kod) → values."""

    cells: dict[tuple[str, int, str, str], set[Any]] = field(
        default_factory=lambda: defaultdict(set)
    )
    totals: dict[tuple[str, int, str], int] = field(default_factory=dict)
    outcomes: dict[tuple[int, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    keys: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    withheld: set[tuple[str, int, str]] = field(default_factory=set)


def _outcome_count(share: Any, exits: int) -> int | None:
    """Return the outcome count a shown share (a fraction) means, or None."""
    if not isinstance(share, float | int):
        return None
    fits = [n for n in range(exits + 1) if outcome_share(n, exits) == round(share * 100, 1)]
    assert len(fits) == 1, (share, exits, fits)
    return fits[0]


def gather(path: Path) -> Published:
    """Read every protected number the workbook shows."""
    workbook = openpyxl.load_workbook(path)
    published = Published()

    def record(
        table: str, period: int, code: str, block: Block, values: dict[int, Any], skip: int
    ) -> None:
        headers = list(block.columns)
        total_header, keys = headers[0], headers[1 : len(headers) - skip]
        published.keys.setdefault((table, period), keys)
        assert published.keys[(table, period)] == keys, (table, period)
        published.totals[(table, period, code)] = values[block.columns[total_header]]
        first = values[block.columns[keys[0]]] if keys else None
        if first == "för få":
            published.withheld.add((table, period, code))
            return
        for key in keys:
            published.cells[(table, period, code, key)].add(values[block.columns[key]])

    for title, table in SPLIT_SHEETS.items():
        sheet = read_table(workbook[title])
        for period, block in enumerate(sheet.blocks):
            for code, values in sheet.rows.items():
                record(table, period, code, block, values, 0)
    exits = read_table(workbook["Avslutsorsak"])
    for period, block in enumerate(exits.blocks):
        for code, values in exits.rows.items():
            record("exits", period, code, block, values, 2)
            count = values[block.columns["Till arbete/studier"]]
            if isinstance(count, int):
                published.outcomes[(period, code)].add(count)
            total = values[block.columns["Avslutade"]]
            shown = _outcome_count(values[block.columns["Andel till arbete/studier"]], total)
            if shown is not None:
                published.outcomes[(period, code)].add(shown)
    summary = read_table(workbook["Sammanfattning"])
    for period, block in enumerate(summary.blocks):
        for code, values in summary.rows.items():
            shown = _outcome_count(
                values[block.columns["Till arbete/studier"]], values[block.columns["Avslutade"]]
            )
            if shown is not None:
                published.outcomes[(period, code)].add(shown)
    follow_up = read_table(workbook["Uppföljning Finsam"])
    [block] = follow_up.blocks
    for code, values in follow_up.rows.items():
        for key in published.keys[("gender", 0)]:
            if (("gender", 0, code)) not in published.withheld:
                published.cells[("gender", 0, code, key)].add(values[block.columns[key]])
        count = values[block.columns["varav till arbete eller studier"]]
        if isinstance(count, int):
            published.outcomes[(0, code)].add(count)
    return published


def audit(path: Path, report: Report, threshold: int) -> list[str]:
    """Return every shown number that is not the exact figure, and every hidden cell a reader
    of the whole workbook can narrow below the threshold."""
    published = gather(path)
    exact = report_json(report)
    codes = [p["code"] for p in exact["projects"]]
    failures: list[str] = []

    def truth(table: str, period: int, code: str, key: str) -> int:
        figures = (
            exact["totals"][PERIODS[period]]
            if code == "Totalt"
            else next(p for p in exact["projects"] if p["code"] == code)[PERIODS[period]]
        )
        if table == "exits":
            return int(figures["exits_by_reason"][REASONS[key]])
        split = figures[f"served_by_{table}"]
        names = GENDER_KEYS.get(key, (key,)) if table == "gender" else (key,)
        return sum(int(split[name]) for name in names)

    for (table, period), keys in published.keys.items():
        population = "exited" if table == "exits" else "served"
        # Kommun has a column never shown: participants with a blank kommun.
        model = Model(len(codes), len(keys) + (table == "kommun"))
        everyone = range(len(codes))
        for unit, code in enumerate(codes):
            total = published.totals[(table, period, code)]
            figures = next(p for p in exact["projects"] if p["code"] == code)[PERIODS[period]]
            if total != figures[population]:
                failures.append(f"{table} {period} {code}: total {total} is {figures[population]}")
            model.know(model.total([unit], range(model.columns)), total)
        hidden: list[tuple[str, int]] = []
        for unit, code in enumerate([*codes, "Totalt"]):
            rows = [unit] if code != "Totalt" else list(everyone)
            if (table, period, code) in published.withheld:
                hidden += [(code, column) for column in range(len(keys))]
                continue
            for column, key in enumerate(keys):
                texts = published.cells[(table, period, code, key)]
                if len(texts) != 1:
                    failures.append(f"{table} {period} {code} {key} shown as {texts}")
                    continue
                value = next(iter(texts))
                if value == HIDDEN:
                    hidden.append((code, column))
                    continue
                if value != truth(table, period, code, key):
                    failures.append(
                        f"{table} {period} {code} {key}: {value}, is {truth(table, period, code, key)}"
                    )
                model.know(model.total(rows, [column]), value)
        if table == "exits":
            outcome = [keys.index("Arbete"), keys.index("Studier")]
            for (p, code), counts in published.outcomes.items():
                if p != period:
                    continue
                if len(counts) != 1:
                    failures.append(f"outcomes {period} {code} shown as {counts}")
                rows = [codes.index(code)] if code != "Totalt" else list(everyone)
                model.know(model.total(rows, outcome), next(iter(counts)))
        for code, column in hidden:
            rows = [codes.index(code)] if code != "Totalt" else list(everyone)
            row_total = sum(
                published.totals[(table, period, c)]
                for c in (codes if code == "Totalt" else [code])
            )
            if (
                code != "Totalt"
                and truth(table, period, code, keys[column]) == 0
                and (table, period, code) in published.withheld
            ):
                continue  # a zero of a row too small to split: not shown, and nothing to protect
            low, high = model.interval(model.total(rows, [column]))
            if high - low < min(threshold, row_total) - 1e-6:
                failures.append(
                    f"{table} {period} {code} {keys[column]} narrowed to [{low:g}, {high:g}]"
                )
    return failures


@pytest.fixture(scope="module")
def demo_report() -> Report:
    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    return build_report(data, parse_period("2026-H1"), BUNDLED_ANCHOR, THRESHOLD)


@pytest.fixture(scope="module")
def demo_file(demo_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "rapport.xlsx"
    write_report(path, demo_report, demo_report.total_row, SV)
    return path


def test_every_number_is_exact_or_hidden_and_no_hidden_cell_can_be_narrowed(
    demo_report: Report, demo_file: Path
) -> None:
    published = gather(demo_file)
    assert any(HIDDEN in values for values in published.cells.values()), "the demo hides cells"
    assert published.outcomes, "outcome shares are shown"
    assert audit(demo_file, demo_report, THRESHOLD) == []


def test_the_summary_matches_the_json(demo_report: Report, demo_file: Path) -> None:
    exact = report_json(demo_report)
    summary = read_table(openpyxl.load_workbook(demo_file)["Sammanfattning"])
    now, before = summary.blocks
    for project in [*exact["projects"], {"code": "Totalt", **exact["totals"]}]:
        row = summary.rows[project["code"]]
        current, previous = project["period"], project["previous_period"]
        for header, key in (
            ("Deltagare under perioden", "served"),
            ("Nya", "new"),
            ("Avslutade", "exited"),
            ("Kostnad", "cost"),
            ("Budget för perioden", "budget_prorated"),
            ("Deltagarmål för perioden", "target_prorated"),
            ("Kostnad per deltagare", "cost_per_served"),
        ):
            shown = row[now.columns[header]]
            assert shown == (current[key] if current[key] is not None else "–"), (
                header,
                project["code"],
            )
        assert row[before.columns["Deltagare under perioden"]] == previous["served"]
        assert row[before.columns["Kostnad"]] == previous["cost"]
        share = row[now.columns["Till arbete/studier"]]
        if isinstance(share, float):
            assert round(share * 100, 1) == current["outcome_share"]
        days = row[now.columns["Dagar i insatsen, median"]]
        if isinstance(days, float | int):
            assert days == current["days_in_insats"]["median"]
            assert current["exited"] >= THRESHOLD


def test_the_follow_up_sheet_has_the_national_fields(demo_report: Report, demo_file: Path) -> None:
    exact = report_json(demo_report)
    sheet = read_table(openpyxl.load_workbook(demo_file)["Uppföljning Finsam"])
    [block] = sheet.blocks
    resam = sheet.rows["RESAM"]
    figures = next(p for p in exact["projects"] if p["code"] == "RESAM")
    assert resam[block.columns["Huvudman"]] == figures["owner"]
    assert resam[block.columns["Startdatum"]].date() == date.fromisoformat(figures["start"])
    assert resam[block.columns["Antal deltagare"]] == figures["period"]["served"]
    assert resam[block.columns["Planerat antal deltagare"]] == figures["period"]["target_prorated"]
    assert resam[block.columns["Kostnad under perioden"]] == figures["period"]["cost"]


def test_the_workbook_is_laid_out_for_the_board(demo_file: Path) -> None:
    workbook = openpyxl.load_workbook(demo_file)
    assert workbook.sheetnames == [
        "Sammanfattning",
        "Kön",
        "Ålder",
        "Försörjning",
        "Kommun",
        "Avslutsorsak",
        "Uppföljning Finsam",
        "Så räknas det",
        "Utelämnade rader",
    ]
    summary = workbook["Sammanfattning"]
    assert summary.freeze_panes == f"C{FIRST_ROW}"
    assert summary.column_dimensions["B"].width > 20
    headers: dict[Any, int] = {}
    for cell in summary[HEADER_ROW]:
        headers.setdefault(cell.value, cell.column)  # the period's, not the year before's
    row = FIRST_ROW
    assert summary.cell(row, headers["Kostnad"]).number_format == '#,##0 "kr"'
    assert summary.cell(row, headers["Nya"]).number_format == "#,##0"
    shares = [
        summary.cell(r, headers["Till arbete/studier"]) for r in range(row, summary.max_row + 1)
    ]
    assert any(cell.number_format == "0.0 %" for cell in shares if isinstance(cell.value, float))
    method = workbook["Så räknas det"]
    texts = " ".join(str(c.value) for r in method.iter_rows() for c in r if c.value)
    assert "23 nov 2026" in texts or any(
        c.value == date(2026, 11, 23)
        or getattr(c.value, "date", lambda: None)() == date(2026, 11, 23)
        for r in method.iter_rows()
        for c in r
    )
    for word in ("Deltagare under perioden", "periodens sista dag", "KVARTIL.INK", "report --json"):
        assert word in texts, word
    left_out = workbook["Utelämnade rader"]
    cells = [left_out.cell(r, 2).value for r in range(FIRST_ROW, left_out.max_row + 1)]
    assert "C333" in cells  # the demo's misspelt gender, by its cell


def test_the_charts_are_native_excel_charts(demo_file: Path) -> None:
    with zipfile.ZipFile(demo_file) as archive:
        charts = [
            name for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)
        ]
        assert len(charts) >= 3
        first = archive.read(charts[0]).decode()
    assert "<barChart>" in first and "'Sammanfattning'!$C$" in first  # over the sheet's cells


def test_the_workbook_holds_no_participant_cell(demo_file: Path) -> None:
    demo = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    assert demo.rows_left_out
    raw = WorkbookBackend(BUNDLED_PATH).read_tabs()["Deltagare"]
    ids = {str(row[0]) for row in raw[1:] if row and row[0]}
    with zipfile.ZipFile(demo_file) as archive:
        text = " ".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
        )
    assert not [value for value in ids if value in text]
    assert "kvinnna" not in text  # the misspelt gender of a row left out is never quoted


def test_one_insats_only(demo_report: Report, tmp_path: Path) -> None:
    row = demo_report.row("RESAM")
    assert row is not None
    path = tmp_path / "resam.xlsx"
    path.write_bytes(report_bytes(demo_report, row, Language("en")))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Summary"
    gender = read_table(workbook["Gender"])
    assert list(gender.rows) == ["RESAM"]
    full = read_table(openpyxl.load_workbook(_full(demo_report, tmp_path))["Kön"])
    # The same cells as in the report of every insats: a slice of one protected table.
    columns = [c for block in full.blocks for c in block.columns.values()]
    assert [full.rows["RESAM"][c] for c in columns] == [gender.rows["RESAM"][c] for c in columns]


def _full(report: Report, tmp_path: Path) -> Path:
    path = tmp_path / "full.xlsx"
    write_report(path, report, report.total_row, SV)
    return path


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is not installed",
)
def test_libreoffice_opens_it_and_makes_a_pdf(demo_file: Path, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    result = subprocess.run(
        [
            office,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(demo_file),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "rapport.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


AS_OF = date(2026, 11, 23)


#: Found by the test below: one participant, enrolled on the as-of date, none a year earlier
#: and no kommun, so a split has no column at all in either period.
ONE_NEW_PARTICIPANT = {
    "Insatser": [
        ["Kod", "Namn", "Start", "Slut", "Mål arbete/studier (%)"],
        ["I0", "Insats I0", "2024-01-01", None, None],
    ],
    "Deltagare": [
        [
            *("Deltagar-ID", "Insats", "Kön", "Födelseår", "Kommun", "Försörjning vid start"),
            *("Inskriven", "Avslutad", "Avslutsorsak", "Handläggare"),
        ],
        ["P0000", "I0", "K", None, None, "sjukpenning", "2026-11-23", None, None, "Eva Lind"],
    ],
    "Personal": [["Slack-ID", "Namn", "Roll"], ["U0AAA01", "Eva Lind", "handläggare"]],
}


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    generated_sheets(),
    st.sampled_from(["2026", "2026-H1", "2026-Q3", "2025-T3", "2026-05-01..2026-10-31"]),
    st.sampled_from([THRESHOLD, 3]),
)
@example(tabs=ONE_NEW_PARTICIPANT, period="2026", threshold=THRESHOLD)
def test_generated_sheets_pass_the_audit(
    tmp_path_factory: pytest.TempPathFactory,
    tabs: dict[str, list[list[Any]]],
    period: str,
    threshold: int,
) -> None:
    data = load_dataset(tabs)
    report = build_report(data, parse_period(period), AS_OF, threshold)
    path = tmp_path_factory.mktemp("generated") / "rapport.xlsx"
    write_report(path, report, report.total_row, SV)
    assert audit(path, report, threshold) == []


def test_with_suppression_off_every_count_is_shown(tmp_path: Path) -> None:
    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    report = build_report(data, parse_period("2026-Q3"), BUNDLED_ANCHOR - timedelta(0), 0)
    path = tmp_path / "open.xlsx"
    write_report(path, report, report.total_row, SV)
    published = gather(path)
    assert not any(HIDDEN in values for values in published.cells.values())
    assert audit(path, report, 0) == []
