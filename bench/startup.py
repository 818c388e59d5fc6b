"""How long ``finsam-bot`` takes to start: ``--help``, and a question on the bundled demo.

Issue 12: ``--help`` took 0.7 s and ``ask läge`` 0.8 s, most of it importing pandas, gspread,
google-auth and pydantic for every command. Each command runs as a user runs it: the installed
``finsam-bot`` script, a fresh process, no settings (so the bundled demo workbook), the commands
taken in turn; the median against the target, and the slowest run.

Run: ``make bench`` (with the rest, one table) or ``.venv/bin/python bench/startup.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.load, which is not installed

from bench.load import bot_environment, finsam_bot  # noqa: E402

RUNS = 7
#: (what is run, its arguments, the target in seconds)
COMMANDS = (
    ("finsam-bot --help", ("--help",), 0.3),
    ("finsam-bot ask läge, bundled demo", ("ask", "läge"), 0.6),
)


@dataclass
class Startup:
    label: str
    argv: tuple[str, ...]
    limit: float
    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def passed(self) -> bool:
        return self.median < self.limit


def measure(runs: int = RUNS) -> list[Startup]:
    """Run each command `runs` times, in turn; return their times."""
    results = [Startup(label, argv, limit) for label, argv, limit in COMMANDS]
    env = bot_environment()  # no settings at all: the bundled demo workbook
    with tempfile.TemporaryDirectory() as folder:  # and no .env file
        for _ in range(runs):
            for result in results:
                start = time.perf_counter()
                subprocess.run(
                    [*finsam_bot(), *result.argv],
                    cwd=folder,
                    env=env,
                    capture_output=True,
                    check=True,
                )
                result.times.append(time.perf_counter() - start)
    return results


def report(results: list[Startup]) -> str:
    lines = [f"Start-up, a fresh process each, {len(results[0].times)} runs of each, in turn"]
    for r in results:
        verdict = "PASS" if r.passed else "FAIL"
        lines.append(
            f"  {r.label:<36} median {r.median:.3f} s, slowest {max(r.times):.3f} s  "
            f"(< {r.limit:g} s: {verdict})"
        )
    return "\n".join(lines)


def main() -> None:
    print(report(measure()))


if __name__ == "__main__":
    main()
