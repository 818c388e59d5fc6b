"""One read of the sheet per CACHE_TTL_SECONDS, and no question waits for it once there is one.

Through the real Google backend against the local Sheets stand-in, which answers slowly (or not at
all), so that questions arrive while a read is under way: the first read is waited for, bounded;
after it every question is answered at once from the last read while one refresh runs behind.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.source import open_cache
from commands.context import Context
from commands.dispatch import answer, prepare
from commands.language import Language
from sheets.backends.google import GoogleSheetBackend, RetryPolicy
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
from sheets.errors import SheetAccessDenied, SheetUnavailable
from tests.fakes.sheets_api import FakeSheetsApi

SHEET: dict[str, list[list[Any]]] = {
    "Insatser": [["Kod", "Namn", "Start"], ["IPS", "IPS Norr", date(2026, 1, 12)]],
    "Deltagare": [
        ["Deltagar-ID", "Insats", "Kön", "Inskriven"],
        ["D-001", "IPS", "K", date(2026, 2, 2)],
    ],
}
QUESTIONS = 50
TTL = 60.0
#: How long the stand-in takes to answer a read, and what "at once" means for a question.
SLOW, AT_ONCE = 0.2, 0.1


class SlowSheetsApi(FakeSheetsApi):
    """The Sheets stand-in, taking `delay` seconds to answer a read of the values."""

    def __init__(self, tabs: dict[str, list[list[Any]]], delay: float) -> None:
        super().__init__(tabs)
        self.delay = delay

    def _batch_get(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        time.sleep(self.delay)
        return super()._batch_get(query)


class Clock:
    """The cache's monotonic clock, moved on by the test."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def api() -> Iterator[SlowSheetsApi]:
    with SlowSheetsApi(SHEET, delay=SLOW) as api:
        yield api


def google(api: FakeSheetsApi, **options: Any) -> GoogleSheetBackend:
    return GoogleSheetBackend.from_service_account_info(
        api.service_account_info(), api.spreadsheet_id, api_url=api.url, **options
    )


