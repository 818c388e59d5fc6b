"""Google's `values.batchGet` answer, decoded a piece at a time as the loader reads the rows.

Decoded whole, a large answer turns every cell into a Python object at once (a million of them
for 100 000 participants); the loader then walks them column by column after they have left the
CPU's caches, and they are all freed at the end. Decoded a piece of about `PIECE_BYTES` at a time,
each piece's rows are read while they are still in the cache and freed before the next piece is
decoded, into the same memory: about a tenth less CPU for a cold read of 100 000 participants,
a fifth less memory at 800 000, and never more than a piece of the sheet's cells as Python
objects at once.

The answer is cut between two rows, at ``],[`` (spaces allowed): outside a text, that only ever
stands between two rows of a tab's values. Each piece is completed into a JSON document of its
own (the brackets it lacks before and after) and decoded with msgspec. A cut inside a text that
happens to hold ``],[`` leaves that text unterminated, so the piece does not decode, and it is cut
further on instead: a piece that decodes was cut between two rows.

Once the loader has told what texts a tab's columns hold (`TabRows.expect`), the tab's pieces are
decoded with them: a cell that holds one of them is that very text, not a copy of it, which
saves making, hashing and freeing most cells of the columns of a few values (Kön, Kommun,
Avslutsorsak). A piece with any other text there is decoded as before.

A tab's rows come as `TabRows`: `TabRows.chunks` hands them out a piece at a time, once (each
row a tuple), and everything else a sequence offers works too, from the answer decoded whole
(kept for that).
"""

from __future__ import annotations

import collections
import functools
import json
import re
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

import msgspec

from sheets.backends.base import ChunkedRows

#: About how much of the answer is decoded at a time. Small enough that a piece's objects stay
#: in the CPU's caches and are freed into memory the next piece reuses (measured at 100 000
#: participants: 64-512 kB equally good, 1 MB a tenth slower), large enough that the cost of
#: each piece (a decoder call, a chunk for the loader) does not count.
PIECE_BYTES = 128 * 1024

# Between two rows: the end of one, a comma, the start of the next.
_CUT = re.compile(rb"\]\s*,\s*\[")
# What a piece cut between two rows lacks to be a whole answer of its own. A cut leaves open the
# answer's object, its valueRanges list, one value range and its values list.
_BEFORE = b'{"valueRanges":[{"values":['
_AFTER = b"]}]}"
_JSON = msgspec.json.Decoder()


class _ValueRange(msgspec.Struct):
    values: list[tuple[Any, ...]] = []


class _Piece(msgspec.Struct):
    valueRanges: list[_ValueRange] = []  # noqa: N815 (Google's name)


# A piece decoded to what the loader reads: the rows of each value range, each row a tuple (one
# object a row where a list is two: less to make and to free).
_PIECE = msgspec.json.Decoder(_Piece)
#: Rows handed out at a time from the answer decoded whole.
_WHOLE_CHUNK_ROWS = 4000
#: Pieces of a tab its expected texts may fail to decode (a text not among them), each then
#: decoded again without: after so many, the tab's pieces are decoded without at once.
_MISSES_ALLOWED = 16


class AnswerError(ValueError):
    """The answer is not JSON, or not the shape of a batchGet answer."""


def decode_answer(body: bytes | bytearray) -> Any:
    """Return the JSON value of `body`, parsed with msgspec (json for what msgspec refuses).

    Raises:
        AnswerError: `body` is not JSON.
    """
    try:
        return _JSON.decode(body)
    except msgspec.DecodeError:
        pass  # numbers beyond a float's range (1e400) json reads as Python does
    try:
        return json.loads(body)
    except ValueError as error:
        raise AnswerError(str(error)) from error


