"""The city-scale surge simulator: the real bot, the Bot API emulator, simulated people.

``python -m bot.simulate`` (cli.py). The parts: config.py (the run and how people pace),
population.py (the volunteers' homes, skills and equipment, shared with bench/), seed.py (the
volunteers written in bulk), people.py (citizens and volunteers acting through Telegram),
world.py (live locations and duty changes), bots.py (the bot in this process or as workers),
probes.py (SQL, hand-offs, memory), run.py (one surge), figures.py and report.py (what it
measured), database.py and show.py (``--record`` and showing a recording).
"""
