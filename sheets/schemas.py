"""pydantic schemas of the tabs of the shared spreadsheet (README, The spreadsheet).

Each model is one valid row of a tab. Its fields are annotated with a :class:`Column`: the Swedish
header, the English alternative, whether a value is required, and the parser that reads a cell as
people type it. The same ``Column`` is what pydantic runs when a row is validated with
``model_validate`` and what the loader (:mod:`sheets.validate`) runs column by column, so the two
can never disagree about what a cell means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Annotated, Any, ClassVar, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema

from sheets import categories
from sheets.identity import candidate_lines
from sheets.problems import Text
from sheets.values import (
    LONG_TEXT_LIMIT,
    CellValueError,
    IdentityNumberError,
    parse_amount,
    parse_date,
    parse_month,
    parse_number,
    parse_percent,
    parse_text,
    parse_whole_number,
)


class TextCells(NamedTuple):
    """A column of text cells read at once: what each cell parsed to (a value, None for a blank
    cell, or the CellValueError its parser raised), the positions of the cells whose text is
    longer than `LONG_TEXT_LIMIT` (a warning each), and the positions of the cells that went
    through the parser itself; every other cell parsed to its text, stripped and not empty."""

    results: list[Any]
    long: list[int]
    parsed: list[int]


@dataclass(frozen=True)
class Column:
    """A column of a tab: its headers, whether it must be filled in, and how its cells are read."""

    sv: str
    en: str
    parse: Callable[[Any], Any]
    required: bool = False
    #: `parse` for every cell of the column at once: each result or the CellValueError it raises,
    #: exactly what `parse` gives, and which cells hold a long text. For a column whose values
    #: are mostly distinct (IDs), where the loader's memo of parsed values cannot help.
    parse_cells: Callable[[list[Any]], TextCells] | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Run the column's own parser before pydantic's type check, so `model_validate` reads
        # "15/3/2026" or "1 500 kr" exactly as the loader does.
        return core_schema.no_info_before_validator_function(self.parse, handler(source))


@dataclass(frozen=True)
class Tab:
    """A tab of the spreadsheet: its Swedish name, English alternative, and whether it must exist."""

    sv: str
    en: str
    required: bool


_ID_FIX = Text(
    sv="Ersätt det med en kod utan personuppgifter, till exempel RESAM-0042, och ta bort numret ur "
    "versionshistoriken (Arkiv → Versionshistorik).",
    en="Replace it with a code that holds no personal data, such as RESAM-0042, and remove the "
    "number from the version history (File → Version history).",
)


def parse_participant_id(value: Any) -> str | None:
    """Return a Deltagar-ID, or None when blank.

    Raises:
        CellValueError: the ID contains a personnummer or samordningsnummer (the message never
            repeats it), or a formula error.
    """
    try:
        return parse_text(value)
    except IdentityNumberError:
        raise IdentityNumberError(_ID_FIX) from None  # the fix for an ID: what to write instead


_HASH_AFTER_NEWLINE = re.compile(r"\n#")


def parse_text_cells(values: list[Any], parse: Callable[[Any], Any]) -> TextCells:
    """Return what `parse` gives for each value, or the CellValueError it raises, and which
    texts are longer than `LONG_TEXT_LIMIT`.

    For a column of text cells read with `parse_text` or a parser that, like
    `parse_participant_id`, returns the stripped text of every cell but blank ones, formula errors
    and personnummer. The same answers as calling `parse` value by value, for a whole column at
    once: only blank cells, cells that are not text, texts that start with '#', and the few
    texts `candidate_lines` finds a possible personnummer in go through `parse` itself.
    """
    if not values:
        return TextCells([], [], [])
    results: list[Any]
    try:
        results = list(map(str.strip, values))  # all text, as usual: stripped in C
    except TypeError:
        # A cell that is not text (a blank one, a number) becomes "#", so it takes the closer
        # look too. Found in C: a slice of an ID column with a blank row in it is common.
        texts = list(values)
        is_text = np.fromiter(map(isinstance, values, repeat(str)), dtype=bool, count=len(values))
        for position in np.flatnonzero(~is_text).tolist():
            texts[position] = "#"
        results = list(map(str.strip, texts))
    lengths = np.fromiter(map(len, results), dtype=np.int64, count=len(results))
    lines = "\n".join(results)
    # The texts that start with '#': the cell an offset is in is the first whose line ends after it.
    ends = np.cumsum(lengths + 1)
    hashes = [match.start() for match in _HASH_AFTER_NEWLINE.finditer("\n" + lines)]
    closer = np.searchsorted(ends, hashes, side="right")
    if lines.count("\n") != len(results) - 1:
        # A cell holds a newline: one line a cell again (a number never spans a newline).
        lines = "\n".join(text.replace("\n", " ") for text in results)
    closer = np.union1d(closer, candidate_lines(lines))
    parsed = np.union1d(closer, np.flatnonzero(lengths == 0)).tolist()
    for position in parsed:
        try:
            results[position] = parse(values[position])
        except CellValueError as error:
            results[position] = error.detached()
    long = [
        p for p in np.flatnonzero(lengths > LONG_TEXT_LIMIT).tolist() if type(results[p]) is str
    ]
    return TextCells(results, long, parsed)


def parse_participant_ids(values: list[Any]) -> list[Any]:
    """Return what `parse_participant_id` gives for each value, or the CellValueError it raises."""
    return parse_text_cells(values, parse_participant_id).results


def parse_birth_year(value: Any) -> int | None:
    """Return a four-digit birth year, or None when blank.

    Raises:
        CellValueError: not a whole number between 1900 and 2100.
    """
    number = parse_number(value)
    if number is None:
        return None
    if not number.is_integer() or not 1900 <= number <= 2100:
        raise CellValueError(
            Text(sv="Födelseåret är inget årtal.", en="The birth year is not a year."),
            Text(
                sv="Skriv födelseåret med fyra siffror, till exempel 1987.",
                en="Write the birth year with four digits, for example 1987.",
            ),
        )
    return int(number)


_SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def parse_slack_id(value: Any) -> str | None:
    """Return a Slack user ID (``U…``), or None when blank.

    Raises:
        CellValueError: the cell does not look like a Slack user ID.
    """
    text = parse_text(value)
    if text is None:
        return None
    text = text.removeprefix("<@").removesuffix(">").split("|")[0].upper()
    if not _SLACK_ID.fullmatch(text):
        raise CellValueError(
            Text(sv="Det här är inget Slack-ID.", en="This is not a Slack user ID."),
            Text(
                sv="Kopiera medlems-ID från personens Slack-profil (börjar med U).",
                en="Copy the member ID from the person's Slack profile (it starts with U).",
            ),
        )
    return text


_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_week(value: Any) -> str | None:
    """Return an ISO week label such as ``2026-W48``, or None when blank.

    Raises:
        CellValueError: the cell is not an ISO week label.
    """
    text = parse_text(value)
    if text is None:
        return None
    match = _WEEK.fullmatch(text.upper())
    if not match or not 1 <= int(match[2]) <= 53:
        raise CellValueError(
            Text(sv="Cellen är ingen ISO-vecka.", en="The cell is not an ISO week."),
            Text(sv="Skriv veckan som 2026-W48.", en="Write the week as 2026-W48."),
        )
    return text.upper()


class SheetRow(BaseModel):
    """A valid row of a tab. Subclasses set `TAB` and annotate every field with a `Column`."""

    model_config = ConfigDict(frozen=True)
    TAB: ClassVar[Tab]

    @classmethod
    def columns(cls) -> dict[str, Column]:
        """Return field name → Column, in the order the fields are declared."""
        found: dict[str, Column] = {}
        for name, field in cls.model_fields.items():
            for meta in field.metadata:
                if isinstance(meta, Column):
                    found[name] = meta
        return found


class InsatsRow(SheetRow):
    """One insats (project) of the Insatser tab."""

    TAB = Tab("Insatser", "Projects", required=True)

    kod: Annotated[str, Column("Kod", "Code", parse_text, required=True)]
    namn: Annotated[str, Column("Namn", "Name", parse_text, required=True)]
    huvudman: Annotated[str | None, Column("Huvudman", "Owner", parse_text)] = None
    start: Annotated[date, Column("Start", "Start", parse_date, required=True)]
    slut: Annotated[date | None, Column("Slut", "End", parse_date)] = None
    platser: Annotated[int | None, Column("Platser", "Places", parse_whole_number)] = None
    deltagarmal: Annotated[
        int | None, Column("Deltagarmål per år", "Annual target", parse_whole_number)
    ] = None
    mal_procent: Annotated[
        float | None, Column("Mål arbete/studier (%)", "Outcome goal (%)", parse_percent)
    ] = None
    budget: Annotated[float | None, Column("Budget (kr)", "Budget (SEK)", parse_amount)] = None


class DeltagareRow(SheetRow):
    """One participant in one insats, from the Deltagare tab."""

    TAB = Tab("Deltagare", "Participants", required=True)

    deltagar_id: Annotated[
        str,
        Column(
            "Deltagar-ID",
            "Participant ID",
            parse_participant_id,
            required=True,
            parse_cells=functools.partial(parse_text_cells, parse=parse_participant_id),
        ),
    ]
    insats: Annotated[str, Column("Insats", "Project", parse_text, required=True)]
    kon: Annotated[str, Column("Kön", "Gender", categories.parse_gender, required=True)]
    fodelsear: Annotated[int | None, Column("Födelseår", "Birth year", parse_birth_year)] = None
    kommun: Annotated[str | None, Column("Kommun", "Municipality", parse_text)] = None
    forsorjning: Annotated[
        str | None, Column("Försörjning vid start", "Support at start", categories.parse_support)
    ] = None
    inskriven: Annotated[date, Column("Inskriven", "Enrolled", parse_date, required=True)]
    avslutad: Annotated[date | None, Column("Avslutad", "Exited", parse_date)] = None
    avslutsorsak: Annotated[
        str | None, Column("Avslutsorsak", "Exit reason", categories.parse_exit_reason)
    ] = None
    handlaggare: Annotated[str | None, Column("Handläggare", "Caseworker", parse_text)] = None


class EkonomiRow(SheetRow):
    """One cost entry of the Ekonomi tab (optional tab)."""

    TAB = Tab("Ekonomi", "Costs", required=False)

    insats: Annotated[str, Column("Insats", "Project", parse_text, required=True)]
    manad: Annotated[date, Column("Månad", "Month", parse_month, required=True)]
    # Negative amounts are corrections, so any number is allowed.
    belopp: Annotated[float, Column("Belopp (kr)", "Amount (SEK)", parse_number, required=True)]


class PersonalRow(SheetRow):
    """One member of staff allowed to use the bot, from the Personal tab (optional tab)."""

    TAB = Tab("Personal", "Staff", required=False)

    slack_id: Annotated[str, Column("Slack-ID", "Slack ID", parse_slack_id, required=True)]
    namn: Annotated[str, Column("Namn", "Name", parse_text, required=True)]
    roll: Annotated[str | None, Column("Roll", "Role", categories.parse_role)] = None


class HistorikRow(SheetRow):
    """One insats in one ISO week, written by the bot's weekly post (optional tab).

    The row with Insats ``*`` marks that the week's post went out.
    """

    TAB = Tab("Historik", "History", required=False)

    vecka: Annotated[str, Column("Vecka", "Week", parse_week, required=True)]
    datum: Annotated[date | None, Column("Datum", "Date", parse_date)] = None
    insats: Annotated[str, Column("Insats", "Project", parse_text, required=True)]
    aktiva: Annotated[int | None, Column("Aktiva", "Active", parse_whole_number)] = None
    nya: Annotated[int | None, Column("Nya", "New", parse_whole_number)] = None
    avslutade: Annotated[int | None, Column("Avslutade", "Exited", parse_whole_number)] = None
    till_arbete_studier: Annotated[
        int | None, Column("Till arbete/studier", "To work/studies", parse_whole_number)
    ] = None
    postad: Annotated[str | None, Column("Postad", "Posted", parse_text)] = None


#: Header row the bot writes when it creates the Historik tab.
HISTORIK_HEADER = [column.sv for column in HistorikRow.columns().values()]
