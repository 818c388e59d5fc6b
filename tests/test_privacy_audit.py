"""The privacy audit: ask the bot every question it answers, as a reader combining answers would,
and prove with linear programmes that no hidden cell can be narrowed.

For one sheet and one as-of date this gathers every number every answer shows (``deltagare``
for every insats, kommun and caseworker and for all, ``läge``, ``mål``, every insats card and the
weekly post), reads each one back as the cell of the breakdown it shows, and sets up what a
reader then knows: cells ≥ 0, every insats's public totals, every shown cell and total, and the
outcome shares (each says how many exits went to work or studies). For every cell shown as
``..`` anywhere, scipy's linprog finds the smallest and largest value it can have; the interval
must be at least SMALL_COUNT_MIN wide (or, in an insats with fewer participants than that, span
all of them).

It also checks that the answers are one consistent slice of one cube: a cell is never shown in
one answer and hidden in another, and every shown number is the true count.

The breakdowns are audited table by table: each splits a public total of each insats by one
attribute and no answer crosses two attributes, so tables linked only through public totals
cannot narrow each other (see commands/cube.py).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.context import Context
from commands.cube import MAN_OR_OTHER, protected_cube
from commands.disclosure import HIDDEN
from commands.dispatch import answer
from commands.figures import compute_figures, outcome_share
from commands.reply import Paragraph, Reply, Table
from sheets.categories import EXIT_REASONS
from sheets.dataset import AGE_BANDS, SUPPORT_KEYS, Dataset
from sheets.demo import BUNDLED_ANCHOR, BUNDLED_PATH, DELTAGARE_HEADER
from sheets.validate import load_dataset
from tests.privacy_lp import Model

THRESHOLD = 5
AS_OF = date(2026, 11, 23)

GENDER_LABELS = {"Kvinnor": "kvinna", "Män": "man", "Annat": "annat", "Män och annat": MAN_OR_OTHER}
TABLE_TITLES = {
    "Kön (aktiva)": "gender",
    "Ålder vid start": "age_band",
    "Försörjning vid start": "support",
    "Avslutsorsak i år": "exit_reason",
    "Avslutsorsak i år, alla insatser": "exit_reason",
}
SHARE_COLUMNS = ("Arb/stud i år", "Arb/stud")


@dataclass
class Published:
    """What the answers show: (table, row, key) → text, and each insats's outcome count."""

    cells: dict[tuple[str, int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    outcomes: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def show(self, table: str, row: int, key: str, text: str) -> None:
        self.cells[(table, row, key)].add(text)


def _keys(table: str, cube: Any) -> tuple[str, ...]:
    return tuple(getattr(cube, table).keys) if table != "exit_reason" else EXIT_REASONS


def _label_key(table: str, label: str, cube: Any) -> str:
    if table == "gender":
        return GENDER_LABELS[label]
    if label == "okänd":
        return "okänd"
    assert label in _keys(table, cube), (table, label)
    return label


def _read_breakdowns(reply: Reply, row: int, cube: Any, published: Published) -> None:
    """Record the breakdown tables of a ``deltagare`` answer for cube row `row`."""
    seen: dict[str, Table] = {}
    withheld = {"gender": False, "exit_reason": False}
    for block in reply.blocks:
        if isinstance(block, Table) and block.header[0] in TABLE_TITLES:
            seen[TABLE_TITLES[block.header[0]]] = block
        if isinstance(block, Paragraph) and "visas inte" in block.text:
            withheld["exit_reason" if "Avslutsorsaker" in block.text else "gender"] = True
    for table in TABLE_TITLES.values():
        group = "exit_reason" if table == "exit_reason" else "gender"
        if withheld[group]:
            assert table not in seen
            continue
        shown = {}
        if table in seen:
            shown = {_label_key(table, label, cube): text for label, text in seen[table].rows}
        for key in _keys(table, cube):
            published.show(table, row, key, shown.get(key, "0"))  # a row left out shows 0


def _read_slice(reply: Reply, table: str, key: str, data: Dataset, published: Published) -> None:
    """Record a kommun's or a person's answer: active per insats and in all."""
    total_text = next(b.text for b in reply.blocks if isinstance(b, Paragraph))
    match = re.fullmatch(r"Aktiva: (\S+)\.", total_text)
    assert match, total_text
    published.show(table, len(data.insatser), key, match[1])
    rows = {}
    for block in reply.blocks:
        if isinstance(block, Table):
            rows = dict(block.rows)
    for row, insats in enumerate(data.insatser):
        published.show(table, row, key, rows.get(insats.kod, "0"))


def _outcome_count(share_text: str, exits: int) -> int | None:
    """Return the number of exits to work or studies that a shown share means, or None."""
    if share_text in ("–", HIDDEN, ""):
        return None
    share = float(share_text.replace(" %", "").replace(",", "."))
    fits = [n for n in range(exits + 1) if outcome_share(n, exits) == share]
    assert len(fits) == 1, (share_text, exits, fits)
    return fits[0]


def _read_shares(reply: Reply, data: Dataset, exits: list[int], published: Published) -> None:
    """Record the outcome shares of a ``läge``, ``mål`` or weekly table (Totalt: all insatser)."""
    codes = {insats.kod: row for row, insats in enumerate(data.insatser)}
    for block in reply.blocks:
        if not isinstance(block, Table):
            continue
        for name in SHARE_COLUMNS:
            if name not in block.header:
                continue
            column = block.header.index(name)
            for cells in block.rows:
                row = codes.get(cells[0], len(data.insatser) if cells[0] == "Totalt" else None)
                assert row is not None, cells
                count = _outcome_count(cells[column], exits[row])
                if count is not None:
                    published.outcomes[row].add(count)


def gather(data: Dataset, as_of: date, threshold: int = THRESHOLD) -> Published:
    """Ask every question and record every number shown."""
    context = Context(as_of, small_count_min=threshold)
    cube = protected_cube(data, as_of, threshold)
    figures = compute_figures(data, as_of)
    published = Published()
    units = len(data.insatser)
    exits = [p.counts.exited_ytd for p in figures.projects]
    exits.append(sum(p.counts.exited_ytd for p in figures.projects))

    _read_breakdowns(answer(data, "deltagare", context), units, cube, published)
    for row, insats in enumerate(data.insatser):
        _read_breakdowns(answer(data, f"deltagare {insats.kod}", context), row, cube, published)
        card = answer(data, f"insats {insats.kod}", context)
        for block in card.blocks:
            if isinstance(block, Table):
                for item, value in block.rows:
                    if item == "Mål arbete/studier":
                        count = _outcome_count(value.split(" i år")[0], exits[row])
                        if count is not None:
                            published.outcomes[row].add(count)
    for table in ("kommun", "caseworker"):
        breakdown = getattr(cube, table)
        for key, shown in zip(breakdown.keys, breakdown.shown, strict=True):
            if not shown:
                continue
            question = (
                f"deltagare <@{key}>" if re.fullmatch(r"[UW][A-Z0-9]+", key) else f"deltagare {key}"
            )
            reply = answer(data, question, context)
            _read_slice(reply, table, key, data, published)
    for question in ("läge", "mål", "vecka"):
        _read_shares(answer(data, question, context), data, exits, published)
    return published


def audit(data: Dataset, as_of: date, threshold: int = THRESHOLD) -> list[str]:
    """Return every hidden cell a reader of all the answers can narrow, and every inconsistency."""
    published = gather(data, as_of, threshold)
    cube = protected_cube(data, as_of, threshold)
    figures = compute_figures(data, as_of)
    units = len(data.insatser)
    running = [row for row, p in enumerate(figures.projects) if p.running]
    everyone = list(range(units))
    failures: list[str] = []

    tables = {
        "gender": (cube.gender.keys, cube.gender.protection.values, running),
        "age_band": (AGE_BANDS, cube.age_band.protection.values, running),
        "support": (SUPPORT_KEYS, cube.support.protection.values, running),
        "exit_reason": (EXIT_REASONS, cube.exit_reason.cells.protection.values, everyone),
        "kommun": (cube.kommun.keys, cube.kommun.protection.values, everyone),
        "caseworker": (cube.caseworker.keys, cube.caseworker.protection.values, everyone),
    }
    for name, (keys, values, total_rows) in tables.items():
        model = Model(units, len(keys))
        for row in range(units):
            model.know(model.total([row], range(len(keys))), values[row].sum())
        hidden: list[tuple[int, int]] = []
        for (table, row, key), texts in published.cells.items():
            if table != name:
                continue
            if len(texts) > 1:
                failures.append(f"{name} row {row} {key} shown as {sorted(texts)}")
                continue
            text = next(iter(texts))
            column = keys.index(key)
            rows = [row] if row < units else total_rows
            if text == HIDDEN:
                hidden.append((row, column))
                continue
            if int(text) != values[row, column]:
                failures.append(f"{name} row {row} {key} shows {text}, is {values[row, column]}")
            model.know(model.total(rows, [column]), int(text))
        if name == "exit_reason":
            outcome = [EXIT_REASONS.index(r) for r in ("arbete", "studier")]
            for row, counts in published.outcomes.items():
                assert len(counts) == 1, (row, counts)
                rows = [row] if row < units else total_rows
                model.know(model.total(rows, outcome), next(iter(counts)))
        for row, column in hidden:
            rows = [row] if row < units else total_rows
            low, high = model.interval(model.total(rows, [column]))
            total = values[row].sum() if row < units else values[total_rows].sum()
            if high - low < min(threshold, total) - 1e-6:
                failures.append(
                    f"{name} row {row} {keys[column]} (is {values[row, column]}) narrowed to "
                    f"[{low:g}, {high:g}]"
                )
    return failures


def test_the_demo_workbook_passes_the_audit() -> None:
    from sheets.backends.workbook import WorkbookBackend

    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    published = gather(data, BUNDLED_ANCHOR)
    assert any(HIDDEN in texts for texts in published.cells.values()), "the demo hides cells"
    assert audit(data, BUNDLED_ANCHOR) == []


# -- generated sheets ---------------------------------------------------------------------------

KOMMUNER = ("Fagersta", "Norberg", "Lillby", "Storstad")
CASEWORKERS = ("Eva Lind", "<@U0AAA01>", "Olle Berg", "U0BBB02", None)
GENDERS = ("K", "M", "X", "kvinna", "man")
SUPPORTS = ("sjukpenning", "försörjningsstöd", "a-kassa", "ingen", None)
REASONS = ("arbete", "studier", "arbetssökande", "övrigt", "utbildning")


@st.composite
def generated_sheets(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    """A valid sheet of a few insatser (some ended) and up to 80 participants, skewed small."""
    codes = [f"I{n}" for n in range(draw(st.integers(1, 5)))]
    insatser: list[list[Any]] = [["Kod", "Namn", "Start", "Slut", "Mål arbete/studier (%)"]]
    for code in codes:
        ended = draw(st.booleans()) and draw(st.booleans())
        end = (AS_OF - timedelta(days=40)).isoformat() if ended else None
        insatser.append(
            [code, f"Insats {code}", "2024-01-01", end, draw(st.sampled_from([None, 40]))]
        )
    deltagare: list[list[Any]] = [list(DELTAGARE_HEADER)]
    for n in range(draw(st.integers(0, 80))):
        code = draw(st.sampled_from(codes))
        enrolled = AS_OF - timedelta(days=draw(st.integers(0, 600)))
        exited = None
        reason = None
        if draw(st.booleans()):
            exited = enrolled + timedelta(days=draw(st.integers(0, 500)))
            reason = draw(st.sampled_from(REASONS))
        deltagare.append(
            [
                f"P{n:04d}",
                code,
                draw(st.sampled_from(GENDERS)),
                draw(st.sampled_from([None, 1960, 1975, 1990, 2002, 2007])),
                draw(st.sampled_from([*KOMMUNER, None])),
                draw(st.sampled_from(SUPPORTS)),
                enrolled.isoformat(),
                exited.isoformat() if exited else None,
                reason,
                draw(st.sampled_from(CASEWORKERS)),
            ]
        )
    personal = [["Slack-ID", "Namn", "Roll"], ["U0AAA01", "Eva Lind", "handläggare"]]
    return {"Insatser": insatser, "Deltagare": deltagare, "Personal": personal}


@settings(
    # `make fuzz` audits 1 000 generated sheets; `make test` a sample.
    max_examples=1000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(generated_sheets(), st.sampled_from([THRESHOLD, 3]))
def test_generated_sheets_pass_the_audit(tabs: dict[str, list[list[Any]]], threshold: int) -> None:
    data = load_dataset(tabs)
    assert audit(data, AS_OF, threshold) == []


@pytest.mark.parametrize("threshold", [0, 1])
def test_with_suppression_off_every_answer_shows_exact_counts(threshold: int) -> None:
    from sheets.backends.workbook import WorkbookBackend

    data = load_dataset(WorkbookBackend(BUNDLED_PATH).read_tabs())
    published = gather(data, BUNDLED_ANCHOR, threshold)
    assert not any(HIDDEN in texts for texts in published.cells.values())
    assert audit(data, BUNDLED_ANCHOR, threshold) == []
