"""How fast ``finsam-bot figures --json`` reads a sheet cold, for each shape of Deltagar-ID.

Issue 12: the cold path was 4× the floor for IDs like ``B000001`` while the bench measured only
``RESAM-2025-00042``. For each shape people use (``B000001``, ``000123``, ``RESAM-0042``,
``2026-17``, ``RESAM-2025-00042``, and ``mixed``: each insats its own) at 100k participants:

* **floor**: ``json.loads`` of the ``values:batchGet`` body, timed in a fresh process that has
  loaded what ``finsam-bot figures`` loads (``bench/floor.py``: the parse's cost depends on what
  else is alive in the process, through the garbage collector); **bare**: the same in an
  interpreter that has loaded nothing else, shown alongside;
* **cold**: ``finsam-bot figures --json`` as a user runs it (read + validate + figures), one
  process per run against the local Sheets stand-in (which sends the body gzipped, as Google
  does), minus the same command against a 10-row sheet of the same shape: the start-up (imports,
  token, tab titles) subtracted;
* **ID check**: the Deltagar-ID column's own parse (where a personnummer is looked for) on its
  own, in the floor's process: how much of cold is the identity path;
* **cold/floor**, target ≤ 1.5× for every shape.

Each is the median of 3 runs (the floors of 5), the runs of a shape taken in turn so that a busy
moment of the machine spreads over all the measures.

Run: ``make bench`` (with the rest, one table) or ``.venv/bin/python bench/shapes.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.load and tests.fakes, which are not installed

from bench.load import (  # noqa: E402
    AS_OF,
    ID_SHAPES,
    MIXED,
    PrerenderedSheetsApi,
    bot_environment,
    finsam_bot,
    sheet_tabs,
)

SHAPES = (*ID_SHAPES, MIXED)
ROWS, STARTUP_ROWS, RUNS = 100_000, 10, 3
#: The floor is the divisor of every ratio and a fresh process costs a third of a second:
#: its median is taken over more runs, so that one slow moment of the machine moves it less.
FLOOR_RUNS = 5
TARGET_RATIO = 1.5


@dataclass
class Shape:
    """The runs of one shape of Deltagar-ID: seconds, each list in the order run."""

    shape: str
    rows: int
    floors: list[float] = field(default_factory=list)
    cpu_floors: list[float] = field(default_factory=list)
    cpu_bare_floors: list[float] = field(default_factory=list)
    processes: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    colds: list[float] = field(default_factory=list)
    cpu_colds: list[float] = field(default_factory=list)
    id_checks: list[float] = field(default_factory=list)
    active: int = 0

    @property
    def cold(self) -> float:
        """Wall clock: the median of each run minus the start-up run right after it (a busy
        moment of the machine falls on both, mostly)."""
        return statistics.median(self.colds)

    @property
    def id_check(self) -> float:
        return statistics.median(self.id_checks)

    @property
    def ratio(self) -> float:
        return self.cold / statistics.median(self.floors)

    @property
    def cpu_ratio(self) -> float:
        """The same in CPU time (user + system), which other work on the machine disturbs far
        less than the wall clock: the verdict's measure."""
        return statistics.median(self.cpu_colds) / statistics.median(self.cpu_floors)

    @property
    def cpu_ratio_range(self) -> tuple[float, float]:
        """The lowest and highest CPU ratio of a single run (against the median floor): how much
        the machine moved the runs the verdict's median is taken from."""
        floor = statistics.median(self.cpu_floors)
        return min(self.cpu_colds) / floor, max(self.cpu_colds) / floor

    @property
    def cpu_bare_ratio(self) -> float:
        """The CPU ratio against the floor in a bare interpreter."""
        return statistics.median(self.cpu_colds) / statistics.median(self.cpu_bare_floors)

    @property
    def passed(self) -> bool:
        return self.cpu_ratio <= TARGET_RATIO


def _figures(api: PrerenderedSheetsApi, folder: str) -> tuple[float, float, dict[str, Any]]:
    """Run ``finsam-bot figures --json`` against `api`; return its wall time, its CPU time
    (user + system) and its output."""
    env = bot_environment(
        GOOGLE_SHEET_ID=api.spreadsheet_id,
        GOOGLE_SERVICE_ACCOUNT_JSON=json.dumps(api.service_account_info()),
        GOOGLE_SHEETS_API_URL=api.url,
    )
    command = [*finsam_bot(), "figures", "--json", "--as-of", AS_OF.isoformat()]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"finsam-bot figures failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, json.loads(done.stdout)


