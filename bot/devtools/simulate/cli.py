"""``python -m bot.simulate``: a city-scale surge against the real bot, and ``show`` for a recording.

    python -m bot.simulate --city Riyadh --volunteers 20000 --national 1000000 \\
        --rate 20 --duration 60 --response 0.3 --json
    python -m bot.simulate --rate 5 --duration 60 --record surge.db
    python -m bot.simulate show --db surge.db
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.devtools.simulate.config import PG_ADMIN, SimConfig


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot.simulate",
        description="A city-scale surge: simulated citizens and volunteers against the real bot "
        "and the Bot API emulator.",
    )
    add = p.add_argument
    add(
        "--city",
        default="Riyadh",
        help="a city of domain/data/saudi_cities.csv (English or Arabic)",
    )
    add("--volunteers", type=int, default=2000, help="verified volunteers on duty in the city")
    add("--national", type=int, default=0, help="more volunteers across the Kingdom")
    add("--rate", type=float, default=5.0, help="help requests per second")
    add("--duration", type=float, default=30.0, help="seconds of arrivals")
    add("--response", type=float, default=0.3, help="share of alerted volunteers who answer")
    add("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    add("--pg-admin", default=PG_ADMIN, help="PostgreSQL server (a database is created there)")
    add("--workers", type=int, default=1, help="bot worker processes (run_bot.py --workers N)")
    add("--processes", action="store_true", help="run even one worker as a process")
    add("--rate-limits", action="store_true", help="enforce Telegram's limits (429 beyond them)")
    add("--major", action="store_true", help="a major-incident area over the city (/major start)")
    add(
        "--paid-broadcast",
        action="store_true",
        help="PAID_BROADCAST=1: the area's alerts go as paid broadcasts (implies --major)",
    )
    add("--live-share", type=float, default=0.001, help="share of the city's volunteers live")
    add("--duty-churn", type=float, default=0.2, help="volunteers going off duty per second")
    add("--pace", type=float, default=1.0, help="scale of every human delay and bot timer")
    add("--drain", type=float, default=60.0, help="seconds allowed for the stragglers")
    add("--linger", type=float, default=0.0, help="then seconds more for answers and arrivals")
    add("--seed", type=int, default=17)
    add("--record", metavar="PATH|DSN", help="keep the run's timeline in this new database")
    add("--json", action="store_true", help="the figures as one JSON line, last on stdout")
    add("--no-progress", action="store_true", help="no progress bar")
    add("--no-cache", action="store_true", help="seed afresh, not from a cached template")
    return p


def config(args: argparse.Namespace) -> SimConfig:
    if args.record and args.record.startswith("postgres"):
        args.backend = "postgresql"
    if args.workers > 1 and args.backend != "postgresql" and not args.record:
        raise SystemExit("--workers N > 1 needs --backend postgresql (one database for all)")
    return SimConfig(
        city=args.city, volunteers=args.volunteers, national=args.national, rate=args.rate,
        duration=args.duration, response=args.response, backend=args.backend,
        workers=args.workers, processes=args.processes, rate_limits=args.rate_limits,
        major=args.major or args.paid_broadcast, paid_broadcast=args.paid_broadcast,
        json=args.json, record=args.record, pace=args.pace, live_share=args.live_share,
        duty_churn_per_s=args.duty_churn, drain_s=args.drain, linger_s=args.linger, seed=args.seed,
        pg_admin=args.pg_admin, progress=not args.no_progress, cache=not args.no_cache,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if argv[:1] == ["show"]:
        from bot.devtools.simulate.show import show

        sp = argparse.ArgumentParser(prog="python -m bot.simulate show")
        sp.add_argument("--db", required=True, metavar="PATH|DSN", help="a --record database")
        sp.add_argument("--period", choices=["today", "week", "month"], default="today")
        shown = sp.parse_args(argv[1:])
        asyncio.run(show(shown.db, period=shown.period))
        return 0
    cfg = config(_parser().parse_args(argv))
    cfg.the_city()  # an unknown city fails before anything starts
    from bot.devtools.simulate.report import Bar, print_result
    from bot.devtools.simulate.run import simulate

    with Bar(cfg, enabled=cfg.progress) as bar:
        figures = asyncio.run(simulate(cfg, bar))
    print_result(figures, as_json=cfg.json)
    return 0 if figures["requests_lost"] == 0 else 1
