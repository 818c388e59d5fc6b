"""Guessing what a mistyped code or word was meant to be ("RSEAM" → "RESAM")."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from sheets.values import normalize_key


def edit_distance(a: str, b: str) -> int:
    """Return the number of letters to insert, delete, change or swap with the next one to turn
    `a` into `b` (the optimal string alignment distance): a swap is one typo, not two."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = 0 if char == other else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """Return the candidate `word` most probably is a typo of, or None when none is close.

    Close: at most one typo in a word of up to five letters, two in a longer one (case and
    surrounding spaces ignored); among equally close ones, the most similar by difflib's ratio.
    """
    key = normalize_key(word)
    if not key:
        return None
    allowed = 1 if len(key) <= 5 else 2
    scored = []
    for candidate in candidates:
        other = normalize_key(candidate)
        if abs(len(other) - len(key)) > allowed:
            continue  # too far apart already (and a pasted novel is not compared letter by letter)
        distance = edit_distance(key, other)
        if 0 < distance <= allowed:
            ratio = difflib.SequenceMatcher(None, key, other).ratio()
            scored.append((distance, -ratio, candidate))
    return min(scored)[2] if scored else None
