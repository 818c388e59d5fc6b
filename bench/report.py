"""How fast a period report is made from a sheet already read: issue 11, "a year's report at 100k
participants in under 3 s warm".

The sheet is the synthetic one of ``bench/load.py`` (15 insatser from 2019, categories in the
spellings people type, blank cells, a few errors and a personnummer), with Deltagar-IDs as
associations number them (``B000001``), a few typed twice in one insats. It is read and validated
once (not timed) and prepared for the as-of date as the bot does after every read. Each timed run
then starts from that read with nothing of the report computed yet, and does what ``/finsam
rapport`` does: the summary reply, and the workbook with its protected splits, as bytes. The
exact JSON of ``finsam-bot report --json`` is timed too.

Run: ``.venv/bin/python bench/report.py [--rows 100000] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bot.report_xlsx import report_file  # noqa: E402
from commands.context import Context  # noqa: E402
from commands.dispatch import answer, prepare  # noqa: E402
from commands.language import Language  # noqa: E402
from commands.report import parse_period, report_for, report_json  # noqa: E402
from sheets.dataset import Dataset  # noqa: E402
from sheets.identity import contains_identity_number  # noqa: E402
from sheets.validate import load_dataset  # noqa: E402

AS_OF = load.AS_OF
#: Issue 11's target: a year's report at 100k participants, warm.
TARGET_SECONDS, TARGET_ROWS = 3.0, 100_000
PERIODS = ("2025", "2026", "2026-Q3")


def tabs_with_numbered_ids(rows: int) -> dict[str, list[list[object]]]:
    """`bench/load.py`'s sheet with IDs ``B000001``…, every 5 000th typed again in its insats;
    a personnummer typed by mistake stays (the check must still catch it)."""
    tabs = load.sheet_tabs(rows)
    deltagare = tabs["Deltagare"]
    for number, row in enumerate(deltagare[1:], start=1):
        if not row or contains_identity_number(str(row[0])):
            continue
        row[0] = f"B{number:06d}"
        if number % 5_000 == 0:
            row[0] = f"B{number - 1:06d}"
            row[1] = deltagare[number - 1][1] if deltagare[number - 1] else row[1]
    return tabs


def fresh(data: Dataset) -> Dataset:
    """Return the same read with nothing computed from it yet (as just after the read)."""
    return dataclasses.replace(data, _memo={})


def measure(rows: int, runs: int) -> tuple[Dataset, list[tuple[str, list[float]]]]:
    """Return the read sheet and (what, seconds of each run) for each period's report and its
    JSON."""
    data = load_dataset(tabs_with_numbered_ids(rows))
    language = Language("sv")
    context = Context(AS_OF, language, 5)

    def times(work: Callable[[Dataset], object]) -> list[float]:
        elapsed = []
        for _ in range(runs):
            prepared = fresh(data)
            prepare(prepared, AS_OF, language, 5)  # the bot does this after each read: untimed
            started = time.perf_counter()
            work(prepared)
            elapsed.append(time.perf_counter() - started)
        return elapsed

    def slack(period: str) -> Callable[[Dataset], object]:
        return lambda d: (answer(d, f"rapport {period}", context), report_file(d, period, context))

    def as_json(period: str) -> Callable[[Dataset], object]:
        return lambda d: report_json(report_for(d, period, context)[0])

    assert parse_period(PERIODS[0]).last < AS_OF  # the first is a whole year
    results = []
    for period in PERIODS:
        results.append((f"rapport {period}: summary + workbook", times(slack(period))))
        results.append((f"report {period} --json", times(as_json(period))))
    return data, results


def report(rows: int, data: Dataset, results: list[tuple[str, list[float]]]) -> str:
    lines = [
        f"Period report, {rows:,} Deltagare rows ({len(data.participants):,} valid, "
        f"{data.rows_left_out} rows left out, {len(data.insatser)} insatser), as of {AS_OF}, "
        "warm (the sheet read)"
    ]
    lines.append(f"{'what':<42} {'median':>8} {'max':>8}")
    for what, times in results:
        lines.append(f"{what:<42} {statistics.median(times):>7.3f}s {max(times):>7.3f}s")
    year = max(results[0][1])
    verdict = "PASS" if year < TARGET_SECONDS else "FAIL"
    lines.append(
        f"a year's report ({PERIODS[0]}), slowest run: {year:.2f} s; target < {TARGET_SECONDS:g} s "
        f"at {TARGET_ROWS // 1000}k: {verdict}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(report(args.rows, *measure(args.rows, args.runs)))


if __name__ == "__main__":
    main()
