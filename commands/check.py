"""``kontroll`` / ``check``: every problem in the sheet with its tab, cell and a fix."""

from __future__ import annotations

import re

from commands.context import Context, footnotes
from commands.language import Language
from commands.reply import Paragraph, Reply, Table
from sheets.dataset import Dataset
from sheets.problems import Problem
from sheets.schemas import DeltagareRow, EkonomiRow, HistorikRow, InsatsRow, PersonalRow

_TAB_ORDER = [m.TAB.sv for m in (InsatsRow, DeltagareRow, EkonomiRow, PersonalRow, HistorikRow)]
_CELL = re.compile(r"([A-Z]+)(\d+)")


def problem_order(problem: Problem) -> tuple[int, str, int, int, str]:
    """Sort key: tab (in the sheet's logical order), row, then column, errors before warnings."""
    tab = _TAB_ORDER.index(problem.tab) if problem.tab in _TAB_ORDER else len(_TAB_ORDER)
    match = _CELL.fullmatch(problem.cell or "")
    row = int(match[2]) if match else 0
    column = match[1] if match else ""
    return (tab, problem.tab, row, len(column), column + problem.severity)


def sorted_problems(data: Dataset, context: Context) -> tuple[Problem, ...]:
    """Return every problem as of the context's date, in the order people fix them.

    Sorted once per Dataset and date: a sheet can have thousands of problems.
    """
    as_of = context.as_of
    return data.memo(  # type: ignore[no-any-return]
        ("sorted problems", as_of),
        lambda: tuple(sorted(data.problems_as_of(as_of), key=problem_order)),
    )


def problem_table(data: Dataset, context: Context) -> tuple[int, Table]:
    """Return how many of the problems are errors, and the table of every problem.

    Built once per Dataset, date and language, so that ``kontroll`` on a sheet with thousands
    of problems is as quick as any other answer (Slack shows only the first rows anyway).
    """
    return data.memo(  # type: ignore[no-any-return]
        ("problem table", context.as_of, context.language.code),
        lambda: _problem_table(sorted_problems(data, context), context.language),
    )


def _problem_table(problems: tuple[Problem, ...], t: Language) -> tuple[int, Table]:
    severity = {"error": t("fel", "error"), "warning": t("varning", "warning")}
    rows = tuple(
        (
            problem.tab,
            problem.cell or "–",
            severity[problem.severity],
            problem.message(t.code),
            problem.fix(t.code),
        )
        for problem in problems
    )
    header = (
        t("Flik", "Tab"),
        t("Cell", "Cell"),
        t("Typ", "Type"),
        t("Problem", "Problem"),
        t("Så rättar du", "How to fix"),
    )
    errors = sum(1 for problem in problems if problem.severity == "error")
    table = Table(header, rows)
    table.head_lines()  # lays the columns out over every row now, not in the first question
    return errors, table


def header_notes(data: Dataset, t: Language) -> list[str]:
    """Return a note for each tab whose headers were not on its first filled row (a title row
    above them): which row was taken, so that a wrong guess is easy to see."""
    return [
        t(
            f"Fliken {tab}: rubrikerna lästes från rad {row}; raderna ovanför räknas som rubrik "
            "eller titel.",
            f"The tab {tab}: the headers were read from row {row}; the rows above count as a "
            "heading or title.",
        )
        for tab, row in data.header_rows.items()
    ]


def check(data: Dataset, context: Context) -> Reply:
    """Return the ``kontroll`` reply: a count of errors and warnings and one row per problem.

    Ends with when the data is from, and why it is old when the sheet cannot be read now: an
    old read's "no problems" must not pass for today's.
    """
    t = context.language
    errors, table = problem_table(data, context)
    warnings = len(table.rows) - errors
    title = t("Kontroll av arket", "Sheet check")
    notes = tuple(Paragraph(note) for note in header_notes(data, t))
    if not table.rows:
        return Reply(
            title,
            (Paragraph(t("Inga fel hittades i arket.", "No problems found in the sheet.")), *notes),
            footnotes(data, context, rows_left_out=False),
        )
    summary = t(
        f"{errors} fel och {t.count(warnings, 'varning', 'varningar')}. Rader med fel räknas inte "
        f"i siffrorna ({t.count(data.rows_left_out, 'rad', 'rader')} just nu); varningar räknas "
        "men bör kontrolleras.",
        f"{t.count(errors, 'error', 'errors')} and {t.count(warnings, 'warning', 'warnings')}. "
        "Rows with errors are left out of the figures "
        f"({t.count(data.rows_left_out, 'row', 'rows')} now); warnings count but should be "
        "checked.",
    )
    if data.url:
        summary += t(f" Arket: {data.url}", f" The sheet: {data.url}")
    return Reply(
        title,
        (Paragraph(summary), *notes, table),
        footnotes(data, context, rows_left_out=False),
    )
