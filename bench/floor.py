"""The JSON floor of ``bench/shapes.py``: ``json.loads`` of a ``values:batchGet`` body, timed in a
fresh process. Prints one JSON object: ``floor`` (wall) and ``floor_cpu`` seconds, and, unless
``--bare``, ``id_check`` (the Deltagar-ID column's own parse, where a personnummer is looked for).

The parse is timed in a process that has loaded what ``finsam-bot figures`` loads to read a
Google Sheet (``BOT_MODULES``): what ``json.loads`` of the answer would cost the bot's own process.
CPython's cyclic garbage collector, which runs while ``json.loads`` makes a list for every row,
walks every live object at each full collection, so the same parse costs more in a process that
has more loaded; the floor is taken where the bot's read happens. ``--bare`` times it in an
interpreter that has loaded nothing else, which the table shows alongside.

``--repeat N`` times it N times in the same process and gives the best of each: ``floor``,
``floor_cpu`` and ``floor_without_gc`` (the collector paused, as the bot's read runs), for
``bench/load.py``, whose cold reads are also the best of several in one process.

Run by ``bench/shapes.py`` and ``bench/load.py``: ``python bench/floor.py BODY [--bare]
[--repeat N]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

#: What ``finsam-bot figures`` imports before it reads a Google Sheet.
BOT_MODULES = (
    "bot.cli",
    "bot.config",
    "bot.logs",
    "bot.source",
    "commands.context",
    "commands.figures",
    "sheets.backends.google",
    "sheets.cache",
    "sheets.validate",
)


def main(body_path: str, bare: bool, repeat: int = 0) -> dict[str, float]:
    """Time json.loads of the body in this process (after the bot's imports unless `bare`);
    return the seconds: once, or with `repeat` the best of that many (see the module)."""
    if not bare:
        from bot.cli import skip_unused_library_work  # imports neither pydantic nor numpy

        skip_unused_library_work()  # as `finsam-bot` does before it imports the rest
        for name in BOT_MODULES:
            importlib.import_module(name)
    body = Path(body_path).read_bytes()
    if repeat:
        return _best_of(body, repeat)
    start, start_cpu = time.perf_counter(), time.process_time()
    answer = json.loads(body)
    numbers = {"floor": time.perf_counter() - start, "floor_cpu": time.process_time() - start_cpu}
    if not bare:
        numbers["id_check"] = _id_check(answer)
    return numbers


def _best_of(body: bytes, repeat: int) -> dict[str, float]:
    """Return the best wall and CPU time of `repeat` json.loads of `body`, and the best wall
    time with the collector paused."""
    best = {"floor": float("inf"), "floor_cpu": float("inf"), "floor_without_gc": float("inf")}
    for paused in (False, True):
        if paused:
            gc.disable()
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            json.loads(body)
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if paused:
                best["floor_without_gc"] = min(best["floor_without_gc"], wall)
            else:
                best["floor"], best["floor_cpu"] = (
                    min(best["floor"], wall),
                    min(best["floor_cpu"], cpu),
                )
        gc.enable()
    return best


def _id_check(answer: Any) -> float:
    """Return the seconds the Deltagar-ID column's own parse takes on `answer`'s Deltagare tab."""
    from sheets.schemas import DeltagareRow
    from sheets.values import CellValueError

    [rows] = [
        r["values"]
        for r in answer["valueRanges"]
        if r.get("values", [[]])[0][:1] == ["Deltagar-ID"]
    ]
    ids = [row[0] if row else None for row in rows[1:]]
    column = DeltagareRow.columns()["deltagar_id"]

    def parse_one(value: Any) -> Any:
        try:
            return column.parse(value)
        except CellValueError as error:
            return error

    start = time.perf_counter()
    if column.parse_cells is not None:
        column.parse_cells(ids)
    else:
        [parse_one(value) for value in ids]
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("body")
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--repeat", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(main(args.body, args.bare, args.repeat)))
