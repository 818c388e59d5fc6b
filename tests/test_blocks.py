"""Block Kit rendering of a Reply: the same content as the text, within Slack's limits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK_CHARS,
    MAX_HEADER_CHARS,
    MAX_SECTION_CHARS,
    escape,
    render_blocks,
    render_reply,
)
from commands.context import Context
from commands.dispatch import answer
from commands.language import Language
from commands.reply import Alert, Paragraph, Reply, Table
from sheets.backends.workbook import WorkbookBackend
from sheets.cache import DatasetCache
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH, demo_tabs
from sheets.validate import load_dataset

SV, EN = Language("sv"), Language("en")


def check_limits(blocks: list[dict[str, Any]]) -> None:
    assert 1 <= len(blocks) <= MAX_BLOCKS
    assert blocks[0]["type"] == "header"
    assert 1 <= len(blocks[0]["text"]["text"]) <= MAX_HEADER_CHARS
    for block in blocks:
        if block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= MAX_SECTION_CHARS
            assert block["text"]["type"] == "mrkdwn"
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= MAX_SECTION_CHARS for e in block["elements"])
        else:
            assert block["type"] == "header"


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def code_lines(blocks: list[dict[str, Any]]) -> list[str]:
    """The lines inside the code blocks, unescaped."""
    lines: list[str] = []
    for text in section_texts(blocks):
        for code in re.findall(r"```\n(.*?)\n```", text, flags=re.S):
            lines.extend(unescape(code).split("\n"))
    return lines


def test_a_reply_becomes_header_sections_and_context() -> None:
    reply = Reply(
        "RESAM – samordnat resursteam",
        (
            Paragraph("Aktiva: 25 av 30 platser."),
            Table(("Kön", "Antal"), (("Kvinnor", "19"), ("Män", "<5"))),
            Alert("PAVAG har fler aktiva (11) än platser (10)."),
        ),
        ("Per 23 nov 2026", "9 rader med fel räknas inte"),
    )
    message = render_reply(reply, SV)
    blocks = message.blocks
    check_limits(blocks)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": "RESAM – samordnat resursteam",
        "emoji": True,
    }
    assert blocks[2]["text"]["text"] == "```\n" + escape(reply.blocks[1].as_text()) + "\n```"  # type: ignore[union-attr]
    assert "&lt;5" in blocks[2]["text"]["text"], "<5 must not become a Slack link"
    assert blocks[3]["text"]["text"].startswith(":warning: PAVAG")
    assert [e["text"] for e in blocks[4]["elements"]] == list(reply.notes)
    assert message.text == escape(reply.as_text().rstrip("\n"))
    assert render_blocks(reply, SV) == blocks


def test_mrkdwn_control_characters_are_escaped() -> None:
    reply = Reply("A & B <x>", (Paragraph("<@U123> & <!channel> > 5"),), ("a < b",))
    blocks = render_reply(reply, SV).blocks
    assert blocks[1]["text"]["text"] == "&lt;@U123&gt; &amp; &lt;!channel&gt; &gt; 5"
    assert blocks[2]["elements"][0]["text"] == "a &lt; b"
    assert blocks[0]["text"]["text"] == "A & B <x>", "plain_text is not markup"


#: A cell as an attacker would type it: end the code block, then bold text and a link.
EVIL = "``` *LOGGA IN* <https://evil.example|klicka> ``` _kursiv_ ~struken~ `kod`"
CODE_BLOCK = re.compile(r"```\n(.*?)\n```", flags=re.S)


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text of `blocks`, checked to be verbatim (no auto-linking by Slack)."""
    objects = [block["text"] for block in blocks if block["type"] == "section"]
    objects += [e for block in blocks if block["type"] == "context" for e in block["elements"]]
    assert all(o["type"] == "mrkdwn" and o["verbatim"] is True for o in objects)
    return [o["text"] for o in objects]


def assert_shown_as_plain_text(blocks: list[dict[str, Any]], fallback: str) -> None:
    """No text in `blocks` or the fallback can end a code block, link, mention or format."""
    assert "<" not in fallback and "`" not in fallback and "*" not in fallback
    for text in mrkdwn_texts(blocks):
        assert "<" not in text, "no link or mention"
        code = CODE_BLOCK.findall(text)
        assert text.count("```") == 2 * len(code), "every code block ends where the bot ends it"
        assert not any("`" in inside for inside in code)
        for outside in CODE_BLOCK.split(text)[::2] if code else [text]:
            assert "`" not in outside and "_" not in outside and "~" not in outside
            assert "*LOGGA" not in outside and "*kursiv" not in outside


