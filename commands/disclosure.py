"""Cell suppression for tables of counts whose row totals are public (pure: numpy only).

Every breakdown the bot shows splits a public total by one attribute: the active participants of
an insats by gender, age band, support at start, kommun or caseworker, this year's exits of an
insats by exit reason. Such a breakdown is one row of a table: rows are insatser (their totals are
the public caseload figures), columns are the attribute's values, and a total row sums the rows
that answers add up (the running insatser, or all of them). `protect` decides once per table which
cells are hidden, so that every answer is a slice of the same protected table and no combination
of answers narrows a hidden cell.

What a reader knows, and so what is guarded against: every shown cell and every row total, that
cells are whole numbers ≥ 0, and that the total row is the sum of its rows. A hidden cell is safe
when, given all of that, its possible values still span an interval at least `threshold` wide
(or, for a cell of a row whose total is smaller than the threshold, all of 0 to that total). Every
hidden cell is shown the same way (``..``): a mark that told a small count apart from a hidden
large one would itself narrow both.

The reader's knowledge is a network: rows and columns are nodes, a hidden cell an edge that may
carry counts either way (down to 0), a hidden total-row cell an edge to the grand total. How far a
hidden cell can move with every shown figure kept is then a maximum flow around the cycles through
it (`max_flow`): the same number as the reader's linear programme, computed exactly. A quicker
lower bound (`_Table.width`: one partner row at a time) spares the flow where it already suffices.
The test suite checks the result independently with scipy's linear programmes over every answer
(tests/test_privacy_audit.py).

Hidden cells are chosen greedily: a count from 1 to threshold − 1 is hidden (primary), and then, for
each hidden cell whose interval is too narrow, the further cells that widen it most per cost (the
counts they hide, so that a cell of 67 is not hidden to protect one of 3 when a cell of 6 will do;
a cell of the total row costs ten times as much, since most answers show it).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: How a hidden cell is shown, whether it is small itself or hidden to protect a small one.
HIDDEN = ".."
#: A cell of the total row is what most answers show (every insats together): hiding it costs as
#: much as hiding that many counts in the insatser themselves.
TOTAL_ROW_WEIGHT = 10
#: What hiding a cell costs on top of its count: a 0 shown as ``..`` loses the news that there
#: is nobody, and a row of ``..`` where there are zeros reads as activity that is not there.
ZERO_COST = 3


def needed_width(totals: IntArray, threshold: int) -> IntArray:
    """Return how wide the interval of a hidden cell of each row must be: the threshold, or the
    row's total when that is smaller (a cell can never range beyond its row's public total)."""
    return np.minimum(totals, threshold)


Node = tuple[Any, ...]
#: An edge between two nodes of the flow network: (a, b, count). The count of a cell may grow
#: without limit (flow a → b) and shrink to 0 (flow b → a, at most `count`); None: both ways
#: without limit (a hidden sum whose parts move freely).
Edge = tuple[Node, Node, int | None]


def max_flow(edges: Sequence[Edge], source: Node, sink: Node, limit: int) -> int:
    """Return the maximum flow from `source` to `sink` through `edges`, up to `limit`.

    This is how far a cell can move with every shown figure kept: the reader's linear programme
    over a table with public row totals is a network, so its optimum is a maximum flow (and a
    whole number). Augmenting paths, found breadth first, each carry at least one count, so at
    most `limit` searches are made.
    """
    unbounded = limit + 1
    graph: dict[Node, dict[Node, int]] = {}
    for a, b, count in edges:
        forward, backward = (unbounded, unbounded) if count is None else (unbounded, count)
        graph.setdefault(a, {})
        graph.setdefault(b, {})
        graph[a][b] = graph[a].get(b, 0) + forward
        graph[b][a] = graph[b].get(a, 0) + backward
    flow = 0
    while flow < limit and source in graph and sink in graph:
        parents: dict[Node, Node] = {source: source}
        frontier = deque([source])
        while frontier and sink not in parents:
            node = frontier.popleft()
            for following, capacity in graph[node].items():
                if capacity > 0 and following not in parents:
                    parents[following] = node
                    frontier.append(following)
        if sink not in parents:
            break
        path = [sink]
        while path[-1] != source:
            path.append(parents[path[-1]])
        path.reverse()
        steps = list(itertools.pairwise(path))
        pushed = min(limit - flow, *(graph[a][b] for a, b in steps))
        for a, b in steps:
            graph[a][b] -= pushed
            graph[b][a] += pushed
        flow += pushed
    return flow


class _Table:
    """A table being protected: the body rows, the total row (last), and what is hidden."""

    def __init__(
        self,
        values: IntArray,
        in_total: BoolArray,
        threshold: int,
        shown: BoolArray,
        hidden: BoolArray,
    ) -> None:
        self.units = values.shape[0]
        self.x = np.vstack([values, values[in_total].sum(axis=0, keepdims=True)]).astype(np.int64)
        self.in_total = in_total
        self.threshold = threshold
        self.shown = shown
        self.hidden = hidden
        self.totals = self.x.sum(axis=1)
        self.need = needed_width(self.totals, threshold)
        # Cells of never-shown columns cost nothing to hide; the total row costs more.
        cost = (self.x + ZERO_COST) * shown[None, :]
        cost[-1] *= TOTAL_ROW_WEIGHT
        self.cost = cost
        self.total_row = self.units

    # -- what a cell's interval is at least ---------------------------------------------------

    def width(self, row: int, column: int) -> int:
        """Return a proven lower bound of the width of the interval of hidden cell (row, column).

        Each bound is an alternative table that keeps every shown cell, every row total and every
        shown cell of the total row, reached by moving counts between hidden cells:
        * up: the cell takes counts from the same column of other rows (partners), each of which
          takes as much back from another column hidden in both rows; or, when the total row's
          cells of both columns are hidden, from another column of its own row;
        * down: the reverse, as far as the cell's own count allows.
        A row outside the total row is tied by no column sum: its hidden cells move freely.
        """
        if row == self.total_row:
            return self._total_width(column)
        x, hidden, top = self.x, self.hidden, self.total_row
        others = hidden[row].copy()
        others[column] = False
        if not others.any():
            return 0
        room = np.where(others, x[row], 0)  # what the row can give up in each other column
        if not self.in_total[row]:
            return int(room.sum() + x[row, column])
        by_total = others & hidden[top] if hidden[top, column] else np.zeros_like(others)
        same_side = self.in_total[: self.units]
        partners = np.flatnonzero(same_side & hidden[: self.units, column])
        partners = partners[partners != row]
        routes = hidden[partners] & others[None, :]  # (partners, columns)
        down = (
            int(x[row, column])
            if by_total.any()
            else min(int(x[row, column]), int((routes * x[partners]).sum()))
        )
        up = int(room[by_total].sum())
        room[by_total] = 0
        for partner, reach in sorted(
            zip(partners.tolist(), routes, strict=True), key=lambda item: -x[item[0], column]
        ):
            supply = int(x[partner, column])
            for other in np.flatnonzero(reach & (room > 0)):
                moved = min(supply, int(room[other]))
                room[other] -= moved
                supply -= moved
                up += moved
                if not supply:
                    break
        return up + down

    def _total_width(self, column: int) -> int:
        """The width of a hidden total-row cell: each row in the total that hides this column
        moves counts between it and its other columns hidden in the total row too."""
        x, hidden, top = self.x, self.hidden, self.total_row
        units = np.flatnonzero(self.in_total & hidden[: self.units, column])
        if not units.size:
            return 0
        routes = hidden[units] & hidden[top][None, :]
        routes[:, column] = False
        open_rows = routes.any(axis=1)
        return int((routes * x[units]).sum() + x[units[open_rows], column].sum())

    def exact_width(self, row: int, column: int) -> int:
        """Return the width of the interval of hidden cell (row, column), up to `need`: exactly
        what a reader can narrow it to (see `_max_flow`)."""
        need = int(self.need[row])
        if row != self.total_row and not self.in_total[row]:
            return self.width(row, column)  # exact already: only its row total ties it
        top = self.total_row
        if row == top:
            node = ("c", column)
            up = self._max_flow(("T",), node, (row, column), need)
            down = self._max_flow(node, ("T",), (row, column), need)
        else:
            node = ("c", column)
            up = self._max_flow(node, ("r", row), (row, column), need)
            down = min(
                int(self.x[row, column]), self._max_flow(("r", row), node, (row, column), need)
            )
        return up + down

    def _max_flow(self, source: Node, sink: Node, skip: tuple[int, int], limit: int) -> int:
        """Return how far counts can move from `source` to `sink` around cycles of hidden cells,
        up to `limit`, with cell `skip` held still.

        The rows in the total and the columns are nodes; a hidden cell (r, c) is an edge r → c
        (its count may grow without limit) and c → r (it may shrink to 0); a hidden total-row
        cell joins column c and node T both ways (its column's sum may change, the grand total
        may not). A row's and a shown column's sums stay as they are: flow is conserved there.
        """
        edges: list[Edge] = []
        top = self.total_row
        rows = np.flatnonzero(self.in_total)
        for r, c in zip(*np.nonzero(self.hidden[rows]), strict=True):
            unit, column = int(rows[r]), int(c)
            if (unit, column) != skip:
                edges.append((("r", unit), ("c", column), int(self.x[unit, column])))
        for column in np.flatnonzero(self.hidden[top]).tolist():
            if (top, column) != skip:
                edges.append((("c", column), ("T",), None))
        return max_flow(edges, source, sink, limit)

    def safe(self, row: int, column: int) -> bool:
        """Return True when hidden cell (row, column) is wide enough."""
        return bool(self.reach(row, column) >= self.need[row])

    # -- choosing further cells to hide -------------------------------------------------------

    def hide(self, cells: Sequence[tuple[int, int]], queue: deque[tuple[int, int]]) -> None:
        """Hide `cells` and queue each newly hidden one for its own check."""
        for row, column in cells:
            if not self.hidden[row, column]:
                self.hidden[row, column] = True
                queue.append((row, column))

    def _unhidden_cost(self, rows: Any, columns: Any) -> IntArray:
        """Return the cost of hiding each of the cells (rows, columns): 0 where hidden already."""
        return np.where(self.hidden[rows, columns], 0, self.cost[rows, columns])

    def options(self, row: int, column: int) -> list[tuple[IntArray, IntArray, list[IntArray]]]:
        """Return the ways to widen hidden cell (row, column), each as arrays over its choices:
        a lower bound of the width the cell then reaches (one partner row at a time), the cost,
        and the cells to hide (pairs of row and column arrays).

        For a body cell: another column of its own row (with the total row's cells of both
        columns, for a row in the total), or a rectangle with a partner row and another column.
        For a total-row cell: a row in the total and another column, with the total row's cell.
        """
        x, top = self.x, self.total_row
        columns = np.arange(x.shape[1])
        options: list[tuple[IntArray, IntArray, list[IntArray]]] = []
        if row == top:
            units = np.flatnonzero(self.in_total)
            if not units.size:
                return options
            routes = self.hidden[units] & self.hidden[top][None, :]
            counted = routes[:, column] & (routes.sum(axis=1) >= 2)
            now = np.where(counted, (routes * x[units]).sum(axis=1), 0)
            grown = routes.copy()
            grown[:, column] = True
            rest = self.width(row, column) - now  # what the other rows give
            width = (rest + (grown * x[units]).sum(axis=1))[:, None] + np.where(grown, 0, x[units])
            width[:, column] = -1
            cost = (
                self._unhidden_cost(units, column)[:, None]
                + self._unhidden_cost(units[:, None], columns[None, :])
                + self._unhidden_cost(top, columns)[None, :]
            )
            u, o = np.meshgrid(units, columns, indexing="ij")
            options.append(
                (width, cost, [u, np.full_like(u, column), u, o, np.full_like(o, top), o])
            )
            return options
        pooled = self.hidden[row] & (self.hidden[top] if self.in_total[row] else True)
        pooled[column] = True
        width = (pooled * x[row]).sum() + np.where(pooled, 0, x[row])
        width[column] = -1
        cost = self._unhidden_cost(row, columns)
        cells = [np.full_like(columns, row), columns]
        if self.in_total[row]:
            cost = cost + self._unhidden_cost(top, columns) + self._unhidden_cost(top, column)
            cells += [np.full_like(columns, top), columns, np.full_like(columns, top)]
            cells += [np.full_like(columns, column)]
        options.append((width, cost, cells))
        same_side = np.flatnonzero(self.in_total[: self.units] == self.in_total[row])
        partners = same_side[same_side != row]
        if partners.size:
            both = self.hidden[partners] & self.hidden[row][None, :]
            both[:, column] = False
            mine = (both * x[row][None, :]).sum(axis=1)[:, None] + np.where(both, 0, x[row])
            theirs = (both * x[partners]).sum(axis=1)[:, None] + np.where(both, 0, x[partners])
            width = np.minimum(x[partners, column][:, None], mine) + np.minimum(
                x[row, column], theirs
            )
            width[:, column] = -1
            p, o = np.meshgrid(partners, columns, indexing="ij")
            cost = (
                self._unhidden_cost(row, o)
                + self._unhidden_cost(p, np.full_like(p, column))
                + self._unhidden_cost(p, o)
            )
            options.append(
                (width, cost, [np.full_like(p, row), o, p, np.full_like(p, column), p, o])
            )
        return options

    #: How many of the most promising options, and of the cheapest, `widen` measures each step.
    TRIED = 8

    def reach(self, row: int, column: int) -> int:
        """Return how wide hidden cell (row, column) is, up to what it needs: the quick bound
        when that suffices, else the exact width."""
        quick = self.width(row, column)
        return quick if quick >= self.need[row] else max(quick, self.exact_width(row, column))

    def widen(self, row: int, column: int, queue: deque[tuple[int, int]]) -> None:
        """Hide the cheapest cells that make (row, column) wide enough.

        Each step weighs the options (`options`) by the width they add per cost, counting no more
        width than is still needed: a cheap option that does half the work beats one that does
        all of it at ten times the cost. The quick bound of each option ranks them; the most
        promising few are measured with `reach` (several partner rows together often widen a
        cell that no one of them widens enough). At worst the cell's whole row and the total row
        are hidden: every cell can then range over its row's total, the most `need` asks.
        """
        need = int(self.need[row])
        while (before := self.reach(row, column)) < need:
            picked: list[tuple[int, list[tuple[int, int]]]] = []
            for width, cost, cells in self.options(row, column):
                flat_width, flat_cost = width.ravel(), cost.ravel()
                pairs = [(cells[i].ravel(), cells[i + 1].ravel()) for i in range(0, len(cells), 2)]
                useful = np.flatnonzero(flat_cost > 0)
                if not useful.size:
                    continue
                costs = flat_cost[useful]
                enough = useful[flat_width[useful] >= need]
                gains = (np.minimum(flat_width[useful], need) - before) / np.maximum(costs, 1)
                picks = np.concatenate(
                    [
                        enough[np.argsort(flat_cost[enough], kind="stable")[:1]],
                        useful[np.argsort(-gains, kind="stable")[: self.TRIED]],
                        useful[np.argsort(costs, kind="stable")[: self.TRIED]],
                    ]
                )
                for pick in dict.fromkeys(picks.tolist()):
                    cells_of_pick = [(int(r[pick]), int(c[pick])) for r, c in pairs]
                    picked.append((int(flat_cost[pick]), cells_of_pick))
            best: tuple[float, list[tuple[int, int]]] | None = None
            for price, chosen in picked:
                fresh = [cell for cell in dict.fromkeys(chosen) if not self.hidden[cell]]
                for cell in fresh:
                    self.hidden[cell] = True
                reached = self.reach(row, column)
                for cell in fresh:
                    self.hidden[cell] = False
                score = (min(reached, need) - before) / max(price, 1)
                if reached > before and (best is None or score > best[0]):
                    best = (score, fresh)
            if best is None:
                self._hide_everything_around(row, queue)
            else:
                self.hide(best[1], queue)

    def _hide_everything_around(self, row: int, queue: deque[tuple[int, int]]) -> None:
        """Hide the whole row and the total row (or, for the total row, every row in it)."""
        rows = [row] if row != self.total_row else list(np.flatnonzero(self.in_total))
        if row == self.total_row or self.in_total[row]:
            rows.append(self.total_row)
        self.hide([(int(r), c) for r in rows for c in range(self.x.shape[1])], queue)

    def requires_protection(self, row: int, column: int) -> bool:
        """Return True when hidden cell (row, column) must be proven safe: every cell that is
        shown as hidden. A column never shown (a blank kommun) is missing data, not a value of
        anyone's: it may be worked out."""
        return bool(self.shown[column])


