"""The command line end to end on the demo workbook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_OK, EXIT_OUTPUT, EXIT_PROBLEMS, EXIT_SHEET, EXIT_USAGE, main
from bot.config import environment_names
from sheets.demo import BUNDLED_ANCHOR

AS_OF = BUNDLED_ANCHOR.isoformat()
ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_ask_status(demo_workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "ask", "läge", "--as-of", AS_OF)
    assert status == EXIT_OK
    assert out.startswith("Läge 23 nov 2026 (vecka 48)")
    assert "RESAM" in out and "Totalt" in out
    assert "rader med fel räknas inte" in out


def test_ask_caseload_matches_figures_json(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "figures", "--json", "--as-of", AS_OF, "--project", "resam")
    [resam] = json.loads(out)["projects"]
    _, text, _ = run(capsys, "ask", "deltagare RESAM", "--as-of", AS_OF)
    assert f"Aktiva: {resam['active']} av {resam['places']} platser" in text
    assert f"{resam['new_ytd']} i år" in text
    assert "Kön (aktiva)" in text


def test_ask_in_english(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINSAM_LANGUAGE", "en")
    _, out, _ = run(capsys, "ask", "caseload RESAM", "--as-of", AS_OF)
    assert "Active:" in out and "Gender (active)" in out


@pytest.mark.parametrize(
    ("locale", "english"),
    [("sv_SE:sv", False), ("en", True)],
)
def test_the_system_locale_in_language_never_stops_the_bot(
    demo_workbook: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    english: bool,
) -> None:
    """LANGUAGE is the standard locale list; the old setting counts only when exactly sv or en."""
    monkeypatch.setenv("LANGUAGE", locale)
    status, out, _ = run(capsys, "ask", "hjälp", "--as-of", AS_OF)
    assert status == EXIT_OK
    assert out.startswith("How to use" if english else "Så använder du")
    monkeypatch.setenv("FINSAM_LANGUAGE", "sv")
    _, out, _ = run(capsys, "ask", "hjälp", "--as-of", AS_OF)
    assert out.startswith("Så använder du"), "FINSAM_LANGUAGE wins"


def test_a_wrong_finsam_language_is_a_setting_error(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINSAM_LANGUAGE", "sv_SE")
    status, _, err = run(capsys, "ask", "läge")
    assert status == EXIT_USAGE and "FINSAM_LANGUAGE" in err and "Traceback" not in err


def test_ask_me_uses_the_personal_tab(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "ask", "deltagare mig", "--user", "U0DEMO02", "--as-of", AS_OF)
    assert out.startswith("Ärenden för ")
    _, out, _ = run(capsys, "ask", "deltagare mig", "--as-of", AS_OF)
    assert "--user" in out  # explains how to say who you are


def test_unknown_words_and_codes(demo_workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "ask", "blaha", "--as-of", AS_OF)
    assert "Jag förstod inte 'blaha'" in out and "/finsam läge" in out
    _, out, _ = run(capsys, "ask", "insats RSAM", "--as-of", AS_OF)
    assert "Menade du RESAM?" in out


def test_figures_json_totals_add_up(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "figures", "--json", "--as-of", AS_OF)
    assert status == EXIT_OK
    output = json.loads(out)
    assert output["as_of"] == AS_OF and output["rows_left_out"] > 0
    assert output["totals"]["active"] == sum(p["active"] for p in output["projects"])
    assert sum(output["totals"]["active_by_gender"].values()) == output["totals"]["active"]


def test_check_lists_problems_and_exits_1(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "check", "--as-of", AS_OF)
    assert status == EXIT_PROBLEMS
    lines = out.splitlines()
    assert any(line.startswith("Deltagare!C333\tfel\tKön") for line in lines)
    assert any(line.startswith("Ekonomi!C126\tfel") for line in lines)
    assert any("\tvarning\t" in line for line in lines)
    assert "fel" in err


def test_check_exits_0_on_a_clean_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Insatser"
    book.active.append(["Kod", "Namn", "Start"])
    book.active.append(["RESAM", "Resursteam", "2026-01-01"])
    book.create_sheet("Deltagare").append(["Deltagar-ID", "Insats", "Kön", "Inskriven"])
    personal = book.create_sheet("Personal")
    personal.append(["Slack-ID", "Namn", "Roll"])
    personal.append(["U0DEMO01", "Karin Berg", "samordnare"])
    book.save(tmp_path / "clean.xlsx")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBOOK_PATH", str(tmp_path / "clean.xlsx"))
    status, out, _ = run(capsys, "check", "--as-of", AS_OF)
    assert (status, out) == (EXIT_OK, "")

    # Who may ask: everyone when the Personal tab is empty, or with OPEN_ACCESS; no one without.
    book.remove(personal)
    book.save(tmp_path / "clean.xlsx")
    status, out, err = run(capsys, "check", "--as-of", AS_OF)
    assert status == EXIT_OK and err == "0 fel, 1 varning, 0 rader räknas inte.\n"
    [line] = out.splitlines()
    assert line.startswith(
        "Personal!-\tvarning\tArket har ingen flik Personal, så boten svarar ingen"
    )
    book.create_sheet("Personal")
    book.save(tmp_path / "clean.xlsx")
    _, out, _ = run(capsys, "check", "--as-of", AS_OF)
    assert out.startswith("Personal!-\tvarning\tFliken Personal är tom: alla i arbetsytan")
    monkeypatch.setenv("OPEN_ACCESS", "true")
    monkeypatch.setenv("FINSAM_LANGUAGE", "en")
    _, out, _ = run(capsys, "check", "--as-of", AS_OF)
    assert out.startswith("Personal!-\twarning\tOPEN_ACCESS is set: everyone in the workspace")


def test_missing_workbook_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBOOK_PATH", str(tmp_path / "nope.xlsx"))
    status, _out, err = run(capsys, "ask", "läge")
    assert status == EXIT_SHEET
    assert "demo-data" in err and "Traceback" not in err


def test_bad_settings_and_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEEKLY_SCHEDULE", "1 08:00")
    status, _, err = run(capsys, "ask", "läge")
    assert status == EXIT_USAGE and "WEEKLY_SCHEDULE" in err and "weekday names" in err
    monkeypatch.delenv("WEEKLY_SCHEDULE")
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", "läge", "--as-of", "23/11/2026"])
    assert exit_info.value.code == 2
    assert "2026-11-23" in capsys.readouterr().err


def test_demo_data_writes_a_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "demo-data", str(tmp_path / "d.xlsx"), "--as-of", "2027-05-01")
    assert status == EXIT_OK and (tmp_path / "d.xlsx").exists()
    monkeypatch.setenv("WORKBOOK_PATH", str(tmp_path / "d.xlsx"))
    _, out, _ = run(capsys, "ask", "läge", "--as-of", "2027-05-01")
    assert "insatser pågår" in out


def test_demo_data_where_it_cannot_be_written_says_so_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    (tmp_path / "a-folder.xlsx").mkdir()
    for target in (a_file / "demo.xlsx", tmp_path / "a-folder.xlsx"):
        status, out, err = run(capsys, "demo-data", str(target))
        assert status == EXIT_OUTPUT and out == ""
        [line] = err.splitlines()
        assert line.startswith(f"finsam-bot: kan inte skriva {target}: ")
    status, _, err = run(capsys, "demo-data", str(tmp_path / "demo.csv"))
    assert status == EXIT_USAGE and ".xlsx" in err
    assert not (tmp_path / "demo.csv").exists()


def bot_process(*argv: str, cwd: Path, stdout: int, env: dict[str, str] | None = None) -> int:
    """Run ``python -m bot ARGV`` with no settings of the developer's; return its exit status.

    Its stderr is checked for a traceback; `stdout` is the file descriptor it writes to.
    """
    clean = {key: value for key, value in os.environ.items() if key not in environment_names()}
    clean["PYTHONPATH"] = str(ROOT)
    process = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=cwd, env=clean | (env or {}), stdout=stdout, stderr=subprocess.PIPE, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert "Traceback" not in process.stderr, process.stderr
    assert len(process.stderr.strip().splitlines()) <= 2, process.stderr
    return process.returncode


@pytest.mark.parametrize("argv", [("figures", "--json"), ("check",)])
def test_output_closed_early_ends_quietly_with_a_status(tmp_path: Path, argv: tuple[str]) -> None:
    """As ``finsam-bot figures --json | head`` does once head has read enough: the reading end
    of the pipe is closed before the bot writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        status = bot_process(*argv, "--as-of", AS_OF, cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    assert status == EXIT_OUTPUT


def test_demo_data_into_an_unwritable_place_in_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "demo.xlsx"
    assert bot_process("demo-data", str(target), cwd=tmp_path, stdout=subprocess.DEVNULL) == (
        EXIT_OUTPUT
    )


def test_chat_answers_until_quit(
    demo_workbook: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = iter(["mål", "deltagare RESAM", "sluta"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(lines))
    status, out, _ = run(capsys, "chat", "--as-of", AS_OF)
    assert status == EXIT_OK
    assert "Mål 2026" in out and "RESAM – " in out


def test_python_dash_m_bot_with_the_bundled_workbook(tmp_path: Path) -> None:
    """A real process with no settings at all: the bundled demo workbook answers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"WORKBOOK_PATH", "GOOGLE_SHEET_ID"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "deltagare RESAM", "--as-of", AS_OF],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("RESAM – ")


_REPORT_FREEZE_AT_EXIT = """
import atexit, gc, os
atexit.register(lambda: os.write(2, f"frozen={gc.get_freeze_count()}".encode()))
from bot.cli import console
console()
"""


@pytest.mark.parametrize(
    ("argv", "settings", "status"),
    [
        (("ask", "deltagare RESAM"), {}, EXIT_OK),
        (("figures",), {"WORKBOOK_PATH": "no-such-workbook.xlsx"}, EXIT_SHEET),
    ],
)
def test_the_command_exits_with_the_status_and_spares_the_last_collection(
    tmp_path: Path, argv: tuple[str, ...], settings: dict[str, str], status: int
) -> None:
    """`finsam-bot` (`console`) exits with `main`'s status, and has frozen the objects the
    command made by the time Python would walk them all in its last full collection."""
    env = {k: v for k, v in os.environ.items() if k not in {"WORKBOOK_PATH", "GOOGLE_SHEET_ID"}}
    result = subprocess.run(
        [sys.executable, "-c", _REPORT_FREEZE_AT_EXIT, *argv, "--as-of", AS_OF],
        cwd=tmp_path, env=env | settings, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == status, result.stderr
    assert int(result.stderr.rsplit("frozen=", 1)[1]) > 10_000


#: Packages only some commands need: Google's only with GOOGLE_SHEET_ID, Slack's and gunicorn
#: only `serve` and `weekly`. Importing them all took longer than answering a question.
NOT_FOR_A_QUESTION = (
    "pandas",
    "gspread",
    "google.auth",
    "google.oauth2",
    "slack_bolt",
    "slack_sdk",
    "gunicorn",
)
#: And `--help` needs none of the data machinery either.
NOT_FOR_HELP = (
    *NOT_FOR_A_QUESTION,
    "numpy",
    "pydantic",
    "openpyxl",
    "sheets",
    "commands",
)

_IMPORTED = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(*argv: str, cwd: Path) -> set[str]:
    """Return the top-level and dotted module names a fresh process imports to run `argv`."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTED, *argv],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return set(json.loads(result.stdout.splitlines()[-1]))


def _any_of(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_help_and_a_question_import_only_what_they_need(demo_workbook: Path) -> None:
    assert _any_of(imported_by("--help", cwd=demo_workbook.parent), NOT_FOR_HELP) == []
    asked = imported_by("ask", "läge", "--as-of", AS_OF, cwd=demo_workbook.parent)
    assert "numpy" in asked and "sheets.backends.workbook" in asked, "it did answer"
    assert _any_of(asked, NOT_FOR_A_QUESTION) == []
