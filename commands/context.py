"""What every command gets besides the Dataset: the as-of date, language, privacy threshold, asker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from commands.language import Language
from commands.reply import Alert
from sheets.dataset import Dataset
from sheets.identity import contains_identity_number
from sheets.problems import Text


class CommandError(Exception):
    """A user's mistake (an unknown code, a missing argument): answered privately, with an example."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


@dataclass(frozen=True)
class Context:
    """The circumstances of one question.

    Attributes:
        as_of: the date figures are counted as of (the bot passes today in its time zone).
        language: the language of the reply.
        small_count_min: counts from 1 to this − 1 are hidden in breakdowns; 0 turns it off.
        user_id: the asker's Slack user ID (``U…``), for ``mig``/``me``; None on the command line.
        role: the asker's role from the Personal tab (``samordnare``, ``handläggare``,
            ``läsare``); None when no Personal restrictions apply (the command line, open access).
    """

    as_of: date
    language: Language = field(default_factory=Language)
    small_count_min: int = 5
    user_id: str | None = None
    role: str | None = None


def footnotes(data: Dataset, context: Context, *, rows_left_out: bool = True) -> tuple[str, ...]:
    """Return the notes every reply on the sheet's data ends with: when the data is from, why it
    is old (the sheet cannot be read now), and how many rows are left out (unless not
    `rows_left_out`: ``kontroll`` says that itself)."""
    t = context.language
    notes = [t("Per", "As of") + f" {t.day(context.as_of)}"]
    if data.loaded_at is not None:
        notes[0] += " · " + t("data från", "data from") + f" {data.loaded_at:%H:%M}"
        if data.loaded_at.date() != context.as_of:
            notes[0] += f" {t.day(data.loaded_at.date())}"
    if data.stale is not None:
        notes.append(data.stale(t.code))
    if rows_left_out and data.rows_left_out:
        notes.append(
            t(
                f"{data.rows_left_out} rader med fel räknas inte – skriv kontroll för att se dem",
                f"{data.rows_left_out} rows with errors are left out – type check to see them",
            )
            if data.rows_left_out != 1
            else t(
                "1 rad med fel räknas inte – skriv kontroll för att se den",
                "1 row with errors is left out – type check to see it",
            )
        )
    return tuple(notes)


def insatser_left_out(data: Dataset, context: Context) -> list[Alert]:
    """Return an alert for each insats whose own row on Insatser has an error: it counts in no
    figure, and neither do the participant rows that belong to it, until the row is fixed."""
    t = context.language
    alerts = []
    for left in data.insatser_left_out:
        who = left.code or t(f"Insatsen i cell {left.cell}", f"The project in cell {left.cell}")
        rows = left.participant_rows
        sv = f"{who} räknas inte, eftersom raden på fliken Insatser ({left.cell}) har fel."
        en = f"{who} is left out because its row on the Insatser tab ({left.cell}) has errors."
        if rows:
            sv += (
                f" Inte heller {t.count(rows, 'deltagarrad', 'deltagarrader')} som hör till den "
                "räknas förrän raden är rättad."
            )
            en += (
                f" Neither {'is' if rows == 1 else 'are'} the "
                f"{t.count(rows, 'participant row', 'participant rows')} that belong to it, until "
                "that row is fixed."
            )
        sv += " Skriv kontroll för att se vad som är fel."
        en += " Type check to see what is wrong."
        alerts.append(Alert(t(sv, en)))
    return alerts


def echo(text: str, limit: int = 40) -> str:
    """Return what a user typed, safe to repeat in a reply.

    Never repeats a personnummer (someone may paste one by mistake) and shortens long text.
    """
    if contains_identity_number(text):
        return "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