@dataclass(frozen=True)
class Protection:
    """Which cells of a table are hidden.

    Attributes:
        values: the exact counts, body rows then the total row (last).
        hidden: True where a cell is hidden, same shape.
        withheld: True for rows (total row last) whose total is below the threshold: every
            count of theirs but 0 is hidden, and answers say the row is too small to split.
    """

    values: IntArray
    hidden: BoolArray
    withheld: BoolArray

    def text(self, row: int, column: int) -> str:
        """Return a cell as shown: its count, or ``..`` when hidden."""
        return HIDDEN if self.hidden[row, column] else str(int(self.values[row, column]))


def protect(
    values: IntArray,
    in_total: BoolArray,
    threshold: int,
    *,
    shown: BoolArray | None = None,
) -> Protection:
    """Return which cells of a table to hide so that no hidden cell can be narrowed.

    Args:
        values: counts, one row per unit (insats) whose total is public, one column per value of
            the attribute.
        in_total: the rows the published total row sums.
        threshold: SMALL_COUNT_MIN; 0 or 1 hides nothing.
        shown: the columns answers show (default all). A column never shown (a blank kommun) is
            hidden by nature and free to use in protecting others; it is missing data, not a
            value of anyone's, so it needs no protection itself.

    Every hidden cell of a shown column is proven safe.

    Returns:
        The Protection: body rows and the total row, with the hidden cells marked.
    """
    values = np.asarray(values, dtype=np.int64)
    units, columns = values.shape
    shown = np.ones(columns, dtype=bool) if shown is None else np.asarray(shown, dtype=bool)
    mask = np.zeros((units + 1, columns), dtype=bool)
    table = _Table(values, np.asarray(in_total, dtype=bool), threshold, shown, mask)
    withheld = np.zeros(units + 1, dtype=bool)
    if threshold <= 1:
        return Protection(table.x, np.zeros_like(mask), withheld)
    mask[:, ~shown] = True
    # In a row whose total is below the threshold every count is small, so every count but 0 is
    # hidden: answers say the row is too small to split instead of showing it (`withheld`).
    withheld = (table.totals > 0) & (table.totals < threshold)
    mask |= (table.x > 0) & (table.x < threshold) & shown[None, :]
    queue = deque(
        (int(r), int(c))
        for r, c in zip(*np.nonzero(mask), strict=True)
        if table.requires_protection(int(r), int(c))
    )
    while queue:
        row, column = queue.popleft()
        if table.requires_protection(row, column) and not table.safe(row, column):
            table.widen(row, column, queue)
    return Protection(table.x, mask, withheld)


