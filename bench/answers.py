"""How fast the bot answers once it has read the sheet, how often it reads it, how fast it acks.

Issues 6 and 12. Against the local stand-ins of ``tests/fakes`` (nothing leaves 127.0.0.1), on the
synthetic sheet of ``bench/load.py``:

* **warm**: each subcommand asked through the bot's own path (``DatasetCache`` with the bot's
  ``prepare`` hook, ``Answerer.answer``, ``bot.blocks.render_reply``) after the sheet has been
  read, at 800k participants; every run timed, the first included. Target: ≤ 20 ms. Also
  ``kontroll`` on a sheet with 50 000 problems.
* **reads**: 1000 commands from 32 threads (the bot's answer pool), spread evenly over 6 cache
  periods of a short CACHE_TTL_SECONDS, through the same path; the stand-in counts the
  ``values:batchGet`` requests. Target: at most one per TTL whatever the command rate (one
  refresh at a time; a question during it is answered from the last read).
* **http**: ``finsam-bot serve`` in HTTP mode (gunicorn), a subprocess reading the 800k sheet
  from the Sheets stand-in and answering to the Slack stand-in; after one question has warmed its
  cache, rounds of 20 signed ``/finsam`` slash commands sent at the same moment. ack: until the
  HTTP response; answer: until the answer reaches the response_url. Targets: every ack within
  100 ms, every answer within 3 s.
* **http during refreshes**: the same with CACHE_TTL_SECONDS=0 and a question every quarter of
  a second besides, so the bot reads the 800k sheet back to back (in its reading process) while
  10 rounds of 20 commands arrive. Targets: acks p99 < 100 ms, answers p99 ≤ 3 s (from the last
  read: none waits for the refresh).

Run: ``make bench`` (with ``bench/load.py``, one table) or ``.venv/bin/python bench/answers.py
[--rows 800000]``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.load and tests.fakes, which are not installed

import requests  # noqa: E402

from bench.load import (  # noqa: E402
    AS_OF,
    PrerenderedSheetsApi,
    bot_environment,
    finsam_bot,
    sheet_tabs,
)
from tests.fakes.slack_api import (  # noqa: E402
    RESPONSE_URL,
    SIGNING_SECRET,
    FakeSlackApi,
    signed_headers,
    slash_command_body,
)

ROWS = 800_000
#: Issue 6's targets.
WARM_LIMIT = 0.020
ACK_LIMIT, ANSWER_LIMIT = 0.100, 3.0
CONCURRENT = 20
#: Rounds of CONCURRENT commands sent while the sheet is being read (200 acks: p99 is the 2nd
#: slowest).
REFRESH_ROUNDS = 10
#: The asker of every question: written as a Slack user in Handläggare of the bench sheet.
ASKER = "U0BENCH001"
#: Every subcommand, with an argument of each kind where it takes one.
QUESTIONS = (
    "hjälp",
    "läge",
    "deltagare",
    "deltagare RESAM",
    "deltagare Västerås",
    "deltagare Anna Lindqvist",
    "deltagare mig",
    "deltagare <@U0BENCH002>",
    "insats RESAM",
    "mål",
    "budget",
    "budget RESAM",
    "kontroll",
    "vecka",
)


def percentiles(values: list[float], percent: int = 95) -> tuple[float, float, float]:
    """Return the median, the `percent`th percentile (nearest rank) and the largest of `values`."""
    ordered = sorted(values)
    rank = ordered[min(len(ordered) - 1, max(0, -(-percent * len(ordered) // 100) - 1))]
    return statistics.median(ordered), rank, ordered[-1]


class CountingSheetsApi(PrerenderedSheetsApi):
    """The prerendered Sheets stand-in, noting when each values request arrives."""

    def __init__(self, tabs: dict[str, list[list[object]]]) -> None:
        super().__init__(tabs)
        self.rows = len(tabs["Deltagare"]) - 1
        self.read_times: list[float] = []

    def _batch_get(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.read_times.append(time.monotonic())
        return super()._batch_get(query)


@contextmanager
def sheets_api(rows: int) -> Iterator[CountingSheetsApi]:
    """Serve the synthetic sheet of `rows` participants, its answer rendered ahead."""
    with CountingSheetsApi(sheet_tabs(rows)) as api:
        api.prerender()
        yield api


def bot_answerer(api: CountingSheetsApi, ttl: float) -> tuple[Any, Any]:
    """Return the bot's cache and Answerer over the stand-in, as ``bot.source.open_cache`` and
    ``bot.app.build_app`` make them, but as of the bench sheet's date."""
    from bot.answers import Answerer
    from commands.dispatch import prepare
    from commands.language import Language
    from sheets.backends.google import GoogleSheetBackend
    from sheets.cache import DatasetCache

    language = Language("sv")
    backend = GoogleSheetBackend.from_service_account_info(
        api.service_account_info(), api.spreadsheet_id, api_url=api.url
    )
    backend.read_tabs()  # the token and the tab titles, as a bot that has run a while has them
    cache = DatasetCache(backend, ttl, prepare=lambda data: prepare(data, AS_OF, language))
    return cache, Answerer(cache.get, language, 5, lambda: AS_OF)


