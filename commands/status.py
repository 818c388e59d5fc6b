"""``läge`` / ``status``: every running insats at a glance, and ``mål`` / ``goals``."""

from __future__ import annotations

from commands.context import Context, footnotes, insatser_left_out
from commands.cube import Cube, goal_status_of, goal_word, hidden_note, protected_cube, share_text
from commands.figures import (
    GOAL_AT_RISK,
    Figures,
    ProjectFigures,
    compute_figures,
    sum_counts,
)
from commands.language import Language
from commands.project import budget_alerts
from commands.reply import Alert, Block, Paragraph, Reply, Table
from sheets.dataset import Dataset


def capacity_alerts(projects: tuple[ProjectFigures, ...], t: Language) -> list[Alert]:
    """Return an alert for each insats with more active participants than places."""
    return [
        Alert(
            t(
                f"{p.insats.kod} har fler aktiva ({p.counts.active}) än platser ({p.insats.platser}).",
                f"{p.insats.kod} has more active participants ({p.counts.active}) than places "
                f"({p.insats.platser}).",
            )
        )
        for p in projects
        if p.insats.platser is not None and p.counts.active > p.insats.platser
    ]


def goal_alerts(figures: Figures, cube: Cube, t: Language) -> list[Alert]:
    """Return an alert for each running insats whose outcome goal is at risk, as far as its
    published share shows (a hidden share raises no alert: that would give it away)."""
    alerts = []
    for row, p in enumerate(figures.projects):
        share = cube.exit_reason.share(row)
        if not p.running or goal_status_of(p.insats.mal_procent, share) != GOAL_AT_RISK:
            continue
        alerts.append(
            Alert(
                t(
                    f"{p.insats.kod}: {share_text(share, t)} till arbete/studier i år, "
                    f"målet är {t.percent(p.insats.mal_procent, 0)}.",
                    f"{p.insats.kod}: {share_text(share, t)} to work/studies this "
                    f"year, the goal is {t.percent(p.insats.mal_procent, 0)}.",
                )
            )
        )
    return alerts


def status(data: Dataset, context: Context) -> Reply:
    """Return the ``läge`` reply: each running insats's active/places, new and exited, outcome."""
    t = context.language
    figures = compute_figures(data, context.as_of)
    cube = protected_cube(data, context.as_of, context.small_count_min)
    running = figures.running
    title = t("Läge", "Status") + f" {t.day(context.as_of)} ({t.week(context.as_of)})"
    if not running:
        return Reply(
            title,
            (
                Paragraph(t("Ingen insats pågår just nu.", "No project is running right now.")),
                *insatser_left_out(data, context),
            ),
            footnotes(data, context),
        )
    header = (
        t("Insats", "Project"),
        t("Aktiva", "Active"),
        t("Platser", "Places"),
        t("Nya v.", "New wk"),
        t("Avsl. v.", "Exit wk"),
        t("Nya i år", "New ytd"),
        t("Avsl. i år", "Exit ytd"),
        t("Arb/stud i år", "Work/study ytd"),
        t("Mål", "Goal"),
    )
    rows = [
        (
            p.insats.kod,
            str(p.counts.active),
            "–" if p.insats.platser is None else str(p.insats.platser),
            str(p.counts.new_week),
            str(p.counts.exited_week),
            str(p.counts.new_ytd),
            str(p.counts.exited_ytd),
            share_text(cube.exit_reason.share(row), t),
            t.percent(p.insats.mal_procent, 0),
        )
        for row, p in enumerate(figures.projects)
        if p.running
    ]
    total = sum_counts([p.counts for p in running])
    places = [p.insats.platser for p in running if p.insats.platser is not None]
    rows.append(
        (
            t("Totalt", "Total"),
            str(total.active),
            str(sum(places)) if places else "–",
            str(total.new_week),
            str(total.exited_week),
            str(total.new_ytd),
            str(total.exited_ytd),
            share_text(cube.exit_reason.share(cube.exit_reason.cells.total_row), t),
            "",
        )
    )
    summary = t(
        f"{t.count(len(running), 'insats', 'insatser')} pågår med "
        f"{t.count(total.active, 'aktiv deltagare', 'aktiva deltagare')}.",
        f"{t.count(len(running), 'project is', 'projects are')} running with "
        f"{t.count(total.active, 'active participant', 'active participants')}.",
    )
    blocks: list[Block] = [
        Paragraph(summary),
        Table(tuple(header), tuple(rows)),
        *capacity_alerts(running, t),
        *budget_alerts(running, t),
        *goal_alerts(figures, cube, t),
        *insatser_left_out(data, context),
    ]
    ended_exits = sum(p.counts.exited_ytd for p in figures.projects if not p.running)
    if ended_exits:
        blocks.insert(
            2,
            Paragraph(
                t(
                    "Totalradens andel till arbete/studier räknar årets avslut i alla insatser, "
                    f"även de {ended_exits} i insatser som inte pågår längre.",
                    "The total's share to work/studies counts this year's exits in every "
                    f"project, the {ended_exits} in projects no longer running too.",
                )
            ),
        )
    note = hidden_note(blocks, context)
    if note is not None:
        blocks.append(note)
    return Reply(title, tuple(blocks), footnotes(data, context))


def goals(data: Dataset, context: Context) -> Reply:
    """Return the ``mål`` reply: outcome goal status and annual target per running insats."""
    t = context.language
    figures = compute_figures(data, context.as_of)
    cube = protected_cube(data, context.as_of, context.small_count_min)
    projects = [
        (row, p)
        for row, p in enumerate(figures.projects)
        if p.running and (p.insats.mal_procent is not None or p.insats.deltagarmal)
    ]
    title = t("Mål", "Goals") + f" {context.as_of.year}"
    if not projects:
        return Reply(
            title,
            (
                Paragraph(
                    t(
                        "Ingen pågående insats har mål ifyllda på fliken Insatser.",
                        "No running project has goals filled in on the Insatser tab.",
                    )
                ),
            ),
            footnotes(data, context),
        )
    header = (
        t("Insats", "Project"),
        t("Avsl. i år", "Exits ytd"),
        t("Arb/stud", "Work/study"),
        t("Mål", "Goal"),
        t("Status", "Status"),
        t("Deltagit i år", "Served ytd"),
        t("Mål/år", "Target/yr"),
    )
    rows = tuple(
        (
            p.insats.kod,
            str(p.counts.exited_ytd),
            share_text(cube.exit_reason.share(row), t),
            t.percent(p.insats.mal_procent, 0),
            goal_word(goal_status_of(p.insats.mal_procent, cube.exit_reason.share(row)), t),
            str(p.counts.served_ytd),
            "–" if p.insats.deltagarmal is None else str(p.insats.deltagarmal),
        )
        for row, p in projects
    )
    explanation = t(
        "Andel av årets avslut som gått till arbete eller studier. Under 5 avslut visas ingen "
        "andel (för tidigt att säga).",
        "Share of this year's exits that went to work or studies. With fewer than 5 exits no share "
        "is shown (too early to say).",
    )
    blocks: list[Block] = [
        Table(header, rows),
        Paragraph(explanation),
        *goal_alerts(figures, cube, t),
    ]
    note = hidden_note(blocks, context)
    if note is not None:
        blocks.append(note)
    return Reply(title, tuple(blocks), footnotes(data, context))
