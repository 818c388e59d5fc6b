"""Cell suppression (commands.disclosure): no hidden cell can be narrowed by what is shown.

Each property sets up what a reader knows (row totals, shown cells, the total row, group sums)
as linear constraints and checks with a linear programme that every hidden cell keeps an
interval at least the threshold wide, or its whole row's range when the row is smaller.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from commands.disclosure import HIDDEN, Protection, protect, protect_grouped
from tests.privacy_lp import Model

T = 5


def reader(values: np.ndarray, in_total: np.ndarray, protection: Protection) -> Model:
    """Return what a reader knows of a protected table: row totals, shown cells and totals."""
    units, columns = values.shape
    model = Model(units, columns)
    rows_in_total = np.flatnonzero(in_total)
    for row in range(units):
        model.know(model.total([row], range(columns)), values[row].sum())
    for row in range(units + 1):
        for column in range(columns):
            if not protection.hidden[row, column]:
                rows = [row] if row < units else rows_in_total
                model.know(model.total(rows, [column]), protection.values[row, column])
    return model


def narrowed(
    values: np.ndarray,
    in_total: np.ndarray,
    protection: Protection,
    model: Model,
    shown: np.ndarray | None = None,
) -> list[tuple[int, int, float, float]]:
    """Return every hidden shown cell whose interval is narrower than it must be."""
    units, columns = values.shape
    shown = np.ones(columns, dtype=bool) if shown is None else shown
    rows_in_total = np.flatnonzero(in_total)
    bad = []
    for row, column in zip(*np.nonzero(protection.hidden), strict=True):
        if not shown[column]:
            continue
        rows = [int(row)] if row < units else rows_in_total
        low, high = model.interval(model.total(rows, [int(column)]))
        need = min(T, protection.values[row].sum())
        if high - low < need - 1e-6:
            bad.append((int(row), int(column), low, high))
    return bad


def test_the_differencing_attack_of_two_insatser_finds_nothing() -> None:
    # BIG: 10 women, 10 men; SMALL: 10 women, 2 men. Hiding only SMALL's men would not do:
    # all men (12) minus BIG's men (10) gives them away.
    values = np.array([[10, 10], [10, 2]])
    in_total = np.array([True, True])
    only_primary = Protection(
        np.vstack([values, values.sum(axis=0)]),
        np.array([[False, False], [False, True], [False, False]]),
        np.zeros(3, dtype=bool),
    )
    model = reader(values, in_total, only_primary)
    assert model.interval(model.cell(1, 1)) == (2.0, 2.0)  # the attack works on that

    protection = protect(values, in_total, T)
    assert protection.hidden[1, 1]
    assert narrowed(values, in_total, protection, reader(values, in_total, protection)) == []


def test_a_large_cell_is_not_hidden_when_a_smaller_one_protects() -> None:
    values = np.array([[67, 3, 8], [40, 7, 9], [52, 6, 12]])
    in_total = np.ones(3, dtype=bool)
    protection = protect(values, in_total, T)

    assert protection.hidden[0, 1]
    assert not protection.hidden[:, 0].any(), "the 67, 40 and 52 stay shown"
    assert not protection.hidden[-1].any(), "the totals stay shown"
    assert narrowed(values, in_total, protection, reader(values, in_total, protection)) == []


def test_every_hidden_cell_is_shown_as_the_same_mark() -> None:
    protection = protect(np.array([[10, 3], [8, 9]]), np.array([True, True]), T)
    texts = {protection.text(r, c) for r, c in zip(*np.nonzero(protection.hidden), strict=True)}
    assert texts == {HIDDEN}


@pytest.mark.parametrize("threshold", [0, 1])
def test_a_threshold_of_0_or_1_hides_nothing(threshold: int) -> None:
    protection = protect(np.array([[1, 2], [3, 0]]), np.array([True, False]), threshold)
    assert not protection.hidden.any()


def test_a_row_smaller_than_the_threshold_is_withheld_and_its_zeros_stay_zeros() -> None:
    values = np.array([[2, 1, 0], [20, 14, 9]])
    protection = protect(values, np.array([True, True]), T)
    assert protection.withheld.tolist() == [True, False, False]
    assert protection.hidden[0, :2].all() and not protection.hidden[0, 2]
    assert (
        narrowed(values, np.ones(2, bool), protection, reader(values, np.ones(2, bool), protection))
        == []
    )


def test_empty_tables() -> None:
    assert protect(np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=bool), T).hidden.shape == (
        1,
        3,
    )
    assert not protect(np.zeros((2, 3), dtype=np.int64), np.ones(2, dtype=bool), T).hidden.any()


counts = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 30])


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    units = draw(st.integers(1, 6))
    columns = draw(st.integers(2, 6))
    values = draw(hnp.arrays(np.int64, (units, columns), elements=counts))
    in_total = draw(hnp.arrays(np.bool_, units))
    shown = np.ones(columns, dtype=bool)
    if draw(st.booleans()):
        shown[-1] = False  # a blank kommun: never shown
    return values, in_total, shown


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_cell_of_any_table_can_be_narrowed(table: Any) -> None:
    values, in_total, shown = table
    protection = protect(values, in_total, T, shown=shown)
    assert protection.hidden[:, ~shown].all()
    small = (protection.values > 0) & (protection.values < T) & shown[None, :]
    assert protection.hidden[small].all(), "every small count is hidden"
    assert narrowed(values, in_total, protection, reader(values, in_total, protection), shown) == []


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(np.int64, st.tuples(st.integers(1, 6), st.just(4)), elements=counts), st.data())
def test_no_hidden_exit_reason_or_outcome_count_can_be_narrowed(
    values: np.ndarray, data: st.DataObject
) -> None:
    groups = ((0, 1), (2, 3))
    in_total = data.draw(hnp.arrays(np.bool_, values.shape[0]))
    grouped = protect_grouped(values, in_total, T, groups)
    model = reader(values, in_total, grouped.cells)
    units = values.shape[0]
    rows_in_total = np.flatnonzero(in_total)
    for row in range(units + 1):
        rows = [row] if row < units else rows_in_total
        for g, group in enumerate(groups):
            if not grouped.by_group.hidden[row, g]:
                model.know(model.total(rows, group), grouped.by_group.values[row, g])
    assert narrowed(values, in_total, grouped.cells, model) == []
    for row in range(units + 1):
        rows = [row] if row < units else rows_in_total
        need = min(T, grouped.by_group.values[row].sum())
        for g, group in enumerate(groups):
            if grouped.by_group.hidden[row, g]:
                low, high = model.interval(model.total(rows, group))
                assert high - low >= need - 1e-6, (row, g, low, high)
            small = 0 < grouped.by_group.values[row, g] < T
            assert grouped.by_group.hidden[row, g] or not small
            # A shown group sum over hidden cells hides them as a pair, never one alone.
            assert (
                grouped.cells.hidden[row, list(group)].all()
                or not grouped.cells.hidden[row, list(group)].any()
            )
