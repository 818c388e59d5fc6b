"""Reusing one read of the sheet, refreshed in the background, and falling back to the last good read.

Google allows 60 reads a minute per service account and a read of a large sheet takes seconds, so
questions share one loaded, validated Dataset, and only the very first read is waited for
(stale-while-revalidate). Once a read has succeeded, a question is answered from the last read at
once; when that read is older than `ttl_seconds`, one refresh starts in the background (never two
at once) and the questions after it get the new read. A hanging Google never makes a question wait.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sheets.backends.base import SheetBackend
from sheets.dataset import Dataset
from sheets.errors import SheetsError, SheetUnavailable
from sheets.problems import Text
from sheets.structure import unusable_tab_error
from sheets.validate import load_dataset

log = logging.getLogger(__name__)

#: Seconds a question waits for a read when there is no earlier one to answer from (the first
#: read, or the one after `invalidate`). Longer than a read of a large sheet takes; shorter than
#: the backend's retries against a Google that does not answer (up to two minutes).
FIRST_READ_WAIT = 30.0


@contextmanager
def garbage_collector_paused() -> Iterator[None]:
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


def read_dataset(backend: SheetBackend, loaded_at: datetime | None = None) -> Dataset:
    """Read the sheet once and return it loaded and validated: the cold path, all of it.

    Raises:
        SheetsError: it cannot be read, or a tab the figures need is missing or unusable
            (SheetTabMissing).
    """
    # The raw cells are gone (reference counting frees them) before the collector resumes.
    with garbage_collector_paused():
        tabs = backend.read_tabs()
        dataset = load_dataset(tabs, url=backend.url, loaded_at=loaded_at)
        unusable = unusable_tab_error(tabs, dataset)
        del tabs
    if unusable is not None:
        raise unusable
    return dataset


class DatasetCache:
    """The validated Dataset of one backend, read again in the background after `ttl_seconds`.

    Args:
        backend: where the sheet is read from.
        ttl_seconds: how long a read is answered from before a refresh starts.
        now: the time a read is stamped with (for "data from 08:05").
        clock: a monotonic clock, in seconds, that the TTL is counted on.
        prepare: called with each new read before any question gets it (the commands work out
            today's figures), so that no question waits for that work.
        read: makes one read (and prepares it) instead of `read_dataset` and `prepare` here: the
            bot passes a worker process's, so that reading never holds this process's threads.
        first_read_wait: seconds a question waits for a read when there is none to answer from;
            None waits as long as the read takes (the command line).
    """

    def __init__(
        self,
        backend: SheetBackend,
        ttl_seconds: float,
        *,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
        prepare: Callable[[Dataset], object] | None = None,
        read: Callable[[], Dataset] | None = None,
        first_read_wait: float | None = FIRST_READ_WAIT,
    ) -> None:
        self.backend = backend
        self.ttl_seconds = ttl_seconds
        self.first_read_wait = first_read_wait
        self._now = now
        self._clock = clock
        self._prepare = prepare
        self._read = read if read is not None else self._read_here
        self._changed = threading.Condition()  # guards everything below
        self._good: Dataset | None = None  # the last successful read, however old
        self._good_number = 0  # which read it was (reads are numbered from 1 as they start)
        self._read_at = float("-inf")  # when that read started, on `clock`
        self._failure: Exception | None = None  # why the last read failed; None when it did not
        self._failed_number = 0
        self._failed_at = float("-inf")
        self._stale: Dataset | None = None  # `_good` marked as stale, while reads fail
        self._stale_error: SheetsError | None = None  # the failure `_stale` gives as the reason
        self._started = 0  # reads started so far
        self._reading = False  # a read is under way (there is never more than one)
        self._wanted = 1  # the first read a question may be answered from (see `invalidate`)
        # gunicorn forks its worker from a process that read the sheet at start.
        os.register_at_fork(after_in_child=functools.partial(_forked, weakref.ref(self)))

    @property
    def last_error(self) -> SheetsError | None:
        """Why the last read of the sheet failed, or None when it succeeded (or none has ended)."""
        failure = self._failure
        return failure if isinstance(failure, SheetsError) else None

    def get(self) -> Dataset:
        """Return the Dataset to answer from, at once whenever there is a read to answer from.

        When the last read is older than `ttl_seconds` it is still returned, and a refresh starts
        in the background unless one is under way. When the last refresh failed (the sheet cannot
        be read, or lacks a tab the figures need: a renamed Deltagare would turn every figure into
        0), the last good read is returned with `stale` set (the reply then says how old the data
        is and why) and the read is tried again after `ttl_seconds`, so a broken sheet is not
        hammered by every question. The log says so once per new kind of failure.

        Only when there is nothing to answer from (the first read, or after `invalidate`) does
        the question wait for a read, at most `first_read_wait` seconds.

        Raises:
            SheetsError: nothing to answer from: the sheet cannot be read, no earlier read
                succeeded (SheetUnavailable when the read takes longer than `first_read_wait`).
            Exception: whatever a bug in reading raised, when no earlier read succeeded.
        """
        with self._changed:
            now = self._clock()
            if self._good is not None and self._good_number >= self._wanted:
                if not self._reading and self._due(now):
                    self._start_read(now)
                return self._current()
            wanted = self._wanted
            if (
                self._failure is not None
                and self._failed_number >= wanted
                and now - self._failed_at < self.ttl_seconds
            ):
                return self._fallback(self._failure)  # tried moments ago: not again yet
            if not self._reading:
                self._start_read(now)
            # The read under way (or, after `invalidate`, the one it sets off next) decides.
            awaited = max(self._started, wanted)
            finished = self._changed.wait_for(
                lambda: max(self._good_number, self._failed_number) >= awaited,
                timeout=self.first_read_wait,
            )
            if not finished:
                return self._fallback(_still_reading())
            if self._good_number >= wanted:
                return self._current()
            assert self._failure is not None
            return self._fallback(self._failure)

    def refresh(self) -> None:
        """Start a read in the background unless one is under way; return at once.

        `finsam-bot serve` calls it at start, so that the first question finds the sheet read.
        """
        with self._changed:
            if not self._reading:
                self._start_read(self._clock())

    def invalidate(self) -> None:
        """Forget the cached Dataset: the next `get` waits for a read that starts after this call.

        If that read fails or takes longer than `first_read_wait`, `get` falls back to the last
        good read as usual (marked stale).
        """
        with self._changed:
            self._wanted = self._started + 1
            self._read_at = self._failed_at = float("-inf")

    def wait_for_read(self, timeout: float) -> bool:
        """Wait until no read is under way; return False when one still is after `timeout` s."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._reading, timeout=timeout)

    def _after_fork_in_child(self) -> None:
        """In a forked child: no thread came along, so no read is under way and no one holds
        the lock; the reads so far stay, and the next refresh starts here."""
        self._changed = threading.Condition()
        self._reading = False

    # -- reading -------------------------------------------------------------------------------

    def _due(self, now: float) -> bool:
        """Whether the data to answer from is old enough for a new read (lock held)."""
        if self._failure is not None:
            return now - self._failed_at >= self.ttl_seconds
        return now - self._read_at >= self.ttl_seconds

    def _start_read(self, now: float) -> None:
        """Start read number `_started + 1` in a background thread (lock held, none under way)."""
        self._started += 1
        self._reading = True
        number = self._started
        threading.Thread(
            target=self._read_in_background,
            args=(number, now),
            name=f"sheet-read-{number}",
            daemon=True,  # a read Google never answers must not keep the process alive
        ).start()

    def _read_in_background(self, number: int, started_at: float) -> None:
        dataset: Dataset | None = None
        failure: Exception | None = None
        try:
            dataset = self._read()
        except Exception as error:  # the edge of a background job: a bug must not end the reads
            failure = error
        finally:
            with self._changed:
                if dataset is not None:
                    self._succeeded(number, started_at, dataset)
                elif failure is not None:
                    self._failed(number, started_at, failure)
                self._reading = False
                if self._wanted > number:  # invalidated while this read was under way
                    self._start_read(self._clock())
                self._changed.notify_all()

    def _read_here(self) -> Dataset:
        dataset = read_dataset(self.backend, loaded_at=self._now())
        if self._prepare is not None:
            self._prepare(dataset)
        return dataset

    def _succeeded(self, number: int, started_at: float, dataset: Dataset) -> None:
        if self._failure is not None:
            log.info("sheet read again", extra={"after": type(self._failure).__name__})
        self._failure = None
        self._good, self._good_number, self._read_at = dataset, number, started_at
        self._stale = self._stale_error = None

    def _failed(self, number: int, started_at: float, failure: Exception) -> None:
        if self._failure is None or type(failure) is not type(self._failure):
            answering_from = "last good read" if self._good is not None else "nothing"
            if isinstance(failure, SheetsError):  # once per new kind of failure, not per question
                log.warning(
                    "sheet read failed",
                    extra={
                        "error": type(failure).__name__,
                        "answering_from": answering_from,
                        "detail": failure.message_en,
                    },
                )
            else:
                log.error(
                    "reading the sheet failed",
                    extra={"answering_from": answering_from},
                    exc_info=failure,  # logged as its type and place, never its message
                )
        self._failure, self._failed_number, self._failed_at = failure, number, started_at

    # -- answering -----------------------------------------------------------------------------

    def _current(self) -> Dataset:
        """The good read, marked stale while the reads after it fail (lock held, one exists)."""
        assert self._good is not None
        if self._failure is None:
            return self._good
        return self._fallback(self._failure)

    def _fallback(self, failure: Exception) -> Dataset:
        """The last good read marked stale with `failure` as the reason; raises without one."""
        if self._good is None:
            raise failure
        if not isinstance(failure, SheetsError):
            return self._good  # a bug, logged: the sheet itself is fine as far as anyone knows
        if self._stale is None or self._stale_error is not failure:
            self._stale_error = failure
            self._stale = replace(
                self._good,
                stale=Text(
                    sv=f"Arket går inte att läsa just nu ({failure.public_message('sv')}) – siffrorna är "
                    "från den senaste lyckade läsningen.",
                    en=f"The sheet cannot be read right now ({failure.public_message('en')}) – the "
                    "figures are from the last successful read.",
                ),
            )
        return self._stale


def _forked(cache: weakref.ref[DatasetCache]) -> None:
    alive = cache()
    if alive is not None:
        alive._after_fork_in_child()


def _still_reading() -> SheetUnavailable:
    return SheetUnavailable(
        "Google Sheets has not answered yet (the sheet is still being read). This is usually "
        "temporary: try again in a minute. If it persists, check the server's network "
        "connection and GOOGLE_SHEETS_API_URL.",
        "Google Kalkylark har inte svarat än (arket läses fortfarande). Det brukar vara "
        "tillfälligt: försök igen om en minut. Om det fortsätter, kontrollera serverns "
        "nätverksanslutning och GOOGLE_SHEETS_API_URL.",
    )
