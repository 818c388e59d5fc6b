"""Reusing one read of the sheet for a while, and falling back to the last good read.

Google allows 60 reads a minute per service account and a read of a large sheet takes a second, so
questions within `ttl_seconds` share one loaded, validated Dataset. Questions that arrive while the
sheet is being read wait for that read instead of starting their own.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sheets.backends.base import SheetBackend
from sheets.dataset import Dataset
from sheets.errors import SheetsError
from sheets.problems import Text
from sheets.structure import unusable_tab_error
from sheets.validate import load_dataset

log = logging.getLogger(__name__)


@contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration, if it is running.

    Reading a big sheet makes a list for every row, hundreds of thousands of them and none in a
    reference cycle. A running collector walks them again and again while they are made and
    validated, which makes a read two to three times slower; paused, they are freed by reference
    counting once the Dataset is built, and the collector finds nothing new when it resumes.
    """
    was_running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_running:
            gc.enable()


class DatasetCache:
    """The validated Dataset of one backend, read at most once per `ttl_seconds`."""

    def __init__(
        self,
        backend: SheetBackend,
        ttl_seconds: float,
        *,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
        prepare: Callable[[Dataset], object] | None = None,
    ) -> None:
        self.backend = backend
        #: Called with each new read before any question gets it (the commands work out
        #: today's figures), so that no question waits for that work.
        self._prepare = prepare
        self.ttl_seconds = ttl_seconds
        self._now = now
        self._clock = clock
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None  # fresh within the TTL
        self._good: Dataset | None = None  # the last successful read, however old
        self._stale: Dataset | None = None  # `_good` marked as stale, while reads fail
        self._stale_error: SheetsError | None = None  # the failure `_stale` gives as the reason
        self._read_at = float("-inf")
        self._failed_at = float("-inf")
        self.last_error: SheetsError | None = None

    def get(self) -> Dataset:
        """Return the Dataset, reading the sheet again when the last read is older than the TTL.

        When the sheet cannot be read, or a read lacks a tab the figures need (a renamed
        Deltagare would turn every figure into 0), but an earlier read succeeded, returns that
        earlier Dataset with `stale` set (the reply then says how old the data is and why). A
        failed read is not retried for `ttl_seconds` either, so a broken sheet is not hammered
        by every question, and the log says so once per new kind of failure, not per question.

        Raises:
            SheetsError: the sheet cannot be read and no earlier read succeeded.
        """
        with self._lock:
            now = self._clock()
            if self._dataset is not None and now - self._read_at < self.ttl_seconds:
                return self._dataset
            if self.last_error is not None and now - self._failed_at < self.ttl_seconds:
                return self._fallback(self.last_error)
            try:
                dataset = self._read()
            except SheetsError as error:
                if self.last_error is None or type(error) is not type(self.last_error):
                    log.warning(  # once per new kind of failure, not once per question
                        "sheet read failed",
                        extra={
                            "error": type(error).__name__,
                            "answering_from": "last good read" if self._good else "nothing",
                            "detail": error.message_en,
                        },
                    )
                self.last_error = error
                self._failed_at = now
                self._dataset = None
                return self._fallback(error)
            if self.last_error is not None:
                log.info("sheet read again", extra={"after": type(self.last_error).__name__})
            self.last_error = None
            self._dataset = self._good = dataset
            self._stale = None
            self._read_at = now
            if self._prepare is not None:
                self._prepare(dataset)
            return dataset

    def _read(self) -> Dataset:
        """Read the sheet and load it.

        Raises:
            SheetsError: it cannot be read, or a tab the figures need is missing or unusable
                (SheetTabMissing).
        """
        # The raw cells are gone (reference counting frees them) before the collector resumes.
        with _garbage_collector_paused():
            tabs = self.backend.read_tabs()
            dataset = load_dataset(tabs, url=self.backend.url, loaded_at=self._now())
            unusable = unusable_tab_error(tabs, dataset)
            del tabs
        if unusable is not None:
            raise unusable
        return dataset

    def invalidate(self) -> None:
        """Forget the cached Dataset, so the next `get` reads the sheet."""
        with self._lock:
            self._read_at = float("-inf")
            self._failed_at = float("-inf")

    def _fallback(self, error: SheetsError) -> Dataset:
        if self._good is None:
            raise error
        if self._stale is None or self._stale_error is not error:
            self._stale_error = error
            self._stale = replace(
                self._good,
                stale=Text(
                    sv=f"Arket går inte att läsa just nu ({error.message_sv}) – siffrorna är från "
                    "den senaste lyckade läsningen.",
                    en=f"The sheet cannot be read right now ({error.message_en}) – the figures "
                    "are from the last successful read.",
                ),
            )
        return self._stale
