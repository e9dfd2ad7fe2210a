"""``python -m bot.devtools.simulate``: the same as ``python -m bot.simulate``."""

import sys

from bot.devtools.simulate.cli import main

sys.exit(main())
