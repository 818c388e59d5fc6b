"""The command line: ``finsam-bot ask|figures|check|report|weekly|demo-data|chat|serve …``.

Each command builds the settings, reads the sheet once through the same cache the Slack app uses,
and prints what the pure commands return.

Only what a command needs is imported, inside the command: ``--help`` needs argparse alone, a
question needs numpy and the workbook reader but neither gspread nor google-auth (only with
GOOGLE_SHEET_ID) nor slack_bolt and gunicorn (only ``serve`` and ``weekly``). Importing them all
took longer than answering.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from bot.config import Settings
    from commands.context import Context
    from commands.language import Language
    from sheets.dataset import Dataset

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_SHEET, EXIT_OUTPUT = 0, 1, 2, 3, 4
#: Stopped with Ctrl-C: 128 + SIGINT, as a shell reports it.
EXIT_INTERRUPTED = 130
#: Commands that run until stopped: they keep Python's garbage collector running.
LONG_RUNNING = frozenset({"serve", "chat"})


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as 2026-11-23"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="finsam-bot",
        description="Caseload figures, weekly status and data checks for a samordningsförbund.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_as_of(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--as-of", type=_as_of, metavar="DATE", help="count as of this date (default: today)"
        )
        return p

    ask = with_as_of(sub.add_parser("ask", help="answer TEXT as the bot would, as plain text"))
    ask.add_argument("text", help='what to ask, e.g. "deltagare RESAM"')
    ask.add_argument(
        "--user", metavar="SLACK_ID", help="answer as this Slack user (for 'deltagare mig')"
    )

    figures = with_as_of(
        sub.add_parser("figures", help="the figures of every insats, exact, as JSON")
    )
    figures.add_argument("--project", metavar="KOD", help="only this insats")
    figures.add_argument("--json", action="store_true", help="print JSON (every figure, exact)")

    with_as_of(
        sub.add_parser("check", help="list data problems; exit status 1 when there are errors")
    )

    report = with_as_of(
        sub.add_parser("report", help="a period report for the board as XLSX (or exact JSON)")
    )
    report.add_argument(
        "period",
        nargs="?",
        default="",
        help="2026, 2026-H1, 2026-T2, 2026-Q3, 2026-05 or 2026-01-01..2026-06-30 "
        "(default: the last full quarter)",
    )
    report.add_argument("--project", metavar="KOD", default="", help="only this insats")
    report.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write (default: finsam-rapport-PERIOD.xlsx)",
    )
    report.add_argument(
        "--json", action="store_true", help="the exact figures as JSON instead of the workbook"
    )

    demo = sub.add_parser("demo-data", help="write a fresh synthetic demo workbook")
    demo.add_argument("path", type=Path, help="where to write the .xlsx")
    demo.add_argument(
        "--as-of",
        type=_as_of,
        metavar="DATE",
        help="date the demo is built around (default: today)",
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    chat = with_as_of(sub.add_parser("chat", help="an interactive console that talks like the bot"))
    chat.add_argument("--user", metavar="SLACK_ID", help="talk as this Slack user")

    weekly = with_as_of(
        sub.add_parser(
            "weekly",
            help="compose the weekly post; post it to STATUS_CHANNEL and write Historik unless --dry-run",
        )
    )
    weekly.add_argument(
        "--dry-run", action="store_true", help="print the post only: nothing is posted or written"
    )

    sub.add_parser(
        "serve",
        help="run the Slack app: Socket Mode with SLACK_APP_TOKEN, else HTTP mode on PORT",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status: 0 ok, 1 the sheet has errors (``check``),
    2 a bad argument or setting, 3 the sheet cannot be read, 4 the output or a file cannot be
    written, 130 stopped with Ctrl-C.

    Nothing a user can cause ends in a traceback: a closed output (``finsam-bot check | head``)
    or Ctrl-C ends with one line on stderr and its exit status.
    """
    try:
        status = _run(argv)
        sys.stdout.flush()  # here, not at exit: a closed pipe shows now, where it is caught
        return status
    except BrokenPipeError:
        # Nothing more can be written to stdout, not even by Python's flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _say("finsam-bot: the output was closed before all of it was written")
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        _say("finsam-bot: stopped")
        return EXIT_INTERRUPTED