class BatchGetRows:
    """The tabs of one batchGet answer, each tab's rows decoded when the loader reads them.

    `titles` are the tabs asked for, in the order asked: Google answers in that order.
    `on_empty(title)` is called for each tab found to hold no rows, once it is known. The first
    piece is decoded at once, so that an answer that is no JSON at all fails here.

    Raises:
        `unreadable()`: the answer is not JSON, or not the shape of a batchGet answer; also later,
            from reading the rows, should a later piece be found so.
    """

    def __init__(
        self,
        body: bytes,
        titles: Sequence[str],
        *,
        unreadable: Callable[[], Exception] = lambda: AnswerError("the answer is not JSON"),
        piece_bytes: int = PIECE_BYTES,
        on_empty: Callable[[str], None] = lambda title: None,
    ) -> None:
        self._body = body
        self._titles = list(titles)
        self._unreadable = unreadable
        self._piece_bytes = max(1, piece_bytes)
        self._on_empty = on_empty
        self._start = 0  # where the next piece starts in the body
        self._finished = False  # every piece decoded
        self._tab = -1  # the tab the last rows decoded belong to
        self._buffers: list[deque[list[Any]]] = [deque() for _ in self._titles]
        self._counts = [0] * len(self._titles)  # rows decoded per tab
        self._whole: list[list[list[Any]]] | None = None
        # What the tabs' rows are expected to hold (see `expect`): what the loader told, the
        # decoder made of it with the width of its rows, misses, and each tab's widest row.
        self._told: dict[int, tuple[int, Mapping[int, Collection[str]]]] = {}
        self._expected: dict[int, tuple[msgspec.json.Decoder[Any], int]] = {}
        self._misses = [0] * len(self._titles)
        self._widest = [0] * len(self._titles)
        self._decode_next_piece()

    def tabs(self) -> dict[str, TabRows]:
        """Return each tab's rows, by title, in the order asked.

        Only they refer to this answer, not it to them: once they are dropped, so is all of it.
        """
        return {title: TabRows(self, index) for index, title in enumerate(self._titles)}

    # -- for TabRows --------------------------------------------------------------------------

    def next_chunk(self, index: int) -> list[Any] | None:
        """Return the next decoded rows of tab `index`, decoding pieces as needed; None once
        the tab has no more.

        Raises:
            `unreadable()`: see the class.
        """
        buffer = self._buffers[index]
        while not buffer:
            if self._finished or self._tab > index:
                return None
            self._decode_next_piece()
        return buffer.popleft()

    def expect(self, index: int, width: int, texts: Mapping[int, Collection[str]]) -> None:
        """Decode the pieces still to come of tab `index` with the texts its columns hold: the
        cell at each position in `texts` one of those texts, a number, a boolean or blank (see
        `ChunkedRows.expect`).

        Such a cell is then the text told itself, not a new copy of it: nothing to make, to
        hash or to free for most cells of a column of a few texts. A row is a tuple as wide
        as the widest row of the tab so far (at least `width`), None where the row is
        shorter. A piece that holds anything else (a text not told, a wider row, rows of
        another tab) is decoded as before; after `_MISSES_ALLOWED` such pieces, all are.
        """
        if self._finished or self._tab > index:
            return  # every piece of the tab is decoded
        self._told[index] = (width, texts)
        self._expect(index)

    def _expect(self, index: int) -> None:
        """Make the decoder of what tab `index` was told to expect, as wide as its widest row."""
        if self._misses[index] >= _MISSES_ALLOWED:
            return
        width, texts = self._told[index]
        width = max(width, self._widest[index])
        self._expected[index] = (_rows_decoder(width, texts), width)

    def whole(self, index: int) -> list[list[Any]]:
        """Return every row of tab `index`, from the answer decoded whole (once, then kept).

        Raises:
            `unreadable()`: see the class.
        """
        if self._whole is None:
            try:
                self._whole = tab_rows(decode_answer(self._body), len(self._titles))
            except AnswerError as error:
                raise self._unreadable() from error
        return self._whole[index]

    # -- decoding -----------------------------------------------------------------------------

    def _decode_next_piece(self) -> None:
        try:
            self._decode_piece()
        except AnswerError as error:
            raise self._unreadable() from error

    def _decode_piece(self) -> None:
        body, start = self._body, self._start
        first = start == 0
        before = b"" if first else _BEFORE
        reach = start + self._piece_bytes
        while True:
            cut = _CUT.search(body, reach) if reach < len(body) else None
            if cut is None:  # the rest of the answer, to its end
                self._take(decode_answer(_joined(before, body, start, len(body), b"")), first)
                self._finish()
                return
            end = cut.start() + 1
            answer = self._decode(_joined(before, body, start, end, _AFTER), first)
            if answer is None:
                # Cut inside a text (or a number msgspec refuses): try a piece twice as long,
                # so that a text full of "],[" costs a few tries, not one per "],[".
                reach = end + (end - start)
                continue
            self._take(answer, first)
            self._start = cut.end() - 1  # the next row's "["
            return

    def _decode(self, piece: bytes | bytearray, first: bool) -> Any:
        """Return the piece decoded, with what its tab expects if anything; None if it is no
        JSON."""
        expected = None if first else self._expected.get(self._tab)
        if expected is not None:
            try:
                return expected[0].decode(piece)
            except msgspec.DecodeError:
                pass  # not what the tab expects (or no JSON): decoded as any piece is, below
        try:
            answer = _PIECE.decode(piece)
        except msgspec.DecodeError:
            return None
        if expected is not None:
            self._misses[self._tab] += 1
            if self._misses[self._tab] >= _MISSES_ALLOWED:
                del self._expected[self._tab]
        return answer

    def _take(self, answer: Any, first: bool) -> None:
        """Add the rows of a decoded piece (a `_Piece`, an `_ExpectedPiece` or an answer
        `decode_answer` decoded) to their tabs' buffers."""
        if isinstance(answer, _ExpectedPiece):  # rows of the tab under way, as it expects
            rows = answer.valueRanges[0].values
            if rows:
                self._buffers[self._tab].append(rows)
                self._counts[self._tab] += len(rows)
            return
        ranges = (
            [value_range.values for value_range in answer.valueRanges]
            if isinstance(answer, _Piece)
            else _value_lists(answer)
        )
        for position, rows in enumerate(ranges):
            if position > 0 or first:  # a tab starts; the first range of a later piece goes on
                self._complete(self._tab)
                self._tab += 1
            if rows and 0 <= self._tab < len(self._titles):
                self._buffers[self._tab].append(rows)
                self._counts[self._tab] += len(rows)
                widest = max(map(len, rows))
                if widest > self._widest[self._tab]:
                    self._widest[self._tab] = widest
                    expected = self._expected.get(self._tab)
                    if expected is not None and expected[1] < widest:  # rows wider than it
                        self._expect(self._tab)

    def _finish(self) -> None:
        self._finished = True
        for index in range(max(self._tab, 0), len(self._titles)):
            self._complete(index)

    def _complete(self, index: int) -> None:
        if 0 <= index < len(self._titles) and self._counts[index] == 0:
            self._on_empty(self._titles[index])


