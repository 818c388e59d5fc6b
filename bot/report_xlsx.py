"""The period report as an Excel workbook for the board and the national follow-up (openpyxl).

The figures and what is hidden come from `commands.report`; this module only lays them out:
a summary for the board, a sheet per split, the Uppföljning Finsam fields per insats, the method
(how each figure is counted, what is protected, the as-of date) and the rows left out. Every
sheet puts its title in row 1, notes under it, the period over its columns in row `GROUP_ROW`,
the column headers in row `HEADER_ROW` and the insatser from the row under it, the total last.

Numbers are written as numbers with Excel's number formats, which Excel and LibreOffice show in
the reader's own locale: ``1 234`` and ``42,9 %`` in a Swedish one. What is not shown is text:
``..`` (hidden to protect someone), ``–`` (nothing to show: no exits, no budget) and "too few to
split" for an insats with fewer participants than the threshold. Charts are native (editable)
Excel charts over the cells, and only over published, public numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from commands.context import Context
from commands.cube import MAN_OR_OTHER, Breakdown, goal_status_of
from commands.disclosure import HIDDEN
from commands.figures import GOAL_AT_RISK, GOAL_ON_TRACK, GOAL_TOO_EARLY, MIN_EXITS_FOR_SHARE
from commands.language import Language
from commands.report import PeriodFigures, Report, report_for
from sheets.categories import EXIT_REASONS, UNKNOWN
from sheets.dataset import Dataset

#: Rows of every table sheet: the period over its columns, the headers, the first insats.
GROUP_ROW, HEADER_ROW = 5, 6
FIRST_ROW = HEADER_ROW + 1
#: More errors than this are counted, not listed, on the rows-left-out sheet.
MAX_LISTED_PROBLEMS = 20_000

Value = int | float | str | date | None

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_BORDER = Border(top=Side(style="thin"))
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """A column of a table: its header and how its values are shown.

    `kind`: ``text``, ``count`` (whole number), ``decimal`` (one decimal), ``share`` (a share in
    %, written as a fraction with a percent format), ``kronor`` or ``date``.
    """

    header: str
    kind: str = "count"


def _formats(t: Language) -> dict[str, str]:
    # Format codes are stored in Excel's neutral syntax (',' groups thousands, '.' is the
    # decimal point); Excel and LibreOffice render them with the reader's locale.
    return {
        "count": "#,##0",
        "decimal": "#,##0.0",
        "share": "0.0 %" if t.sv else "0.0%",
        "kronor": '#,##0 "kr"' if t.sv else '"SEK "#,##0',
        "date": "yyyy-mm-dd",
        "text": "@",
    }


class _Writer:
    """Writes the sheets of one report in one language."""

    def __init__(self, report: Report, row: int, t: Language) -> None:
        self.report = report
        self.t = t
        # The rows shown: every insats and the total, or one insats (no total row).
        self.rows = list(range(report.total_row + 1)) if row == report.total_row else [row]
        self.formats = _formats(t)
        self.workbook = Workbook()

    # -- layout helpers -------------------------------------------------------------------------

    def sheet(self, title: str, heading: str, notes: Sequence[str]) -> Worksheet:
        """Return a new sheet with `heading` in A1 and `notes` under it."""
        if self.workbook.worksheets and self.workbook.active.title == "Sheet":
            sheet = self.workbook.active
            sheet.title = title
        else:
            sheet = self.workbook.create_sheet(title)
        sheet["A1"] = heading
        sheet["A1"].font = _TITLE
        for offset, note in enumerate(notes):
            sheet.cell(row=2 + offset, column=1, value=note)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        return sheet

    def table(
        self,
        sheet: Worksheet,
        blocks: Sequence[tuple[str, Sequence[Column]]],
        rows: Sequence[Sequence[Value]],
        *,
        first_column: int = 1,
    ) -> None:
        """Write a table from row HEADER_ROW: `blocks` are (group title, columns); a block with a
        title gets it over its columns in row GROUP_ROW; `rows` hold the values of every column
        in order. The last row is bold when it is the total row. Freezes the headers and the
        first two columns, and sets the column widths."""
        columns = [column for _, block in blocks for column in block]
        position = first_column
        for title, block in blocks:
            if title:
                sheet.cell(row=GROUP_ROW, column=position, value=title).font = _BOLD
                if len(block) > 1:
                    sheet.merge_cells(
                        start_row=GROUP_ROW,
                        start_column=position,
                        end_row=GROUP_ROW,
                        end_column=position + len(block) - 1,
                    )
            position += len(block)
        for index, column in enumerate(columns):
            cell = sheet.cell(row=HEADER_ROW, column=first_column + index, value=column.header)
            cell.font = _BOLD
            cell.fill = _HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        for offset, values in enumerate(rows):
            total = offset == len(rows) - 1 and self._has_total
            for index, (column, value) in enumerate(zip(columns, values, strict=True)):
                cell = sheet.cell(
                    row=FIRST_ROW + offset, column=first_column + index, value=_cell(value, column)
                )
                if isinstance(cell.value, int | float | date) and column.kind != "text":
                    cell.number_format = self.formats[column.kind]
                elif column.kind != "text":
                    cell.alignment = Alignment(horizontal="right")
                if total:
                    cell.font = _BOLD
                    cell.border = _TOTAL_BORDER
        sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=first_column + 2)
        for index, column in enumerate(columns):
            texts = [column.header, *(_shown(values[index], column) for values in rows)]
            longest = max(len(text) for text in texts)
            if column.kind != "text":
                longest = min(longest, 16)  # a long header wraps over its numbers
            letter = get_column_letter(first_column + index)
            sheet.column_dimensions[letter].width = max(8, min(longest + 2, 48))
        sheet.row_dimensions[HEADER_ROW].height = 45

    @property
    def _has_total(self) -> bool:
        return self.rows[-1] == self.report.total_row

    def names(self, row: int) -> list[Value]:
        """Return the Kod and Namn of row `row` (``Totalt`` for the total row)."""
        if row == self.report.total_row:
            return [self.t("Totalt", "Total"), self.t("Alla insatser", "All projects")]
        insats = self.report.insatser[row]
        return [insats.kod, insats.namn]

    def name_columns(self) -> tuple[str, list[Column]]:
        t = self.t
        return "", [Column(t("Kod", "Code"), "text"), Column(t("Insats", "Project"), "text")]

    def period_title(self, period: PeriodFigures) -> str:
        t = self.t
        title = f"{period.period.label} ({period.period.describe(t)})"
        if period.through < period.period.last:
            title += t(f", t.o.m. {t.day(period.through)}", f", through {t.day(period.through)}")
        return title

    def bar_chart(
        self,
        sheet: Worksheet,
        title: str,
        series: Sequence[tuple[int, str]],
        categories: tuple[int, int, int],
        anchor: str,
        y_title: str,
    ) -> None:
        """Add a clustered bar chart of the columns of `series` (column, name) over the rows and
        column of `categories` (first row, last row, column of the labels)."""
        first, last, label_column = categories
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.y_axis.title = y_title
        chart.height, chart.width = 8, 18
        for column, name in series:
            data = Reference(sheet, min_col=column, min_row=first, max_row=last)
            chart.series.append(Series(data, title=name))
        chart.set_categories(Reference(sheet, min_col=label_column, min_row=first, max_row=last))
        sheet.add_chart(chart, anchor)

    # -- the sheets -----------------------------------------------------------------------------

    def summary(self) -> None:
        t, report = self.t, self.report
        current, previous = report.current, report.previous
        notes = [
            t(
                f"Jämfört med samma period året före: {self.period_title(previous)}.",
                f"Compared with the same period a year earlier: {self.period_title(previous)}.",
            ),
            t(
                f"Per {t.day(report.as_of)}. Fliken {self.method_title} säger hur varje tal "
                f"räknas; {self.left_out_note}",
                f"As of {t.day(report.as_of)}. The sheet {self.method_title} says how each "
                f"figure is counted; {self.left_out_note}",
            ),
        ]
        sheet = self.sheet(
            t("Sammanfattning", "Summary"),
            t("Rapport", "Report") + f" {self.period_title(current)}",
            notes,
        )
        now = [
            Column(t("Deltagare under perioden", "Served in the period")),
            Column(t("Nya", "New")),
            Column(t("Avslutade", "Exited")),
            Column(t("Till arbete/studier", "To work/studies"), "share"),
            Column(t("Mål arbete/studier", "Outcome goal"), "share"),
            Column(t("Målstatus", "Goal status"), "text"),
            Column(t("Deltagarmål för perioden", "Target for the period"), "decimal"),
            Column(t("Deltagare av målet", "Served of target"), "share"),
            Column(t("Kostnad", "Cost"), "kronor"),
            Column(t("Budget för perioden", "Budget for the period"), "kronor"),
            Column(t("Kostnad av budget", "Cost of budget"), "share"),
            Column(t("Kostnad per deltagare", "Cost per served"), "kronor"),
            Column(t("Dagar i insatsen, median", "Days in the project, median"), "decimal"),
            Column(t("Dagar, nedre kvartil", "Days, lower quartile"), "decimal"),
            Column(t("Dagar, övre kvartil", "Days, upper quartile"), "decimal"),
        ]
        # A year earlier: served, new, exited, share, cost, cost per served, median days.
        before = [now[i] for i in (0, 1, 2, 3, 8, 11, 12)]
        rows: list[list[Value]] = []
        for row in self.rows:
            goal = None if row == report.total_row else report.insatser[row].mal_procent
            share = current.protected.exits.share(row)
            days = self.days(current, row)
            old_share = previous.protected.exits.share(row)
            rows.append(
                [
                    *self.names(row),
                    int(current.served.counts[row]),
                    int(current.new.counts[row]),
                    int(current.exited.counts[row]),
                    share,
                    goal,
                    self.goal_word(goal_status_of(goal, share)),
                    current.target[row],
                    _ratio(int(current.served.counts[row]), current.target[row]),
                    current.cost[row],
                    current.budget[row],
                    _ratio(current.cost[row], current.budget[row]),
                    current.cost_per_served(row),
                    *days,
                    int(previous.served.counts[row]),
                    int(previous.new.counts[row]),
                    int(previous.exited.counts[row]),
                    old_share,
                    previous.cost[row],
                    previous.cost_per_served(row),
                    self.days(previous, row)[0],
                ]
            )
        blocks = [
            self.name_columns(),
            (self.period_title(current), now),
            (t("Året före: ", "A year earlier: ") + previous.period.label, before),
        ]
        self.table(sheet, blocks, rows)
        if len(self.rows) > 1:
            last = FIRST_ROW + len(self.rows) - 2  # the insatser, not the total
            self.bar_chart(
                sheet,
                t("Deltagare under perioden, per insats", "Served in the period, per project"),
                [(3, current.period.label), (3 + len(now), previous.period.label)],
                (FIRST_ROW, last, 1),
                f"B{FIRST_ROW + len(self.rows) + 2}",
                t("Deltagare", "Participants"),
            )
            if report.current.cost[report.total_row] is not None:
                self.bar_chart(
                    sheet,
                    t("Kostnad och budget för perioden", "Cost and budget for the period"),
                    [(11, t("Kostnad", "Cost")), (12, t("Budget", "Budget"))],
                    (FIRST_ROW, last, 1),
                    f"L{FIRST_ROW + len(self.rows) + 2}",
                    t("kr", "SEK"),
                )

    def days(self, period: PeriodFigures, row: int) -> list[Value]:
        """Return the median and quartiles of days, shown only with enough exits behind them."""
        quartiles = period.days[row]
        exits = int(period.exited.counts[row])
        if quartiles is None:
            return [None, None, None]
        if exits < max(MIN_EXITS_FOR_SHARE, self.report.threshold):
            return [HIDDEN] * 3
        return [quartiles.median, quartiles.q1, quartiles.q3]

    def goal_word(self, status: str | None) -> str | None:
        t = self.t
        words = {
            GOAL_ON_TRACK: t("nått", "reached"),
            GOAL_AT_RISK: t("under målet", "below the goal"),
            GOAL_TOO_EARLY: t("för få avslut", "too few exits"),
            HIDDEN: HIDDEN,
        }
        return words.get(status or "")

    def split(self, title: str, heading: str, name: str, labels: dict[str, str]) -> None:
        """Write the sheet of served participants split by one attribute, both periods."""
        t, report = self.t, self.report
        blocks = [self.name_columns()]
        parts: list[tuple[PeriodFigures, Breakdown, list[int]]] = []
        for period in (report.current, report.previous):
            breakdown: Breakdown = getattr(period.protected, name)
            shown = [i for i, visible in enumerate(breakdown.shown) if visible]
            columns = [Column(t("Deltagare under perioden", "Served in the period"))]
            columns += [Column(labels.get(breakdown.keys[i], breakdown.keys[i])) for i in shown]
            label = self.period_title(period)
            if period is report.previous:
                label = t("Året före: ", "A year earlier: ") + label
            blocks.append((label, columns))
            parts.append((period, breakdown, shown))
        rows: list[list[Value]] = []
        for row in self.rows:
            values: list[Value] = [*self.names(row)]
            for period, breakdown, shown in parts:
                values.append(int(period.served.counts[row]))
                values += self.split_cells(breakdown, row, shown)
            rows.append(values)
        notes = [
            self.hidden_note,
            t(
                "Deltagare under perioden: alla som var inskrivna i insatsen någon dag under "
                "perioden. Perioden och året före redovisas var för sig.",
                "Served in the period: everyone enrolled in the project on some day of the "
                "period. The period and the year before are shown each on its own.",
            ),
        ]
        if name == "kommun":
            notes.append(
                t(
                    "Deltagare utan kommun i arket räknas i Deltagare men har ingen egen kolumn.",
                    "Participants without a kommun in the sheet count in Served but have no "
                    "column of their own.",
                )
            )
        sheet = self.sheet(title, heading, notes)
        self.table(sheet, blocks, rows)
        self.total_chart(sheet, heading, parts[0][1], parts[0][2], rows)

    def split_cells(self, breakdown: Breakdown, row: int, shown: list[int]) -> list[Value]:
        """Return the shown cells of `row`: counts, ``..``, or "too few" for a withheld row."""
        if not shown:  # nobody in the period has a value here: no column to say it in
            return []
        if breakdown.withheld(row):
            cells: list[Value] = [self.too_few]
            return cells + [""] * (len(shown) - 1)
        return [_count(breakdown.protection.text(row, column)) for column in shown]

    def total_chart(
        self,
        sheet: Worksheet,
        title: str,
        breakdown: Breakdown,
        shown: list[int],
        rows: list[list[Value]],
    ) -> None:
        """Add a chart of the total row's split, when every cell of it is shown."""
        if not self._has_total or not shown:
            return
        total = rows[-1][3 : 3 + len(shown)]
        if not all(isinstance(value, int) for value in total):
            return
        chart = BarChart()
        chart.type = "bar"
        chart.title = title + self.t(", alla insatser", ", all projects")
        chart.legend = None
        chart.height, chart.width = 7, 16
        total_row = FIRST_ROW + len(rows) - 1
        chart.add_data(
            Reference(sheet, min_col=4, max_col=3 + len(shown), min_row=total_row),
            from_rows=True,
            titles_from_data=False,
        )
        chart.set_categories(
            Reference(sheet, min_col=4, max_col=3 + len(shown), min_row=HEADER_ROW)
        )
        sheet.add_chart(chart, f"B{total_row + 3}")

    def exits(self) -> None:
        """Write exits by reason, with the count and share to work or studies, both periods."""
        t, report = self.t, self.report
        reason_labels = {
            "arbete": t("Arbete", "Work"),
            "studier": t("Studier", "Studies"),
            "arbetssökande": t("Arbetssökande", "Job seeking"),
            "övrigt": t("Övrigt", "Other"),
        }
        blocks = [self.name_columns()]
        for period in (report.current, report.previous):
            label = self.period_title(period)
            if period is report.previous:
                label = t("Året före: ", "A year earlier: ") + label
            columns = [Column(t("Avslutade", "Exited"))]
            columns += [Column(reason_labels[r]) for r in EXIT_REASONS]
            columns += [
                Column(t("Till arbete/studier", "To work/studies")),
                Column(t("Andel till arbete/studier", "Share to work/studies"), "share"),
            ]
            blocks.append((label, columns))
        rows: list[list[Value]] = []
        for row in self.rows:
            values: list[Value] = [*self.names(row)]
            for period in (report.current, report.previous):
                exits = period.protected.exits
                values.append(int(period.exited.counts[row]))
                values += self.split_cells(exits.cells, row, list(range(len(EXIT_REASONS))))
                outcome = exits.outcome(row)
                values.append(HIDDEN if outcome is None else outcome)
                values.append(exits.share(row))
            rows.append(values)
        sheet = self.sheet(
            t("Avslutsorsak", "Exit reasons"),
            t("Avslutade under perioden efter avslutsorsak", "Exits in the period by reason"),
            [
                self.hidden_note,
                t(
                    f"Andelen till arbete eller studier visas med minst {MIN_EXITS_FOR_SHARE} "
                    "avslut (– annars).",
                    f"The share to work or studies is shown from {MIN_EXITS_FOR_SHARE} exits "
                    "(– otherwise).",
                ),
            ],
        )
        self.table(sheet, blocks, rows)

    def follow_up(self) -> None:
        """Write the fields of Uppföljning Finsam per insats for the period."""
        t, report = self.t, self.report
        current = report.current
        gender = current.protected.gender
        shown = [i for i, visible in enumerate(gender.shown) if visible]
        labels = self.gender_labels
        columns = [
            Column(t("Huvudman", "Owner"), "text"),
            Column(t("Startdatum", "Start date"), "date"),
            Column(t("Slutdatum", "End date"), "date"),
            Column(t("Budget för perioden", "Budget for the period"), "kronor"),
            Column(t("Kostnad under perioden", "Cost in the period"), "kronor"),
            Column(t("Planerat antal deltagare", "Planned participants"), "decimal"),
            Column(t("Antal deltagare", "Participants")),
            *(Column(labels.get(gender.keys[i], gender.keys[i])) for i in shown),
            Column(t("Nya deltagare", "New participants")),
            Column(t("Avslutade deltagare", "Exited participants")),
            Column(t("varav till arbete eller studier", "of whom to work or studies")),
            Column(t("Andel till arbete eller studier", "Share to work or studies"), "share"),
        ]
        rows: list[list[Value]] = []
        for row in self.rows:
            insats = None if row == report.total_row else report.insatser[row]
            outcome = current.protected.exits.outcome(row)
            rows.append(
                [
                    *self.names(row),
                    insats.huvudman if insats else None,
                    insats.start if insats else None,
                    insats.slut if insats else None,
                    current.budget[row],
                    current.cost[row],
                    current.target[row],
                    int(current.served.counts[row]),
                    *self.split_cells(gender, row, shown),
                    int(current.new.counts[row]),
                    int(current.exited.counts[row]),
                    HIDDEN if outcome is None else outcome,
                    current.protected.exits.share(row),
                ]
            )
        sheet = self.sheet(
            "Uppföljning Finsam",
            t("Uppföljning Finsam: ", "Uppföljning Finsam (national follow-up): ")
            + self.period_title(current),
            [
                t(
                    "Fälten per insats för den nationella uppföljningen, för perioden. "
                    "Planerat antal deltagare är deltagarmålet per år fördelat på perioden.",
                    "The fields per project for the national follow-up, for the period. "
                    "Planned participants is the annual target pro-rated to the period.",
                ),
                self.hidden_note,
            ],
        )
        self.table(sheet, [self.name_columns(), ("", columns)], rows)

    def method(self) -> None:
        """Write how each figure is counted, what is protected, and the dates."""
        t, report = self.t, self.report
        sheet = self.sheet(self.method_title, t("Så räknas det", "How it is counted"), [])
        facts: list[tuple[str, Value]] = [
            (
                t("Per (datum siffrorna räknas per)", "As of (the date figures count as of)"),
                report.as_of,
            ),
            (t("Period", "Period"), self.period_title(report.current)),
            (t("Året före", "A year earlier"), self.period_title(report.previous)),
            (
                t("Budgeten i arket gäller år", "The sheet's budget is for the year"),
                report.budget_year,
            ),
            (
                t("Rader med fel som inte räknas", "Rows with errors left out"),
                report.rows_left_out,
            ),
            (
                t(
                    "Minsta antal som visas (SMALL_COUNT_MIN)",
                    "Smallest count shown (SMALL_COUNT_MIN)",
                ),
                report.threshold,
            ),
        ]
        definitions = [
            (
                t("Deltagare under perioden", "Served in the period"),
                t(
                    "Inskriven senast periodens sista dag och inte avslutad före periodens första dag: "
                    "alla som var i insatsen någon dag under perioden. Den som skrivs in på periodens "
                    "sista dag räknas; den som avslutas på periodens första dag räknas också.",
                    "Enrolled on or before the period's last day and not exited before its first day: "
                    "everyone in the project on some day of the period. Someone enrolled on the last "
                    "day counts; so does someone who exited on the first day.",
                ),
            ),
            (
                t("Nya", "New"),
                t(
                    "Inskriven under perioden, första och sista dagen medräknade.",
                    "Enrolled within the period, first and last day included.",
                ),
            ),
            (
                t("Avslutade", "Exited"),
                t(
                    "Avslutad under perioden, första och sista dagen medräknade, efter avslutsorsak.",
                    "Exited within the period, first and last day included, by exit reason.",
                ),
            ),
            (
                t("Till arbete/studier", "To work/studies"),
                t(
                    f"Andelen av periodens avslut med orsak arbete eller studier, avrundad till en "
                    f"decimal; visas med minst {MIN_EXITS_FOR_SHARE} avslut. Målstatus: nått när "
                    "andelen är minst målet.",
                    f"The share of the period's exits with reason work or studies, rounded to one "
                    f"decimal; shown from {MIN_EXITS_FOR_SHARE} exits. Goal status: reached when the "
                    "share is at least the goal.",
                ),
            ),
            (
                t("Deltagarmål för perioden", "Target for the period"),
                t(
                    "Deltagarmål per år gånger andelen av året som insatsen pågår under perioden "
                    "(varje dag är 1/365 år, 1/366 ett skottår). En insats som startar eller slutar "
                    "under perioden får mål bara för sina dagar.",
                    "The annual target times the part of the year the project runs within the period "
                    "(each day is 1/365 of a year, 1/366 in a leap year). A project that starts or "
                    "ends within the period gets a target for its own days only.",
                ),
            ),
            (
                t("Kostnad", "Cost"),
                t(
                    "Summan av Ekonomi-flikens belopp för de månader perioden berör (en månad räknas "
                    "hel). En period som inte har slutat räknas till och med per-datumets månad.",
                    "The sum of the Ekonomi tab's amounts for the months the period touches (a month "
                    "counts whole). A period not yet ended counts through the as-of date's month.",
                ),
            ),
            (
                t("Budget för perioden", "Budget for the period"),
                t(
                    "Årets budget fördelad jämnt på de dagar insatsen pågår det året, för periodens "
                    f"dagar. Arket har bara budgeten för {report.budget_year}: andra år visas som –.",
                    "The year's budget spread evenly over the days the project runs that year, for "
                    f"the period's days. The sheet holds only the budget of {report.budget_year}: "
                    "other years show –.",
                ),
            ),
            (
                t("Kostnad per deltagare", "Cost per served"),
                t(
                    "Kostnad delad med deltagare under perioden.",
                    "Cost divided by the participants served in the period.",
                ),
            ),
            (
                t("Dagar i insatsen", "Days in the project"),
                t(
                    "För dem som avslutades under perioden: avslutsdatum minus inskrivningsdatum "
                    "(samma dag = 0). Median och kvartiler som Excels KVARTIL.INK; visas med minst "
                    f"{max(MIN_EXITS_FOR_SHARE, report.threshold)} avslut.",
                    "For those who exited in the period: exit date minus enrolment date (same day = "
                    "0). Median and quartiles as Excel's QUARTILE.INC; shown from "
                    f"{max(MIN_EXITS_FOR_SHARE, report.threshold)} exits.",
                ),
            ),
            (
                t("Fördelningar", "Splits"),
                t(
                    "Kön, ålder vid inskrivningen (Inskriven år − Födelseår), försörjning vid start "
                    "och kommun, av deltagarna under perioden.",
                    "Gender, age at enrolment (year enrolled − birth year), support at start and "
                    "kommun, of the participants served in the period.",
                ),
            ),
            (
                t("Perioder som inte har slutat", "Periods not yet ended"),
                t(
                    "Räknas till och med per-datumet (senare datum är inte registrerade än), och året "
                    "före till och med samma dag ett år tidigare.",
                    "Count through the as-of date (later dates are not registered yet), and the year "
                    "before through the same day a year earlier.",
                ),
            ),
            (
                t("Insatser som ingår", "Projects included"),
                t(
                    "Varje giltig insats som pågår någon dag under perioden eller året före, eller "
                    "har deltagare eller kostnader då. Totalt summerar dem alla.",
                    "Every valid project running on some day of the period or the year before, or "
                    "with participants or costs then. Total sums them all.",
                ),
            ),
            (
                t("Skydd av deltagarna", "Protecting the participants"),
                t(
                    f"Tal från 1 till {report.threshold - 1} i fördelningarna visas som .., liksom tal "
                    "som skulle avslöja dem, så att ingen deltagare kan pekas ut. Varje fördelning "
                    "delar en insats deltagare (eller avslut) efter en enda egenskap. Nya och "
                    "avslutade efter kön, ålder, försörjning och kommun ingår inte i filen: de "
                    "överlappar deltagarna under perioden och skulle kunna räknas fram ur skillnaden "
                    "(de finns exakt i finsam-bot report --json, för den som driver boten). Perioden "
                    "och året före är skyddade var för sig: att jämföra två rapporter, eller en "
                    "rapports deltagare under perioden med botens svar om aktiva en dag, är inte "
                    "skyddat mot. En rapport för året hittills visar avslutsorsakerna exakt så som "
                    "botens svar samma dag visar dem.",
                    f"Counts from 1 to {report.threshold - 1} in the splits show as .., and so do "
                    "counts that would give them away, so that no participant can be singled out. "
                    "Each split divides a project's participants (or exits) by one attribute only. "
                    "New and exited participants by gender, age, support and kommun are not in the "
                    "file: they overlap the served participants and could be worked out from the "
                    "difference (they are exact in finsam-bot report --json, for whoever runs the "
                    "bot). The period and the year before are protected each on its own: comparing "
                    "two reports, or a report's participants served in a period with the bot's "
                    "answers on those active on a day, is not protected against. A report of the "
                    "year to date shows exit reasons exactly as the bot's answers that day do.",
                )
                if report.threshold > 1
                else t(
                    "SMALL_COUNT_MIN är avstängt: alla tal visas exakt.",
                    "SMALL_COUNT_MIN is turned off: every count is shown exactly.",
                ),
            ),
            (
                t("Rader med fel", "Rows with errors"),
                t(
                    "Rader med fel i Insatser, Deltagare och Ekonomi räknas inte; fliken "
                    f"{self.left_out_title} visar vilka (flik och cell, aldrig cellens innehåll).",
                    "Rows with errors in Insatser, Deltagare and Ekonomi are left out; the sheet "
                    f"{self.left_out_title} shows which (tab and cell, never the cell's contents).",
                ),
            ),
        ]
        for offset, (label, value) in enumerate(facts):
            sheet.cell(row=3 + offset, column=1, value=label).font = _BOLD
            cell = sheet.cell(row=3 + offset, column=2, value=value)
            cell.alignment = Alignment(horizontal="left")
            if isinstance(value, date):
                cell.number_format = self.formats["date"]
        start = 3 + len(facts) + 1
        for index, header in enumerate(
            (t("Uppgift", "Figure"), t("Så räknas den", "How it is counted"))
        ):
            cell = sheet.cell(row=start, column=1 + index, value=header)
            cell.font = _BOLD
            cell.fill = _HEAD_FILL
        for offset, (label, text) in enumerate(definitions):
            sheet.cell(row=start + 1 + offset, column=1, value=label).alignment = _WRAP
            sheet.cell(row=start + 1 + offset, column=2, value=text).alignment = _WRAP
            # Not every program sizes wrapped rows when it opens the file: about 110 characters
            # fit a line of column B, 15 points a line.
            sheet.row_dimensions[start + 1 + offset].height = 15 * (len(text) // 110 + 1)
        sheet.column_dimensions["A"].width = 44
        sheet.column_dimensions["B"].width = 100
        sheet.freeze_panes = sheet.cell(row=start + 1, column=1)

    def left_out(self) -> None:
        """Write which rows the figures leave out: tab, cell and what is wrong, never a value."""
        t, report = self.t, self.report
        problems = report.left_out
        notes = [self.left_out_note]
        if len(problems) > MAX_LISTED_PROBLEMS:
            notes.append(
                t(
                    f"De första {MAX_LISTED_PROBLEMS} felen visas; finsam-bot check listar alla.",
                    f"The first {MAX_LISTED_PROBLEMS} errors are shown; finsam-bot check lists all.",
                )
            )
        sheet = self.sheet(self.left_out_title, self.left_out_title, notes)
        headers = (t("Flik", "Tab"), t("Cell", "Cell"), t("Fel", "Error"), t("Så rättar du", "Fix"))
        for index, header in enumerate(headers):
            cell = sheet.cell(row=HEADER_ROW, column=1 + index, value=header)
            cell.font = _BOLD
            cell.fill = _HEAD_FILL
        for offset, problem in enumerate(problems[:MAX_LISTED_PROBLEMS]):
            row = FIRST_ROW + offset
            sheet.cell(row=row, column=1, value=problem.tab)
            sheet.cell(row=row, column=2, value=problem.cell or "–")
            sheet.cell(row=row, column=3, value=problem.message(t.code))
            sheet.cell(row=row, column=4, value=problem.fix(t.code))
        for letter, width in zip("ABCD", (14, 8, 70, 70), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=1)

    # -- words ----------------------------------------------------------------------------------

    @property
    def method_title(self) -> str:
        return self.t("Så räknas det", "How it is counted")

    @property
    def left_out_title(self) -> str:
        return self.t("Utelämnade rader", "Rows left out")

    @property
    def left_out_note(self) -> str:
        n = self.report.rows_left_out
        t = self.t
        if not n:
            return t("inga rader med fel.", "no rows with errors.")
        return t(
            f"{t.count(n, 'rad', 'rader')} med fel räknas inte (fliken {self.left_out_title}).",
            f"{t.count(n, 'row', 'rows')} with errors are left out (sheet {self.left_out_title}).",
        )

    @property
    def hidden_note(self) -> str:
        t, threshold = self.t, self.report.threshold
        if threshold <= 1:
            return t("Alla tal visas exakt.", "Every count is shown exactly.")
        return t(
            f".. döljer ett tal under {threshold}, eller ett tal som skulle avslöja ett sådant. "
            f'"{self.too_few}": färre än {threshold} att fördela.',
            f".. hides a count under {threshold}, or a count that would give one away. "
            f'"{self.too_few}": fewer than {threshold} to split.',
        )

    @property
    def too_few(self) -> str:
        return self.t("för få", "too few")

    @property
    def gender_labels(self) -> dict[str, str]:
        t = self.t
        return {
            "kvinna": t("Kvinnor", "Women"),
            "man": t("Män", "Men"),
            "annat": t("Annat", "Other"),
            MAN_OR_OTHER: t("Män och annat", "Men and other"),
        }

    def write(self) -> Workbook:
        t = self.t
        unknown = {UNKNOWN: t("okänd", "unknown")}
        self.summary()
        self.split(
            t("Kön", "Gender"),
            t("Deltagare efter kön", "Participants by gender"),
            "gender",
            self.gender_labels,
        )
        self.split(
            t("Ålder", "Age"),
            t("Deltagare efter ålder vid start", "Participants by age at start"),
            "age_band",
            unknown,
        )
        self.split(
            t("Försörjning", "Support"),
            t("Deltagare efter försörjning vid start", "Participants by support at start"),
            "support",
            unknown,
        )
        self.split(
            t("Kommun", "Municipality"),
            t("Deltagare efter kommun", "Participants by municipality"),
            "kommun",
            {},
        )
        self.exits()
        self.follow_up()
        self.method()
        self.left_out()
        properties = self.workbook.properties
        properties.creator = "finsam-bot"
        properties.title = t("Rapport", "Report") + f" {self.report.current.period.label}"
        return self.workbook


def _ratio(part: float | None, whole: float | None) -> float | None:
    """Return part / whole as a share in %, or None when either is unknown or whole is 0."""
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _count(text: str) -> Value:
    """Return a protected cell's text as a number, or ``..``."""
    return text if text == HIDDEN else int(text)


def _cell(value: Value, column: Column) -> Value:
    """Return what a cell holds: numbers as numbers (a share as a fraction, for the percent
    format), nothing to show (None) as ``–``, and ``""`` as an empty cell."""
    if value == "":
        return None  # the rest of a row too small to split: left empty
    if value is None:
        return "–" if column.kind != "text" else None
    if column.kind == "share" and isinstance(value, int | float):
        return round(value / 100, 4)
    return value


def _shown(value: Value, column: Column) -> str:
    """Return roughly how a cell reads, for its column's width."""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}" + (" kr" if column.kind == "kronor" else "")
    return "" if value is None else str(value)


