"""The weekly status post, composed from the Dataset and its Historik (pure).

The post reports on the previous full ISO week: headline totals, one line per running insats with
the change in active participants since last week's post (from Historik), and alerts. It also
yields the Historik rows that record the week once the post has gone out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from commands.context import Context, footnotes
from commands.cube import ExitReasons, goal_status_of, hidden_note, protected_cube, share_text
from commands.figures import GOAL_AT_RISK, Figures, compute_figures, sum_counts
from commands.language import Language
from commands.periods import Periods
from commands.reply import Alert, Block, Paragraph, Reply, Table
from sheets.dataset import Dataset
from sheets.values import normalize_key

#: The Insats value of the Historik row that marks a week's post as sent.
POSTED_MARK = "*"
#: How many ISO weeks the chart shows, the current one included.
CHART_WEEKS = 12
#: An insats ending within this many days gets an alert.
ENDING_SOON_DAYS = 60


@dataclass(frozen=True)
class WeeklyPost:
    """A composed weekly post.

    Attributes:
        week: the ISO week of the as-of date (``2026-W48``), the key of "exactly once".
        reply: the post itself; its text stands on its own without the chart.
        chart: (ISO week, active participants or None when unknown) for the last 12 weeks.
        history_rows: the Historik rows of each running insats for this week (the ``*`` row that
            marks the post is added when it has gone out: see `posted_row`).
    """

    week: str
    reply: Reply
    chart: tuple[tuple[str, int | None], ...]
    history_rows: tuple[tuple[Any, ...], ...]


def iso_week(day: date) -> str:
    """Return the ISO week of `day` as ``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_posted(data: Dataset, week: str) -> bool:
    """Return True when Historik has the ``*`` row of `week`: that week's post went out."""
    return any(row.vecka == week and row.insats == POSTED_MARK for row in data.history)


def _active_last_week(data: Dataset, last_week: str) -> dict[str, int]:
    return {
        normalize_key(row.insats): row.aktiva
        for row in data.history
        if row.vecka == last_week and row.insats != POSTED_MARK and row.aktiva is not None
    }


def _change(now: int, before: int | None) -> str:
    if before is None:
        return "–"
    if now == before:
        return "±0"
    return f"▲{now - before}" if now > before else f"▼{before - now}"


def chart_series(data: Dataset, figures: Figures) -> tuple[tuple[str, int | None], ...]:
    """Return active participants per ISO week for the last 12 weeks: Historik plus this week.

    A week's figure is the sum of its Historik insats rows; weeks without rows are None.
    """
    as_of = figures.periods.as_of
    weeks = [iso_week(as_of - timedelta(weeks=back)) for back in range(CHART_WEEKS - 1, -1, -1)]
    totals: dict[str, int] = {}
    for row in data.history:
        if row.insats != POSTED_MARK and row.aktiva is not None and row.vecka in weeks:
            totals[row.vecka] = totals.get(row.vecka, 0) + row.aktiva
    totals[weeks[-1]] = sum(p.counts.active for p in figures.running)
    return tuple((week, totals.get(week)) for week in weeks)


def _alerts(data: Dataset, figures: Figures, reasons: ExitReasons, context: Context) -> list[Alert]:
    t = context.language
    as_of = context.as_of
    alerts: list[Alert] = []
    for row, p in enumerate(figures.projects):
        if not p.running:
            continue
        insats = p.insats
        share = reasons.share(row)
        if insats.platser is not None and p.counts.active > insats.platser:
            alerts.append(
                Alert(
                    t(
                        f"{insats.kod} har fler aktiva ({p.counts.active}) än platser ({insats.platser}).",
                        f"{insats.kod} has more active participants ({p.counts.active}) than places ({insats.platser}).",
                    )
                )
            )
        if goal_status_of(insats.mal_procent, share) == GOAL_AT_RISK:
            alerts.append(
                Alert(
                    t(
                        f"{insats.kod}: målet för arbete/studier är i fara ({share_text(share, t)} mot {t.percent(insats.mal_procent, 0)}).",
                        f"{insats.kod}: the work/studies goal is at risk ({share_text(share, t)} against {t.percent(insats.mal_procent, 0)}).",
                    )
                )
            )
        if insats.slut is not None and 0 <= (insats.slut - as_of).days <= ENDING_SOON_DAYS:
            days = (insats.slut - as_of).days
            alerts.append(
                Alert(
                    t(
                        f"{insats.kod} slutar {t.day(insats.slut)} (om {days} dagar) med {p.counts.active} aktiva.",
                        f"{insats.kod} ends on {t.day(insats.slut)} (in {days} days) with {p.counts.active} active.",
                    )
                )
            )
    problems = data.problems_as_of(as_of)
    errors = sum(1 for problem in problems if problem.severity == "error")
    if problems:
        link = t(f" Arket: {data.url}", f" The sheet: {data.url}") if data.url else ""
        alerts.append(
            Alert(
                t(
                    f"Arket har {errors} fel och {t.count(len(problems) - errors, 'varning', 'varningar')}. Skriv /finsam kontroll för att se dem.{link}",
                    f"The sheet has {t.count(errors, 'error', 'errors')} and {t.count(len(problems) - errors, 'warning', 'warnings')}. Type /finsam check to see them.{link}",
                )
            )
        )
    return alerts


