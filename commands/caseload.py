"""``deltagare`` / ``caseload [KOD | mig | @person | kommun]``: who is active, split for reports."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from commands.context import CommandError, Context, echo, footnotes
from commands.figures import Counts, compute_figures, select_counts, sum_counts
from commands.language import Language
from commands.privacy import suppress
from commands.project import refuse_insats_with_errors
from commands.reply import Block, Paragraph, Reply, Table
from sheets.categories import EXIT_REASONS, OUTCOME_REASONS
from sheets.dataset import Dataset, caseworker_key
from sheets.problems import Text
from sheets.values import normalize_words

_ME = ("mig", "me", "jag", "min", "my", "mine")
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{6,})")


def breakdown(
    title: str,
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    context: Context,
    groups: tuple[tuple[str, ...], ...] | None = None,
) -> Table | None:
    """Return a breakdown as a table with small counts suppressed, or None when all are zero.

    `groups` splits the cells into groups whose sums are published elsewhere: the exits to work
    or studies are known from the outcome share, so arbete + studier is a total of its own and
    each group is suppressed on its own.
    """
    shown: dict[str, str] = {}
    for group in groups or (tuple(counts),):
        shown.update(suppress({key: counts[key] for key in group}, context.small_count_min))
    rows = tuple((labels.get(key, key), shown[key]) for key in counts if shown[key] != "0")
    if not rows:
        return None
    t = context.language
    return Table((title, t("Antal", "Count")), rows)


def splits(counts: Counts, context: Context) -> list[Block]:
    """Return the breakdown tables of a caseload: gender, age band, support, exit reasons."""
    t = context.language
    gender_labels = {
        "kvinna": t("Kvinnor", "Women"),
        "man": t("Män", "Men"),
        "annat": t("Annat", "Other"),
    }
    unknown = {"okänd": t("okänd", "unknown")}
    tables = [
        breakdown(
            t("Kön (aktiva)", "Gender (active)"), counts.active_by_gender, gender_labels, context
        ),
        breakdown(
            t("Ålder vid start", "Age at start"), counts.active_by_age_band, unknown, context
        ),
        breakdown(
            t("Försörjning vid start", "Support at start"),
            counts.active_by_support,
            unknown,
            context,
        ),
        breakdown(
            t("Avslutsorsak i år", "Exit reason this year"),
            counts.exits_ytd_by_reason,
            {},
            context,
            groups=(OUTCOME_REASONS, tuple(r for r in EXIT_REASONS if r not in OUTCOME_REASONS)),
        ),
    ]
    blocks: list[Block] = [table for table in tables if table is not None]
    if context.small_count_min > 1 and any(
        cell in ("..",) or cell.startswith("<")
        for table in tables
        if table
        for _, cell in table.rows
    ):
        blocks.append(
            Paragraph(
                t(
                    f"<{context.small_count_min} och .. döljer små tal så att ingen deltagare kan "
                    "pekas ut.",
                    f"<{context.small_count_min} and .. hide small counts so that no participant "
                    "can be singled out.",
                )
            )
        )
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


def _per_insats(data: Dataset, table: list[Counts], t: Language) -> Table | None:
    rows = tuple(
        (insats.kod, str(c.active), str(c.new_ytd), str(c.exited_ytd))
        for insats, c in zip(data.insatser, table, strict=True)
        if c.active or c.new_ytd or c.exited_ytd
    )
    if not rows:
        return None
    header = (
        t("Insats", "Project"),
        t("Aktiva", "Active"),
        t("Nya i år", "New ytd"),
        t("Avsl. i år", "Exit ytd"),
    )
    return Table(header, rows)


def _selection(data: Dataset, context: Context, title: str, table: list[Counts]) -> Reply:
    t = context.language
    total = sum_counts(table)
    blocks: list[Block] = [summary(total, None, t)]
    per_insats = _per_insats(data, table, t)
    if per_insats:
        blocks.append(per_insats)
    blocks.extend(splits(total, context))
    return Reply(title, tuple(blocks), footnotes(data, context))


def _person_keys(data: Dataset, user_id: str) -> set[str]:
    keys = {user_id.upper()}
    keys.update(normalize_words(s.namn) for s in data.staff if s.slack_id == user_id.upper())
    return keys


def caseload(data: Dataset, argument: str, context: Context) -> Reply:
    """Return the ``deltagare`` reply for an insats code, ``mig``, a person, a kommun or all.

    Raises:
        CommandError: ``mig`` without a known asker, or an argument that matches nothing.
    """
    t = context.language
    figures = compute_figures(data, context.as_of)
    argument = argument.strip()
    if not argument:
        running = figures.running
        total = sum_counts([p.counts for p in running])
        places = [p.insats.platser for p in running if p.insats.platser]
        title = t("Deltagare i pågående insatser", "Participants in running projects")
        blocks: list[Block] = [summary(total, sum(places) if places else None, t)]
        blocks.extend(splits(total, context))
        return Reply(title, tuple(blocks), footnotes(data, context))

    caseworkers = data.participants["caseworker"]
    key = argument.casefold()
    mention = _SLACK_USER.fullmatch(argument)
    if key in _ME or mention:
        if mention:
            user_id = mention[1] or mention[2]
        elif context.user_id:
            user_id = context.user_id
        else:
            raise CommandError(
                Text(
                    sv="Jag vet inte vem du är här. I Slack fungerar 'deltagare mig'; på "
                    "kommandoraden: finsam-bot ask 'deltagare mig' --user U0123ABC.",
                    en="I don't know who you are here. In Slack 'caseload me' works; on the "
                    "command line: finsam-bot ask 'caseload me' --user U0123ABC.",
                )
            )
        table = select_counts(data, context.as_of, "caseworker", _person_keys(data, user_id))
        name = next((s.namn for s in data.staff if s.slack_id == user_id.upper()), f"<@{user_id}>")
        return _selection(data, context, t(f"Ärenden för {name}", f"Caseload of {name}"), table)

    project = figures.project(argument)
    if project is not None:
        title = f"{project.insats.kod} – {project.insats.namn}"
        blocks = [
            summary(project.counts, project.insats.platser, t),
            *splits(project.counts, context),
        ]
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
    if kommun in set(data.participants["kommun"].cat.categories):
        table = select_counts(data, context.as_of, "kommun", [kommun])
        label = argument.strip().title()
        return _selection(
            data, context, t(f"Deltagare från {label}", f"Participants from {label}"), table
        )

    person = caseworker_key(argument)
    staff_ids = [s.slack_id for s in data.staff if normalize_words(s.namn) == person]
    keys = {person, *staff_ids}
    if not keys.isdisjoint(caseworkers.cat.categories) or staff_ids:
        table = select_counts(data, context.as_of, "caseworker", keys)
        return _selection(
            data,
            context,
            t(f"Ärenden för {echo(argument)}", f"Caseload of {echo(argument)}"),
            table,
        )

    known = [
        *(p.insats.kod for p in figures.projects),
        *(str(k).title() for k in data.participants["kommun"].cat.categories),
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