class _ExpectedPiece(msgspec.Struct):
    """What `_rows_decoder` decodes: a piece of one value range, rows of a named tuple."""

    valueRanges: tuple[Any]  # noqa: N815 (Google's name); its type made exact by `_rows_decoder`


def _rows_decoder(width: int, texts: Mapping[int, Collection[str]]) -> msgspec.json.Decoder[Any]:
    """Return a decoder of a piece of one value range whose rows have at most `width` cells,
    each cell at a position in `texts` one of those texts (or no text at all).

    A row is a named tuple of `width` cells, None where the row is shorter. A piece of more
    than one value range, or with a row or a cell that does not fit, fails to decode
    (`msgspec.ValidationError`).
    """
    names = [f"c{position}" for position in range(width)]
    row = collections.namedtuple("ExpectedRow", names, defaults=(None,) * width)  # type: ignore[misc]
    row.__annotations__ = {
        name: _expected_cell(tuple(texts.get(position, ()))) for position, name in enumerate(names)
    }
    value_range = msgspec.defstruct("ExpectedRange", [("values", list[row], [])])
    piece = msgspec.defstruct(
        "ExpectedPiece",
        [("valueRanges", tuple[value_range])],  # type: ignore[valid-type]
        bases=(_ExpectedPiece,),
    )
    return msgspec.json.Decoder(piece)


@functools.lru_cache(maxsize=64)  # a column's type, again at each telling of the others
def _expected_cell(texts: tuple[str, ...]) -> Any:
    """The type of a cell that holds one of `texts` or no text (anything, when `texts` is empty)."""
    if not texts:
        return Any
    return Literal[tuple(texts)] | int | float | bool | None