def ask(answerer: Any, text: str) -> None:
    """Answer `text` as the Slack app does, Block Kit included."""
    from bot.blocks import render_reply

    render_reply(answerer.answer(text, ASKER).reply, answerer.language)


# --- warm answers ---------------------------------------------------------------------------------


@dataclass
class Warm:
    rows: int
    refresh: float  # the cold read, load and prepare of the cache
    per_question: dict[str, list[float]]
    many_problems: int = 0
    many_problems_times: list[float] = field(default_factory=list)

    @property
    def slowest(self) -> tuple[str, float]:
        text = max(self.per_question, key=lambda q: max(self.per_question[q]))
        return text, max(self.per_question[text])


def measure_warm(api: CountingSheetsApi, runs: int) -> Warm:
    cache, answerer = bot_answerer(api, ttl=3600)
    start = time.perf_counter()
    cache.get()
    refresh = time.perf_counter() - start
    times: dict[str, list[float]] = {text: [] for text in QUESTIONS}
    for _ in range(runs):  # round robin, so no subcommand runs only on a cold CPU cache
        for text in QUESTIONS:
            start = time.perf_counter()
            ask(answerer, text)
            times[text].append(time.perf_counter() - start)
    return Warm(api.rows, refresh, times)


def measure_many_problems(warm: Warm, rows: int, runs: int) -> None:
    """Time ``kontroll`` on a sheet where every other participant has a formula error."""
    from bot.answers import Answerer
    from commands.dispatch import prepare
    from commands.language import Language
    from sheets.validate import load_dataset

    tabs = sheet_tabs(rows)
    for row in tabs["Deltagare"][1::2]:
        if row:
            row[3] = "#REF!"  # Födelseår
    data = load_dataset(tabs)
    del tabs
    prepare(data, AS_OF, Language("sv"))
    answerer = Answerer(lambda: data, Language("sv"), 5, lambda: AS_OF)
    warm.many_problems = len(data.problems)
    for _ in range(runs):
        start = time.perf_counter()
        ask(answerer, "kontroll")
        warm.many_problems_times.append(time.perf_counter() - start)


# --- sheet reads under load -------------------------------------------------------------------------


@dataclass
class Reads:
    rows: int
    ttl: float
    commands: int
    threads: int
    duration: float  # from the first command's time to the last answer
    reads: int
    smallest_gap: float | None  # between two reads, seconds
    latencies: list[float]

    @property
    def allowed(self) -> int:
        """At most one read per TTL: the reads that fit in the run."""
        return -(-int(self.duration * 1000) // int(self.ttl * 1000))

    @property
    def per_minute(self) -> float:
        return self.reads / self.duration * 60


def measure_reads(rows: int, ttl: float, commands: int, periods: int, threads: int) -> Reads:
    with sheets_api(rows) as api:
        _, answerer = bot_answerer(api, ttl)
        api.read_times.clear()
        spread = periods * ttl
        latencies: list[float] = []
        lock = threading.Lock()
        start = time.monotonic() + 0.2

        def command(number: int) -> None:
            due = start + number * spread / commands
            time.sleep(max(0.0, due - time.monotonic()))
            ask(answerer, QUESTIONS[number % len(QUESTIONS)])
            with lock:
                latencies.append(time.monotonic() - due)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(command, range(commands)))
        duration = time.monotonic() - start
        times = api.read_times
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        return Reads(
            rows,
            ttl,
            commands,
            threads,
            duration,
            len(times),
            min(gaps) if gaps else None,
            latencies,
        )


