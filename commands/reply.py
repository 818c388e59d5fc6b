"""The Reply: what the bot answers, independent of where it is shown.

The CLI renders a Reply as plain text (`Reply.as_text`); the Slack app renders the same Reply as
Block Kit. Text is plain (no Slack markup), so both renderings say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Paragraph:
    """A few sentences of plain text."""

    text: str


@dataclass(frozen=True)
class Table:
    """A small table: a header row and rows of cells, all text. Numbers are right-aligned."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None

    def as_text(self, max_rows: int | None = None) -> str:
        """Return the table as monospace text with aligned columns (only the first `max_rows`
        rows when given, aligned as in the whole table)."""
        rows = self.rows if max_rows is None else self.rows[:max_rows]
        lines = [*self.head_lines(), *map(self.line, rows)]
        if self.title:
            lines.insert(0, self.title)
        return "\n".join(lines)

    def head_lines(self) -> tuple[str, str]:
        """Return the header line and the rule under it."""
        return self.line(self.header), "  ".join("-" * width for width in self._layout[0])

    def line(self, cells: tuple[str, ...]) -> str:
        """Return one row as a line of the table: text left-aligned, numbers right-aligned."""
        widths, numeric = self._layout
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    @cached_property
    def _layout(self) -> tuple[list[int], list[bool]]:
        """Each column's width and whether it holds numbers: worked out over every row once,
        so that showing the first rows of a long table (Slack shows no more) costs only them."""
        widths = [
            max(len(row[i]) for row in (self.header, *self.rows)) for i in range(len(self.header))
        ]
        numeric = [
            i > 0 and all(_looks_numeric(row[i]) for row in self.rows) for i in range(len(widths))
        ]
        return widths, numeric


@dataclass(frozen=True)
class Alert:
    """Something that needs attention (over capacity, goal at risk, data problems)."""

    text: str


Block = Paragraph | Table | Alert


@dataclass(frozen=True)
class Reply:
    """An answer: a title, blocks of content, and footnotes (as-of time, rows left out)."""

    title: str
    blocks: tuple[Block, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: True when the reply is the help text or an error message (shown privately in Slack).
    is_help: bool = False

    def as_text(self, max_table_rows: int | None = None) -> str:
        """Return the whole reply as plain text, as the CLI prints it (tables cut to their first
        `max_table_rows` rows when given)."""
        parts = [f"{self.title}\n{'=' * len(self.title)}"]
        for block in self.blocks:
            if isinstance(block, Table):
                parts.append(block.as_text(max_table_rows))
            elif isinstance(block, Alert):
                parts.append(f"! {block.text}")
            else:
                parts.append(block.text)
        parts.extend(f"({note})" for note in self.notes)
        return "\n\n".join(parts) + "\n"


def _looks_numeric(cell: str) -> bool:
    stripped = cell.replace(" ", "").replace("\u00a0", "").rstrip("%").lstrip("<▲▼±+-−")
    return stripped in ("", "–") or stripped.replace(",", "").replace("/", "").isdigit()
