"""A surge with Telegram's limits on: which requests get their first alert first.

    python bench/surge.py --rate 20 --seconds 10 --volunteers 2000 [--mode priority fifo] [--json]

The real Application against the Bot API emulator on SQLite, the emulator enforcing
Telegram's limits (30 sends a second, one a second to a private chat: 429 with
``retry_after`` beyond), ``--volunteers`` on duty around Riyadh. Citizens arrive at
``--rate`` a second for ``--seconds``, half with a fire (life-threatening), half with a
breakdown, each going through the real flow (/request, the type, the location, Skip), every
step after the bot's answer to the one before, as a person does.

Per type: the time from the citizen's Skip being queued to the first alert of that request
reaching the emulator (p50, p90, max), and how many volunteers the first wave alerted.
``priority``: the bot's send budget (bot/budget.py) in front of PTB's limiter, alerts in
priority order, the first wave shrinking under load; ``fifo``: PTB's limiter alone (calls
admitted in arrival order), as before the send budget. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bench.request_cost import QUIET, first_alerts, one_request, seed, spot
from bot.devtools.sandbox import Sandbox, sandbox
from storage.models import Offer

TYPES = ("fire", "breakdown")


async def citizen_run(
    box: Sandbox, pid: int, incident: str, at: tuple[float, float], start: float
) -> tuple[int, str, float | None]:
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    user = box.emu.user(pid, first_name=f"S{pid}", language_code="en")
    try:
        skip = await one_request(box, user, incident, at, wait=False, timeout=600)
    except AssertionError:
        return pid, incident, None
    return pid, incident, skip


def summary(waits: list[float]) -> dict[str, float]:
    if not waits:
        return {"n": 0}
    waits = sorted(waits)
    return {
        "n": len(waits),
        "p50_ms": round(statistics.median(waits), 1),
        "p90_ms": round(waits[int(0.9 * (len(waits) - 1))], 1),
        "max_ms": round(waits[-1], 1),
    }


async def run(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    # QUIET: no second wave within the run (its first alerts are what is measured).
    settings: dict[str, Any] = dict(QUIET, send_budget_per_s=29.0 if mode == "priority" else 0.0)
    settings["link_radius_m"] = 0.0  # citizens close together are not one report here
    with tempfile.TemporaryDirectory() as tmp:
        async with sandbox(f"sqlite:///{tmp}/surge.db", quiet_period=0.05, **settings) as box:
            await seed(box, args.volunteers, rng)
            await box.settle()
            box.emu.enforce_limits()
            n = int(args.rate * args.seconds)
            t0 = time.monotonic()
            runs = await asyncio.gather(
                *(
                    citizen_run(box, 70_000 + i, TYPES[i % 2], spot(rng), t0 + i / args.rate)
                    for i in range(n)
                )
            )
            skip_of = {pid: at for pid, _inc, at in runs if at is not None}
            deadline = time.monotonic() + 120
            first = await first_alerts(box, skip_of)
            while len(first) < len(skip_of) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)  # the receipt can come before the last first alerts
                first = await first_alerts(box, skip_of)
            by_type: dict[str, list[float]] = {t: [] for t in TYPES}
            for pid, incident, at in runs:
                if at is not None and pid in first:
                    by_type[incident].append((first[pid] - at) * 1000)
            limited = sum(1 for c in box.emu.calls if c.response.get("error_code") == 429)
            wave = await _first_wave_size(box)
    return {
        "mode": mode,
        "requests": n,
        "completed": len(skip_of),
        "alerted": len(first),
        "status_429": limited,
        "first_wave_mean": wave,
        **{f"{t}_first_alert": summary(w) for t, w in by_type.items()},
    }


async def _first_wave_size(box: Sandbox) -> float:
    """Volunteers alerted by the first wave, on average over the requests."""
    async with box.db.session() as s:
        rows = (await s.exec(select(Offer.request_id).where(Offer.wave == 1))).all()
    return round(len(rows) / max(1, len(set(rows))), 2)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--volunteers", type=int, default=2000)
    parser.add_argument("--mode", nargs="+", default=["priority", "fifo"])
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [await run(mode, args) for mode in args.mode]
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(json.dumps(r, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
