"""Every speed measurement of issues 2, 6, 11 and 12 in one run, ending in one table of the targets.

Runs ``bench/startup.py`` (``finsam-bot --help`` and ``ask läge`` on the bundled demo),
``bench/load.py`` (floor, cold read + load + validate + figures, peak memory per size, each size
in a child process), ``bench/shapes.py`` (``figures --json`` cold, one process per run, for each
shape of Deltagar-ID), ``bench/answers.py`` (warm answers, sheet reads under 1000 commands, HTTP
mode with 20 concurrent slash commands, warm and while the sheet is being read) and
``bench/report.py`` (a year's period report, warm), prints their detailed tables, and last one
summary table: every measure against its target.

Run: ``make bench`` (about four minutes) or ``.venv/bin/python bench/run.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import answers, load, shapes, startup  # noqa: E402
from bench import report as period_report  # noqa: E402


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def summary(
    starts: list[startup.Startup],
    loads: list[load.Result],
    id_shapes: list[shapes.Shape],
    results: answers.Results,
    reports: list[tuple[str, list[float]]],
) -> str:
    """Return the one table: each measure with its target and whether it is met."""
    by_rows = {r.rows: r for r in loads}
    lines: list[tuple[str, str, str, str]] = [
        (
            f"start-up: {s.label} (median of {len(s.times)})",
            f"{s.median:.3f} s (slowest {max(s.times):.3f} s)",
            f"< {s.limit:g} s",
            _verdict(s.passed),
        )
        for s in starts
    ]
    target = by_rows.get(load.TARGET_ROWS)
    if target is not None:
        ratio = target.cold / target.floor
        label = load._label(target.rows)
        lines += [
            (f"floor: json.loads of the batchGet body, {label}", f"{target.floor:.3f} s", "", ""),
            (
                f"cold: read + load + validate + figures, {label}",
                f"{target.cold:.3f} s = {ratio:.2f}× floor",
                f"≤ {load.TARGET_RATIO:g}× floor",
                _verdict(ratio <= load.TARGET_RATIO),
            ),
        ]
    for shape in id_shapes:
        lines.append(
            (
                f"cold, figures --json process, {load._label(shape.rows)}, IDs like {shape.shape}",
                f"{shape.cpu_ratio:.2f}× floor ({shape.cpu_bare_ratio:.2f}× bare; wall "
                f"{shape.ratio:.2f}×; ID check {shape.id_check * 1000:.0f} ms)",
                f"≤ {shapes.TARGET_RATIO:g}× floor (CPU)",
                _verdict(shape.passed),
            )
        )
    big = by_rows.get(load.MEMORY_ROWS)
    if big is not None:
        lines.append((f"cold, {load._label(big.rows)}", f"{big.cold:.2f} s", "", ""))
    warm = results.warm
    lines.append(
        (
            f"cold + prepare (the bot's refresh), {warm.rows // 1000}k",
            f"{warm.refresh:.2f} s",
            "",
            "",
        )
    )
    text, slowest = warm.slowest
    lines.append(
        (
            f"warm answer, {warm.rows // 1000}k, slowest of {len(warm.per_question)} (max)",
            f"{slowest * 1000:.1f} ms ({text})",
            f"≤ {answers.WARM_LIMIT * 1000:g} ms",
            _verdict(slowest <= answers.WARM_LIMIT),
        )
    )
    if warm.many_problems_times:
        worst = max(warm.many_problems_times)
        lines.append(
            (
                f"warm kontroll, {warm.many_problems:,} problems (max)",
                f"{worst * 1000:.1f} ms",
                f"≤ {answers.WARM_LIMIT * 1000:g} ms",
                _verdict(worst <= answers.WARM_LIMIT),
            )
        )
    reads = results.reads
    lines.append(
        (
            f"Sheets values requests, {reads.commands} commands",
            f"{reads.reads} in {reads.duration:.0f} s = {reads.per_minute:.0f}/min at TTL {reads.ttl:g} s",
            "≤ 1 per TTL",
            _verdict(reads.reads <= reads.allowed),
        )
    )
    if big is not None:
        lines.append(
            (
                f"peak memory, {load._label(big.rows)}",
                f"{big.peak_bytes / 1e6:.0f} MB",
                f"< {load.MEMORY_LIMIT / 1e6:.0f} MB",
                _verdict(big.peak_bytes < load.MEMORY_LIMIT),
            )
        )
    http = results.http
    for name, values, limit in (
        ("ack", http.acks, answers.ACK_LIMIT),
        ("answer", http.answers, answers.ANSWER_LIMIT),
    ):
        p50, p95, top = answers.percentiles(values)
        lines.append(
            (
                f"{name}, {http.concurrent} concurrent, HTTP, p50/p95/max",
                f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {top * 1000:.0f} ms",
                f"≤ {limit * 1000:g} ms" if limit < 1 else f"≤ {limit:g} s",
                _verdict(top <= limit and all(status == 200 for status in http.statuses)),
            )
        )
    year = max(reports[0][1])
    lines.append(
        (
            f"{reports[0][0]}, {period_report.TARGET_ROWS // 1000}k, warm (max)",
            f"{year:.2f} s",
            f"< {period_report.TARGET_SECONDS:g} s",
            _verdict(year < period_report.TARGET_SECONDS),
        )
    )
    refreshing = results.refreshing
    for name, values, limit in (
        ("ack", refreshing.acks, answers.ACK_LIMIT),
        ("answer", refreshing.answers, answers.ANSWER_LIMIT),
    ):
        p50, p99, top = answers.percentiles(values, 99)
        statuses_ok = all(status == 200 for status in refreshing.statuses)
        lines.append(
            (
                f"{name}, {refreshing.concurrent} concurrent, HTTP, during refreshes of "
                f"{refreshing.rows // 1000}k, p50/p99/max",
                f"{p50 * 1000:.0f} / {p99 * 1000:.0f} / {top * 1000:.0f} ms",
                f"p99 < {limit * 1000:g} ms" if limit < 1 else f"p99 ≤ {limit:g} s",
                _verdict(p99 < limit and statuses_ok),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    header = ("measure", "measured", "target", "")
    rows = [header, *lines]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
    table.insert(1, "-" * len(table[0]))
    return "\n".join(line.rstrip() for line in table)


def main() -> None:
    started = time.perf_counter()
    starts = startup.measure()
    _say(f"start-up measured in {time.perf_counter() - started:.0f} s")
    loads = []
    for rows in load.SIZES:
        repeat, floor_repeat = (5, 7) if rows <= 100_000 else (2, 3)
        start = time.perf_counter()
        loads.append(load.measure(rows, repeat, floor_repeat))
        _say(f"load: {load._label(rows)} rows measured in {time.perf_counter() - start:.0f} s")
    id_shapes = []
    for shape in shapes.SHAPES:
        start = time.perf_counter()
        id_shapes.append(shapes.measure(shape))
        _say(f"shapes: {shape} measured in {time.perf_counter() - start:.0f} s")
    results = answers.measure_all(answers.ROWS, 100_000, 30, 5, _say)
    report_data, reports = period_report.measure(period_report.TARGET_ROWS, 5)
    _say("period reports measured")
    print(startup.report(starts))
    print()
    print(load.report(loads))
    print()
    print(shapes.report(id_shapes))
    print()
    print(answers.report_warm(results.warm))
    print()
    print(answers.report_reads(results.reads))
    print()
    print(answers.report_http(results.http))
    print()
    print(answers.report_refreshing(results.refreshing))
    print()
    print(period_report.report(period_report.TARGET_ROWS, report_data, reports))
    print()
    print(summary(starts, loads, id_shapes, results, reports))
    _say(f"make bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