def console() -> NoReturn:
    """The ``finsam-bot`` command and ``python -m bot``: run `main` on the process's arguments
    and exit with its status. Raises SystemExit, always.

    Python's last act before a process ends is a full garbage collection, which walks every
    object the imports made (pydantic's, numpy's, Google's: 60 ms of CPU, an eighth of a
    question) only to find no garbage. Frozen first, they are passed over; `main` itself, which
    tests call in their own long-lived process, freezes nothing.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


def _say(line: str) -> None:
    """Print `line` on stderr, unless stderr is closed too."""
    with contextlib.suppress(OSError):
        print(line, file=sys.stderr, flush=True)


def skip_unused_library_work() -> None:
    """Set, unless already set, the variables that spare libraries work the bot never needs.

    Must run before pydantic builds its first model and before numpy is imported; whoever wants
    that work done can still set the variables.
    """
    # pydantic looks for plugins in every installed package's metadata when the first model is
    # built (20-40 ms); the bot uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # numpy's OpenBLAS starts a thread per core when it is loaded, and they spin for a while
    # (0.1 s of CPU at every start on two cores); the bot does no linear algebra.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _run(argv: Sequence[str] | None) -> int:
    """Run the command line (see `main`); return the exit status."""
    args = build_parser().parse_args(argv)
    skip_unused_library_work()
    collecting = gc.isenabled()
    if args.command not in LONG_RUNNING:
        # A one-shot command keeps what it makes (the imports' objects, the sheet's) until it
        # exits, and none of it is garbage in a cycle: the collector would only walk it, again
        # and again, while it is made.
        gc.disable()
    try:
        return _command(args)
    finally:
        if collecting:
            gc.enable()


def _command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.logs import configure_logging
    from commands.language import Language
    from sheets.errors import SheetsError

    configure_logging(logging.WARNING)
    try:
        settings = Settings()
    except ValidationError as error:
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]).upper()
            print(f"finsam-bot: setting {field}: {item['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError) as error:
        print(f"finsam-bot: the settings file .env cannot be read: {error}", file=sys.stderr)
        return EXIT_USAGE
    language = Language(settings.language)

    if args.command == "serve":
        # Imported here: the Slack and gunicorn machinery is only needed by this one command.
        from bot.server import serve

        configure_logging(logging.INFO)
        return serve(settings)

    if args.command == "weekly":
        return _weekly(settings, args.as_of, args.dry_run, language)

    if args.command == "demo-data":
        return _demo_data(args.path, args.as_of or settings.today(), args.seed, language)

    from bot.source import open_cache
    from commands.context import Context

    as_of: date = args.as_of or settings.today()
    try:
        # A one-shot command works out what its one answer needs; only the chat, which answers
        # question after question, has each read prepared for today's questions as the bot does.
        cache = open_cache(settings, prepare=args.command == "chat")
        data = cache.get()
    except SheetsError as error:
        print(f"finsam-bot: {error.message(language.code)}", file=sys.stderr)
        return EXIT_SHEET

    if args.command == "ask":
        from commands.dispatch import answer

        context = Context(as_of, language, settings.small_count_min, user_id=args.user)
        print(answer(data, args.text, context).as_text(), end="")
        return EXIT_OK
    if args.command == "figures":
        return _figures(data, as_of, args.project, args.json, language)
    if args.command == "check":
        return _check(data, as_of, language, settings.open_access)
    if args.command == "report":
        context = Context(as_of, language, settings.small_count_min)
        return _report(data, context, f"{args.period} {args.project}", args.out, args.json)
    return _chat(cache.get, Context(as_of, language, settings.small_count_min, user_id=args.user))


def _weekly(settings: Settings, as_of: date | None, dry_run: bool, language: Language) -> int:
    # Imported here: the Slack client is only needed by this command and serve.
    from bot.app import build_client
    from bot.source import open_backend
    from bot.weekly import WeeklyPoster
    from sheets.errors import SheetsError

    if not dry_run and settings.google_sheet_id is None and settings.workbook_path is None:
        print(
            language(
                "finsam-bot: weekly skriver Historik, men den medföljande demoarbetsboken får inte "
                "ändras. Sätt WORKBOOK_PATH (finsam-bot demo-data PATH skapar en) eller använd --dry-run.",
                "finsam-bot: weekly writes Historik, but the bundled demo workbook must not change. "
                "Set WORKBOOK_PATH (finsam-bot demo-data PATH makes one) or use --dry-run.",
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        backend = open_backend(settings)
    except SheetsError as error:
        print(f"finsam-bot: {error.message(language.code)}", file=sys.stderr)
        return EXIT_SHEET
    client = build_client(settings) if settings.slack_bot_token and not dry_run else None
    poster = WeeklyPoster(
        backend,
        client,
        settings.status_channel,
        language=language,
        small_count_min=settings.small_count_min,
        zone=settings.zone,
        now=settings.now,
    )
    result = poster.run(as_of, dry_run=dry_run)
    if result.post is not None and result.outcome in ("dry_run", "posted", "failed"):
        print(result.post.reply.as_text(), end="")
    outcomes = {
        "dry_run": language(
            "förhandsvisning: inget postat, Historik orörd",
            "dry run: nothing posted, Historik untouched",
        ),
        "posted": language(
            f"postat i {settings.status_channel} och skrivet i Historik",
            f"posted to {settings.status_channel} and written to Historik",
        ),
        "recorded": language(
            "inlägget fanns redan i Slack; Historik är nu skriven",
            "the post was already in Slack; Historik is now written",
        ),
        "already_posted": language(
            f"veckans inlägg ({result.week}) har redan gått ut",
            f"this week's post ({result.week}) has already gone out",
        ),
        "failed": language(f"misslyckades: {result.detail}", f"failed: {result.detail}"),
    }
    print(f"finsam-bot weekly {result.week}: {outcomes[result.outcome]}", file=sys.stderr)
    return EXIT_PROBLEMS if result.outcome == "failed" else EXIT_OK


def _demo_data(path: Path, anchor: date, seed: int, language: Language) -> int:
    from sheets.demo import write_demo_workbook

    if path.suffix.lower() != ".xlsx":
        print(
            language(
                f"finsam-bot: {path} ska sluta på .xlsx (en Excel-arbetsbok)",
                f"finsam-bot: {path} should end in .xlsx (an Excel workbook)",
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_demo_workbook(path, anchor, seed)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(
            language(
                f"finsam-bot: kan inte skriva {path}: {reason}",
                f"finsam-bot: cannot write {path}: {reason}",
            ),
            file=sys.stderr,
        )
        return EXIT_OUTPUT
    print(
        language(
            f"Demoarbetsbok skriven till {path} (kring {anchor}).",
            f"Demo workbook written to {path} (around {anchor}).",
        )
    )
    return EXIT_OK


def _figures(
    data: Dataset, as_of: date, project: str | None, as_json: bool, language: Language
) -> int:
    import json

    from commands.figures import compute_figures, figures_json

    output = figures_json(compute_figures(data, as_of))
    if project:
        output["projects"] = [
            p for p in output["projects"] if p["code"].casefold() == project.strip().casefold()
        ]
        if not output["projects"]:
            print(
                language(
                    f"finsam-bot: ingen giltig insats med koden {project}",
                    f"finsam-bot: no valid project with the code {project}",
                ),
                file=sys.stderr,
            )
            return EXIT_USAGE
    if as_json:
        print(json.dumps(output, ensure_ascii=False, indent=2))
        return EXIT_OK
    for p in output["projects"]:
        print(
            f"{p['code']:<10} active {p['active']:>5}  new ytd {p['new_ytd']:>5}  exited ytd {p['exited_ytd']:>5}  outcome {p['outcome_share_ytd']}"
        )
    return EXIT_OK


def _report(data: Dataset, context: Context, argument: str, out: Path | None, as_json: bool) -> int:
    import json

    # Imported here: only this command writes workbooks.
    from bot.report_xlsx import report_filename, write_report
    from commands.context import CommandError
    from commands.report import report_for, report_json, report_reply

    t = context.language
    try:
        report, row = report_for(data, argument, context)
    except CommandError as error:
        print(f"finsam-bot: {error.reason(t.code)}", file=sys.stderr)
        return EXIT_USAGE
    code = None if row == report.total_row else report.insatser[row].kod
    text = json.dumps(report_json(report, code), ensure_ascii=False, indent=2) if as_json else ""
    if as_json and out is None:
        print(text)
        return EXIT_OK
    path = out or Path(report_filename(report, row, t))
    if not as_json and path.suffix.lower() != ".xlsx":
        print(
            t(
                f"finsam-bot: {path} ska sluta på .xlsx (en Excel-arbetsbok)",
                f"finsam-bot: {path} should end in .xlsx (an Excel workbook)",
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        if as_json:
            path.write_text(text + "\n", encoding="utf-8")
        else:
            write_report(path, report, row, t)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(
            t(
                f"finsam-bot: kan inte skriva {path}: {reason}",
                f"finsam-bot: cannot write {path}: {reason}",
            ),
            file=sys.stderr,
        )
        return EXIT_OUTPUT
    print(report_reply(data, argument, context).as_text(), end="")
    print(t(f"Rapporten är skriven till {path}.", f"The report is written to {path}."))
    return EXIT_OK


def _check(data: Dataset, as_of: date, language: Language, open_access: bool) -> int:
    from bot.access import access_mode, access_warning
    from commands.check import header_notes, sorted_problems
    from commands.context import Context

    context = Context(as_of, language)
    problems = sorted_problems(data, context)
    for problem in problems:
        kind = (
            language("fel", "error")
            if problem.severity == "error"
            else language("varning", "warning")
        )
        print(
            f"{problem.tab}!{problem.cell or '-'}\t{kind}\t{problem.message(language.code)}\t{problem.fix(language.code)}"
        )
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    # Who may ask is no cell's problem, but the operator must hear when the bot is open to
    # everyone, or closed to everyone for want of a Personal tab.
    access = access_warning(access_mode(data, open_access))
    if access is not None:
        message, fix = access
        tab = data.personal_tab or "Personal"
        kind = language("varning", "warning")
        print(f"{tab}!-\t{kind}\t{message(language.code)}\t{fix(language.code)}")
        warnings += 1
    for note in header_notes(data, language):
        print(note, file=sys.stderr)
    left_out = data.rows_left_out
    print(
        language(
            f"{errors} fel, {warnings} {'varning' if warnings == 1 else 'varningar'}, "
            f"{left_out} {'rad räknas' if left_out == 1 else 'rader räknas'} inte.",
            f"{errors} {'error' if errors == 1 else 'errors'}, "
            f"{warnings} {'warning' if warnings == 1 else 'warnings'}, "
            f"{left_out} {'row' if left_out == 1 else 'rows'} left out.",
        ),
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if errors else EXIT_OK


def _chat(load: Callable[[], Dataset], context: Context) -> int:
    from commands.dispatch import answer
    from sheets.errors import SheetsError

    t = context.language
    print(
        t(
            "Skriv som till boten (till exempel 'läge'); tom rad eller 'sluta' avslutar.",
            "Type as you would to the bot (for example 'status'); an empty line or 'quit' ends.",
        )
    )
    while True:
        try:
            line = input("finsam> ")
        except EOFError:
            print()
            return EXIT_OK
        if line.strip().casefold() in ("", "sluta", "quit", "exit"):
            return EXIT_OK
        try:
            data = load()
        except SheetsError as error:
            print(error.message(t.code))
            continue
        print(answer(data, line, context).as_text())
