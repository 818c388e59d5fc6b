"""``deltagare`` / ``caseload [KOD | mig | @person | kommun]``: who is active, split for reports.

Every count split by an attribute comes from the protected cube (`commands.cube`), so that what
one answer hides no other answer gives away. An insats's own caseload figures are public.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from commands.context import CommandError, Context, echo, footnotes, insatser_left_out
from commands.cube import MAN_OR_OTHER, Breakdown, Cube, hidden_note, person_key, protected_cube
from commands.figures import Counts, compute_figures, sum_counts
from commands.language import Language
from commands.project import insats_title, refuse_insats_with_errors
from commands.reply import Block, Paragraph, Reply, Table
from sheets.categories import UNKNOWN
from sheets.dataset import Dataset
from sheets.problems import Text
from sheets.values import normalize_words

_ME = ("mig", "me", "jag", "min", "my", "mine")
#: The support categories by their English names, for English replies.
SUPPORT_IN_ENGLISH = {
    "sjukpenning": "sickness benefit",
    "aktivitetsstöd": "activity support",
    "aktivitetsersättning": "activity compensation",
    "sjukersättning": "sickness compensation",
    "a-kassa": "unemployment insurance",
    "etableringsersättning": "establishment allowance",
    "försörjningsstöd": "social assistance",
    "lön": "salary",
    "ingen": "none",
    "annat": "other",
}
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{6,})")

#: Roles (the Personal tab's Roll) that may see another person's caseload.
SEES_EVERY_CASELOAD = ("samordnare",)
#: Roles that may see their own caseload.
SEES_OWN_CASELOAD = ("samordnare", "handläggare")


def _table(
    title: str, cells: list[tuple[str, str]], labels: Mapping[str, str], t: Language
) -> Table | None:
    """Return a breakdown as a table: every hidden cell, and every shown count but 0."""
    rows = tuple((labels.get(key, key), text) for key, text in cells if text != "0")
    if not rows:
        return None
    return Table((title, t("Antal", "Count")), rows)


def splits(cube: Cube, row: int, context: Context) -> list[Block]:
    """Return the breakdowns of row `row` of the cube (an insats, or the running total): gender,
    age band, support at start and this year's exit reasons."""
    t = context.language
    gender_labels = {
        "kvinna": t("Kvinnor", "Women"),
        "man": t("Män", "Men"),
        "annat": t("Annat", "Other"),
        MAN_OR_OTHER: t("Män och annat", "Men and other"),
    }
    unknown = {UNKNOWN: t("okänd", "unknown")}
    supports = {**unknown, **({} if t.sv else SUPPORT_IN_ENGLISH)}
    reasons = (
        {}
        if t.sv
        else {
            "arbete": "work",
            "studier": "studies",
            "arbetssökande": "job seeking",
            "övrigt": "other",
        }
    )
    blocks: list[Block] = []
    active: list[tuple[str, Breakdown, Mapping[str, str]]] = [
        (t("Kön (aktiva)", "Gender (active)"), cube.gender, gender_labels),
        (t("Ålder vid start", "Age at start"), cube.age_band, unknown),
        (t("Försörjning vid start", "Support at start"), cube.support, supports),
    ]
    if cube.gender.withheld(row):
        blocks.append(
            Paragraph(
                t(
                    f"Fördelning på kön, ålder och försörjning visas inte: färre än "
                    f"{cube.threshold} aktiva.",
                    f"Gender, age and support are not shown: fewer than {cube.threshold} active.",
                )
            )
        )
    else:
        for title, breakdown, labels in active:
            table = _table(title, breakdown.row(row), labels, t)
            if table is not None:
                blocks.append(table)
    cells = cube.exit_reason.cells
    if cells.withheld(row):
        blocks.append(
            Paragraph(
                t(
                    f"Avslutsorsaker visas inte: färre än {cube.threshold} avslut i år.",
                    f"Exit reasons are not shown: fewer than {cube.threshold} exits this year.",
                )
            )
        )
    else:
        title = t("Avslutsorsak i år", "Exit reason this year")
        if row == cells.total_row:  # the exits of every insats this year, ended ones too
            title = t("Avslutsorsak i år, alla insatser", "Exit reason this year, all projects")
        table = _table(title, cells.row(row), reasons, t)
        if table is not None:
            blocks.append(table)
    note = hidden_note(blocks, context)
    if note is not None:
        blocks.append(note)
    return blocks


def summary(counts: Counts, places: int | None, t: Language) -> Paragraph:
    """Return the headline sentence of a caseload: active, places, new and exited."""
    active = t(f"Aktiva: {counts.active}", f"Active: {counts.active}")
    if places:
        active += t(
            f" av {places} platser ({t.percent(100 * counts.active / places, 0)})",
            f" of {places} places ({t.percent(100 * counts.active / places, 0)})",
        )
    return Paragraph(
        active
        + ". "
        + t(
            f"Nya: {counts.new_week} denna vecka, {counts.new_ytd} i år. "
            f"Avslutade: {counts.exited_week} denna vecka, {counts.exited_ytd} i år.",
            f"New: {counts.new_week} this week, {counts.new_ytd} this year. "
            f"Exited: {counts.exited_week} this week, {counts.exited_ytd} this year.",
        )
    )


