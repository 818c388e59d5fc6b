"""One read of the sheet per CACHE_TTL_SECONDS, whatever the number of questions (issue 6).

Through the real Google backend against the local Sheets stand-in, which answers slowly, so that
many questions arrive while the one read is under way: they wait for it instead of reading too.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.source import open_cache
from sheets.backends.google import GoogleSheetBackend
from sheets.cache import DatasetCache
from sheets.dataset import Dataset
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


class SlowSheetsApi(FakeSheetsApi):
    """The Sheets stand-in, taking `delay` seconds to answer a read of the values."""

    def __init__(self, tabs: dict[str, list[list[Any]]], delay: float) -> None:
        super().__init__(tabs)
        self.delay = delay

    def _batch_get(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        time.sleep(self.delay)
        return super()._batch_get(query)


def ask_at_once(cache: DatasetCache, questions: int = QUESTIONS) -> list[Dataset]:
    """Return what `questions` threads, all let go at the same moment, get from the cache."""
    start = threading.Barrier(questions)
    answers: list[Dataset] = []
    lock = threading.Lock()

    def ask() -> None:
        start.wait(timeout=10)
        data = cache.get()
        with lock:
            answers.append(data)

    threads = [threading.Thread(target=ask) for _ in range(questions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == questions, "every question got an answer"
    return answers


def test_many_questions_at_once_make_one_read_per_ttl() -> None:
    now = [0.0]
    prepared: list[Dataset] = []
    with SlowSheetsApi(SHEET, delay=0.3) as api:
        backend = GoogleSheetBackend.from_service_account_info(
            api.service_account_info(), api.spreadsheet_id, api_url=api.url
        )
        cache = DatasetCache(backend, TTL, clock=lambda: now[0], prepare=prepared.append)

        first = ask_at_once(cache)  # a cold cache: all wait for the one read
        assert api.count("batchGet") == 1
        assert all(data is first[0] for data in first)
        assert prepared == [first[0]], "each read is prepared once, before anyone gets it"

        now[0] = TTL - 0.1
        assert all(data is first[0] for data in ask_at_once(cache))
        assert api.count("batchGet") == 1

        now[0] = TTL  # the read has expired: one new read, shared again
        second = ask_at_once(cache)
        assert api.count("batchGet") == 2
        assert all(data is second[0] for data in second) and second[0] is not first[0]
        assert prepared == [first[0], second[0]]


def test_the_bots_cache_prepares_each_read_for_todays_questions(demo_workbook: Path) -> None:
    """What a question looks up is there before the first question: none of them counts."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    data = open_cache(settings).get()
    today = settings.today()

    def not_prepared() -> None:
        raise AssertionError("computed by a question, not by the read")

    for key in (
        ("figures", today),
        ("cube", today, settings.small_count_min),
        ("problem table", today, settings.language),
    ):
        data.memo(key, not_prepared)
