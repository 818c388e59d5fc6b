"""The text answers: parsing, dispatch, privacy in replies, and each subcommand on small sheets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commands.context import Context
from commands.dispatch import answer
from commands.language import Language
from commands.parse import parse_request
from commands.reply import Reply, Table
from sheets.validate import load_dataset

AS_OF = date(2026, 11, 23)
INSATSER = [
    [
        "Kod",
        "Namn",
        "Huvudman",
        "Start",
        "Slut",
        "Platser",
        "Deltagarmål per år",
        "Mål arbete/studier (%)",
        "Budget (kr)",
    ],
    ["RESAM", "Resursteam", "Region", "2025-01-01", "2027-01-31", 20, 40, 50, 120000],
    ["NEW", "Ny insats", None, "2027-01-01", None],
]
HEADER = [
    "Deltagar-ID",
    "Insats",
    "Kön",
    "Kommun",
    "Inskriven",
    "Avslutad",
    "Avslutsorsak",
    "Handläggare",
]


def reasons_sheet(**reasons: int) -> dict[str, Any]:
    rows: list[list[Any]] = [
        [f"A{i}", "RESAM", "K", "Fagersta", "2026-02-01", None, None, "Anna Lind"]
        for i in range(12)
    ]
    number = 0
    for reason, count in reasons.items():
        for _ in range(count):
            number += 1
            rows.append(
                [
                    f"X{number}",
                    "RESAM",
                    "M",
                    "Norberg",
                    "2026-02-01",
                    "2026-06-01",
                    reason,
                    "<@U0ANNA1>",
                ]
            )
    return {
        "Insatser": INSATSER,
        "Deltagare": [HEADER, *rows],
        "Personal": [["Slack-ID", "Namn"], ["U0ANNA1", "Anna Lind"]],
    }


def ask(text: str, tabs: dict[str, Any] | None = None, **context: Any) -> Reply:
    data = load_dataset(tabs or reasons_sheet(arbete=5, studier=1, arbetssökande=7, övrigt=1))
    return answer(data, text, Context(AS_OF, **context))


def table(reply: Reply, title: str) -> dict[str, str]:
    for block in reply.blocks:
        if isinstance(block, Table) and block.header[0] == title:
            return {row[0]: row[1] for row in block.rows}
    raise AssertionError(f"no table {title}")


@pytest.mark.parametrize(
    ("text", "subcommand", "words", "share"),
    [
        ("", "hjälp", (), False),
        ("  ", "hjälp", (), False),
        ("läge", "läge", (), False),
        ("Status dela", "läge", (), True),
        ("<@U0BOT|finsam> deltagare RESAM", "deltagare", ("RESAM",), False),
        ("caseload me share", "deltagare", ("me",), True),
        ("/finsam insats resam", "insats", ("resam",), False),
        ("RESAM", None, ("RESAM",), False),
        ("mål!", "mål", (), False),
        ("\u00a0kontroll\u00a0", "kontroll", (), False),
    ],
)
def test_parsing(text: str, subcommand: str | None, words: tuple[str, ...], share: bool) -> None:
    request = parse_request(text)
    assert (request.subcommand, request.words, request.share) == (subcommand, words, share)


def test_the_outcome_share_cannot_reveal_a_hidden_exit_reason() -> None:
    # 6 of 14 exits to work or studies is published as 42,9 %, so arbete + studier = 6 is known;
    # with studier 1 shown as <5, arbete would be 5 and studier 1 exactly. Both must be hidden.
    reply = ask("deltagare RESAM")
    exits = table(reply, "Avslutsorsak i år")
    assert exits["arbete"] == exits["studier"] == ".."
    assert "42,9 %" in ask("läge").as_text()


def test_small_counts_are_hidden_and_the_threshold_can_be_turned_off() -> None:
    reply = ask("deltagare RESAM")
    assert table(reply, "Kön (aktiva)") == {"Kvinnor": "12"}
    shown = ask("deltagare RESAM", small_count_min=0)
    assert table(shown, "Avslutsorsak i år") == {
        "arbete": "5",
        "studier": "1",
        "arbetssökande": "7",
        "övrigt": "1",
    }
    assert "<5" not in shown.as_text()


def test_unknown_words_get_help_and_a_personnummer_is_never_repeated() -> None:
    reply = ask("811218-9876")
    assert reply.is_help and "9876" not in reply.as_text()
    assert "Jag förstod inte 'x" in ask("x" * 100).as_text()
    assert "9876" not in ask("deltagare 811218-9876").as_text()


def test_an_insats_code_alone_gives_its_card() -> None:
    reply = ask("resam")
    assert reply.title == "RESAM – Resursteam"
    text = reply.as_text()
    assert "12 aktiva av 20 (60 %), 8 lediga" in text
    assert "26 har deltagit i år av målet 40" in text
    assert "42,9 % i år mot målet 50 % – risk" in text
    assert "ingen Ekonomi-flik" in text
    assert "(69 dagar kvar)" in text


def test_unknown_code_did_you_mean() -> None:
    reply = ask("insats RESM")
    assert reply.is_help and "Menade du RESAM?" in reply.as_text()
    assert "Did you mean RESAM?" in ask("project RESM", language=Language("en")).as_text()
    assert "insats RESAM" in ask("insats").as_text()  # an example when the code is missing


def test_caseload_by_kommun_person_and_me() -> None:
    assert ask("deltagare fagersta").title == "Deltagare från Fagersta"
    assert "Aktiva: 12" in ask("deltagare Fagersta").as_text()
    assert "Aktiva: 12" in ask("deltagare anna lind").as_text()
    mine = ask("deltagare mig", user_id="U0ANNA1")
    assert mine.title == "Ärenden för Anna Lind"
    assert "Aktiva: 12." in mine.as_text() and "RESAM       12" in mine.as_text()
    assert ask("deltagare <@U0ANNA1>").title == "Ärenden för Anna Lind"
    unknown = ask("deltagare Fagerstad")
    assert unknown.is_help and "Menade du Fagersta?" in unknown.as_text()


def test_status_lists_running_insatser_only_and_alerts() -> None:
    text = ask("läge").as_text()
    assert "RESAM" in text and "NEW" not in text
    assert "RESAM: 42,9 % till arbete/studier i år, målet är 50 %." in text


def test_goals_and_budget() -> None:
    goals = ask("mål")
    assert "risk" in goals.as_text()
    assert "ingen flik Ekonomi" in ask("budget").as_text()
    tabs = reasons_sheet(arbete=1)
    tabs["Ekonomi"] = [["Insats", "Månad", "Belopp (kr)"], ["RESAM", "2026-01", 130000]]
    budget = ask("budget", tabs)
    assert table(budget, "Insats")["RESAM"] == "120 000 kr"
    assert "Över budget: RESAM" in budget.as_text()


def test_check_lists_problems_in_sheet_order_with_fixes() -> None:
    tabs = reasons_sheet(arbete=1)
    tabs["Deltagare"].append(["B1", "RESAM", "kvinnna", None, "2026-02-01"])
    tabs["Deltagare"].append(["B2", "RSAM", "K", None, "2026-02-01"])
    tabs["Insatser"] = [*INSATSER, ["BAD", "Bad", "not a date"]]
    reply = ask("kontroll", tabs)
    rows = next(block for block in reply.blocks if isinstance(block, Table)).rows
    assert [(row[0], row[1]) for row in rows] == [
        ("Insatser", "D4"),
        ("Deltagare", "C15"),
        ("Deltagare", "B16"),
    ]
    assert "3 fel och 0 varningar" in reply.as_text()
    assert ask("kontroll").as_text().count("Inga fel") == 1


def test_replies_in_english() -> None:
    english = Language("en")
    assert ask("status", language=english).title.startswith("Status 23 Nov 2026 (week 48)")
    assert "Women" in ask("caseload RESAM", language=english).as_text()
    assert ask("help", language=english).title == "How to use finsam-bot"


def test_every_reply_says_how_many_rows_were_left_out() -> None:
    tabs = reasons_sheet(arbete=1)
    tabs["Deltagare"].append(["B1", "RESAM", "kvinnna", None, "2026-02-01"])
    for text in ("läge", "deltagare RESAM", "insats RESAM", "mål", "budget", "vecka"):
        assert "1 rad med fel räknas inte" in ask(text, tabs).as_text(), text


def test_an_insats_whose_row_has_errors_is_named_as_such() -> None:
    tabs = reasons_sheet(arbete=1)
    tabs["Insatser"] = [*INSATSER, ["BAD", "Bad", "not a date"]]
    for text in ("insats BAD", "deltagare bad", "budget BAD"):
        reply = ask(text, tabs)
        assert reply.is_help and "har fel på fliken Insatser" in reply.as_text(), text


# -- roles, typos, wording ----------------------------------------------------------------------


def two_caseworkers() -> dict[str, Any]:
    tabs = reasons_sheet(arbete=5)
    tabs["Personal"] = [
        ["Slack-ID", "Namn", "Roll"],
        ["U0ANNA1", "Anna Lind", "handläggare"],
        ["U0EVA02", "Eva Berg", "samordnare"],
        ["U0LAS03", "Lasse Ek", "läsare"],
    ]
    return tabs


@pytest.mark.parametrize(
    ("role", "question", "allowed"),
    [
        ("samordnare", "deltagare <@U0ANNA1>", True),
        ("samordnare", "deltagare anna lind", True),
        ("handläggare", "deltagare mig", True),
        ("handläggare", "deltagare <@U0ANNA1>", True),  # that is me
        ("handläggare", "deltagare <@U0EVA02>", False),
        ("handläggare", "deltagare anna lind", True),
        ("läsare", "deltagare mig", False),
        ("läsare", "deltagare <@U0ANNA1>", False),
        ("läsare", "deltagare RESAM", True),
        ("läsare", "deltagare fagersta", True),
        (None, "deltagare <@U0EVA02>", True),  # no Personal limits: the command line
    ],
)
def test_roles_decide_whose_caseload_is_shown(
    role: str | None, question: str, allowed: bool
) -> None:
    reply = ask(question, two_caseworkers(), user_id="U0ANNA1", role=role)
    assert reply.is_help is not allowed, reply.as_text()
    if not allowed:
        assert "roll" in reply.as_text().casefold()
        assert "Aktiva" not in reply.as_text()


@pytest.mark.parametrize(
    ("typed", "meant"), [("RSEAM", "RESAM"), ("RESAMM", "RESAM"), ("deltagre", "deltagare")]
)
def test_a_lone_misspelled_word_gets_did_you_mean(typed: str, meant: str) -> None:
    reply = ask(typed)
    assert reply.is_help and f"Menade du {meant}?" in reply.as_text()


def test_a_lone_personnummer_is_neither_echoed_nor_guessed_at() -> None:
    text = ask("870412-9827").as_text()
    assert "870412" not in text and "Menade du" not in text


def test_one_insats_and_one_participant_are_singular() -> None:
    tabs = {
        "Insatser": INSATSER,
        "Deltagare": [HEADER, ["A1", "RESAM", "K", "Fagersta", "2026-02-01", None, None, None]],
    }
    assert "1 insats pågår med 1 aktiv deltagare." in ask("läge", tabs).as_text()
    english = ask("status", tabs, language=Language("en")).as_text()
    assert "1 project is running with 1 active participant." in english


def test_a_name_that_starts_with_its_code_is_not_repeated_in_the_title() -> None:
    tabs = reasons_sheet(arbete=5)
    tabs["Insatser"] = [INSATSER[0], ["RESAM", "RESAM – resursteam", None, "2025-01-01"]]
    assert ask("insats RESAM", tabs).title == "RESAM – resursteam"
    assert ask("insats RESAM").title == "RESAM – Resursteam"


def test_over_budget_shows_in_the_card_and_in_status() -> None:
    tabs = reasons_sheet(arbete=5)
    tabs["Ekonomi"] = [["Insats", "Månad", "Belopp (kr)"], ["RESAM", "2026-03", 130000]]
    for question in ("insats RESAM", "läge"):
        text = ask(question, tabs).as_text()
        assert "över budget: 130 000 kr av 120 000 kr (108 %)" in text, question
    tabs["Ekonomi"][1][2] = 100000
    assert "över budget" not in ask("läge", tabs).as_text()


def test_english_replies_name_categories_in_english() -> None:
    tabs = reasons_sheet(arbete=5)
    header = [*HEADER, "Försörjning vid start"]
    rows = [[*row, "försörjningsstöd"] for row in tabs["Deltagare"][1:]]
    tabs["Deltagare"] = [header, *rows]
    text = ask("caseload RESAM", tabs, language=Language("en")).as_text()
    assert "social assistance" in text and "försörjningsstöd" not in text


def test_status_and_caseload_name_an_insats_left_out_and_its_participant_rows() -> None:
    tabs = reasons_sheet(arbete=5)
    tabs["Insatser"] = [*INSATSER, ["BROKEN", "Trasig", None, "15/13/2026"]]
    tabs["Deltagare"] = [
        *tabs["Deltagare"],
        ["B1", "BROKEN", "K", None, "2026-02-01", None, None, None],
        ["B2", "broken", "M", None, "2026-02-01", None, None, None],
    ]
    for question in ("läge", "deltagare", "deltagare fagersta"):
        text = ask(question, tabs).as_text()
        assert "BROKEN räknas inte, eftersom raden på fliken Insatser (A4) har fel." in text
        assert "Inte heller 2 deltagarrader som hör till den räknas" in text, question
    english = ask("status", tabs, language=Language("en")).as_text()
    assert "Neither are the 2 participant rows that belong to it" in english


def test_check_says_which_row_the_headers_were_read_from() -> None:
    tabs = reasons_sheet(arbete=5)
    tabs["Deltagare"] = [["Deltagare 2026"], *tabs["Deltagare"]]
    text = ask("kontroll", tabs).as_text()
    assert "Fliken Deltagare: rubrikerna lästes från rad 2" in text
    assert "rubrikerna lästes" not in ask("kontroll").as_text()