# --- HTTP mode ----------------------------------------------------------------------------------------


@dataclass
class Http:
    rows: int
    concurrent: int
    rounds: int
    threads: int
    acks: list[float]
    answers: list[float]
    statuses: list[int]
    warm_up: float  # the first question: the server's cold read


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(
    slack: FakeSlackApi, api: CountingSheetsApi, port: int, ttl: float
) -> dict[str, str]:
    return bot_environment(
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        GOOGLE_SHEET_ID=api.spreadsheet_id,
        GOOGLE_SERVICE_ACCOUNT_JSON=json.dumps(api.service_account_info()),
        GOOGLE_SHEETS_API_URL=api.url,
        CACHE_TTL_SECONDS=f"{ttl:g}",
        PORT=str(port),
        TIMEZONE="Europe/Stockholm",
        FINSAM_LANGUAGE="sv",
        PYTHONUNBUFFERED="1",
    )


@contextmanager
def serve(
    slack: FakeSlackApi, api: CountingSheetsApi, log: Path, ttl: float = 3600
) -> Iterator[str]:
    """Run ``finsam-bot serve`` in HTTP mode with CACHE_TTL_SECONDS `ttl` until the block ends;
    yield its URL."""
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*finsam_bot(), "serve"],
            cwd=log.parent,
            env=_environment(slack, api, port, ttl),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"finsam-bot serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"finsam-bot serve did not answer /healthz:\n{log.read_text()}")
            time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _slash_command(url: str, text: str, response_url: str) -> tuple[float, float, int]:
    """Send `text` as /finsam; return when it was sent, how long the ack took, its status."""
    body = slash_command_body(text, response_url, user_id=ASKER)
    headers = signed_headers(body, "application/x-www-form-urlencoded")
    sent = time.monotonic()
    response = requests.post(f"{url}/slack/events", data=body, headers=headers, timeout=10)
    return sent, time.monotonic() - sent, response.status_code


def _round(
    url: str, slack: FakeSlackApi, number: int, concurrent: int
) -> tuple[list[float], list[float], list[int]]:
    """Send `concurrent` slash commands at the same moment; return the acks' times, the answers'
    times and the HTTP statuses."""
    names = [f"r{number}q{i}" for i in range(concurrent)]
    go = threading.Barrier(concurrent)
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    statuses: list[int] = []

    def send(index: int) -> None:
        text = QUESTIONS[(index + number) % len(QUESTIONS)]
        # Everything but sending is done before the moment all go: the body signed, the
        # connection open. The client's own work (and its GIL: twenty threads in this process,
        # beside the stand-ins) would otherwise count as the bot's ack time.
        body = slash_command_body(text, slack.response_url(names[index]), user_id=ASKER)
        headers = signed_headers(body, "application/x-www-form-urlencoded")
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        connection.connect()
        try:
            go.wait(timeout=10)
            sent = time.monotonic()
            connection.request("POST", "/slack/events", body, headers)
            response = connection.getresponse()
            ack = time.monotonic() - sent
            response.read()
        finally:
            connection.close()
        sent_at[names[index]] = sent
        acks.append(ack)
        statuses.append(response.status)

    with ThreadPoolExecutor(concurrent) as pool:
        list(pool.map(send, range(concurrent)))
    deadline = time.monotonic() + 30
    arrived: dict[str, Any] = {}
    while len(arrived) < concurrent and time.monotonic() < deadline:
        time.sleep(0.01)
        arrived = {call.name: call for call in slack.calls(RESPONSE_URL) if call.name in sent_at}
    if len(arrived) < concurrent:
        sys.exit(f"round {number}: {concurrent - len(arrived)} answers never arrived")
    return acks, [arrived[name].received_at - sent_at[name] for name in names], statuses