def ask_at_once(cache: DatasetCache, questions: int = QUESTIONS) -> list[tuple[Dataset, float]]:
    """Return what `questions` threads, all let go at the same moment, get from the cache, and
    how long each waited for it."""
    start = threading.Barrier(questions)
    answers: list[tuple[Dataset, float]] = []
    lock = threading.Lock()

    def ask() -> None:
        start.wait(timeout=10)
        asked = time.monotonic()
        data = cache.get()
        with lock:
            answers.append((data, time.monotonic() - asked))

    threads = [threading.Thread(target=ask) for _ in range(questions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == questions, "every question got an answer"
    return answers


def test_many_questions_at_once_make_one_read_per_ttl_and_none_waits_for_a_refresh(
    api: SlowSheetsApi,
) -> None:
    clock = Clock()
    prepared: list[Dataset] = []
    cache = DatasetCache(google(api), TTL, clock=clock, prepare=prepared.append)

    first = ask_at_once(cache)  # a cold cache: all wait for the one read
    assert api.count("batchGet") == 1
    assert all(data is first[0][0] for data, _ in first)
    assert prepared == [first[0][0]], "each read is prepared once, before anyone gets it"

    clock.seconds = TTL - 0.1
    assert all(data is first[0][0] for data, _ in ask_at_once(cache))
    assert not cache.wait_for_read(0) or api.count("batchGet") == 1

    clock.seconds = TTL  # the read has expired: answered from it at once, one refresh behind
    during = ask_at_once(cache)
    assert all(data is first[0][0] and waited < AT_ONCE for data, waited in during)
    assert cache.wait_for_read(5)
    assert api.count("batchGet") == 2, "one refresh, however many questions found it expired"
    second = ask_at_once(cache)
    assert all(data is second[0][0] for data, _ in second) and second[0][0] is not first[0][0]
    assert prepared == [first[0][0], second[0][0]]
    assert api.count("batchGet") == 2


def test_a_google_that_hangs_never_makes_a_question_wait(api: SlowSheetsApi) -> None:
    clock = Clock()
    backend = google(api, timeout=5.0, retry=RetryPolicy(max_attempts=1))
    cache = DatasetCache(backend, TTL, clock=clock)
    first = cache.get()

    api.delay = 1.0  # Google stops answering in time
    clock.seconds = TTL
    waits = []
    for _ in range(20):
        asked = time.monotonic()
        assert cache.get() is first  # the last read, not marked stale: nothing failed yet
        waits.append(time.monotonic() - asked)
        clock.seconds += TTL  # every question finds the read expired
        time.sleep(0.02)
    assert max(waits) < AT_ONCE
    assert api.count("batchGet") == 2, "never two reads at once"
    assert cache.wait_for_read(5)
    assert cache.get() is not first


def test_a_failed_refresh_keeps_the_last_read_and_is_tried_again_after_the_ttl(
    api: SlowSheetsApi,
) -> None:
    api.delay = 0
    clock = Clock()
    backend = google(api, retry=RetryPolicy(max_attempts=1))
    cache = DatasetCache(backend, TTL, clock=clock)
    good = cache.get()

    api.deny_access = True
    clock.seconds = TTL
    assert cache.get() is good  # at once: the refresh has not failed yet
    assert cache.wait_for_read(5)
    stale = cache.get()
    assert stale.stale is not None and "inte delat med botens konto" in stale.stale.sv
    assert stale.participants is good.participants and cache.last_error is not None
    clock.seconds = 2 * TTL - 1
    cache.get()
    assert cache.wait_for_read(5) and api.count("batchGet") == 2, "not tried again before the TTL"

    api.deny_access = False
    clock.seconds = 2 * TTL
    assert cache.get() is stale  # the refresh starts; until it is done, the stale read
    assert cache.wait_for_read(5)
    fresh = cache.get()
    assert fresh.stale is None and fresh is not good and cache.last_error is None
    assert api.count("batchGet") == 3


def test_the_first_read_is_waited_for_but_not_for_ever(api: SlowSheetsApi) -> None:
    api.delay = 0.6
    cache = DatasetCache(google(api), TTL, first_read_wait=0.2)
    asked = time.monotonic()
    with pytest.raises(SheetUnavailable) as raised:
        cache.get()
    assert time.monotonic() - asked < 0.2 + AT_ONCE
    assert "arket läses fortfarande" in raised.value.message_sv
    assert cache.wait_for_read(5)
    assert cache.get().participants.insats.tolist() == [0]
    assert api.count("batchGet") == 1, "the question that gave up did not start a second read"


def test_after_a_failed_first_read_the_next_question_waits_for_a_new_one(
    api: SlowSheetsApi,
) -> None:
    api.delay, api.deny_access = 0, True
    clock = Clock()
    cache = DatasetCache(google(api, retry=RetryPolicy(max_attempts=1)), TTL, clock=clock)
    with pytest.raises(SheetAccessDenied):
        cache.get()
    api.deny_access = False
    asked = api.count()
    with pytest.raises(SheetAccessDenied):
        cache.get()  # within the TTL: the same answer, without asking Google again
    assert api.count() == asked
    clock.seconds = TTL
    assert len(cache.get().participants) == 1, "the read it waited for, not the old error"


def test_invalidate_makes_the_next_question_wait_for_a_fresh_read(api: SlowSheetsApi) -> None:
    cache = DatasetCache(google(api), TTL)
    first = cache.get()
    api.set_tabs({**SHEET, "Deltagare": [*SHEET["Deltagare"], ["D-002", "IPS", "M", "2026-03-02"]]})
    assert cache.get() is first, "within the TTL the read is reused"
    cache.invalidate()
    fresh = cache.get()
    assert len(fresh.participants) == 2 and api.count("batchGet") == 2


def test_invalidate_during_a_read_waits_for_the_read_after_it(api: SlowSheetsApi) -> None:
    clock = Clock()
    cache = DatasetCache(google(api), TTL, clock=clock)
    cache.get()
    clock.seconds = TTL
    cache.refresh()  # under way, started before the sheet changes
    api.set_tabs({**SHEET, "Deltagare": [*SHEET["Deltagare"], ["D-002", "IPS", "M", "2026-03-02"]]})
    cache.invalidate()
    assert len(cache.get().participants) == 2


def test_the_bots_cache_prepares_each_read_for_todays_questions(demo_workbook: Path) -> None:
    """What a question looks up is there before the first question: none of them counts."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    data = open_cache(settings).get()
    today = settings.today()

    def not_prepared() -> None:
        raise AssertionError("computed by a question, not by the read")

    for key in prepared_keys(today, settings.language, settings.small_count_min):
        data.memo(key, not_prepared)


def prepared_keys(today: date, language: str, small_count_min: int) -> list[tuple[Any, ...]]:
    """What `commands.dispatch.prepare` works out for `today`, as `Dataset.memo` keys."""
    return [
        ("figures", today),
        ("cube", today, small_count_min),
        ("problem table", today, language),
    ]


def test_what_prepare_works_out_survives_pickling(demo_workbook: Path) -> None:
    """The bot's reading process sends each prepared read pickled: nothing prepare keeps in the
    Dataset may be lost on the way (a lambda would not pickle at all)."""
    data = open_cache(Settings(_env_file=None), prepare=False).get()  # type: ignore[call-arg]
    as_of = date(2026, 11, 23)
    prepare(data, as_of, Language("sv"), 5)
    copy: Dataset = pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))

    def not_prepared() -> None:
        raise AssertionError("lost on the way")

    for key in prepared_keys(as_of, "sv", 5):
        copy.memo(key, not_prepared)
    context = Context(as_of, Language("sv"))
    for question in ("läge", "deltagare RESAM", "kontroll", "mål", "budget", "vecka"):
        assert answer(copy, question, context) == answer(data, question, context)
