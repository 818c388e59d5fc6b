"""From a typed request to a Reply: ``answer(data, text, context)`` is the one entry point.

The Slack app, the CLI's ``ask`` and ``chat`` all call `answer`, so every surface says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from commands.caseload import caseload
from commands.check import check, problem_table
from commands.context import CommandError, Context, echo
from commands.cube import protected_cube
from commands.figures import compute_figures
from commands.language import Language
from commands.parse import SUBCOMMANDS, Request, parse_request
from commands.project import budget, project_card
from commands.reply import Block, Paragraph, Reply, Table
from commands.report import report_reply
from commands.status import goals, status
from commands.weekly import compose_weekly
from sheets.dataset import Dataset
from sheets.identity import contains_identity_number
from sheets.spelling import closest

#: Subcommand → (usage in Swedish, usage in English, what it answers in Swedish, in English).
HELP: dict[str, tuple[str, str, str, str]] = {
    "läge": (
        "läge",
        "status",
        "alla pågående insatser: aktiva/platser, nya och avslutade, utfall mot mål",
        "every running project: active/places, new and exited, outcome against goal",
    ),
    "deltagare": (
        "deltagare [KOD|mig|@person|kommun]",
        "caseload [CODE|me|@person|municipality]",
        "aktiva deltagare med fördelning på kön, ålder och försörjning; nya och avslutade",
        "active participants split by gender, age and support; new and exited",
    ),
    "insats": (
        "insats KOD",
        "project CODE",
        "insatsens kort: huvudman, period, platser, mål och budget",
        "the project card: owner, period, places, goals and budget",
    ),
    "mål": (
        "mål",
        "goals",
        "målstatus per insats: andel till arbete/studier och deltagarmål",
        "goal status per project: share to work/studies and annual target",
    ),
    "budget": (
        "budget [KOD]",
        "budget [CODE]",
        "kostnad hittills i år mot budget",
        "cost so far this year against budget",
    ),
    "kontroll": (
        "kontroll",
        "check",
        "fel i arket, med flik, cell och hur du rättar",
        "problems in the sheet, with tab, cell and how to fix them",
    ),
    "vecka": (
        "vecka",
        "week",
        "en förhandsvisning av veckans statusinlägg",
        "a preview of this week's status post",
    ),
    "rapport": (
        "rapport [PERIOD] [KOD]",
        "report [PERIOD] [CODE]",
        "periodrapport till styrelsen som Excel-fil (2026-H1, 2026-Q3 …), jämförd med året före",
        "period report for the board as an Excel file (2026-H1, 2026-Q3 …), against the year before",
    ),
    "hjälp": ("hjälp", "help", "den här texten", "this text"),
}


def help_reply(context: Context, note: str | None = None) -> Reply:
    """Return the help text: every subcommand with what it answers, and examples."""
    t = context.language
    rows = tuple(
        (f"/finsam {usage_sv if t.sv else usage_en}", about_sv if t.sv else about_en)
        for usage_sv, usage_en, about_sv, about_en in HELP.values()
    )
    blocks: list[Block] = [
        Table((t("Kommando", "Command"), t("Svarar med", "Answers")), rows),
        Paragraph(
            t(
                "Exempel: /finsam deltagare RESAM · /finsam läge · @finsam mål. Lägg till "
                "'dela' för att visa svaret för alla i kanalen; annars ser bara du det.",
                "Examples: /finsam caseload RESAM · /finsam status · @finsam goals. Add 'share' "
                "to show the answer to everyone in the channel; otherwise only you see it.",
            )
        ),
    ]
    if note:
        blocks.insert(0, Paragraph(note))
    return Reply(
        t("Så använder du finsam-bot", "How to use finsam-bot"), tuple(blocks), is_help=True
    )


def error_reply(error: CommandError, context: Context) -> Reply:
    """Return a user's mistake as a short private reply with an example."""
    t = context.language
    return Reply(
        t("Det gick inte riktigt", "That did not quite work"),
        (Paragraph(error.reason(t.code)),),
        (t("Skriv hjälp för att se vad jag kan svara på", "Type help to see what I can answer"),),
        is_help=True,
    )


def weekly_preview(data: Dataset, context: Context) -> Reply:
    """Return the weekly post as it would go out now, marked as a preview."""
    post = compose_weekly(data, context).reply
    t = context.language
    return replace(post, title=t("Förhandsvisning: ", "Preview: ") + post.title)


def _handler(request: Request) -> Callable[[Dataset, Context], Reply] | None:
    argument = request.argument
    handlers: dict[str, Callable[[Dataset, Context], Reply]] = {
        "läge": status,
        "mål": goals,
        "kontroll": check,
        "deltagare": lambda data, context: caseload(data, argument, context),
        "insats": lambda data, context: project_card(data, argument, context),
        "budget": lambda data, context: budget(data, argument, context),
        "vecka": weekly_preview,
        "rapport": lambda data, context: report_reply(data, argument, context),
    }
    return handlers.get(request.subcommand or "")


def answer(data: Dataset, text: str, context: Context) -> Reply:
    """Return the reply to `text` as the bot gives it.

    Unknown words get the help text; an insats code on its own gets the insats card; a user's
    mistake (an unknown code) gets a friendly reply with "did you mean". Raises nothing a user
    can cause; an unexpected error in the code propagates to the edge that logs it.
    """
    request = parse_request(text)
    return answer_request(data, request, context)


def answer_request(data: Dataset, request: Request, context: Context) -> Reply:
    """Return the reply to an already parsed Request (see `answer`)."""
    t = context.language
    if request.subcommand == "hjälp":
        return help_reply(context)
    handler = _handler(request)
    try:
        if handler is not None:
            return handler(data, context)
        if len(request.words) == 1 and data.insats_index(request.words[0]) is not None:
            return project_card(data, request.words[0], context)
    except CommandError as error:
        return error_reply(error, context)
    word = echo(request.words[0]) if request.words else ""
    note = t(f"Jag förstod inte '{word}'.", f"I did not understand '{word}'.") if word else None
    guess = _did_you_mean(data, request)
    if note and guess:
        note += t(f" Menade du {guess}?", f" Did you mean {guess}?")
    return help_reply(context, note)


def _did_you_mean(data: Dataset, request: Request) -> str | None:
    """Return what a lone unknown word was probably meant to be: a subcommand or an insats code
    (``RSEAM`` → ``RESAM``), or None."""
    if len(request.words) != 1 or contains_identity_number(request.words[0]):
        return None
    word = request.words[0]
    return closest(word, [w for words in SUBCOMMANDS.values() for w in words if len(w) > 2]) or (
        closest(word, [insats.kod for insats in data.insatser])
    )


def prepare(data: Dataset, as_of: date, language: Language, small_count_min: int = 5) -> None:
    """Work out what the commands look up for `as_of`, so that no question has to count.

    The figures of every insats, the protected cube of breakdowns (`commands.cube`: protecting it
    is the slow part, a question only slices it) and the table of problems, kept in the
    Dataset. The cache calls this after each read of the sheet for today, before any question
    sees the read: every answer then only looks things up.
    """
    compute_figures(data, as_of)
    protected_cube(data, as_of, small_count_min).complete()
    problem_table(data, Context(as_of, language))
