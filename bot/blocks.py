"""A Reply rendered as a Slack message: Block Kit blocks and a plain-text fallback.

The Reply is the same one the command line prints (`Reply.as_text`); this module only changes how
it looks. Figures stay text tables in a monospace section: searchable, readable by screen readers,
and aligned the same way as on the command line.

Block Kit limits are respected here, so no reply is ever refused by Slack: at most 50 blocks, at
most 3000 characters in a section, 150 in the header. A long table is split over several sections
by rows, each repeating the table's header; a reply that still needs more than 50 blocks (a sheet
with hundreds of problems) is cut short with a note of how many rows were left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commands.language import Language
from commands.reply import Alert, Block, Paragraph, Reply, Table

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_ELEMENTS = 10
#: The fallback `text` is what notifications and old clients show; the blocks carry the whole
#: reply, so a long fallback only makes the request bigger.
MAX_FALLBACK_CHARS = 3000
WARNING_PREFIX = ":warning: "
_FENCE = "```"

SlackBlock = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """A message ready for ``chat.postMessage``, ``chat.postEphemeral`` or a response_url."""

    text: str
    blocks: list[SlackBlock]

    def as_kwargs(self) -> dict[str, Any]:
        """Return ``{"text": …, "blocks": …}`` to pass to a Web API call or ``respond()``."""
        return {"text": self.text, "blocks": self.blocks}


@dataclass(frozen=True)
class _Piece:
    """One content block and how many table rows it shows (to say how many were cut)."""

    block: SlackBlock
    rows: int = 0


#: mrkdwn has no escape for its formatting characters, so text from the sheet or a question
#: shows them as look-alikes: a backtick would start inline code or, three of them, end a code
#: block early; ``*``, ``_`` and ``~`` around words make them bold, italic or struck out.
_CODE_LOOKALIKES = str.maketrans({"`": "\u02cb"})  # ˋ modifier letter grave accent
_TEXT_LOOKALIKES = str.maketrans(
    {
        "`": "\u02cb",  # ˋ modifier letter grave accent
        "*": "\u2217",  # ∗ asterisk operator
        "_": "\u02cd",  # ˍ modifier letter low macron
        "~": "\u223c",  # ∼ tilde operator
    }
)


def _entities(text: str) -> str:
    """Return `text` with ``&``, ``<`` and ``>`` as entities: ``<`` and ``>`` would otherwise
    make ``<5`` part of a link or a mention, and ``&`` starts an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Return plain `text` as mrkdwn that shows it as it is, outside a code block: no link, no
    mention, no formatting (see `_TEXT_LOOKALIKES`)."""
    return _entities(text).translate(_TEXT_LOOKALIKES)


def escape_code(text: str) -> str:
    """Return plain `text` for the inside of a code block, where only the entities and a
    backtick (three end the block) mean anything."""
    return _entities(text).translate(_CODE_LOOKALIKES)


def render_reply(reply: Reply, language: Language | None = None) -> SlackMessage:
    """Return `reply` as Block Kit blocks within Slack's limits, with a plain-text fallback.

    `language` (default Swedish) words the note added when the reply has to be cut short.
    """
    language = language or Language()
    pieces: list[_Piece] = []
    for block in reply.blocks:
        pieces.extend(_render_block(block))
    context = _context(reply.notes)
    room = MAX_BLOCKS - 1 - (1 if context else 0)  # the header, the notes
    if len(pieces) > room:
        kept, cut = pieces[: room - 1], pieces[room - 1 :]
        pieces = [*kept, _Piece(_section(_cut_note(cut, language)))]
    blocks = [_header(reply.title), *(piece.block for piece in pieces)]
    if context:
        blocks.append(context)
    return SlackMessage(_fallback(reply), blocks)


def render_blocks(reply: Reply, language: Language | None = None) -> list[SlackBlock]:
    """Return only the blocks of `render_reply` (for a caller that words its own fallback)."""
    return render_reply(reply, language).blocks


def _render_block(block: Block) -> list[_Piece]:
    if isinstance(block, Table):
        return _table_pieces(block, MAX_BLOCKS)
    # Slack refuses a section without text, so an empty paragraph is left out.
    if isinstance(block, Alert):
        texts = _split_text(block.text, MAX_SECTION_CHARS, prefix=WARNING_PREFIX)
        return [_Piece(_section(text)) for text in texts if text.strip()]
    if isinstance(block, Paragraph):
        texts = _split_text(block.text, MAX_SECTION_CHARS)
        return [_Piece(_section(text)) for text in texts if text.strip()]
    raise TypeError(f"cannot render {type(block).__name__}")  # a new Block type needs a case


def _header(title: str) -> SlackBlock:
    text = " ".join(title.split()) or "finsam-bot"
    if len(text) > MAX_HEADER_CHARS:
        text = text[: MAX_HEADER_CHARS - 1] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _mrkdwn(text: str) -> SlackBlock:
    # verbatim: Slack would otherwise turn a URL, #channel or @name in the text into a link.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(mrkdwn: str) -> SlackBlock:
    return {"type": "section", "text": _mrkdwn(mrkdwn)}


def _context(notes: tuple[str, ...]) -> SlackBlock | None:
    texts = [_cut(escape(note.strip()), MAX_SECTION_CHARS) for note in notes if note.strip()]
    if not texts:
        return None
    if len(texts) > MAX_CONTEXT_ELEMENTS:
        rest = " · ".join(texts[MAX_CONTEXT_ELEMENTS - 1 :])
        texts = [*texts[: MAX_CONTEXT_ELEMENTS - 1], _cut(rest, MAX_SECTION_CHARS)]
    return {"type": "context", "elements": [_mrkdwn(text) for text in texts]}


def _table_pieces(table: Table, limit: int) -> list[_Piece]:
    """Return the table as code-block sections of at most MAX_SECTION_CHARS each.

    The lines are `Table.as_text`'s, so the columns are aligned over the whole table and every
    section repeats the same header and rule. After `limit` sections, more than a message can
    hold, the rows left are only counted (one last piece without content stands for them), so
    a table of thousands of rows costs no more than the rows that can be shown.
    """
    head = [escape_code(line) for line in table.head_lines()]
    intro = f"*{escape(table.title)}*\n" if table.title else ""
    fixed = len(_FENCE) * 2 + 2 + sum(len(line) + 1 for line in head)  # fences, newlines, head

    pieces: list[_Piece] = []
    chunk: list[str] = []
    used = fixed + len(intro)

    def flush() -> None:
        prefix = intro if not pieces else ""
        text = prefix + _FENCE + "\n" + "\n".join([*head, *chunk]) + "\n" + _FENCE
        pieces.append(_Piece(_section(text), len(chunk)))

    for position, cells in enumerate(table.rows):
        budget = MAX_SECTION_CHARS - (fixed + (len(intro) if not pieces else 0))
        # One row wider than a section: shown cut rather than lost.
        row = _cut(escape_code(table.line(cells)), budget - 1)
        if chunk and used + len(row) + 1 > MAX_SECTION_CHARS:
            flush()
            chunk, used = [], fixed
            if len(pieces) == limit:
                return [*pieces, _Piece(_section("…"), len(table.rows) - position)]
        chunk.append(row)
        used += len(row) + 1
    if chunk or not pieces:
        flush()
    return pieces


def _split_text(text: str, limit: int, prefix: str = "") -> list[str]:
    """Return `prefix` + `text`, escaped, split at line breaks or spaces into parts ≤ `limit`."""
    parts: list[str] = []
    current = ""
    words = _words(text)
    words[0] = prefix + words[0]
    for word in words:
        piece = escape(word)
        if current and len(current) + len(piece) > limit:
            parts.append(current.rstrip())
            current, piece = "", piece.lstrip()
        while len(current) + len(piece) > limit:
            # A single word longer than a section (a pasted URL): cut it where it must be.
            head = _cut(piece, limit - len(current), mark="")
            parts.append(current + head)
            current, piece = "", piece[len(head) :]
        current += piece
    if current.strip() or not parts:
        parts.append(current.rstrip())
    return parts


def _words(text: str) -> list[str]:
    """Return `text` as words each keeping the whitespace before it, so joining gives `text`."""
    words: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char in " \n" and index > start and not text[index - 1].isspace():
            words.append(text[start:index])
            start = index
    words.append(text[start:])
    return [word for word in words if word] or [""]


def _cut(text: str, limit: int, mark: str = "…") -> str:
    """Return `text` shortened to `limit` characters, ending in `mark`, without splitting an
    escaped entity (``&lt;``)."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(mark), 0)]
    amp = cut.rfind("&")
    if amp > 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + mark


def _cut_note(cut: list[_Piece], language: Language) -> str:
    rows = sum(piece.rows for piece in cut)
    # Said to people in Slack: no command line (they do not have it), only what they can do.
    if rows:
        return language(
            f"… {rows} rader till som inte får plats i Slack.",
            f"… {rows} more rows that do not fit in Slack.",
        )
    return language(
        "… svaret är för långt för Slack och har kortats.",
        "… the answer is too long for Slack and has been shortened.",
    )


def _fallback(reply: Reply) -> str:
    # Each table row adds at least a line break, so MAX_FALLBACK_CHARS rows of a table are more
    # than the fallback can show: the rest need not be written out only to be cut off.
    text = reply.as_text(max_table_rows=MAX_FALLBACK_CHARS).rstrip("\n")
    if len(text) > MAX_FALLBACK_CHARS:
        text = text[: MAX_FALLBACK_CHARS - 1].rsplit("\n", 1)[0] + "\n…"
    return escape(text)
