"""``python -m bot …`` is the same as ``finsam-bot …``."""

import sys

from bot.cli import main

sys.exit(main())
