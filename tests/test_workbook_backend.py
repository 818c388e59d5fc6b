"""The workbook backend against real .xlsx files written with openpyxl in a temporary folder."""

from __future__ import annotations

import os
import stat
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from sheets.backends.base import SheetBackend
from sheets.backends.workbook import WorkbookBackend
from sheets.errors import SheetNotFound, SheetsError

HISTORIK_HEADER = ["Vecka", "Datum", "Insats", "Aktiva", "Nya", "Avslutade", "Till arbete/studier"]


def write_workbook(path: Path, tabs: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in tabs.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def small_workbook(tmp_path: Path) -> Path:
    path = write_workbook(
        tmp_path / "ark.xlsx",
        {
            "Insatser": [
                ["Kod", "Namn", "Start", "Budget (kr)"],
                ["RESAM", "Resursteam", date(2026, 3, 15), 950_000],
                ["SJHJ", "Självhjälp", "15/3/2026", "#REF!", None, None],
            ],
            "Deltagare": [
                ["Deltagar-ID", "Insats"],
                [],
                ["RESAM-0001"],
                [None, None, "ignorerad?", None],
            ],
            "Tom": [],
        },
    )
    # Cells that only carry formatting, below and beside the data: empty to the reader.
    workbook = openpyxl.load_workbook(path)
    workbook["Insatser"].cell(row=12, column=7).font = Font(bold=True)
    workbook["Deltagare"].cell(row=3, column=9).font = Font(bold=True)
    workbook.save(path)
    return path


def test_backend_satisfies_protocol(tmp_path: Path) -> None:
    backend: SheetBackend = WorkbookBackend(tmp_path / "x.xlsx")
    assert backend.url is None


def test_read_tabs_returns_raw_values_trimmed(small_workbook: Path) -> None:
    tabs = WorkbookBackend(small_workbook).read_tabs()

    assert list(tabs) == ["Insatser", "Deltagare", "Tom"]
    assert tabs["Insatser"] == [
        ["Kod", "Namn", "Start", "Budget (kr)"],
        ["RESAM", "Resursteam", datetime(2026, 3, 15), 950_000],
        ["SJHJ", "Självhjälp", "15/3/2026", "#REF!"],
    ]
    # The empty row between header and data stays, so row numbers still match the sheet.
    assert tabs["Deltagare"] == [
        ["Deltagar-ID", "Insats"],
        [],
        ["RESAM-0001"],
        [None, None, "ignorerad?"],
    ]
    assert tabs["Tom"] == []


def rewrite_sheet_xml(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` in the XML of the workbook's first sheet."""
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[part].decode()
    assert old in xml
    parts[part] = xml.replace(old, new).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_read_tabs_returns_saved_formula_results_and_errors(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "f.xlsx", {"Ekonomi": [["Belopp (kr)", 2], ["=B1*2", "=X"]]})
    # openpyxl cannot store a formula's saved result: write the cells the way Excel does.
    rewrite_sheet_xml(path, '<c r="A2"><f>B1*2</f><v /></c>', '<c r="A2"><f>B1*2</f><v>4</v></c>')
    rewrite_sheet_xml(
        path, '<c r="B2"><f>X</f><v /></c>', '<c r="B2" t="e"><f>X</f><v>#REF!</v></c>'
    )

    assert WorkbookBackend(path).read_tabs()["Ekonomi"] == [["Belopp (kr)", 2], [4, "#REF!"]]


def test_read_tabs_ignores_a_wrong_recorded_size(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "dim.xlsx", {"Deltagare": [["A"], ["1"], ["2"], ["3"]]})
    rewrite_sheet_xml(path, '<dimension ref="A1:A4" />', '<dimension ref="A1" />')

    assert WorkbookBackend(path).read_tabs()["Deltagare"] == [["A"], ["1"], ["2"], ["3"]]


def test_missing_file_is_sheet_not_found(tmp_path: Path) -> None:
    path = tmp_path / "saknas.xlsx"
    with pytest.raises(SheetNotFound) as raised:
        WorkbookBackend(path).read_tabs()
    assert str(path) in raised.value.message_en
    assert f"finsam-bot demo-data {path}" in raised.value.message_en
    assert f"finsam-bot demo-data {path}" in raised.value.message("sv")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("text.xlsx", b"Kod;Namn\nRESAM;Resursteam\n"),
        ("data.csv", b"Kod;Namn\n"),
        ("tom.xlsx", b""),
    ],
)
def test_not_a_workbook_is_sheets_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetsError) as raised:
        WorkbookBackend(path).read_tabs()
    assert not isinstance(raised.value, SheetNotFound)
    assert "not a valid Excel workbook" in raised.value.message_en


def test_a_zip_that_is_not_a_workbook_is_sheets_error(tmp_path: Path) -> None:
    path = tmp_path / "arkiv.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hej.txt", "hej")
    with pytest.raises(SheetsError, match="not a valid Excel workbook"):
        WorkbookBackend(path).read_tabs()


def test_a_folder_is_sheets_error(tmp_path: Path) -> None:
    with pytest.raises(SheetsError, match="folder"):
        WorkbookBackend(tmp_path).read_tabs()


def test_append_rows_creates_historik_then_appends(small_workbook: Path) -> None:
    backend = WorkbookBackend(small_workbook)
    before = backend.read_tabs()

    backend.append_rows(
        "Historik", HISTORIK_HEADER, [["2026-W48", date(2026, 11, 23), "RESAM", 25]]
    )
    backend.append_rows(
        "Historik",
        HISTORIK_HEADER,
        [
            ["2026-W49", date(2026, 11, 30), "RESAM", 26, 1, 0, 0],
            ["2026-W49", date(2026, 11, 30), "*"],
        ],
    )

    tabs = backend.read_tabs()
    assert tabs["Historik"] == [
        HISTORIK_HEADER,
        ["2026-W48", datetime(2026, 11, 23), "RESAM", 25],
        ["2026-W49", datetime(2026, 11, 30), "RESAM", 26, 1, 0, 0],
        ["2026-W49", datetime(2026, 11, 30), "*"],
    ]
    assert list(tabs) == [*before, "Historik"]
    assert {title: rows for title, rows in tabs.items() if title != "Historik"} == before


def test_append_rows_finds_the_tab_like_the_loader_and_writes_below_data(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "ark.xlsx",
        {"Insatser": [["Kod"]], "HISTORIK ": [[*HISTORIK_HEADER], ["2026-W47"]], "Historik": []},
    )
    WorkbookBackend(path).append_rows("Historik", HISTORIK_HEADER, [["2026-W48"]])

    tabs = WorkbookBackend(path).read_tabs()
    assert tabs["HISTORIK "] == [HISTORIK_HEADER, ["2026-W47"], ["2026-W48"]]
    assert tabs["Historik"] == []


def test_append_rows_to_an_empty_tab_writes_the_header_first(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "ark.xlsx", {"Insatser": [["Kod"]], "Historik": []})
    WorkbookBackend(path).append_rows("Historik", HISTORIK_HEADER, [["2026-W48"]])
    assert WorkbookBackend(path).read_tabs()["Historik"] == [HISTORIK_HEADER, ["2026-W48"]]


def test_append_rows_writes_values_as_plain_data(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "ark.xlsx", {"Insatser": [["Kod"]]})
    posted = datetime(2026, 11, 23, 8, 0, 5, tzinfo=timezone(timedelta(hours=1)))

    WorkbookBackend(path).append_rows("Historik", ["Vecka", "Postad"], [["=1+1", posted]])

    assert WorkbookBackend(path).read_tabs()["Historik"][1] == [
        "=1+1",
        datetime(2026, 11, 23, 8, 0, 5),
    ]


def test_append_nothing_leaves_the_file_alone(small_workbook: Path) -> None:
    before = small_workbook.read_bytes()
    WorkbookBackend(small_workbook).append_rows("Historik", HISTORIK_HEADER, [])
    assert small_workbook.read_bytes() == before


def test_append_rows_keeps_file_mode_and_leaves_no_temporary_file(small_workbook: Path) -> None:
    os.chmod(small_workbook, 0o640)
    WorkbookBackend(small_workbook).append_rows("Historik", HISTORIK_HEADER, [["2026-W48"]])
    assert stat.S_IMODE(small_workbook.stat().st_mode) == 0o640
    assert [p.name for p in small_workbook.parent.iterdir()] == [small_workbook.name]


def test_append_rows_to_missing_file_is_sheet_not_found(tmp_path: Path) -> None:
    with pytest.raises(SheetNotFound):
        WorkbookBackend(tmp_path / "saknas.xlsx").append_rows("Historik", ["Vecka"], [["x"]])


def test_save_refused_is_a_not_writable_error(
    small_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = small_workbook.read_bytes()

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(SheetsError, match="not writable") as raised:
        WorkbookBackend(small_workbook).append_rows("Historik", ["Vecka"], [["2026-W48"]])
    assert "går inte att skriva" in raised.value.message("sv")
    assert small_workbook.read_bytes() == before
    assert [p.name for p in small_workbook.parent.iterdir()] == [small_workbook.name]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files")
def test_read_only_file_is_a_not_writable_error(small_workbook: Path) -> None:
    os.chmod(small_workbook, 0o444)
    with pytest.raises(SheetsError, match="not writable"):
        WorkbookBackend(small_workbook).append_rows("Historik", ["Vecka"], [["2026-W48"]])
