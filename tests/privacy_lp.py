"""What a reader can work out about hidden cells: linear programmes over the published figures.

The reader knows every shown cell, every row total (the public caseload of each insats), the
group sums that are shown (the outcome share publishes arbete + studier), that every cell is ≥ 0,
and that the total row sums its rows. For each hidden cell, scipy's linprog finds the smallest and
the largest value consistent with all of that: the interval the reader can narrow it to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

#: A published quantity: coefficients over the body cells (row-major) and its value.
Equation = tuple[np.ndarray, float]


@dataclass
class Model:
    """The reader's knowledge of one table of `units` × `columns` body cells."""

    units: int
    columns: int
    equations: list[Equation] = field(default_factory=list)

    def cell(self, unit: int, column: int) -> np.ndarray:
        """Return the coefficients of one body cell."""
        vector = np.zeros(self.units * self.columns)
        vector[unit * self.columns + column] = 1
        return vector

    def total(self, units: Iterable[int], columns: Iterable[int]) -> np.ndarray:
        """Return the coefficients of the sum of the cells of `units` × `columns`."""
        vector = np.zeros(self.units * self.columns)
        for unit in units:
            for column in columns:
                vector[unit * self.columns + column] = 1
        return vector

    def know(self, vector: np.ndarray, value: float) -> None:
        """Add a published figure: `vector` · cells == `value`."""
        self.equations.append((vector, float(value)))

    def interval(self, vector: np.ndarray) -> tuple[float, float]:
        """Return the smallest and largest value of `vector` · cells given all that is known."""
        a_eq = np.array([v for v, _ in self.equations])
        b_eq = np.array([b for _, b in self.equations])
        bounds = [(0, None)] * (self.units * self.columns)
        low = linprog(vector, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-vector, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        return float(low.fun), (float("inf") if high.status == 3 else float(-high.fun))