def _joined(before: bytes, body: bytes, start: int, end: int, after: bytes) -> bytes | bytearray:
    """Return `before` + `body[start:end]` + `after`, copying the piece of the body once."""
    if not before and not after and start == 0 and end == len(body):
        return body  # the whole answer: no copy
    piece = bytearray(before)
    piece += memoryview(body)[start:end]
    piece += after
    return piece


def tab_rows(answer: Any, count: int) -> list[list[Any]]:
    """Return the rows of each of the first `count` value ranges of an answer decoded whole
    (`[]` for one the answer lacks: Google answers in the order asked).

    Raises:
        AnswerError: the answer is not the shape of a batchGet answer.
    """
    ranges = _value_lists(answer)
    return [ranges[index] if index < len(ranges) else [] for index in range(count)]


def _value_lists(answer: Any) -> list[list[Any]]:
    """Return the rows of each value range of an answer decoded as JSON.

    Raises:
        AnswerError: the answer is not the shape of a batchGet answer.
    """
    ranges = answer.get("valueRanges", []) if isinstance(answer, dict) else None
    if not isinstance(ranges, list) or not all(isinstance(r, dict) for r in ranges):
        raise AnswerError("the answer has no valueRanges list")
    rows = [value_range.get("values", []) for value_range in ranges]
    if not all(isinstance(tab_rows, list) for tab_rows in rows):
        raise AnswerError("a value range has no values list")
    return rows


class TabRows(ChunkedRows):
    """The rows of one tab of a `BatchGetRows` answer.

    `chunks` reads them a piece at a time, once. The first rows looked at one by one
    (`leading`, where the loader looks for the header) are kept; any other use of the sequence
    (its length, an index, a slice) reads the whole answer again, decoded in one piece.
    """

    def __init__(self, answer: BatchGetRows, index: int) -> None:
        self._answer = answer
        self._index = index
        self._head: list[Any] = []  # the first rows, kept
        self._streamed = False  # rows after the head have been handed out and dropped

    def leading(self) -> Iterator[Sequence[Any]]:
        """Yield the rows from the first on, keeping each (for a look at the top rows)."""
        position = 0
        while True:
            if position < len(self._head):
                yield self._head[position]
                position += 1
            elif self._streamed:
                yield from self._rows()[position:]
                return
            else:
                more = self._answer.next_chunk(self._index)
                if more is None:
                    return
                self._head.extend(more)

    def chunks(self, start: int = 0) -> Iterator[Sequence[Sequence[Any]]]:
        """Yield the rows from `start` on, a piece at a time; each is dropped once read.

        A second call reads the whole answer again.
        """
        if self._streamed:
            rows = self._rows()
            for first in range(start, len(rows), _WHOLE_CHUNK_ROWS):
                yield rows[first : first + _WHOLE_CHUNK_ROWS]
            return
        self._streamed = True
        if start < len(self._head):
            yield self._head[start:]
        skip = max(0, start - len(self._head))
        while (more := self._answer.next_chunk(self._index)) is not None:
            if skip >= len(more):
                skip -= len(more)
                continue
            yield more[skip:] if skip else more
            skip = 0

    def expect(self, width: int, texts: Mapping[int, Collection[str]]) -> None:
        """See `ChunkedRows.expect`: the pieces still to decode are decoded with it."""
        self._answer.expect(self._index, width, texts)

    def _rows(self) -> list[Any]:
        """Return all the tab's rows (from the answer decoded whole once any were dropped)."""
        if self._streamed:
            return self._answer.whole(self._index)
        while (more := self._answer.next_chunk(self._index)) is not None:
            self._head.extend(more)
        return self._head

    def __len__(self) -> int:
        return len(self._rows())

    @overload
    def __getitem__(self, index: int) -> Sequence[Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sequence[Any]]: ...

    def __getitem__(self, index: int | slice) -> Sequence[Any] | Sequence[Sequence[Any]]:
        return self._rows()[index]

    def __iter__(self) -> Iterator[Sequence[Any]]:
        return iter(self._rows())

    def __bool__(self) -> bool:
        return next(self.leading(), None) is not None
