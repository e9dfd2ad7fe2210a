"""Development and demo tools: the Bot API emulator, the sandbox and the offline demo.

Why a sub-package of its own: these ship with the package (``python run_bot.py --demo`` needs
them after ``pip install -e .``) but are not the product. The product's code (``bot/handlers``,
``bot/services``, ``storage``, ``bot/app.py``) never imports from here; tests/test_layering.py
holds that line.
"""
