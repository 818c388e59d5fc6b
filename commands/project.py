"""``insats KOD`` (the insats card) and ``budget [KOD]``."""

from __future__ import annotations

from commands.context import CommandError, Context, echo, footnotes
from commands.cube import goal_status_of, goal_word, protected_cube, share_text
from commands.figures import Figures, ProjectFigures, compute_figures
from commands.language import Language
from commands.reply import Alert, Block, Paragraph, Reply, Table
from sheets.dataset import Dataset
from sheets.problems import Text
from sheets.schemas import InsatsRow
from sheets.validate import suggest_code
from sheets.values import normalize_key


def insats_title(insats: InsatsRow) -> str:
    """Return "KOD – Namn", or just the name when it begins with the code already
    ("RESAM – samordnat resursteam", not "RESAM – RESAM – samordnat resursteam")."""
    if normalize_key(insats.namn).startswith(normalize_key(insats.kod)):
        return insats.namn
    return f"{insats.kod} – {insats.namn}"


def refuse_insats_with_errors(data: Dataset, code: str) -> None:
    """Raise when `code` is a Kod of Insatser whose row has errors (so it counts nowhere).

    Raises:
        CommandError: saying the row must be fixed first, and how to see what is wrong.
    """
    if normalize_key(code) in {normalize_key(c) for c in data.all_codes}:
        raise CommandError(
            Text(
                sv=f"Insatsen {echo(code)} har fel på fliken Insatser och räknas inte förrän raden är "
                "rättad. Skriv kontroll för att se vad som är fel.",
                en=f"The project {echo(code)} has errors on the Insatser tab and counts nowhere until "
                "its row is fixed. Type check to see what is wrong.",
            )
        )


def find_project(data: Dataset, figures: Figures, code: str, example: Text) -> ProjectFigures:
    """Return the figures of insats `code`.

    Raises:
        CommandError: no code given, an unknown code (with "did you mean"), or a code whose row in
            Insatser has errors.
    """
    if not code.strip():
        raise CommandError(example)
    project = figures.project(code)
    if project is not None:
        return project
    refuse_insats_with_errors(data, code)
    suggestion = suggest_code(code, [p.insats.kod for p in figures.projects])
    codes = ", ".join(p.insats.kod for p in figures.running) or "–"
    raise CommandError(
        Text(
            sv=f"Det finns ingen insats med koden {echo(code)}."
            + (f" Menade du {suggestion}?" if suggestion else f" Pågående insatser: {codes}."),
            en=f"There is no project with the code {echo(code)}."
            + (f" Did you mean {suggestion}?" if suggestion else f" Running projects: {codes}."),
        )
    )


def _period(project: ProjectFigures, context: Context, t: Language) -> str:
    insats = project.insats
    text = (
        t.day(insats.start)
        + " – "
        + (t.day(insats.slut) if insats.slut else t("tills vidare", "ongoing"))
    )
    if insats.start > context.as_of:
        days = (insats.start - context.as_of).days
        return text + t(f" (startar om {days} dagar)", f" (starts in {days} days)")
    if insats.slut is None:
        return text
    if insats.slut < context.as_of:
        return text + t(" (avslutad)", " (ended)")
    days = (insats.slut - context.as_of).days
    return text + t(f" ({days} dagar kvar)", f" ({days} days left)")


def over_budget(project: ProjectFigures) -> bool:
    """Return True when the insats has spent more this year than its budget."""
    cost, budget = project.cost_ytd, project.insats.budget
    return cost is not None and budget is not None and cost > budget


def budget_alerts(projects: tuple[ProjectFigures, ...], t: Language) -> list[Alert]:
    """Return an alert for each insats that has spent more this year than its budget."""
    return [
        Alert(
            t(
                f"{p.insats.kod} är över budget: {t.kronor(p.cost_ytd)} av {t.kronor(p.insats.budget)} "
                f"({t.percent(100 * (p.cost_ytd or 0) / (p.insats.budget or 1), 0)}).",
                f"{p.insats.kod} is over budget: {t.kronor(p.cost_ytd)} of {t.kronor(p.insats.budget)} "
                f"({t.percent(100 * (p.cost_ytd or 0) / (p.insats.budget or 1), 0)}).",
            )
        )
        for p in projects
        if over_budget(p)
    ]


def budget_line(project: ProjectFigures, share_of_year: float, t: Language) -> str:
    """Return "cost ytd of budget (x %), y % of the year gone" for one insats."""
    cost, budget = project.cost_ytd, project.insats.budget
    if cost is None:
        return t("ingen Ekonomi-flik", "no Ekonomi tab")
    if not budget:
        return t(
            f"{t.kronor(cost)} hittills i år (ingen budget angiven)",
            f"{t.kronor(cost)} so far this year (no budget given)",
        )
    used = 100 * cost / budget
    return t(
        f"{t.kronor(cost)} av {t.kronor(budget)} ({t.percent(used, 0)}); {t.percent(share_of_year, 0)} av året har gått",
        f"{t.kronor(cost)} of {t.kronor(budget)} ({t.percent(used, 0)}); {t.percent(share_of_year, 0)} of the year has gone",
    )


