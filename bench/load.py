"""How fast a cold read of a big sheet is, against the floor of parsing Google's answer.

Issue 2, "Speed": for 10k, 100k and 800k Deltagare rows this prints, side by side in one run,

* **floor**: ``json.loads`` of the ``values:batchGet`` response body (best of N), timed by
  ``bench/floor.py`` in a fresh process that has loaded what the bot loads;
* **cold**: ``GoogleSheetBackend.read_tabs()`` + ``load_dataset()`` + ``compute_figures()``, the
  real path: gspread and requests against the local Sheets stand-in of ``tests/fakes``, which
  sends the body gzipped as Google does;
* **in-memory**: ``load_dataset()`` + ``compute_figures()`` alone on the tabs already read, so the
  cost of HTTP and JSON (cold − in-memory) is visible;
* **cold/floor**, with the target at 100k rows: at most 2×;
* **peak RSS** of the process doing the cold reads (before the in-memory runs, which hold every
  cell of the sheet at once as the bot never does), with the target: 800k rows in under 1.5 GB.

Each size runs in a fresh child process, so one size's memory never counts in another's, and the
stand-in serves from this (the parent) process, so its memory never counts in the bot's. The
stand-in renders each answer once, before the clock starts: its own rendering is not the bot's
cost. The token and the tab titles are fetched by one read before timing, as they are in a bot
that has been running for a while; every timed read is then exactly one ``batchGet`` request.

The sheet is synthetic and deterministic (``random.Random(seed)``), shaped like a real one: dates
mostly serial numbers with some typed as text, categories in varied spellings, blank cells, an
extra column of the association's own, and a few errors (formula errors, unknown codes, repeated
IDs, a personnummer) so every check has something to do.

Run: ``make bench`` or ``.venv/bin/python bench/load.py [--sizes 10000,100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.fakes, which is not an installed package

from sheets import demo  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsApi, google_json  # noqa: E402

SIZES = (10_000, 100_000, 800_000)
SEED = 2026
AS_OF = date(2026, 11, 23)
#: Issue 2's targets: cold at most this many times the floor at TARGET_ROWS; peak under MEMORY_LIMIT.
TARGET_RATIO, TARGET_ROWS = 2.0, 100_000
MEMORY_LIMIT, MEMORY_ROWS = 1.5e9, 800_000


# --- the sheet ---------------------------------------------------------------------------------

_INSATSER = (
    # Kod, Namn, Start, Slut, share of the participants
    ("RESAM", "RESAM – samordnat resursteam", date(2019, 1, 1), None, 14),
    ("EMPOW", "Empowerment – unga vuxna 18–29", date(2019, 3, 1), date(2026, 6, 30), 6),
    ("SJHJ", "Självhjälpsgrupper", date(2020, 1, 1), None, 5),
    ("HALSO", "Hälsocenter", date(2019, 9, 1), date(2027, 8, 31), 9),
    ("HGRP", "Handläggargruppen", date(2019, 1, 1), None, 10),
    ("SAMTEAM", "Samverkansteam", date(2021, 2, 1), date(2028, 7, 31), 8),
    ("SESAM", "Sesam – kvinnor 18–63", date(2019, 5, 1), date(2026, 12, 31), 7),
    ("KOMJOBB", "Kom-jobb", date(2022, 9, 1), date(2027, 9, 30), 6),
    ("PRISMA", "Prisma", date(2023, 1, 1), None, 4),
    ("PAVAG", "På väg", date(2021, 3, 1), date(2027, 7, 31), 5),
    ("SEVAG", "SE-vägen – supported employment", date(2020, 9, 1), date(2027, 6, 30), 8),
    ("UNGAKT", "Ung och aktiv", date(2027, 1, 1), date(2028, 6, 30), 0),
    ("MOTKRO", "Mötesplats Kronan", date(2022, 10, 1), date(2027, 10, 31), 5),
    ("HALSAM", "Hälsosam – hälsogrupper", date(2023, 11, 1), None, 4),
    ("IPS", "IPS – individanpassat stöd till arbete", date(2020, 1, 1), None, 9),
)
_KOMMUNER = (
    ("Fagersta", 20),
    ("Norberg", 9),
    ("Skinnskatteberg", 6),
    ("Västerås", 30),
    ("Sala", 8),
    ("Köping", 8),
    ("Arboga", 5),
    ("Kungsör", 3),
    ("fagersta", 1),  # typed in lower case
    ("Västerås ", 1),  # with a trailing space
    ("", 5),
)
_GENDERS = (("kvinna", 30), ("Kvinna", 10), ("K", 10), ("man", 25), ("Man", 8), ("M", 8), ("X", 1))
_SUPPORTS = (
    ("sjukpenning", 14),
    ("Sjukpenning", 3),
    ("rehabiliteringspenning", 2),
    ("försörjningsstöd", 16),
    ("Försörjningsstöd", 4),
    ("aktivitetsersättning", 10),
    ("sjukersättning", 7),
    ("a-kassa", 6),
    ("A-kassa", 2),
    ("aktivitetsstöd", 6),
    ("utvecklingsersättning", 2),
    ("etableringsersättning", 4),
    ("lön", 3),
    ("ingen", 8),
    ("annat", 3),
    ("", 5),
)
_REASONS = (
    ("arbete", 20),
    ("Arbete", 6),
    ("förvärvsarbete", 4),
    ("anställning", 3),
    ("studier", 9),
    ("Studier", 3),
    ("Utbildning", 3),
    ("arbetssökande", 10),
    ("aktivt arbetssökande", 3),
    ("övrigt", 8),
    ("ohälsa", 6),
    ("sjukskriven", 4),
    ("avbrott", 4),
    ("flyttat", 2),
    ("annan insats", 3),
)
_FIRST_NAMES = ("Anna", "Johan", "Sara", "Erik", "Lena", "Karin", "Mats", "Eva", "Ali", "Maria")
_LAST_NAMES = ("Lindqvist", "Sandberg", "Holm", "Nyström", "Åkesson", "Berg", "Ek", "Yilmaz")

DELTAGARE_HEADER = [*demo.DELTAGARE_HEADER, "Kommentar"]  # an unknown column: the bot ignores it


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Callable[[], Any]:
    """Return a function drawing from `choices` by weight (one rng call per draw)."""
    values = [value for value, _ in choices]
    cumulative: list[float] = []
    total = 0
    for _, weight in choices:
        total += weight
        cumulative.append(total)
    return lambda: rng.choices(values, cum_weights=cumulative)[0]


def _typed_date(rng: random.Random, day: date) -> object:
    """A date cell, or now and then a date typed as text (Swedish or ISO)."""
    roll = rng.random()
    if roll >= 0.07:
        return day  # rendered as a serial number by the stand-in
    if roll < 0.03:
        return f"{day.day}/{day.month}/{day.year}"
    if roll < 0.05:
        return f"{day.day}.{day.month}.{day.year}"
    return day.isoformat()


def _personnummer(rng: random.Random) -> str:
    """A made-up YYMMDD-NNNC with a valid Luhn digit: a mistake the check must catch."""
    digits = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    digits += f"{rng.randint(0, 999):03d}"
    total = sum(
        (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d
        for i, d in enumerate(map(int, digits))
    )
    return f"{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"


#: Deltagar-IDs as associations write them: (Kod, enrolment year, number within the insats,
#: number within the insats and year, number overall) → the ID. Every shape is unique within an
#: insats, as the rules want.
IdShape = Callable[[str, int, int, int, int], str]
ID_SHAPES: dict[str, IdShape] = {
    "B000001": lambda code, year, n, n_year, overall: f"B{overall:06d}",
    "000123": lambda code, year, n, n_year, overall: f"{overall:06d}",
    "RESAM-0042": lambda code, year, n, n_year, overall: f"{code}-{n:04d}",
    "2026-17": lambda code, year, n, n_year, overall: f"{year}-{n_year}",
    "RESAM-2025-00042": lambda code, year, n, n_year, overall: f"{code}-{year}-{n:05d}",
}
#: Each insats keeps its own convention (they have different owners): the shapes in turn.
MIXED = "mixed"


def _id_maker(shape: str) -> Callable[[int, str, int, int, int, int], str]:
    """Return (insats number, Kod, year, n, n_year, overall) → ID for `shape` or ``mixed``."""
    if shape == MIXED:
        shapes = list(ID_SHAPES.values())
        return lambda index, *numbers: shapes[index % len(shapes)](*numbers)
    make = ID_SHAPES[shape]
    return lambda index, *numbers: make(*numbers)


def deltagare_rows(
    rows: int, rng: random.Random, id_shape: str = "RESAM-2025-00042"
) -> list[list[object]]:
    """`rows` participant rows (header first), in the order staff entered them, with Deltagar-IDs
    of `id_shape` (a key of ID_SHAPES, or ``mixed``)."""
    make_id = _id_maker(id_shape)
    codes = [code for code, *_ in _INSATSER]
    index_of = {code: index for index, code in enumerate(codes)}
    in_year: dict[tuple[str, int], int] = {}
    insats = _weighted(rng, tuple((code, share) for code, *_, share in _INSATSER))
    gender = _weighted(rng, _GENDERS)
    kommun = _weighted(rng, _KOMMUNER)
    support = _weighted(rng, _SUPPORTS)
    reason = _weighted(rng, _REASONS)
    # About one caseworker per 150 participants, a few written as Slack users.
    caseworkers = [
        f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}" for _ in range(rows // 150 + 8)
    ]
    caseworkers += [f"<@U0BENCH{n:03d}>" for n in range(len(caseworkers) // 10 + 1)]
    first_day = date(2019, 1, 1)
    span = (AS_OF - first_day).days
    counters = dict.fromkeys(codes, 0)
    issued: dict[str, list[str]] = {code: [] for code in codes}
    result: list[list[object]] = [list(DELTAGARE_HEADER)]
    for _ in range(rows):
        roll = rng.random()
        if roll < 0.0001:
            result.append([])  # an empty row in the middle
            continue
        code = insats()
        # Later years have more participants: the association grew.
        enrolled = first_day + timedelta(days=int(span * rng.random() ** 0.6))
        counters[code] += 1
        in_year[code, enrolled.year] = in_year.get((code, enrolled.year), 0) + 1
        participant_id = make_id(
            index_of[code],
            code,
            enrolled.year,
            counters[code],
            in_year[code, enrolled.year],
            len(result),
        )
        if roll < 0.0003 and issued[code]:
            participant_id = rng.choice(issued[code])  # an ID used twice in one insats
        elif roll < 0.00035:
            participant_id = _personnummer(rng)
        if roll < 0.01:
            issued[code].append(participant_id)  # kept to be reused by mistake later
        exited: object = None
        exit_reason: object = None
        if rng.random() < 0.6:
            exit_day = enrolled + timedelta(days=rng.randint(30, 540))
            if exit_day <= AS_OF:
                exited = _typed_date(rng, exit_day)
                exit_reason = reason()
                if roll > 0.9999:
                    exited = datetime(exit_day.year, exit_day.month, exit_day.day, 13, 30)
        birth_year: object = enrolled.year - rng.randint(16, 64)
        typed_code: object = code
        # A few of each mistake people make.
        if 0.001 < roll < 0.002:
            birth_year = None if roll < 0.0018 else str(birth_year)
        elif 0.002 < roll < 0.0022:
            exit_reason = None if exited else reason()  # reason without exit, or the reverse
        elif 0.003 < roll < 0.0032:
            typed_code = code.lower() if roll < 0.0031 else f" {code}"
        elif 0.004 < roll < 0.00402:
            typed_code = code[0] + code[2:]  # a letter missing: unknown insats
        elif 0.005 < roll < 0.00501:
            birth_year = "#REF!"
        elif 0.006 < roll < 0.00601:
            exited = "#N/A"
        elif 0.007 < roll < 0.0071:
            exit_reason = "felregistrering" if exited else None
        elif 0.008 < roll < 0.00801:
            enrolled = date(enrolled.year + 36, enrolled.month, min(enrolled.day, 28))
        caseworker = rng.choice(caseworkers) if rng.random() < 0.97 else None
        row: list[object] = [
            participant_id,
            typed_code,
            gender() if roll < 0.99995 else "kvinnna",
            birth_year,
            kommun() or None,
            support() or None,
            _typed_date(rng, enrolled),
            exited,
            exit_reason,
            caseworker,
            "ringer tillbaka" if roll > 0.98 else None,
        ]
        result.append(row)
    return result


#: Who may ask (the bot answers no one without a Personal tab): a coordinator, who sees
#: everything, and caseworkers written as Slack users in Handläggare.
PERSONAL = [
    ["Slack-ID", "Namn", "Roll"],
    ["U0BENCH001", "Bench Samordnare", "samordnare"],
    ["U0BENCH002", "Bench Handläggare", "handläggare"],
    ["U0BENCH003", "Bench Läsare", "läsare"],
]


def sheet_tabs(
    rows: int, seed: int = SEED, id_shape: str = "RESAM-2025-00042"
) -> dict[str, list[list[object]]]:
    """The whole synthetic sheet: Insatser (15), Deltagare (`rows`, IDs of `id_shape`), Ekonomi
    (a row a month), Personal (who may ask)."""
    rng = random.Random(seed)
    insatser: list[list[object]] = [list(demo.INSATSER_HEADER)]
    for code, name, start, end, share in _INSATSER:
        places = max(8, rows * share // 100 // 3)
        insatser.append(
            [
                code,
                name,
                "Samordningsförbundet",
                start,
                end,
                places,
                places * 2,
                rng.choice([None, 30, 40, "50 %"]),
                _kronor(rng.randrange(150, 1_000) * 1_000),
            ]
        )
    ekonomi: list[list[object]] = [["Insats", "Månad", "Belopp (kr)", "Kommentar"]]
    for year in (2025, 2026):
        for month in range(1, 13 if year < AS_OF.year else AS_OF.month + 1):
            for code, *_ in _INSATSER:
                amount = rng.randrange(10_000, 90_000)
                first = date(year, month, 1)
                ekonomi.append(
                    [
                        code,
                        first if rng.random() < 0.8 else f"{year}-{month:02d}",
                        amount if rng.random() < 0.85 else f"{_kronor(amount)} kr",
                    ]
                )
    ekonomi.append(["PAVAG", date(2026, 3, 1), "1.500,50", "tvetydigt belopp"])
    deltagare = deltagare_rows(rows, rng, id_shape)
    personal = [list(row) for row in PERSONAL]
    return {"Insatser": insatser, "Deltagare": deltagare, "Ekonomi": ekonomi, "Personal": personal}


def _kronor(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


# --- the stand-in, answering from a body rendered once ------------------------------------------

#: The query gspread sends for a read of these tabs (as the stand-in parses it).
BATCH_GET_OPTIONS = {
    "valueRenderOption": ["UNFORMATTED_VALUE"],
    "dateTimeRenderOption": ["SERIAL_NUMBER"],
    "majorDimension": ["ROWS"],
    "prettyPrint": ["false"],
}


class PrerenderedSheetsApi(FakeSheetsApi):
    """The Sheets stand-in, answering `values:batchGet` with a body rendered (and compressed, as
    Google sends it to the bot) ahead of time."""

    def __init__(self, tabs: dict[str, list[list[object]]]) -> None:
        super().__init__(tabs)
        self.bodies: dict[str, tuple[int, bytes]] = {}
        self._compressed: dict[bytes, bytes] = {}
        self.rendered_late = 0

    def prerender(self) -> bytes:
        """Render the answer to a read of every tab; return the JSON body (before gzip)."""
        query = {"ranges": [f"'{title}'" for title in self.tabs], **BATCH_GET_OPTIONS}
        status, body = super()._batch_get(query)
        data = google_json(body)
        self.bodies[_query_key(query)] = (status, data)
        self._compressed[data] = super().gzipped(data)
        return data

    def gzipped(self, data: bytes) -> bytes:
        """The compressed body, ready for the rendered answer (its hash is computed once)."""
        ready = self._compressed.get(data)
        return ready if ready is not None else super().gzipped(data)

    def _batch_get(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        answer = self.bodies.get(_query_key(query))
        if answer is None:  # not what was rendered ahead: render now (and say so in the report)
            self.rendered_late += 1
            return super()._batch_get(query)
        return answer


def _query_key(query: dict[str, list[str]]) -> str:
    return json.dumps(query, sort_keys=True)


def bot_environment(**settings: str) -> dict[str, str]:
    """Return this process's environment without any finsam-bot setting, plus `settings`."""
    from bot.config import Settings

    names = {name.upper() for name in Settings.model_fields}
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in names
        and not key.upper().startswith(("SLACK_", "GOOGLE_", "GUNICORN"))
    }
    path = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | {"PYTHONPATH": path} | settings


