"""Docs that cannot rot: every subcommand has help text and is in the README, and so is every
command of the command line; the Slack manifest asks for what the app listens to."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser
from bot.listeners import COMMAND
from bot.server import EVENTS_PATH
from commands.dispatch import HELP
from commands.parse import SUBCOMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def cli_commands() -> list[str]:
    parser = build_parser()
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    return list(subparsers.choices)


@pytest.mark.parametrize("subcommand", list(SUBCOMMANDS))
def test_every_subcommand_has_help_text(subcommand: str) -> None:
    assert subcommand in HELP, f"commands.dispatch.HELP has no entry for {subcommand}"
    usage_sv, usage_en, about_sv, about_en = HELP[subcommand]
    assert usage_sv.split()[0] == subcommand
    assert usage_en.split()[0] in SUBCOMMANDS[subcommand]
    assert about_sv.strip() and about_en.strip()


def test_help_has_no_entry_for_a_subcommand_that_does_not_exist() -> None:
    assert set(HELP) == set(SUBCOMMANDS)


@pytest.mark.parametrize("subcommand", list(SUBCOMMANDS))
def test_every_subcommand_is_in_the_readme_in_swedish_and_english(subcommand: str) -> None:
    usage_sv, usage_en, _, _ = HELP[subcommand]
    for word in (usage_sv.split()[0], usage_en.split()[0]):
        assert f"`{word}`" in README or f"`{word} " in README, (
            f"README.md does not mention `{word}` ({subcommand})"
        )


@pytest.mark.parametrize("command", cli_commands())
def test_every_command_line_command_is_in_the_readme(command: str) -> None:
    assert re.search(rf"finsam-bot {re.escape(command)}\b", README), (
        f"README.md does not show `finsam-bot {command}`"
    )


def test_the_readme_says_how_to_install_in_a_workspace() -> None:
    assert "## Install in your workspace" in README
    assert "slack-manifest.yml" in README


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_declares_the_command_events_and_scopes() -> None:
    app = manifest()
    commands = app["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [COMMAND]
    assert commands[0]["usage_hint"]
    assert commands[0]["should_escape"] is True, "mentions arrive as <@U…> for 'deltagare @person'"
    settings = app["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["socket_mode_enabled"] is True
    scopes = set(app["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history"} <= scopes
    assert app["features"]["app_home"]["messages_tab_enabled"] is True, "DMs need the tab"


def test_the_manifest_shows_the_http_mode_request_url() -> None:
    text = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    assert f"https://HOST{EVENTS_PATH}" in text


def test_the_procfile_runs_serve() -> None:
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert "finsam-bot serve" in procfile