@dataclass(frozen=True)
class GroupedProtection:
    """A table whose columns fall into groups whose sums are shown too (exit reasons: arbete and
    studier, whose sum the outcome share shows, and the rest).

    Attributes:
        groups: the column indices of each group.
        by_group: the group sums and which are hidden (a row hides all its sums or none).
        cells: the cells and which are hidden (a group hides all its cells or none).
    """

    groups: tuple[tuple[int, ...], ...]
    by_group: Protection
    cells: Protection


class _GroupedTable:
    """A grouped table being protected, decided a row's group sums and a group's cells at a time.

    Within a row, hiding one group sum gives the others away (the row total is public), and
    hiding one cell of a group whose sum is shown gives its siblings away: so a row's sums are
    hidden together (`sums_hidden`), and a group's cells together (`split_hidden`); hidden sums
    hide their cells. The reader's knowledge is a network, as in `_Table`, with a node per row
    and group: a cell is an edge between its row-group and its column, a hidden sum joins the
    row-group to the row, and the total row's hidden cells and sums join columns to total
    groups and total groups to the grand total.
    """

    def __init__(
        self,
        values: IntArray,
        in_total: BoolArray,
        threshold: int,
        groups: tuple[tuple[int, ...], ...],
    ) -> None:
        self.units = int(values.shape[0])
        self.x = np.vstack([values, values[in_total].sum(axis=0, keepdims=True)])
        self.sums = np.stack([self.x[:, list(g)].sum(axis=1) for g in groups], axis=1)
        self.in_total = np.append(in_total, False)
        self.threshold = threshold
        self.groups = groups
        self.group_of = {c: g for g, group in enumerate(groups) for c in group}
        self.totals = self.x.sum(axis=1)
        self.need = needed_width(self.totals, threshold)
        rows = self.units + 1
        self.sums_hidden = np.zeros(rows, dtype=bool)
        self.split_hidden = np.zeros((rows, len(groups)), dtype=bool)

    @property
    def top(self) -> int:
        return self.units

    def _edges(self, skip: tuple[str, int, int]) -> list[Edge]:
        edges: list[Edge] = []
        top = self.top
        for row in np.flatnonzero(self.in_total).tolist():
            for g, group in enumerate(self.groups):
                if self.sums_hidden[row] and skip != ("sum", row, g):
                    edges.append((("rg", row, g), ("r", row), None))
                if not self.split_hidden[row, g]:
                    continue
                for column in group:
                    if skip != ("cell", row, column):
                        edges.append((("rg", row, g), ("c", column), int(self.x[row, column])))
        for g, group in enumerate(self.groups):
            if self.split_hidden[top, g]:
                edges += [(("c", c), ("Tg", g), None) for c in group if skip != ("cell", top, c)]
            if self.sums_hidden[top] and skip != ("sum", top, g):
                edges.append((("Tg", g), ("T",), None))
        return edges

    def width(self, kind: str, row: int, index: int) -> int:
        """Return the width of a hidden cell (`kind` "cell") or group sum ("sum"), up to `need`."""
        need = int(self.need[row])
        value = int(self.x[row, index] if kind == "cell" else self.sums[row, index])
        if row != self.top and not self.in_total[row]:
            # Tied by no column sum: the hidden parts of the row move among themselves.
            if self.sums_hidden[row]:
                return int(self.totals[row])
            if kind == "sum":
                return 0
            g = self.group_of[index]
            return int(self.sums[row, g]) if len(self.groups[g]) > 1 else 0
        edges = self._edges((kind, row, index))
        # The part is an edge a → b of the network: flow a → b makes it grow, b → a shrink.
        a: Node
        b: Node
        if kind == "cell":
            g = self.group_of[index]
            a, b = (("c", index), ("Tg", g)) if row == self.top else (("rg", row, g), ("c", index))
        else:
            a, b = (("Tg", index), ("T",)) if row == self.top else (("r", row), ("rg", row, index))
        up = max_flow(edges, b, a, need)  # around a cycle back to where it grew from
        down = min(value, max_flow(edges, a, b, need))
        return up + down

    def hidden_parts(self) -> list[tuple[str, int, int]]:
        parts: list[tuple[str, int, int]] = []
        for row in range(self.units + 1):
            if self.sums_hidden[row]:
                parts += [("sum", row, g) for g in range(len(self.groups))]
            for g, group in enumerate(self.groups):
                if self.split_hidden[row, g]:
                    parts += [("cell", row, c) for c in group]
        return parts

    def unsafe(self) -> tuple[str, int, int] | None:
        for part in self.hidden_parts():
            if self.width(*part) < self.need[part[1]]:
                return part
        return None

    def options(self, row: int) -> list[tuple[int, list[tuple[str, int, int]]]]:
        """Return (cost, what to hide) for each way to widen a part of row `row`: another row's
        sums or a group of its cells, the total row's, or this row's own sums."""
        options: list[tuple[int, list[tuple[str, int, int]]]] = []
        rows = [
            r
            for r in range(self.units)
            if self.in_total[r] == self.in_total[row] or row == self.top
        ]
        if row == self.top:
            rows = [r for r in range(self.units) if self.in_total[r]]
        for r in [*rows, self.top, row]:
            weight = TOTAL_ROW_WEIGHT if r == self.top else 1
            if not self.sums_hidden[r]:
                cost = int((self.sums[r] + ZERO_COST).sum() * 2 + (self.x[r] + ZERO_COST).sum())
                options.append((cost * weight, [("sums", r, 0)]))
            for g, group in enumerate(self.groups):
                if not self.split_hidden[r, g] and len(group) > 1:
                    cost = int((self.x[r, list(group)] + ZERO_COST).sum())
                    options.append((cost * weight, [("split", r, g)]))
        return options

    def apply(self, changes: list[tuple[str, int, int]], value: bool) -> None:
        for what, row, g in changes:
            if what == "sums":
                self.sums_hidden[row] = value
                if value:
                    self.split_hidden[row] = True
            else:
                self.split_hidden[row, g] = value

    def protect(self) -> None:
        if self.threshold <= 1:
            return
        small = (self.x > 0) & (self.x < self.threshold)
        small_sums = (self.sums > 0) & (self.sums < self.threshold)
        self.sums_hidden |= small_sums.any(axis=1)
        self.split_hidden |= self.sums_hidden[:, None]
        for g, group in enumerate(self.groups):
            self.split_hidden[:, g] |= small[:, list(group)].any(axis=1)
        while (part := self.unsafe()) is not None:
            row = part[1]
            need = int(self.need[row])
            before = self.width(*part)
            best: tuple[float, list[tuple[str, int, int]]] | None = None
            for cost, change in self.options(row):
                saved = (self.sums_hidden.copy(), self.split_hidden.copy())
                self.apply(change, True)
                reached = self.width(*part)
                self.sums_hidden, self.split_hidden = saved
                score = (min(reached, need) - before) / max(cost, 1)
                if reached > before and (best is None or score > best[0]):
                    best = (score, change)
            if best is None:  # hide every row's sums: each part then ranges over its row total
                self.sums_hidden[:] = True
                self.split_hidden[:] = True
                if self.unsafe() == part:
                    raise AssertionError("a hidden part cannot be protected")  # pragma: no cover
            else:
                self.apply(best[1], True)


def protect_grouped(
    values: IntArray, in_total: BoolArray, threshold: int, groups: tuple[tuple[int, ...], ...]
) -> GroupedProtection:
    """Return the protection of a table whose group sums are shown as well as its cells.

    Every hidden cell and every hidden group sum spans an interval at least `threshold` wide
    (or its row's total), given everything shown; see `_GroupedTable`.
    """
    values = np.asarray(values, dtype=np.int64)
    in_total = np.asarray(in_total, dtype=bool)
    table = _GroupedTable(values, in_total, threshold, groups)
    table.protect()
    cells_hidden = np.zeros_like(table.x, dtype=bool)
    for g, group in enumerate(groups):
        cells_hidden[:, list(group)] = table.split_hidden[:, [g]]
    sums_hidden = np.repeat(table.sums_hidden[:, None], len(groups), axis=1)
    withheld = (table.totals > 0) & (table.totals < threshold) & (threshold > 1)
    return GroupedProtection(
        groups,
        Protection(table.sums, sums_hidden, withheld),
        Protection(table.x, cells_hidden, withheld),
    )
