"""Reading the sheet in a process of its own, so that the Slack app's threads never wait for it.

Parsing Google's answer and loading 800 000 rows is seconds of Python that holds the interpreter
lock all along: in the process that serves Slack, every ack waited for it (1–2 s, where Slack
allows 3). `ReadWorker` hands that work to a long-lived process of its own, which owns a backend,
reads, loads, validates and prepares the sheet (`commands.dispatch.prepare`), and sends the Dataset
back pickled; the bot's process only unpickles it, in milliseconds.

The process is a fresh interpreter (``python -m bot.read_worker``), never a fork of a process that
has threads, started on the first read in the process that reads. It is a plain subprocess rather
than a `multiprocessing` one: gunicorn's master reaps every child it has (so `multiprocessing`
would lose track of one started there, the read at start) and forks its worker with a copy of
`multiprocessing`'s list of children, which the worker would then try to join at exit. The two
talk over the child's stdin and stdout in length-prefixed messages: a pickle for a request, and for
an answer a pickle followed by the data of each of its arrays (`_answer`); the child ends when
its stdin closes (the bot's process stopped it, or is gone).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from typing import IO, Literal

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
#: How much lower the worker's CPU priority is than the bot's (see `os.nice`).
READER_NICENESS = 10
_READ = b"read"
_LENGTH = struct.Struct("!Q")


class ReadWorkerError(RuntimeError):
    """The worker process failed to read the sheet: it stopped, or hit a bug (logged there)."""


class ReadWorker:
    """Reads, loads and prepares the sheet the settings point at, in a process of its own.

    Args:
        settings: the bot's settings; the worker opens the backend from them (`bot.source`).
        prepare: prepare each read for today's questions (`commands.dispatch.prepare`) there.
    """

    def __init__(self, settings: Settings, *, prepare: bool = True) -> None:
        self.settings = settings
        self.prepare = prepare
        self._lock = threading.Lock()  # one read at a time through the one pair of pipes
        self._process: subprocess.Popen[bytes] | None = None
        # gunicorn's master reads the sheet at start, then forks the worker that serves Slack.
        me = weakref.ref(self)
        os.register_at_fork(
            before=functools.partial(_call, me, "_before_fork"),
            after_in_child=functools.partial(_call, me, "_after_fork_in_child"),
        )

    @property
    def pid(self) -> int | None:
        """The worker process's ID while it runs, else None."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def read(self) -> Dataset:
        """Read the sheet in the worker process (starting it if needed); return the Dataset.

        Raises:
            SheetsError: the sheet cannot be read, or lacks a tab the figures need.
            ReadWorkerError: the worker process stopped or hit a bug; the next read starts a
                new one.
        """
        with self._lock:
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            try:
                _send(process.stdin, _READ)
                message, *arrays = _receive_parts(process.stdout)
            except (OSError, EOFError) as error:
                code = self._stop()
                log.error("the process reading the sheet stopped", extra={"exit_code": code})
                raise ReadWorkerError(f"the process reading the sheet stopped ({code})") from error
        # Hundreds of thousands of objects and no cycle among them (see garbage_collector_paused).
        # The arrays' data is not copied: each array is made over the buffer it was read into.
        with garbage_collector_paused():
            answer: Answer = pickle.loads(message, buffers=arrays)
        del message, arrays
        if answer[0] == "read":
            return answer[1]
        if answer[0] == "failed":
            raise answer[1]
        log.error("reading the sheet failed", extra={"exception": answer[1], "in": "worker"})
        raise ReadWorkerError("reading the sheet failed in the worker process (logged)")

    def close(self) -> None:
        """Stop the worker process, if it runs."""
        with self._lock:
            self._stop()

    def _running(self) -> subprocess.Popen[bytes]:
        """The worker process, started now if it is not running (lock held)."""
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.read_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # messages are read whole, into one buffer: no copying through another
        )
        assert process.stdin is not None
        level = logging.getLogger().getEffectiveLevel()
        _send(process.stdin, pickle.dumps((self.settings, self.prepare, level)))
        self._process = process
        log.info("sheet reading process started", extra={"pid": process.pid})
        return process

    def _stop(self) -> int | None:
        """Close the pipes and end the process; return its exit code (None if none ran)."""
        process, self._process = self._process, None
        if process is None:
            return None
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()  # the worker ends by itself once its stdin is closed
        try:
            return process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # in the middle of a read Google does not answer
            process.kill()
            return process.wait()

    def _before_fork(self) -> None:
        """Stop the reading process before this process forks, unless a read is under way.

        The forked child starts a reading process of its own when it first reads; the parent
        (gunicorn's master, which read the sheet at start) reads no more, and an idle reading
        process would keep the memory of its last read for nothing.
        """
        if self._lock.acquire(blocking=False):
            try:
                self._stop()
            finally:
                self._lock.release()

    def _after_fork_in_child(self) -> None:
        """In a forked child: the reading process and the lock are the parent's; forget them."""
        self._lock = threading.Lock()
        process, self._process = self._process, None
        if process is not None:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()  # this process's copies only: the parent's stay open


