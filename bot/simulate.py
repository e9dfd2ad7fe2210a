"""``python -m bot.simulate``: the surge simulator's entry point (bot/devtools/simulate/).

Only a shim, so the command is short; the product never imports it (tests/test_layering.py
exempts this one file from "product code never imports the development tools").
"""

if __name__ == "__main__":
    import sys

    from bot.devtools.simulate.cli import main

    sys.exit(main())
