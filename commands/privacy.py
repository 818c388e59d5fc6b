"""Small-count suppression for breakdowns shown in Slack (SPEC §7).

A count from 1 to ``minimum - 1`` is shown as ``<minimum`` (primary suppression). When the total is
known, one hidden cell could be worked out as the total minus the shown cells, so further cells are
hidden as ``..`` (secondary suppression) until no hidden cell has a single possible value.

The check assumes a reader who knows this rule: a ``<N`` cell is between 1 and N - 1, a ``..`` cell
is 0 or at least N, and the hidden cells add up to the total minus the shown ones. A hidden cell is
safe when at least two values fit. When no choice of extra cells makes every hidden cell safe,
the whole breakdown is withheld.
"""

from __future__ import annotations

from collections.abc import Mapping

PRIMARY = "primary"
SECONDARY = "secondary"
WITHHELD = "withheld"
#: How a secondary or withheld cell is shown.
HIDDEN_MARK = ".."

Intervals = list[tuple[int, int]]  # closed, sorted, non-overlapping


def _merge(intervals: Intervals) -> Intervals:
    merged: Intervals = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _add(a: Intervals, b: Intervals, cap: int) -> Intervals:
    """Return the sums x + y (x in a, y in b) that do not exceed `cap`."""
    return _merge([(x0 + y0, min(x1 + y1, cap)) for x0, x1 in a for y0, y1 in b if x0 + y0 <= cap])


def _possible(kind: str, minimum: int, cap: int) -> Intervals:
    """Return the values a hidden cell of `kind` may have, in the reader's eyes, up to `cap`."""
    if kind == PRIMARY:
        return [(1, min(minimum - 1, cap))]
    if kind == SECONDARY:
        return _merge([(0, 0)] + ([(minimum, cap)] if cap >= minimum else []))
    return [(0, cap)]


def _values_that_fit(hidden: Mapping[str, str], key: str, remainder: int, minimum: int) -> int:
    """Return how many values of hidden cell `key` are consistent with the rest (capped at 2)."""
    others: Intervals = [(0, 0)]
    for other, kind in hidden.items():
        if other != key:
            others = _add(others, _possible(kind, minimum, remainder), remainder)
    # The cell's value v fits when remainder - v is a sum the other hidden cells can make.
    fitting = [(remainder - high, remainder - low) for low, high in others]
    count = 0
    for low, high in _possible(hidden[key], minimum, remainder):
        for a, b in fitting:
            count += max(0, min(high, b) - max(low, a) + 1)
    return min(count, 2)


def is_safe(hidden: Mapping[str, str], remainder: int, minimum: int) -> bool:
    """Return True when no hidden cell has exactly one value consistent with what is shown.

    `remainder` is the total minus the shown cells, i.e. what the hidden cells add up to.
    """
    if len(hidden) == 1:
        return False
    return all(_values_that_fit(hidden, key, remainder, minimum) >= 2 for key in hidden)


def suppress(counts: Mapping[str, int], minimum: int) -> dict[str, str]:
    """Return the counts as shown in a shared channel: exact, ``<minimum`` or ``..``.

    With `minimum` 0 or 1 suppression is off and every count is shown exactly.
    """
    if minimum <= 1:
        return {key: str(value) for key, value in counts.items()}
    hidden = {key: PRIMARY for key, value in counts.items() if 0 < value < minimum}
    if hidden:
        # Hide the smallest large counts first, then zeros, until the hidden cells are safe.
        candidates = sorted(
            (key for key in counts if key not in hidden),
            key=lambda key: (counts[key] == 0, counts[key]),
        )
        remainder = sum(counts[key] for key in hidden)
        while not is_safe(hidden, remainder, minimum) and candidates:
            key = candidates.pop(0)
            hidden[key] = SECONDARY
            remainder += counts[key]
        if not is_safe(hidden, remainder, minimum):
            hidden = {key: WITHHELD for key in counts}
    return {
        key: (f"<{minimum}" if hidden.get(key) == PRIMARY else HIDDEN_MARK)
        if key in hidden
        else str(value)
        for key, value in counts.items()
    }
