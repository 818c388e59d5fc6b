"""The bot reads the sheet in a worker process of its own (`bot.read_worker`), so its threads never
wait for parsing and loading; what comes back is the same Dataset, prepared, or the same error."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.read_worker import ReadWorker, ReadWorkerError
from bot.source import open_backend
from commands.context import Context
from commands.dispatch import answer
from commands.language import Language
from sheets.cache import read_dataset
from sheets.errors import SheetNotFound
from tests.test_cache import prepared_keys


def test_the_worker_reads_loads_and_prepares_the_sheet_in_its_own_process(
    demo_workbook: Path,
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    worker = ReadWorker(settings)
    try:
        data = worker.read()
        first = worker.pid
        assert first is not None and first != os.getpid()

        def not_prepared() -> None:
            raise AssertionError("computed by a question, not by the worker")

        for key in prepared_keys(settings.today(), settings.language, settings.small_count_min):
            data.memo(key, not_prepared)
        here = read_dataset(open_backend(settings), loaded_at=data.loaded_at)
        context = Context(date(2026, 11, 23), Language("sv"))
        for question in ("läge", "deltagare RESAM", "kontroll", "budget"):
            assert answer(data, question, context) == answer(here, question, context)

        demo_workbook.rename(demo_workbook.with_suffix(".moved"))
        with pytest.raises(SheetNotFound) as raised:  # the sheet's errors, in both languages
            worker.read()
        assert "finns inte" in raised.value.message_sv
        assert "does not exist" in raised.value.message_en
        demo_workbook.with_suffix(".moved").rename(demo_workbook)
        assert worker.pid == first, "an error in the sheet is no reason for a new process"

        os.kill(first, signal.SIGKILL)  # the process dies (say, out of memory)
        with contextlib.suppress(ReadWorkerError):  # this read may be lost with it
            worker.read()
        assert worker.read().insatser == data.insatser
        assert worker.pid not in (None, first)
    finally:
        worker.close()
    assert worker.pid is None