def project_card(data: Dataset, code: str, context: Context) -> Reply:
    """Return the ``insats KOD`` reply: owner, period, places, targets, goal and budget.

    Raises:
        CommandError: no code, or an unknown code.
    """
    t = context.language
    figures = compute_figures(data, context.as_of)
    project = find_project(
        data,
        figures,
        code,
        Text(
            sv="Skriv vilken insats, till exempel: insats RESAM",
            en="Say which project, for example: project RESAM",
        ),
    )
    insats, counts = project.insats, project.counts
    lines = [
        (t("Huvudman", "Owner"), insats.huvudman or "–"),
        (t("Period", "Period"), _period(project, context, t)),
    ]
    if insats.platser:
        free = insats.platser - counts.active
        lines.append(
            (
                t("Platser", "Places"),
                t(
                    f"{counts.active} aktiva av {insats.platser} ({t.percent(project.capacity_use, 0)}), {max(free, 0)} lediga",
                    f"{counts.active} active of {insats.platser} ({t.percent(project.capacity_use, 0)}), {max(free, 0)} free",
                ),
            )
        )
    else:
        lines.append((t("Aktiva", "Active"), str(counts.active)))
    if insats.deltagarmal:
        lines.append(
            (
                t("Deltagarmål", "Annual target"),
                t(
                    f"{counts.served_ytd} har deltagit i år av målet {insats.deltagarmal} ({t.percent(100 * counts.served_ytd / insats.deltagarmal, 0)})",
                    f"{counts.served_ytd} served this year of the target {insats.deltagarmal} ({t.percent(100 * counts.served_ytd / insats.deltagarmal, 0)})",
                ),
            )
        )
    if insats.mal_procent is not None:
        share = protected_cube(data, context.as_of, context.small_count_min).exit_reason.share(
            figures.projects.index(project)
        )
        status = goal_word(goal_status_of(insats.mal_procent, share), t)
        lines.append(
            (
                t("Mål arbete/studier", "Outcome goal"),
                t(
                    f"{share_text(share, t)} i år mot målet {t.percent(insats.mal_procent, 0)} – {status}",
                    f"{share_text(share, t)} this year against the goal {t.percent(insats.mal_procent, 0)} – {status}",
                ),
            )
        )
    lines.append(
        (t("Budget", "Budget"), budget_line(project, figures.periods.share_of_year_gone, t))
    )
    blocks: list[Block] = [
        Table((t("Uppgift", "Item"), t("Värde", "Value")), tuple(lines)),
        Paragraph(
            t(
                f"Nya: {counts.new_week} denna vecka, {counts.new_ytd} i år. Avslutade: {counts.exited_week} denna vecka, {counts.exited_ytd} i år.",
                f"New: {counts.new_week} this week, {counts.new_ytd} this year. Exited: {counts.exited_week} this week, {counts.exited_ytd} this year.",
            )
        ),
    ]
    if insats.platser is not None and counts.active > insats.platser:
        blocks.append(Alert(t("Fler aktiva än platser.", "More active participants than places.")))
    blocks.extend(budget_alerts((project,), t))
    return Reply(insats_title(insats), tuple(blocks), footnotes(data, context))


def budget(data: Dataset, code: str, context: Context) -> Reply:
    """Return the ``budget [KOD]`` reply: cost so far this year against budget.

    Raises:
        CommandError: an unknown code.
    """
    t = context.language
    figures = compute_figures(data, context.as_of)
    share = figures.periods.share_of_year_gone
    title = t("Budget", "Budget") + f" {context.as_of.year}"
    if code.strip():
        project = find_project(data, figures, code, Text(sv="", en=""))
        title += f" – {project.insats.kod}"
        projects: tuple[ProjectFigures, ...] = (project,)
    else:
        projects = tuple(p for p in figures.projects if p.running or p.cost_ytd)
    if data.costs is None:
        return Reply(
            title,
            (
                Paragraph(
                    t(
                        "Arket har ingen flik Ekonomi, så kostnaderna är okända. Lägg till fliken "
                        "med kolumnerna Insats, Månad och Belopp (kr).",
                        "The sheet has no Ekonomi tab, so costs are unknown. Add the tab with the "
                        "columns Insats, Månad and Belopp (kr).",
                    )
                ),
            ),
            footnotes(data, context),
        )
    rows = []
    for p in projects:
        budget_value = p.insats.budget
        used = 100 * (p.cost_ytd or 0) / budget_value if budget_value else None
        rows.append(
            (p.insats.kod, t.kronor(budget_value), t.kronor(p.cost_ytd), t.percent(used, 0))
        )
    total_budget = sum(p.insats.budget or 0 for p in projects)
    total_cost = sum(p.cost_ytd or 0 for p in projects)
    if len(projects) > 1:
        rows.append(
            (
                t("Totalt", "Total"),
                t.kronor(total_budget),
                t.kronor(total_cost),
                t.percent(100 * total_cost / total_budget if total_budget else None, 0),
            )
        )
    header = (
        t("Insats", "Project"),
        t("Budget", "Budget"),
        t("Kostnad i år", "Cost ytd"),
        t("Förbrukat", "Used"),
    )
    blocks: list[Block] = [
        Table(header, tuple(rows)),
        Paragraph(
            t(
                f"{t.percent(share, 0)} av året har gått (kostnader räknas till och med {t.day(context.as_of).split(' ', 1)[1]}).",
                f"{t.percent(share, 0)} of the year has gone (costs counted through {t.day(context.as_of).split(' ', 1)[1]}).",
            )
        ),
    ]
    over = [
        p.insats.kod for p in projects if p.insats.budget and (p.cost_ytd or 0) > p.insats.budget
    ]
    if over:
        blocks.append(Alert(t("Över budget: ", "Over budget: ") + ", ".join(over)))
    return Reply(title, tuple(blocks), footnotes(data, context))