def _slice(data: Dataset, context: Context, title: str, breakdown: Breakdown, key: str) -> Reply:
    """Return the answer for one kommun or one person: active participants per insats and in all,
    as the cube shows them."""
    t = context.language
    column = breakdown.column(key)
    assert column is not None
    per_insats, total = column
    rows = tuple(
        (insats.kod, text)
        for insats, text in zip(data.insatser, per_insats, strict=True)
        if text != "0"
    )
    blocks: list[Block] = [Paragraph(t(f"Aktiva: {total}.", f"Active: {total}."))]
    if rows:
        blocks.append(Table((t("Insats", "Project"), t("Aktiva", "Active")), rows))
    note = hidden_note(blocks, context)
    if note is not None:
        blocks.append(note)
    blocks.append(
        Paragraph(
            t(
                "Nya, avslutade och fördelningar visas per insats: skriv deltagare KOD.",
                "New, exited and breakdowns are shown per project: type caseload CODE.",
            )
        )
    )
    blocks.extend(insatser_left_out(data, context))
    return Reply(title, tuple(blocks), footnotes(data, context))


def _may_see(context: Context, own: bool) -> None:
    """Raise unless the asker's role may see this caseload (role None: no Personal limits).

    Raises:
        CommandError: a reader asking for any caseload, or a caseworker for someone else's.
    """
    role = context.role
    if role is None or role in SEES_EVERY_CASELOAD or (own and role in SEES_OWN_CASELOAD):
        return
    if role in SEES_OWN_CASELOAD:
        reason = Text(
            sv="Din roll visar bara din egen ärendelista: skriv deltagare mig.",
            en="Your role shows only your own caseload: type caseload me.",
        )
    else:
        reason = Text(
            sv="Din roll visar inga ärendelistor, bara siffror för insatser och kommuner.",
            en="Your role shows no caseloads, only figures for projects and municipalities.",
        )
    raise CommandError(reason)


def caseload(data: Dataset, argument: str, context: Context) -> Reply:
    """Return the ``deltagare`` reply for an insats code, ``mig``, a person, a kommun or all.

    Raises:
        CommandError: ``mig`` without a known asker, a caseload the asker's role may not see, or
            an argument that matches nothing.
    """
    t = context.language
    figures = compute_figures(data, context.as_of)
    cube = protected_cube(data, context.as_of, context.small_count_min)
    argument = argument.strip()
    if not argument:
        running = figures.running
        total = sum_counts([p.counts for p in running])
        places = [p.insats.platser for p in running if p.insats.platser]
        title = t("Deltagare i pågående insatser", "Participants in running projects")
        blocks: list[Block] = [summary(total, sum(places) if places else None, t)]
        blocks.extend(splits(cube, cube.gender.total_row, context))
        blocks.extend(insatser_left_out(data, context))
        return Reply(title, tuple(blocks), footnotes(data, context))

    key = argument.casefold()
    mention = _SLACK_USER.fullmatch(argument)
    if key in _ME or mention:
        if mention:
            user_id = (mention[1] or mention[2]).upper()
        elif context.user_id:
            user_id = context.user_id.upper()
        else:
            raise CommandError(
                Text(
                    sv="Jag vet inte vem du är här. I Slack fungerar 'deltagare mig'; på "
                    "kommandoraden: finsam-bot ask 'deltagare mig' --user U0123ABC.",
                    en="I don't know who you are here. In Slack 'caseload me' works; on the "
                    "command line: finsam-bot ask 'caseload me' --user U0123ABC.",
                )
            )
        _may_see(context, own=user_id == (context.user_id or "").upper())
        name = next((s.namn for s in data.staff if s.slack_id == user_id), f"<@{user_id}>")
        person = person_key(data, user_id)
        if cube.caseworker.column(person) is None:
            return _nothing_for(data, context, t(f"Ärenden för {name}", f"Caseload of {name}"))
        return _slice(
            data, context, t(f"Ärenden för {name}", f"Caseload of {name}"), cube.caseworker, person
        )

    project = figures.project(argument)
    if project is not None:
        row = figures.projects.index(project)
        title = insats_title(project.insats)
        blocks = [summary(project.counts, project.insats.platser, t), *splits(cube, row, context)]
        if not project.running:
            blocks.insert(
                0,
                Paragraph(
                    t("Insatsen pågår inte just nu.", "The project is not running right now.")
                ),
            )
        return Reply(title, tuple(blocks), footnotes(data, context))
    refuse_insats_with_errors(data, argument)

    kommun = normalize_words(argument)
    if cube.kommun.column(kommun) is not None:
        label = argument.strip().title()
        return _slice(
            data,
            context,
            t(f"Deltagare från {label}", f"Participants from {label}"),
            cube.kommun,
            kommun,
        )

    person = person_key(data, argument)
    staff_ids = {s.slack_id for s in data.staff}
    if cube.caseworker.column(person) is not None or person in staff_ids:
        _may_see(context, own=person == (context.user_id or "").upper())
        title = t(f"Ärenden för {echo(argument)}", f"Caseload of {echo(argument)}")
        if cube.caseworker.column(person) is None:
            return _nothing_for(data, context, title)
        return _slice(data, context, title, cube.caseworker, person)

    known = [
        *(p.insats.kod for p in figures.projects),
        *(k.title() for k, shown in zip(cube.kommun.keys, cube.kommun.shown, strict=True) if shown),
    ]
    close = difflib.get_close_matches(
        argument, known, n=3, cutoff=0.5
    ) or difflib.get_close_matches(argument.upper(), [k.upper() for k in known], n=3, cutoff=0.5)
    hint = ", ".join(close)
    raise CommandError(
        Text(
            sv=f"Jag hittar ingen insats, kommun eller handläggare som heter {echo(argument)}."
            + (f" Menade du {hint}?" if hint else " Skriv till exempel: deltagare RESAM"),
            en=f"I find no project, municipality or caseworker called {echo(argument)}."
            + (f" Did you mean {hint}?" if hint else " For example: caseload RESAM"),
        )
    )


def _nothing_for(data: Dataset, context: Context, title: str) -> Reply:
    t = context.language
    return Reply(
        title,
        (Paragraph(t("Inga aktiva deltagare.", "No active participants.")),),
        footnotes(data, context),
    )
