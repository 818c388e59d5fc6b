"""Who may ask the bot, and in which role: the Personal tab and OPEN_ACCESS.

Access fails closed. Everyone may ask only when the sheet has a Personal tab with no one on it, or
when OPEN_ACCESS is set. A sheet without a Personal tab (deleted, or renamed to ``Personalen``)
keeps the bot closed: a renamed tab must not turn the access list off. So does a Personal tab whose
rows all have errors: an unreadable Slack-ID must not either.

A person on the Personal tab asks in their role (``Roll``); a blank role is ``läsare``, the role
that sees least. The commands decide what each role may see (`commands.context.Context.role`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from sheets.categories import ROLES
from sheets.dataset import Dataset
from sheets.problems import Text

log = logging.getLogger(__name__)

#: The role of a person on the Personal tab whose Roll is blank: the one that sees least.
DEFAULT_ROLE = ROLES[-1]


class Mode(Enum):
    """How the sheet and the settings decide who may ask."""

    OPEN_BY_SETTING = "open: OPEN_ACCESS is set"
    OPEN_EMPTY_TAB = "open: the Personal tab is empty"
    CLOSED_NO_TAB = "closed: the sheet has no Personal tab"
    LISTED = "the people on the Personal tab"


@dataclass(frozen=True)
class Access:
    """Whether one person may ask, and in which role.

    Attributes:
        allowed: they may ask.
        role: their role from the Personal tab, or None when no role applies (open access).
        mode: how that was decided.
    """

    allowed: bool
    role: str | None
    mode: Mode


def access_mode(data: Dataset, open_access: bool) -> Mode:
    """Return how `data` (and OPEN_ACCESS, `open_access`) decide who may ask."""
    if open_access:
        return Mode.OPEN_BY_SETTING
    if data.personal_tab is None:
        return Mode.CLOSED_NO_TAB
    if data.staff or data.memo(  # once per read: a sheet may have 50 000 problems
        "Personal has errors",
        lambda: any(
            problem.tab == data.personal_tab and problem.severity == "error"
            for problem in data.problems
        ),
    ):
        return Mode.LISTED
    return Mode.OPEN_EMPTY_TAB


def access_for(data: Dataset, user_id: str | None, open_access: bool) -> Access:
    """Return whether Slack user `user_id` may ask, and in which role.

    Someone listed twice asks in the role of the two that sees less.
    """
    mode = access_mode(data, open_access)
    if mode in (Mode.OPEN_BY_SETTING, Mode.OPEN_EMPTY_TAB):
        return Access(True, None, mode)
    if mode is Mode.CLOSED_NO_TAB or user_id is None:
        return Access(False, None, mode)
    roles = [
        row.roll or DEFAULT_ROLE for row in data.staff if row.slack_id.upper() == user_id.upper()
    ]
    if not roles:
        return Access(False, None, mode)
    return Access(True, max(roles, key=_rank), mode)


def _rank(role: str) -> int:
    """Return how little `role` sees: higher sees less (an unknown role least of all)."""
    return ROLES.index(role) if role in ROLES else len(ROLES)


def access_warning(mode: Mode) -> tuple[Text, Text] | None:
    """Return what the operator should know about `mode`, and what to do, or None when only
    the people on the Personal tab may ask (as it should be).

    For the log and ``finsam-bot check``: it names settings, never a person or a cell.
    """
    if mode is Mode.OPEN_BY_SETTING:
        return (
            Text(
                sv="OPEN_ACCESS är satt: alla i arbetsytan kan fråga boten, och rollerna på "
                "fliken Personal gäller inte.",
                en="OPEN_ACCESS is set: everyone in the workspace may ask the bot, and the roles "
                "on the Personal tab do not apply.",
            ),
            Text(
                sv="Ta bort OPEN_ACCESS och lista vem som får fråga på fliken Personal (Slack-ID, "
                "Namn, Roll).",
                en="Unset OPEN_ACCESS and list who may ask on the Personal tab (Slack-ID, Namn, "
                "Roll).",
            ),
        )
    if mode is Mode.OPEN_EMPTY_TAB:
        return (
            Text(
                sv="Fliken Personal är tom: alla i arbetsytan kan fråga boten.",
                en="The Personal tab is empty: everyone in the workspace may ask the bot.",
            ),
            Text(
                sv="Lista vem som får fråga på fliken Personal (Slack-ID, Namn, Roll).",
                en="List who may ask on the Personal tab (Slack-ID, Namn, Roll).",
            ),
        )
    if mode is Mode.CLOSED_NO_TAB:
        return (
            Text(
                sv="Arket har ingen flik Personal, så boten svarar ingen.",
                en="The sheet has no Personal tab, so the bot answers no one.",
            ),
            Text(
                sv="Lägg till fliken Personal med rubrikerna Slack-ID, Namn, Roll och lista vem "
                "som får fråga (har den bytt namn, döp tillbaka den). En tom flik Personal, "
                "eller OPEN_ACCESS=true, släpper in alla.",
                en="Add a tab named Personal with the headers Slack-ID, Namn, Roll and list who "
                "may ask (if it was renamed, rename it back). An empty Personal tab, or "
                "OPEN_ACCESS=true, lets everyone in.",
            ),
        )
    return None


def log_access(mode: Mode) -> None:
    """Log what the operator should know about who may ask (`access_warning`), if anything:
    that the bot is open to everyone (a warning), or closed to everyone (an error)."""
    warning = access_warning(mode)
    if warning is None:
        return
    problem, fix = warning
    if mode is Mode.CLOSED_NO_TAB:
        log.error("access closed", extra={"detail": problem.en, "fix": fix.en})
    else:
        log.warning("access open to everyone", extra={"detail": problem.en, "fix": fix.en})
