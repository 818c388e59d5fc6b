"""``python -m bot …`` is the same as ``finsam-bot …``."""

import sys

from bot.cli import main

# Guarded: the sheet-reading worker process (spawned, bot.read_worker) imports this module again
# as its parent's main module, and must not run the command line a second time.
if __name__ == "__main__":
    sys.exit(main())
