"""The weekly post's chart: active participants per ISO week, as a PNG."""

from __future__ import annotations

import io
from collections.abc import Sequence

# A bare Figure (not pyplot) renders with Agg into memory: no screen, no global state, and safe
# to use from the scheduler's thread.
from matplotlib.figure import Figure

from commands.language import Language

# An opaque light card with dark text and a saturated line reads the same in Slack's light and
# dark themes; a transparent background would put dark text on a dark theme.
_BACKGROUND = "#ffffff"
_TEXT = "#1d1c1d"
_GRID = "#dddddd"
_LINE = "#1264a3"


def active_chart(series: Sequence[tuple[str, int | None]], language: Language) -> bytes:
    """Return a PNG of active participants per week; weeks without data are left as gaps."""
    t = language
    labels = [week.split("-W")[1] for week, _ in series]
    values = [float("nan") if value is None else value for _, value in series]
    figure = Figure(figsize=(8, 3.6), dpi=110, facecolor=_BACKGROUND)
    axes = figure.add_subplot()
    axes.set_facecolor(_BACKGROUND)
    axes.plot(range(len(values)), values, color=_LINE, linewidth=2.4, marker="o", markersize=6)
    for x, value in enumerate(values):
        if value == value:  # not NaN
            axes.annotate(
                f"{value:.0f}",
                (x, value),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                color=_TEXT,
                fontsize=9,
            )
    axes.set_xticks(range(len(labels)), labels, color=_TEXT)
    axes.set_xlabel(t("Vecka", "Week"), color=_TEXT)
    axes.set_title(
        t("Aktiva deltagare per vecka", "Active participants per week"),
        color=_TEXT,
        loc="left",
        fontsize=12,
    )
    axes.tick_params(colors=_TEXT)
    axes.grid(axis="y", color=_GRID)
    axes.set_ylim(bottom=0, top=max([v for v in values if v == v] or [1]) * 1.2 + 1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(_GRID)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=_BACKGROUND)
    return buffer.getvalue()


def chart_alt_text(series: Sequence[tuple[str, int | None]], language: Language) -> str:
    """Return the chart's alt text: the same figures in words, for screen readers."""
    t = language
    known = [f"{week}: {value}" for week, value in series if value is not None]
    return t("Aktiva deltagare per vecka. ", "Active participants per week. ") + "; ".join(known)
