"""Whether a read of the sheet can stand in for the last one: the tabs the figures rest on are there.

A renamed Deltagare tab, or a header typed over, leaves a sheet that loads without error but holds
no participants: every figure would be 0. Cell by cell that is one problem on `kontroll`; as a
read of the sheet it is worse than no read at all, because it would replace good figures with
zeros and write zeros to Historik. `unusable_tab_error` tells such a read apart, so the cache
keeps answering from the last good read and the weekly post waits.
"""

from __future__ import annotations

from sheets.backends.base import RawTabs
from sheets.columns import find_header, find_tab
from sheets.dataset import Dataset
from sheets.errors import SheetTabMissing
from sheets.schemas import DeltagareRow, EkonomiRow, HistorikRow, InsatsRow, PersonalRow, SheetRow

#: The tabs the figures cannot do without (Ekonomi and Personal are optional, Historik
#: is written by the bot).
REQUIRED_TABS: tuple[type[SheetRow], ...] = tuple(
    model
    for model in (InsatsRow, DeltagareRow, EkonomiRow, PersonalRow, HistorikRow)
    if model.TAB.required
)


def unusable_tab_error(tabs: RawTabs, data: Dataset) -> SheetTabMissing | None:
    """Return the error for the first required tab of `tabs` that is missing or unusable, or None.

    Unusable: the tab is there but empty, or its header row lacks a required column (`data`, the
    Dataset loaded from `tabs`, has reported that on the header row, found as the loader finds
    it: see `find_header`). The message names the tab
    and says what to do; it quotes no cell.
    """
    titles = list(tabs)
    for model in REQUIRED_TABS:
        spec = model.TAB
        title = find_tab(titles, model)
        if title is None:
            return SheetTabMissing(
                f"The tab {spec.sv} ({spec.en}) is missing from the sheet. If it was renamed, "
                f"rename it back to {spec.sv} (or {spec.en}); if it was deleted, restore it from "
                "the version history (File → Version history).",
                f"Fliken {spec.sv} saknas i arket. Om den har bytt namn, döp tillbaka den till "
                f"{spec.sv} (eller {spec.en}); om den har tagits bort, återställ den från "
                "versionshistoriken (Arkiv → Versionshistorik).",
            )
        header = find_header(tabs[title], model)
        header_row = header.index + 1 if header else None
        for problem in data.problems:
            if (
                problem.tab == title
                and problem.severity == "error"
                and (header_row is None or problem.row == header_row)
            ):
                # A tab-level problem: the tab is empty, or its header row lacks a column. Cell
                # problems are on data rows, below the header row.
                return SheetTabMissing(
                    f"The tab {title} cannot be used: {problem.message.en} {problem.fix.en}",
                    f"Fliken {title} går inte att använda: {problem.message.sv} {problem.fix.sv}",
                )
    return None
