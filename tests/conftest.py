"""Shared fixtures: no test sees the developer's own settings or .env file."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bot.config import environment_names
from tests.fakes.slack_api import FakeSlackApi

# `make test` runs a quick sample; `make fuzz` sets HYPOTHESIS_PROFILE=fuzz for 10 000 examples per
# property with a fixed seed, so a failure found there can be run again.
settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile("fuzz", max_examples=10_000, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def clean_settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Remove every finsam-bot setting from the environment for the duration of a test."""
    for name in environment_names():
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo `bot.logs.configure_logging` (which `main()` calls) after each test: the root
    logger's handlers and level, and the levels it sets on libraries' loggers."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("apscheduler",)}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in quiet.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    """A local stand-in of the Slack Web API, fresh for each test (a module that can share one
    overrides this with a module-scoped fixture of the same name)."""
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
def demo_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the bundled demo workbook's data to a fresh file, run from tmp_path, point WORKBOOK_PATH at it."""
    from sheets.demo import BUNDLED_ANCHOR, write_demo_workbook

    path = tmp_path / "demo.xlsx"
    write_demo_workbook(path, BUNDLED_ANCHOR)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    monkeypatch.setenv("WORKBOOK_PATH", str(path))
    return path