def _call(worker: weakref.ref[ReadWorker], method: str) -> None:
    alive = worker()
    if alive is not None:
        getattr(alive, method)()


def _send(pipe: IO[bytes], message: bytes | memoryview) -> None:
    """Write `message` with its length in front, all of it (a raw pipe may take part at a time)."""
    for part in (_LENGTH.pack(len(message)), message):
        view = memoryview(part)
        while view:
            view = view[pipe.write(view) or 0 :]


def _send_parts(pipe: IO[bytes], parts: list[memoryview]) -> None:
    """Write how many `parts` there are, then each as `_send` does."""
    _send(pipe, _LENGTH.pack(len(parts)))
    for part in parts:
        _send(pipe, part)


def _receive_parts(pipe: IO[bytes]) -> list[bytearray]:
    """Return the parts `_send_parts` wrote, each read into a buffer of its own.

    Raises:
        EOFError: the pipe closed before all the parts came.
    """
    count = _LENGTH.unpack(_receive(pipe))[0]
    return [_receive(pipe) for _ in range(count)]


def _receive(pipe: IO[bytes]) -> bytearray:
    """Return the next message on `pipe`, read into one buffer.

    Raises:
        EOFError: the pipe closed before a whole message came.
    """
    header = _read_exactly(pipe, _LENGTH.size)
    return _read_exactly(pipe, _LENGTH.unpack(header)[0])


def _read_exactly(pipe: IO[bytes], size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = pipe.readinto(view[received:])  # type: ignore[attr-defined]
        if not count:
            raise EOFError(f"the pipe closed after {received} of {size} bytes")
        received += count
    return buffer


def serve_reads(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker process: answer each request on `requests` with a read of the sheet.

    The first message is (settings, prepare, log level) from `ReadWorker`. Runs until `requests`
    closes. Never raises for the sheet or a bug: each is sent back as the answer to the read it
    spoiled.
    """
    settings, prepare, log_level = pickle.loads(_receive(requests))
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
            prepare_for(data, settings.today(), language, settings.small_count_min)
        return data

    while True:
        try:
            _receive(requests)
            _send_parts(answers, _answer(read))
        except (EOFError, OSError):  # the bot's process closed the pipe, or is gone
            return


def _answer(read: Callable[[], Dataset]) -> list[memoryview]:
    """Return the answer to one read, pickled: the Dataset, the sheet's error or a bug's place.

    The first part is the pickle, each further one the data of an array in it, out of band
    (pickle protocol 5): neither copied into the pickle here nor out of it in the bot's process,
    where unpickling holds the interpreter lock, and with it Slack's acks, the shorter.
    """
    answer: Answer
    try:
        answer = ("read", read())
    except SheetsError as error:
        answer = ("failed", error)
    except Exception as error:  # the edge of the worker: a bug must not end the reads
        answer = ("bug", describe_exception(error))
    arrays: list[pickle.PickleBuffer] = []
    try:
        with garbage_collector_paused():
            message = pickle.dumps(answer, protocol=5, buffer_callback=arrays.append)
        return [memoryview(message), *(array.raw() for array in arrays)]
    except Exception as error:  # something in the Dataset that does not pickle: a bug
        return [memoryview(pickle.dumps(("bug", describe_exception(error))))]


def main() -> None:
    """``python -m bot.read_worker``: serve reads over stdin and stdout until stdin closes."""
    # The messages go to the real stdout; anything else printed goes to stderr with the log.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve_reads(os.fdopen(sys.stdin.fileno(), "rb", buffering=0, closefd=False), answers)


if __name__ == "__main__":
    main()