def measure_http(api: CountingSheetsApi, concurrent: int, rounds: int) -> Http:
    from bot.server import THREADS

    result = Http(api.rows, concurrent, rounds, THREADS, [], [], [], 0.0)
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeSlackApi() as slack,
        serve(slack, api, Path(folder) / "serve.log") as url,
    ):
        sent, _, _ = _slash_command(url, "läge", slack.response_url("warm-up"))
        [answer] = slack.wait_for(RESPONSE_URL, name="warm-up", timeout=120) or [None]
        if answer is None:
            sys.exit("the warm-up question got no answer")
        result.warm_up = answer.received_at - sent
        for number in range(rounds):
            acks, answers, statuses = _round(url, slack, number, concurrent)
            result.acks += acks
            result.answers += answers
            result.statuses += statuses
            time.sleep(0.5)
    return result


@dataclass
class Refreshing:
    """HTTP mode while the sheet is read again and again: acks and answers during refreshes."""

    rows: int
    concurrent: int
    rounds: int
    acks: list[float]
    answers: list[float]
    statuses: list[int]
    refreshes: int  # values requests made while the rounds ran
    refresh: float  # seconds between two of them, reads back to back: how long a refresh takes


def measure_http_refreshing(api: CountingSheetsApi, concurrent: int, rounds: int) -> Refreshing:
    """Rounds of `concurrent` slash commands while the bot reads the sheet back to back.

    ``finsam-bot serve`` runs with CACHE_TTL_SECONDS=0 and one more question every quarter of a
    second besides the rounds, so the bot starts a refresh the moment the last one ends: a round
    always meets one under way (parsing, loading, preparing, or handing the Dataset over).
    """
    result = Refreshing(api.rows, concurrent, rounds, [], [], [], 0, 0.0)
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeSlackApi() as slack,
        serve(slack, api, Path(folder) / "serve.log", ttl=0) as url,
    ):
        _slash_command(url, "läge", slack.response_url("first"))
        if not slack.wait_for(RESPONSE_URL, name="first", timeout=120):
            sys.exit("the first question got no answer")
        stop = threading.Event()

        def keep_reading() -> None:
            for number in itertools.count():
                if stop.wait(0.25):
                    return
                _slash_command(url, "mål", slack.response_url(f"keep-{number}"))

        keeper = threading.Thread(target=keep_reading, daemon=True)
        keeper.start()
        reads_before = len(api.read_times)
        started = time.monotonic()
        for number in range(rounds):
            time.sleep(0.7)
            acks, answers, statuses = _round(url, slack, 100 + number, concurrent)
            result.acks += acks
            result.answers += answers
            result.statuses += statuses
        stop.set()
        keeper.join()
        times = [t for t in api.read_times[reads_before:] if t >= started]
        result.refreshes = len(times)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        result.refresh = statistics.median(gaps) if gaps else float("nan")
    return result


# --- the report ---------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report_warm(warm: Warm) -> str:
    lines = [
        f"Warm answers at {warm.rows:,} participants (bot path: Answerer.answer + render_reply; "
        f"{len(next(iter(warm.per_question.values())))} runs each, the first included)",
        f"  cold read + load + prepare of the cache: {warm.refresh:.2f} s",
        f"  {'question':<28} {'median':>9} {'max':>9}",
    ]
    for text, times in warm.per_question.items():
        lines.append(
            f"  {text:<28} {_ms(statistics.median(times)):>9} {_ms(max(times)):>9}",
        )
    if warm.many_problems_times:
        times = warm.many_problems_times
        label = f"kontroll, {warm.many_problems:,} problems"
        lines.append(f"  {label:<28} {_ms(statistics.median(times)):>9} {_ms(max(times)):>9}")
    return "\n".join(lines)