def _floor(body: Path, bare: bool = False) -> dict[str, float]:
    """Return json.loads of `body` (wall and CPU time) and, unless `bare`, the Deltagar-ID check,
    timed in a fresh process (``bench/floor.py``)."""
    command = [sys.executable, str(ROOT / "bench" / "floor.py"), str(body)]
    done = subprocess.run(
        [*command, *(["--bare"] if bare else [])], capture_output=True, check=True
    )
    numbers: dict[str, float] = json.loads(done.stdout)
    return numbers


def measure(shape: str, rows: int = ROWS, runs: int = RUNS) -> Shape:
    """Measure the cold path of `shape` against its floor, `runs` times each, in turn."""
    result = Shape(shape, rows)
    with (
        tempfile.TemporaryDirectory() as folder,
        PrerenderedSheetsApi(sheet_tabs(rows, id_shape=shape)) as big,
        PrerenderedSheetsApi(sheet_tabs(STARTUP_ROWS, id_shape=shape)) as small,
    ):
        body = Path(folder) / "batchGet.json"
        body.write_bytes(big.prerender())
        small.prerender()
        for run in range(max(runs, FLOOR_RUNS)):
            floor = _floor(body)
            result.floors.append(floor["floor"])
            result.cpu_floors.append(floor["floor_cpu"])
            result.id_checks.append(floor["id_check"])
            result.cpu_bare_floors.append(_floor(body, bare=True)["floor_cpu"])
            if run >= runs:
                continue
            elapsed, cpu, output = _figures(big, folder)
            result.active = output["totals"]["active"]
            startup, startup_cpu, _ = _figures(small, folder)
            result.processes.append(elapsed)
            result.startups.append(startup)
            result.colds.append(elapsed - startup)
            result.cpu_colds.append(cpu - startup_cpu)
        if big.rendered_late or small.rendered_late:
            sys.exit("a read was not answered from the rendered body")
    return result


def report(results: list[Shape]) -> str:
    """The table: one line per shape of Deltagar-ID."""
    header = (
        f"{'Deltagar-ID':<18}  {'floor':>6}  {'bare':>6}  {'process':>7}  {'start-up':>8}  "
        f"{'cold':>6}  {'ID check':>8}  {'cold/floor':>10}  {'CPU':>6}  {'runs':>11}  "
        f"{'CPU no ID':>9}  {'CPU/bare':>8}  target (CPU)"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        verdict = "PASS" if r.passed else "FAIL"
        id_share = r.id_check / statistics.median(r.cpu_floors)
        low, high = r.cpu_ratio_range
        lines.append(
            f"{r.shape:<18}  {statistics.median(r.floors):6.3f}  "
            f"{statistics.median(r.cpu_bare_floors):6.3f}  "
            f"{statistics.median(r.processes):7.3f}  {statistics.median(r.startups):8.3f}  "
            f"{r.cold:6.3f}  {r.id_check:8.3f}  {r.ratio:9.2f}×  "
            f"{r.cpu_ratio:5.2f}×  {low:4.2f}–{high:4.2f}×  "
            f"{r.cpu_ratio - id_share:8.2f}×  {r.cpu_bare_ratio:7.2f}×  "
            f"≤ {TARGET_RATIO:g}×: {verdict}"
        )
    rows = results[0].rows if results else ROWS
    lines += [
        "",
        f"Seconds, median of {RUNS}, {rows:,} participants. floor: json.loads of the batchGet body",
        f"in a fresh process with the modules finsam-bot figures loads (median of {FLOOR_RUNS});",
        "bare: the same in a bare interpreter. process: finsam-bot figures --json against the",
        f"Sheets stand-in (gzip, as Google); start-up: the same on {STARTUP_ROWS} rows; cold: each",
        "process run minus the start-up run after it. cold/floor: wall clock; CPU: the same ratio",
        "in CPU time (user + system), which others' work on the machine disturbs far less: the",
        "verdict; runs: the lowest and highest single run. ID check: the Deltagar-ID column's",
        "parse alone (where a personnummer is looked for), a part of cold; CPU no ID: the CPU",
        "ratio without it; CPU/bare: against the bare floor.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    results = []
    for shape in args.shapes.split(","):
        start = time.perf_counter()
        results.append(measure(shape, args.rows))
        print(f"{shape} measured in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(report(results))


if __name__ == "__main__":
    main()