def compose_weekly(data: Dataset, context: Context, *, late: bool = False) -> WeeklyPost:
    """Return the weekly post for the context's as-of date.

    `late` marks a post that goes out after its scheduled time (the bot was down).
    """
    t: Language = context.language
    figures = compute_figures(data, context.as_of)
    reasons = protected_cube(data, context.as_of, context.small_count_min).exit_reason
    periods: Periods = figures.periods
    week = iso_week(context.as_of)
    last_week = periods.last_iso_week
    before = _active_last_week(data, last_week)
    running = figures.running
    total = sum_counts([p.counts for p in running])

    title = t(f"Veckostatus {week}", f"Weekly status {week}")
    if late:
        title += t(" (sent)", " (late)")
    # Why last week's exits are not split by reason here: that split is of a population the
    # protected exit-reason table does not cover, and with a handful of exits a week it would
    # say where named people went. This year's share comes from the protected table.
    share = reasons.share(reasons.cells.total_row)
    headline = t(
        f"{t.count(total.active, 'aktiv deltagare', 'aktiva deltagare')} i "
        f"{t.count(len(running), 'insats', 'insatser')}. "
        f"Förra veckan ({last_week}): {total.new_last_week} nya och "
        f"{total.exited_last_week} avslutade.",
        f"{t.count(total.active, 'active participant', 'active participants')} in "
        f"{t.count(len(running), 'project', 'projects')}. "
        f"Last week ({last_week}): {total.new_last_week} new and {total.exited_last_week} exited.",
    )
    if isinstance(share, float):
        headline += t(
            f" Hittills i år har {t.percent(share)} av avsluten gått till arbete eller studier.",
            f" So far this year {t.percent(share)} of exits went to work or studies.",
        )
    rows = tuple(
        (
            p.insats.kod,
            str(p.counts.active),
            _change(p.counts.active, before.get(normalize_key(p.insats.kod))),
            "–" if p.insats.platser is None else str(p.insats.platser),
            str(p.counts.new_last_week),
            str(p.counts.exited_last_week),
            share_text(reasons.share(row), t),
        )
        for row, p in enumerate(figures.projects)
        if p.running
    )
    header = (
        t("Insats", "Project"),
        t("Aktiva", "Active"),
        t("Ändring", "Change"),
        t("Platser", "Places"),
        t("Nya f.v.", "New l.w."),
        t("Avsl. f.v.", "Exit l.w."),
        t("Arb/stud i år", "Work/study ytd"),
    )
    blocks: list[Block] = [Paragraph(headline)]
    if late:
        blocks.insert(
            0,
            Paragraph(
                t(
                    "Det här inlägget kommer sent: boten var inte igång när det skulle ha skickats.",
                    "This post is late: the bot was not running when it was due.",
                )
            ),
        )
    if rows:
        blocks.append(Table(header, rows))
    blocks.extend(_alerts(data, figures, reasons, context))
    note = hidden_note(blocks, context)
    if note is not None:
        blocks.append(note)
    history_rows = tuple(
        (
            week,
            context.as_of.isoformat(),
            p.insats.kod,
            p.counts.active,
            p.counts.new_last_week,
            p.counts.exited_last_week,
            p.counts.outcomes_last_week,
            "",
        )
        for p in running
    )
    return WeeklyPost(
        week,
        Reply(title, tuple(blocks), footnotes(data, context)),
        chart_series(data, figures),
        history_rows,
    )


def posted_row(post: WeeklyPost, as_of: date, posted_at: str) -> tuple[Any, ...]:
    """Return the Historik row with Insats ``*`` that marks `post` as sent at `posted_at`."""
    active = sum(row[3] for row in post.history_rows)
    new = sum(row[4] for row in post.history_rows)
    exited = sum(row[5] for row in post.history_rows)
    outcomes = sum(row[6] for row in post.history_rows)
    return (post.week, as_of.isoformat(), POSTED_MARK, active, new, exited, outcomes, posted_at)