def report_reads(reads: Reads) -> str:
    p50, p95, top = percentiles(reads.latencies)
    gap = "–" if reads.smallest_gap is None else f"{reads.smallest_gap:.2f} s"
    return "\n".join(
        [
            f"Sheet reads: {reads.commands} commands from {reads.threads} threads over "
            f"{reads.duration:.1f} s ({reads.commands / reads.duration * 60:,.0f} a minute), "
            f"CACHE_TTL_SECONDS={reads.ttl:g}, {reads.rows:,} participants",
            f"  values:batchGet requests: {reads.reads} (at most one per TTL: {reads.allowed}); "
            f"{reads.per_minute:.0f} a minute (60/TTL = {60 / reads.ttl:.0f}); smallest gap "
            f"between two reads {gap}",
            f"  time to answer: p50 {_ms(p50)}, p95 {_ms(p95)}, max {_ms(top)} "
            "(only the first read is waited for; later ones run behind the answers)",
        ]
    )


def report_http(http: Http) -> str:
    ack, answer = percentiles(http.acks), percentiles(http.answers)
    bad = [status for status in http.statuses if status != 200]
    return "\n".join(
        [
            f"HTTP mode: finsam-bot serve (gunicorn, 1 worker, {http.threads} threads), "
            f"{http.rounds} rounds of {http.concurrent} concurrent /finsam commands, warm cache "
            f"of {http.rows:,} participants (the first question, cold: {http.warm_up:.1f} s)",
            f"  ack:    p50 {_ms(ack[0])}, p95 {_ms(ack[1])}, max {_ms(ack[2])}"
            + (f"; {len(bad)} not 200: {bad}" if bad else ""),
            f"  answer: p50 {_ms(answer[0])}, p95 {_ms(answer[1])}, max {_ms(answer[2])}",
        ]
    )


def report_refreshing(refreshing: Refreshing) -> str:
    ack, answer = percentiles(refreshing.acks, 99), percentiles(refreshing.answers, 99)
    bad = [status for status in refreshing.statuses if status != 200]
    return "\n".join(
        [
            f"HTTP mode during refreshes: {refreshing.rounds} rounds of {refreshing.concurrent} "
            f"concurrent /finsam commands while the {refreshing.rows:,}-participant sheet was "
            f"read back to back ({refreshing.refreshes} reads, {refreshing.refresh:.1f} s each, "
            "in the reading process)",
            f"  ack:    p50 {_ms(ack[0])}, p99 {_ms(ack[1])}, max {_ms(ack[2])}"
            + (f"; {len(bad)} not 200: {bad}" if bad else ""),
            f"  answer: p50 {_ms(answer[0])}, p99 {_ms(answer[1])}, max {_ms(answer[2])} "
            "(from the last read: no answer waits for the refresh)",
        ]
    )


@dataclass
class Results:
    warm: Warm
    reads: Reads
    http: Http
    refreshing: Refreshing


def measure_all(
    rows: int, reads_rows: int, runs: int, rounds: int, say: Callable[[str], None]
) -> Results:
    """Measure all three, the warm answers and HTTP mode on one stand-in of `rows`."""
    started = time.perf_counter()
    with sheets_api(rows) as api:
        say(f"{rows:,} rows generated and served in {time.perf_counter() - started:.0f} s")
        warm = measure_warm(api, runs)
        say("warm answers measured")
        http = measure_http(api, CONCURRENT, rounds)
        say("HTTP mode measured")
        refreshing = measure_http_refreshing(api, CONCURRENT, REFRESH_ROUNDS)
        say("HTTP mode during refreshes measured")
    measure_many_problems(warm, 100_000, runs)
    reads = measure_reads(reads_rows, ttl=2.0, commands=1000, periods=6, threads=32)
    say("sheet reads measured")
    return Results(warm, reads, http, refreshing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="participants (warm, HTTP)")
    parser.add_argument("--reads-rows", type=int, default=100_000, help="participants (reads)")
    parser.add_argument("--runs", type=int, default=30, help="runs of each question (warm)")
    parser.add_argument("--rounds", type=int, default=5, help=f"rounds of {CONCURRENT} (HTTP)")
    args = parser.parse_args()
    results = measure_all(
        args.rows, args.reads_rows, args.runs, args.rounds, lambda s: print(s, file=sys.stderr)
    )
    print(report_warm(results.warm))
    print()
    print(report_reads(results.reads))
    print()
    print(report_http(results.http))
    print()
    print(report_refreshing(results.refreshing))


if __name__ == "__main__":
    main()