def report_workbook(report: Report, row: int, language: Language) -> Workbook:
    """Return the workbook of `report`: every insats and the total when `row` is the total row,
    else only that insats."""
    return _Writer(report, row, language).write()


def report_bytes(report: Report, row: int, language: Language) -> bytes:
    """Return the workbook of `report` as the bytes of an .xlsx file (see `report_workbook`)."""
    buffer = io.BytesIO()
    report_workbook(report, row, language).save(buffer)
    return buffer.getvalue()


def report_filename(report: Report, row: int, language: Language) -> str:
    """Return a file name for the report: ``finsam-rapport-2026-H1.xlsx`` (``-RESAM`` for one
    insats; a range's ``..`` becomes ``_``)."""
    name = language("finsam-rapport", "finsam-report") + "-" + report.current.period.label
    if row != report.total_row:
        name += "-" + report.insatser[row].kod
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.replace("..", "_"))
    return safe + ".xlsx"


@dataclass(frozen=True)
class ReportFile:
    """A report workbook to send: its file name, title and bytes."""

    filename: str
    title: str
    content: bytes


def report_file(data: Dataset, argument: str, context: Context) -> ReportFile:
    """Return the workbook ``rapport ARGUMENT`` asks for, in the context's language.

    Raises:
        CommandError: see `commands.report.report_for` (a bad period, an unknown code).
    """
    report, row = report_for(data, argument, context)
    t = context.language
    title = t("Rapport", "Report") + f" {report.current.period.label}"
    if row != report.total_row:
        title += f" – {report.insatser[row].kod}"
    return ReportFile(report_filename(report, row, t), title, report_bytes(report, row, t))


def write_report(path: Path, report: Report, row: int, language: Language) -> None:
    """Write the workbook of `report` to `path`.

    Raises:
        OSError: the file cannot be written.
    """
    report_workbook(report, row, language).save(path)
