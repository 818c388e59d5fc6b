"""Build tests/data/handtyped.xlsx: a small workbook typed the way people type it (synthetic data).

Title rows merged across the columns, a header over two rows with a merged group cell ("Period"),
Swedish dates (15/3/2026, 15.3.2026) and real date cells, 1 500 kr, 20 st, ca 12, 100/år, months
as "mars 2026" and "jan. 2026", genders as K/M, exit reasons as förvärvsarbete, IDs like B000001,
a felregistrering row, an insats row with an error and a participant row with an error.
tests/test_handtyped_workbook.py reads it and checks the figures counted by hand.

Run from the repository root to write the workbook again: python tests/data/make_handtyped_workbook.py
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

PATH = Path(__file__).with_name("handtyped.xlsx")

# One row a line, as in the sheet.
# fmt: off
INSATSER: list[list[Any]] = [
    ["Insatser 2026"],  # merged A1:I1
    ["Kod", "Namn", "Huvudman", "Start", "Slut", "Platser", "Deltagarmål per år", "Mål arbete/studier (%)", "Budget (kr)"],
    ["RESAM", "Resursteam", "Region Västmanland", date(2025, 1, 1), None, "20 st", "100/år", "50 %", "1 500 000 kr"],
    ["EMP", "Empowerment", "Fagersta kommun", "15/3/2026", "31.12.2026", "ca 12", 30, 50, "800 000"],
    ["HALSO", "Hälsosam", "Samordningsförbundet", "1.13.2026", None, "15 platser"],  # month 13
    ["KOM", "Kom-jobb", "Arbetsförmedlingen", "2024-09-01", "2025-08-31", "25 pers"],
]

DELTAGARE: list[list[Any]] = [
    ["Deltagare 2026"],  # merged A1:J1
    # Merged down over rows 2-3, but Period: merged across G2:I2 above its three headers.
    ["Deltagar-ID", "Insats", "Kön", "Födelseår", "Kommun", "Försörjning vid start", "Period", None, None, "Handläggare"],
    [None, None, None, None, None, None, "Inskriven", "Avslutad", "Avslutsorsak"],
    ["B000001", "RESAM", "K", 1990, "Västerås", "sjukpenning", "15/3/2026", None, None, "Anna"],
    ["B000002", "RESAM", "M", 1985, "Västerås", "försörjningsstöd", "15.3.2026", None, None, "Anna"],
    ["B000003", "RESAM", "kvinna", 2001, "Sala", "aktivitetsersättning", date(2026, 1, 10), "2026-03-20", "förvärvsarbete", "Bo"],
    ["B000004", "RESAM", "Man", 1970, "Sala", None, "2025-11-03", "27/2/2026", "studier", "Bo"],
    ["B000005", "RESAM", "K", 1995, "Västerås", "ingen", "13/4/2026", None, None, "Anna"],
    ["B000006", "RESAM", "M", 1988, "Västerås", "sjukpenning", "2025-06-01", "14.4.2026", "arbete", "Anna"],
    ["B000007", "RESAM", "K", 1992, "Sala", "a-kassa", "2026-02-01", "2026-02-02", "felregistrering", "Bo"],
    ["B000008", "RESAM", "X", 1999, "Sala", None, "32/1/2026", None, None, "Bo"],  # no such day
    ["B000009", "EMP", "K", 2004, "Fagersta", "lön", "2026-03-16", None, None, "Cecilia"],
    ["B000010", "EMP", "M", 2003, "Fagersta", "ingen", "2026-03-16", "2026-04-01", "avbrott", "Cecilia"],
    ["B000011", "EMP", "M", 2006, "Norberg", None, "2026-04-20", None, None, "Cecilia"],
    ["B000012", "HALSO", "K", 1980, "Västerås", "sjukpenning", "2026-02-01", None, None, "Anna"],
    ["B000013", "HALSO", "M", 1975, "Sala", "sjukpenning", "2026-02-01", None, None, "Anna"],
    ["B000014", "KOM", "K", 1990, "Avesta", None, "2024-10-01", "2025-06-30", "arbete", "Bo"],
]

EKONOMI: list[list[Any]] = [
    ["Insats", "Månad", "Belopp (kr)"],
    ["RESAM", "jan 2026", "100 000 kr"],
    ["RESAM", "mars 2026", "125 000,50"],
    ["RESAM", "Februari 2026", "1 500 kr"],
    ["RESAM", "maj 2026", 50000],  # after the as-of month of the test
    ["EMP", "2026-03", 40000],
    ["EMP", "3/2026", "-5 000"],  # a correction
    ["EMP", "jan. 2026", "20 000 kr"],
]

PERSONAL: list[list[Any]] = [
    ["Slack-ID", "Namn", "Roll"],
    ["U0ANNA", "Anna", "samordnare"],
]
# fmt: on

MERGED = {
    "Insatser": ["A1:I1"],
    "Deltagare": ["A1:J1", "G2:I2", *(f"{c}2:{c}3" for c in "ABCDEFJ")],
}


def build(path: Path) -> None:
    """Write the workbook to `path`."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    tabs = {"Insatser": INSATSER, "Deltagare": DELTAGARE, "Ekonomi": EKONOMI, "Personal": PERSONAL}
    for title, rows in tabs.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in MERGED.get(title, []):
            sheet.merge_cells(cells)
    workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 1)
    workbook.save(path)


if __name__ == "__main__":
    build(PATH)