def test_a_cell_with_backticks_markup_and_a_link_is_shown_as_it_is_written() -> None:
    tabs = demo_tabs(BUNDLED_ANCHOR)
    resam = tabs["Insatser"][1]
    assert resam[0] == "RESAM"
    resam[1], resam[2] = f"Resursteam {EVIL}", EVIL  # Namn and Huvudman
    data = load_dataset(tabs)
    for text in ("insats RESAM", "RESAM", "läge", "deltagare RESAM", "budget RESAM", "vecka"):
        message = render_reply(answer(data, text, Context(BUNDLED_ANCHOR, SV)), SV)
        assert_shown_as_plain_text(message.blocks, message.text)
    card = render_reply(answer(data, "insats RESAM", Context(BUNDLED_ANCHOR, SV)), SV)
    assert "LOGGA IN" in json.dumps(card.blocks, ensure_ascii=False), "the cell is shown"

    # The same text in every kind of block the bot renders, outside code blocks too.
    reply = Reply(
        EVIL,
        (Paragraph(EVIL), Alert(EVIL), Table(("Huvudman", "Antal"), ((EVIL, "3"),), title=EVIL)),
        (EVIL,),
    )
    message = render_reply(reply, SV)
    assert_shown_as_plain_text(message.blocks, message.text)
    assert message.blocks[1]["text"]["text"] == (
        "ˋˋˋ ∗LOGGA IN∗ &lt;https://evil.example|klicka&gt; ˋˋˋ ˍkursivˍ ∼struken∼ ˋkodˋ"
    )
    [table] = CODE_BLOCK.findall(message.blocks[3]["text"]["text"])
    assert "ˋˋˋ *LOGGA IN* &lt;https://evil.example|klicka&gt;" in table, (
        "inside a code block only the backticks and entities need changing"
    )


def test_a_long_title_is_cut_to_the_header_limit() -> None:
    blocks = render_reply(Reply("Å" * 400), SV).blocks
    assert len(blocks[0]["text"]["text"]) == MAX_HEADER_CHARS
    assert blocks[0]["text"]["text"].endswith("…")


def test_a_long_table_is_split_by_rows_repeating_its_header() -> None:
    rows = tuple((f"Deltagare!A{i}", "fel", "Kön: <inte tillåtet> & mer " * 3) for i in range(300))
    table = Table(("Cell", "Typ", "Problem"), rows, title="Problem")
    blocks = render_reply(Reply("Kontroll", (table,)), SV).blocks
    check_limits(blocks)
    sections = section_texts(blocks)
    assert len(sections) > 1
    head = table.as_text().split("\n")[1:3]
    for text in sections:
        inner = unescape(re.search(r"```\n(.*?)\n```", text, flags=re.S)[1])  # type: ignore[index]
        assert inner.split("\n")[:2] == head
    assert sections[0].startswith("*Problem*\n```"), "the title once, before the first part"
    assert not sections[1].startswith("*Problem*")
    shown = [line for line in code_lines(blocks) if line not in head]
    assert shown == table.as_text().split("\n")[3:], "every row once, in order, aligned"


def test_more_than_fifty_blocks_are_trimmed_with_a_note() -> None:
    rows = tuple((f"Deltagare!A{i}", "fel", "x" * 400) for i in range(2000))
    table = Table(("Cell", "Typ", "Problem"), rows)
    reply = Reply("Kontroll", (Paragraph("2000 fel."), table), ("Per 23 nov 2026",))
    for language, word in ((SV, "rader till"), (EN, "more rows")):
        blocks = render_reply(reply, language).blocks
        check_limits(blocks)
        assert len(blocks) == MAX_BLOCKS
        assert blocks[-1]["type"] == "context"
        note = blocks[-2]["text"]["text"]
        assert word in note and "finsam-bot" not in note, "no command line in Slack"
        shown_rows = len(code_lines(blocks)) - 2 * (len(blocks) - 4)  # minus header and rule
        hidden = int(re.search(r"(\d+)", note)[1])  # type: ignore[index]
        assert shown_rows + hidden == 2000