def finsam_bot() -> list[str]:
    """Return the command that runs ``finsam-bot``: the installed script, as a user runs it."""
    script = Path(sys.executable).with_name("finsam-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


# --- measuring, in a child process per size ------------------------------------------------------


@dataclass
class Result:
    rows: int
    floor: float
    floor_without_gc: float
    cold: float
    read: float
    in_memory: float
    peak_bytes: int
    participants: int
    problems: int
    rows_left_out: int
    active: int


def _best(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _floors(body_path: Path, repeat: int) -> tuple[float, float]:
    """Return the best time of json.loads of the body: as it runs, and with the gc paused.

    Timed by ``bench/floor.py`` in a fresh process that has loaded what the bot loads, and not
    here: this process has the bench's modules loaded too (the stand-in, openpyxl), and the more
    is alive, the longer the collector makes json.loads take, which would flatter the ratio.
    """
    command = [sys.executable, str(ROOT / "bench" / "floor.py"), str(body_path)]
    done = subprocess.run([*command, "--repeat", str(repeat)], capture_output=True, check=True)
    numbers = json.loads(done.stdout)
    return numbers["floor"], numbers["floor_without_gc"]


class _TimedBackend:
    """A backend that remembers how long its last `read_tabs()` took."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.url = backend.url
        self.read_seconds = 0.0

    def read_tabs(self) -> Any:
        start = time.perf_counter()
        try:
            return self.backend.read_tabs()
        finally:
            self.read_seconds = time.perf_counter() - start

    def append_rows(self, tab: str, header: Any, rows: Any) -> None:
        self.backend.append_rows(tab, header, rows)


def child(config: dict[str, Any]) -> dict[str, Any]:
    """Measure one size; runs in a fresh process. Returns the numbers as a JSON-able dict."""
    from commands.figures import compute_figures
    from sheets.backends.google import GoogleSheetBackend
    from sheets.cache import read_dataset
    from sheets.validate import load_dataset

    repeat = int(config["repeat"])
    backend = _TimedBackend(
        GoogleSheetBackend.from_service_account_info(
            config["info"], config["key"], api_url=config["url"]
        )
    )
    backend.read_tabs()  # fetches the token and the tab titles, as a running bot has them
    # Each a cold read + load, exactly as the bot's cache makes one; meanwhile the last Dataset
    # is kept, as the bot's cache keeps it.
    cold, read = float("inf"), float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        dataset = read_dataset(backend)
        figures = compute_figures(dataset, AS_OF)
        elapsed = time.perf_counter() - start
        if elapsed < cold:
            cold, read = elapsed, backend.read_seconds

    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

    # Every cell decoded before the clock starts (a large answer's tabs are otherwise decoded as
    # they are loaded: see sheets.backends.pieces).
    tabs = {title: list(rows) for title, rows in backend.read_tabs().items()}
    in_memory = _best(repeat, lambda: compute_figures(load_dataset(tabs), AS_OF))
    return {
        "cold": cold,
        "read": read,
        "in_memory": in_memory,
        "peak_bytes": peak_bytes,
        "participants": len(dataset.participants),
        "problems": len(dataset.problems),
        "rows_left_out": dataset.rows_left_out,
        "active": figures.totals.active,
    }


def measure(rows: int, repeat: int, floor_repeat: int) -> Result:
    """Generate a sheet of `rows` participants, serve it, and measure it in a child process."""
    with tempfile.TemporaryDirectory() as folder, PrerenderedSheetsApi(sheet_tabs(rows)) as api:
        body_path = Path(folder) / "batchGet.json"
        body_path.write_bytes(api.prerender())
        config = {
            "url": api.url,
            "key": api.spreadsheet_id,
            "info": api.service_account_info(),
            "repeat": repeat,
        }
        done = subprocess.run(
            [sys.executable, __file__, "--child"],
            input=json.dumps(config),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"measuring {rows} rows failed:\n{done.stderr}")
        # A first read, one per timed read and one for the in-memory runs: all one request each,
        # all answered from the rendered body.
        reads = api.count("batchGet")
        if reads != repeat + 2 or api.rendered_late:
            sys.exit(f"expected {repeat + 2} batchGet requests from the rendered body, got {reads}")
        floor, floor_without_gc = _floors(body_path, floor_repeat)
    numbers = json.loads(done.stdout.splitlines()[-1])
    return Result(rows=rows, floor=floor, floor_without_gc=floor_without_gc, **numbers)


# --- the table ------------------------------------------------------------------------------------


def _label(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def report(results: list[Result]) -> str:
    """The table: one line per size, with the targets marked where they apply."""
    header = (
        f"{'rows':>6}  {'floor':>7}  {'(no gc)':>7}  {'cold':>7}  {'= read':>7}  {'+ load':>7}  "
        f"{'in-mem':>7}  {'cold/floor':>10}  {'peak MB':>7}  targets"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        ratio = r.cold / r.floor
        targets = []
        if r.rows == TARGET_ROWS:
            verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
            targets.append(f"cold ≤ {TARGET_RATIO:g}× floor: {verdict}")
        if r.rows == MEMORY_ROWS:
            verdict = "PASS" if r.peak_bytes < MEMORY_LIMIT else "FAIL"
            targets.append(f"peak < {MEMORY_LIMIT / 1e9:g} GB: {verdict}")
        lines.append(
            f"{_label(r.rows):>6}  {r.floor:7.3f}  {r.floor_without_gc:7.3f}  {r.cold:7.3f}  "
            f"{r.read:7.3f}  {r.cold - r.read:7.3f}  {r.in_memory:7.3f}  {ratio:9.2f}×  "
            f"{r.peak_bytes / 1e6:7.0f}  " + "; ".join(targets)
        )
    lines += [
        "",
        "Seconds, best of N. floor: json.loads of the values:batchGet response body, in a fresh",
        "process with the modules the bot loads; (no gc): the same with the garbage collector",
        "paused. cold: one read as DatasetCache makes it, the bot's cold path (read_dataset:",
        "GoogleSheetBackend.read_tabs() + load_dataset(), over HTTP from the local Sheets",
        "stand-in, gzipped as Google sends it), + compute_figures(); read: HTTP + gunzip + JSON,",
        "load: the rest. in-mem: load_dataset() + compute_figures() alone, on tabs already read.",
        "peak: the measuring process's peak RSS during the cold reads, MB = 10^6 bytes.",
        "",
    ]
    lines += [
        f"{_label(r.rows):>6} rows: {r.participants} participants counted ({r.active} active on "
        f"{AS_OF}), {r.problems} problems, {r.rows_left_out} rows left out"
        for r in results
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.load(sys.stdin))))
        return
    results = []
    for rows in (int(size) for size in args.sizes.split(",")):
        # Fewer runs of the largest sheet: its numbers vary little, and it keeps the run short.
        repeat, floor_repeat = (5, 7) if rows <= 100_000 else (2, 3)
        start = time.perf_counter()
        results.append(measure(rows, repeat, floor_repeat))
        print(
            f"{_label(rows)} rows measured in {time.perf_counter() - start:.0f} s", file=sys.stderr
        )
    print(report(results))


if __name__ == "__main__":
    main()
