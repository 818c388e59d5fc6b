"""Small-count suppression (SPEC §7): no hidden cell of a breakdown can be worked out.

The property is checked the way a reader would attack a table: knowing the total and the rule
(``<N`` is 1..N-1, ``..`` is 0 or at least N, and when every cell is withheld any value), find
every value each hidden cell can take in some assignment that fits all the shown cells and the
total. Every hidden cell must have at least two. The reasoning here is a subset-sum search written
independently of ``commands.privacy``'s interval arithmetic.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from commands.privacy import HIDDEN_MARK, suppress


def allowed_values(shown: str, minimum: int, total: int, all_withheld: bool) -> set[int]:
    """Return the values a cell shown as `shown` may have, in the reader's eyes."""
    if shown == f"<{minimum}":
        return set(range(1, minimum))
    if shown == HIDDEN_MARK:
        if all_withheld:
            return set(range(total + 1))
        return {0} | set(range(minimum, total + 1))
    return {int(shown)}


def possible_values(shown: dict[str, str], minimum: int, total: int) -> dict[str, set[int]]:
    """Return, for every cell, each value it takes in some assignment consistent with `shown`."""
    all_withheld = all(value == HIDDEN_MARK for value in shown.values())
    allowed = {
        key: allowed_values(value, minimum, total, all_withheld) for key, value in shown.items()
    }
    keys = list(shown)
    # reachable[i] = the sums the cells keys[:i] can make; suffix[i] the same for keys[i:].
    prefix = [{0}]
    for key in keys:
        prefix.append({s + v for s in prefix[-1] for v in allowed[key] if s + v <= total})
    suffix = [{0}]
    for key in reversed(keys):
        suffix.append({s + v for s in suffix[-1] for v in allowed[key] if s + v <= total})
    suffix.reverse()
    result: dict[str, set[int]] = {}
    for i, key in enumerate(keys):
        others = {a + b for a in prefix[i] for b in suffix[i + 1] if a + b <= total}
        result[key] = {v for v in allowed[key] if total - v in others}
    return result


# At least two cells: a breakdown of one cell is its total, which the reply shows anyway (every
# breakdown the bot shows has three or more: genders, age bands, support, exit reasons).
counts_strategy = st.dictionaries(
    st.sampled_from(["kvinna", "man", "annat", "16-19", "20-24", "okänd", "arbete", "övrigt"]),
    st.integers(min_value=0, max_value=30),
    min_size=2,
    max_size=8,
)


@settings(max_examples=400, deadline=None)
@given(counts=counts_strategy, minimum=st.integers(min_value=0, max_value=8))
@example(counts={"arbete": 5, "studier": 1, "arbetssökande": 7, "övrigt": 1}, minimum=5)
@example(counts={"kvinna": 3, "man": 10}, minimum=5)
@example(counts={"kvinna": 0, "man": 0, "annat": 2}, minimum=5)
@example(counts={"kvinna": 1, "man": 0}, minimum=5)
def test_no_suppressed_cell_can_be_derived(counts: dict[str, int], minimum: int) -> None:
    shown = suppress(counts, minimum)
    assert set(shown) == set(counts)
    total = sum(counts.values())

    if minimum <= 1:
        assert shown == {key: str(value) for key, value in counts.items()}
        return
    for key, value in counts.items():
        if 0 < value < minimum:
            assert shown[key] in (f"<{minimum}", HIDDEN_MARK), "a small count is never shown"
        if shown[key] not in (f"<{minimum}", HIDDEN_MARK):
            assert shown[key] == str(value), "what is shown is exact"

    possible = possible_values(shown, minimum, total)
    for key, value in counts.items():
        assert value in possible[key], "the rule the reader is told holds for the real value"
        if shown[key] in (f"<{minimum}", HIDDEN_MARK):
            assert len(possible[key]) >= 2, (
                f"{key}={value} can be worked out from {shown} and the total {total}"
            )


def test_the_reader_model_finds_a_leak() -> None:
    """The check above is not vacuous: one hidden cell beside shown ones is pinned down."""
    naive = {"kvinna": "<5", "man": "10"}
    assert possible_values(naive, 5, 13)["kvinna"] == {3}
