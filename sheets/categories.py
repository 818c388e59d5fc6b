"""The category columns (docs/figures.md, Categories): canonical values and the spellings people use for them."""

from __future__ import annotations

from typing import Any

from sheets.problems import Text
from sheets.values import CellValueError, normalize_words, parse_text

GENDERS = ("kvinna", "man", "annat")

EXIT_REASONS = ("arbete", "studier", "arbetssökande", "övrigt")
#: Registered by mistake: the row is skipped before any other check, and counts nowhere.
MISTAKE = "felregistrering"
#: The exit reasons that count as a good outcome (work or studies).
OUTCOME_REASONS = ("arbete", "studier")

SUPPORTS = (
    "sjukpenning",
    "aktivitetsstöd",
    "aktivitetsersättning",
    "sjukersättning",
    "a-kassa",
    "etableringsersättning",
    "försörjningsstöd",
    "lön",
    "ingen",
    "annat",
)
#: The breakdown key for a participant whose support at start is not filled in.
UNKNOWN = "okänd"

ROLES = ("samordnare", "handläggare", "läsare")


def _spellings(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, words in groups.items():
        for word in (canonical, *words):
            table[normalize_words(word)] = canonical
    return table


_GENDER_SPELLINGS = _spellings(
    {
        "kvinna": ("k", "kvinnor", "female", "woman", "f", "w"),
        "man": ("m", "män", "male"),
        "annat": ("x", "annan", "other", "annat kön", "ickebinär", "non-binary"),
    }
)

_EXIT_SPELLINGS = _spellings(
    {
        "arbete": (
            "förvärvsarbete",
            "anställning",
            "subventionerad anställning",
            "subventionerat arbete",
            "lönebidrag",
            "nystartsjobb",
            "work",
            "job",
            "employment",
            "subsidised employment",
            "subsidized employment",
        ),
        "studier": ("studerar", "utbildning", "studies", "education", "study"),
        "arbetssökande": ("aktivt arbetssökande", "job seeking", "jobseeking", "job-seeking"),
        "övrigt": (
            "annat",
            "annan insats",
            "ohälsa",
            "sjukskriven",
            "avbrott",
            "flyttat",
            "other",
            "ovrigt",
        ),
        MISTAKE: ("felregistrerad", "registered by mistake", "mistake"),
    }
)

_SUPPORT_SPELLINGS = _spellings(
    {
        "sjukpenning": ("rehabiliteringspenning",),
        "aktivitetsstöd": ("utvecklingsersättning",),
        **{word: () for word in SUPPORTS if word not in ("sjukpenning", "aktivitetsstöd")},
    }
)

_ROLE_SPELLINGS = _spellings(
    {
        "samordnare": ("coordinator", "förbundssamordnare"),
        "handläggare": ("caseworker",),
        # The board (styrelse) sees what a reader sees: aggregates only.
        "läsare": ("reader", "styrelse", "board"),
    }
)


def _category(table: dict[str, str], allowed: Text) -> Any:
    def parse(value: Any) -> str | None:
        text = parse_text(value)
        if text is None:
            return None
        canonical = table.get(normalize_words(text))
        if canonical is None:
            raise CellValueError(
                Text(
                    sv="Värdet är inte ett av de tillåtna.",
                    en="The value is not one of the allowed ones.",
                ),
                allowed,
            )
        return canonical

    return parse


parse_gender = _category(
    _GENDER_SPELLINGS,
    Text(
        sv="Skriv kvinna, man eller annat (K, M, X går också).",
        en="Write kvinna, man or annat (K, M, X work too).",
    ),
)
parse_exit_reason = _category(
    _EXIT_SPELLINGS,
    Text(
        sv="Skriv arbete, studier, arbetssökande, övrigt eller felregistrering.",
        en="Write arbete, studier, arbetssökande, övrigt or felregistrering.",
    ),
)
parse_support = _category(
    _SUPPORT_SPELLINGS,
    Text(
        sv="Skriv en av: " + ", ".join(SUPPORTS) + ".",
        en="Write one of: " + ", ".join(SUPPORTS) + ".",
    ),
)
parse_role = _category(
    _ROLE_SPELLINGS,
    Text(
        sv="Skriv samordnare, handläggare eller läsare (styrelse går också).",
        en="Write samordnare, handläggare or läsare (styrelse works too).",
    ),
)