def test_a_table_of_many_rows_is_rendered_by_writing_out_only_what_is_shown() -> None:
    """``kontroll`` on a sheet with 100 000 problems is as quick as on one with a hundred."""
    written: list[int] = []

    class CountingTable(Table):
        def line(self, cells: tuple[str, ...]) -> str:
            written.append(1)
            return super().line(cells)

    rows = tuple((f"Deltagare!A{i}", "fel", "Födelseår: #REF!") for i in range(100_000))
    reply = Reply("Kontroll", (CountingTable(("Cell", "Typ", "Problem"), rows),))
    message = render_reply(reply, SV)
    check_limits(message.blocks)
    hidden = int(re.search(r"(\d+) rader till", message.blocks[-1]["text"]["text"])[1])  # type: ignore[index]
    shown_rows = len(code_lines(message.blocks)) - 2 * (len(message.blocks) - 2)
    assert shown_rows + hidden == 100_000
    assert len(written) < 10_000, "only the rows that fit in a message are written out"
    full = escape(Reply("Kontroll", (Table(("Cell", "Typ", "Problem"), rows),)).as_text())
    assert message.text[:-1] == full[: len(message.text) - 1], "the fallback is the text's start"


def test_too_many_paragraphs_are_trimmed_too() -> None:
    reply = Reply("Läge", tuple(Alert(f"Larm {i}") for i in range(80)))
    blocks = render_reply(reply, EN).blocks
    check_limits(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert "shortened" in blocks[-1]["text"]["text"]


def test_a_long_paragraph_is_split_at_spaces() -> None:
    text = " ".join(f"ord{i} <5 &" for i in range(1200))
    blocks = render_reply(Reply("T", (Paragraph(text),)), SV).blocks
    check_limits(blocks)
    joined = " ".join(unescape(t) for t in section_texts(blocks))
    assert joined == text


def test_a_word_longer_than_a_section_is_cut_not_lost() -> None:
    word = "https://example.org/" + "<a>" * 2000
    blocks = render_reply(Reply("T", (Paragraph(word),)), SV).blocks
    check_limits(blocks)
    assert "".join(unescape(t) for t in section_texts(blocks)) == word


def test_the_fallback_text_is_bounded() -> None:
    rows = tuple((str(i), "x" * 80) for i in range(500))
    message = render_reply(Reply("Kontroll", (Table(("A", "B"), rows),)), SV)
    assert message.text.startswith("Kontroll\n")
    assert len(message.text) <= MAX_FALLBACK_CHARS + 2
    assert message.text.endswith("…")


def test_many_notes_fit_in_one_context_block() -> None:
    notes = tuple(f"not {i}" for i in range(14))
    blocks = render_reply(Reply("T", (), notes), SV).blocks
    check_limits(blocks)
    elements = blocks[-1]["elements"]
    assert len(elements) == 10
    assert elements[-1]["text"] == " · ".join(notes[9:])


@pytest.mark.parametrize(
    "text", ["läge", "deltagare", "deltagare RESAM", "kontroll", "mål", "budget", "hjälp", "RESAM"]
)
def test_every_answer_about_the_demo_fits_block_kit(text: str) -> None:
    data = DatasetCache(WorkbookBackend(BUNDLED_PATH), 3600).get()
    for language in (SV, EN):
        reply = answer(data, text, Context(BUNDLED_ANCHOR, language))
        message = render_reply(reply, language)
        check_limits(message.blocks)
        assert message.text


texts = st.text(alphabet=st.sampled_from("ab <>&\n–å5"), max_size=60)


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=0, max_size=300),
    paragraphs=st.lists(st.text(max_size=7000), max_size=4),
    rows=st.lists(st.tuples(texts, texts), max_size=400),
    notes=st.lists(texts, max_size=15),
)
def test_any_reply_fits_block_kit(
    title: str, paragraphs: list[str], rows: list[tuple[str, str]], notes: list[str]
) -> None:
    table = Table(("Kolumn", "Värde"), tuple(rows))
    reply = Reply(title, (*(Paragraph(p) for p in paragraphs), table), tuple(notes))
    check_limits(render_reply(reply, SV).blocks)
