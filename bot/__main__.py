"""``python -m bot …`` is the same as ``finsam-bot …``."""

from bot.cli import console

console()
