"""Reading the sheet in a worker process, so that the Slack app's threads never wait for it.

Parsing Google's answer and loading 800 000 rows is seconds of Python that holds the interpreter
lock all along: in the process that serves Slack, every ack waited for it (1–2 s, where Slack
allows 3). `ReadWorker` hands that work to a long-lived process of its own, which owns a backend,
reads, loads, validates and prepares the sheet (`commands.dispatch.prepare`), and sends the Dataset
back pickled; the bot's process only unpickles it, in milliseconds.

The process is started with ``spawn`` (a fresh interpreter, never a fork of a process that has
threads), on the first read, in the process that reads: under gunicorn that is the one worker.
It ends when the bot's process closes its end of the pipe, or exits.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal

from bot.config import Settings
from bot.logs import configure_logging, describe_exception
from sheets.backends.base import SheetBackend
from sheets.cache import garbage_collector_paused, read_dataset
from sheets.dataset import Dataset
from sheets.errors import SheetsError

log = logging.getLogger(__name__)

#: What the worker answers a read with: the Dataset, the sheet's error, or a bug's description.
Answer = (
    tuple[Literal["read"], Dataset]
    | tuple[Literal["failed"], SheetsError]
    | tuple[Literal["bug"], str]
)
_READ = b"read"
#: How much lower the worker's CPU priority is than the bot's (see `os.nice`).
READER_NICENESS = 10


class ReadWorkerError(RuntimeError):
    """The worker process failed to read the sheet: it stopped, or hit a bug (logged there)."""


class ReadWorker:
    """Reads, loads and prepares the sheet the settings point at, in a worker process.

    Args:
        settings: the bot's settings; the worker opens the backend from them (`bot.source`).
        prepare: prepare each read for today's questions (`commands.dispatch.prepare`) there.
    """

    def __init__(self, settings: Settings, *, prepare: bool = True) -> None:
        self.settings = settings
        self.prepare = prepare
        self._lock = threading.Lock()  # one read at a time through the one pipe
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def read(self) -> Dataset:
        """Read the sheet in the worker process (starting it if needed); return the Dataset.

        Raises:
            SheetsError: the sheet cannot be read, or lacks a tab the figures need.
            ReadWorkerError: the worker process stopped or hit a bug; the next read starts a
                new one.
        """
        with self._lock:
            connection = self._connection_to_worker()
            try:
                connection.send_bytes(_READ)
                message = connection.recv_bytes()
            except (EOFError, OSError) as error:
                code = self._stop()
                log.error("the process reading the sheet stopped", extra={"exit_code": code})
                raise ReadWorkerError(f"the process reading the sheet stopped ({code})") from error
        # Hundreds of thousands of objects and no cycle among them (see garbage_collector_paused).
        with garbage_collector_paused():
            answer: Answer = pickle.loads(message)
        del message
        if answer[0] == "read":
            return answer[1]
        if answer[0] == "failed":
            raise answer[1]
        log.error("reading the sheet failed", extra={"exception": answer[1], "in": "worker"})
        raise ReadWorkerError("reading the sheet failed in the worker process (logged)")

    @property
    def pid(self) -> int | None:
        """The worker process's ID while it runs, else None."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def close(self) -> None:
        """Stop the worker process, if it runs."""
        with self._lock:
            self._stop()

    def _connection_to_worker(self) -> Connection:
        if self._connection is not None and self._process is not None and self._process.is_alive():
            return self._connection
        self._stop()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=serve_reads,
            args=(theirs, self.settings, self.prepare, logging.getLogger().getEffectiveLevel()),
            name="finsam-bot sheet reader",
            daemon=True,  # ended with the bot's process
        )
        process.start()
        theirs.close()  # only the worker holds it now: its exit shows here as EOFError
        log.info("sheet reading process started", extra={"pid": process.pid})
        self._process, self._connection = process, ours
        return ours

    def _stop(self) -> int | None:
        """Close the pipe and end the process; return its exit code (None if none ran)."""
        if self._connection is not None:
            self._connection.close()
        code = None
        if self._process is not None:
            self._process.join(timeout=5)  # it ends by itself once the pipe is closed
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            code = self._process.exitcode
            self._process.close()
        self._process = self._connection = None
        return code


def serve_reads(connection: Connection, settings: Settings, prepare: bool, log_level: int) -> None:
    """The worker process: answer each request on `connection` with a read of the sheet.

    Runs until the bot's process closes its end. Never raises for the sheet or a bug: each is
    sent back as the answer to the read it spoiled.
    """
    configure_logging(log_level)
    # Reading is background work and acks are not: on a busy machine (two cores, the bot's
    # process and this one) the scheduler gives the bot's process the CPU first.
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(READER_NICENESS)
    # Imported here, in the worker: the bot's process needs neither the backend nor `prepare`.
    from bot.source import open_backend
    from commands.dispatch import prepare as prepare_for
    from commands.language import Language

    language = Language(settings.language)
    backends: list[SheetBackend] = []  # opened on the first read, then kept (token, tab titles)

    def read() -> Dataset:
        if not backends:
            backends.append(open_backend(settings))
        data = read_dataset(backends[0], loaded_at=settings.now())
        if prepare:
            prepare_for(data, settings.today(), language)
        return data

    while True:
        try:
            connection.recv_bytes()
            connection.send_bytes(_answer(read))
        except (EOFError, OSError):  # the bot's process closed its end, or is gone
            return


def _answer(read: Callable[[], Dataset]) -> bytes:
    """Return the pickled answer to one read: the Dataset, the sheet's error or a bug's place."""
    answer: Answer
    try:
        answer = ("read", read())
    except SheetsError as error:
        answer = ("failed", error)
    except Exception as error:  # the edge of the worker: a bug must not end the reads
        answer = ("bug", describe_exception(error))
    try:
        with garbage_collector_paused():
            return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # something in the Dataset that does not pickle: a bug
        return pickle.dumps(("bug", describe_exception(error)))
