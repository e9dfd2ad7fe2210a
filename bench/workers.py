"""Several workers on one PostgreSQL database: help requests per second, time to first alert.

    python bench/workers.py --workers 1 2 4 --limits off on --json

For each number of workers and each limits setting: a fresh PostgreSQL database with
``--volunteers`` verified, on-duty volunteers around the five largest cities, the Bot API
emulator posting updates round-robin to N ``python run_bot.py`` webhook workers (it stands in
for nginx), then citizens asking for help through Telegram (/request, the type, the location,
Skip: four updates each, every one answered before the next).

- **capacity**: ``--burst`` citizens start at once; requests per second is how many were
  created (the citizen told "received") over the time from the first start to the last.
- **latency**: then citizens start at half that rate for ``--seconds``; the time from the
  citizen's last update (Skip) being queued to the first alert of that request arriving at
  the emulator (handed to the Bot API), p50 and p99; ``lost`` counts requests never
  confirmed to the citizen or never alerted within a minute.

Limits ``off``: the emulator enforces nothing and each worker keeps PTB's in-process limiter;
``on``: the emulator answers 429 beyond Telegram's limits and the workers share the Redis
limiter (``RATE_LIMIT_REDIS_URL``); ``429`` counts the answers it had to give.
Not part of the test suite; needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.devtools.emulator import BotApiEmulator, EmuUser, FaultKind
from domain.matching.geo import cities
from storage.db import Database
from storage.models import Offer, Person, Volunteer
from storage.types import utcnow
from tests.fleet import worker_env
from tests.processes import BotProcess, free_port

ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
ALL_SKILLS = (1 << 7) - 1
ALL_EQUIPMENT = (1 << 6) - 1
CONFIRMED = "was received"
ALERT = "offer:acc:"


@dataclass
class Citizen:
    user: EmuUser
    at: tuple[float, float]
    started: float = 0.0
    skip_at: float = 0.0
    done_at: float | None = None
    request_id: int | None = None
    failed: str = ""


@dataclass
class Run:
    workers: int
    limits: str
    capacity_rps: float = 0.0
    paced_rps: float = 0.0
    created: int = 0
    lost: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    rate_limited: int = 0
    notes: list[str] = field(default_factory=list)


async def create_database() -> tuple[str, str]:
    name = f"musaada_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    db = Database(url)
    await db.create_all()
    await db.dispose()
    return name, url


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def spots(n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Points within ~4 km of the five largest cities' centres."""
    big = sorted(cities(), key=lambda c: -c.population)[:5]
    out = []
    for i in range(n):
        c = big[i % len(big)]
        out.append((c.lat + rng.uniform(-0.035, 0.035), c.lon + rng.uniform(-0.035, 0.035)))
    return out


async def seed(url: str, n: int, rng: random.Random) -> None:
    """``n`` verified, on-duty volunteers with every skill and item, in one transaction."""
    from domain.matching.grid import cell_of

    now = utcnow()
    db = Database(url)
    async with db.session() as s:
        people, vols = [], []
        for i, (lat, lon) in enumerate(spots(n, rng)):
            pid = 1_000_000 + i
            people.append(Person(id=pid, chat_id=pid, first_name=f"V{i}", telegram_language="en"))
            vols.append(
                Volunteer(
                    person_id=pid, status="verified", conduct_accepted_at=now, skills=ALL_SKILLS,
                    equipment=ALL_EQUIPMENT, on_duty=True, lat=lat, lon=lon, cell=cell_of(lat, lon),
                    position_at=now, max_alerts_per_hour=1000,
                )
            )  # fmt: skip
        s.add_all(people)
        await s.flush()
        s.add_all(vols)
    await db.dispose()


async def ask(emu: BotApiEmulator, c: Citizen) -> None:
    """One citizen's four updates, each sent once the bot answered the one before."""
    u = c.user
    c.started = time.time()

    async def after(action: Any, expect: str) -> None:
        n = len(u.messages)
        await action
        await emu._wait_until(
            lambda: (
                True
                if any(expect in (m.text or "") or expect in m.button_data for m in u.messages[n:])
                else None
            ),
            120,
        )

    try:
        await after(u.send("/request"), "inc:fire")
        await after(u.press("inc:fire"), "Share your location")
        await after(u.send_location(*c.at), "Anything the volunteer should know")
        c.skip_at = time.time()
        await after(u.send("Skip"), CONFIRMED)
        c.done_at = time.time()
    except TimeoutError:
        c.failed = "no answer"


async def first_alerts(url: str, emu: BotApiEmulator) -> dict[int, float]:
    """Request id → when its first alert reached the emulator (from the offers' message ids)."""
    arrived: dict[tuple[int, int], float] = {}
    for call in emu.calls_for("sendMessage"):
        if call.ok and ALERT in str(call.params.get("reply_markup", "")):
            arrived[(int(call.params["chat_id"]), int(call.response["result"]["message_id"]))] = (
                call.at
            )
    db = Database(url)
    async with db.session() as s:
        offers = (await s.exec(select(Offer))).all()
    await db.dispose()
    first: dict[int, float] = {}
    for o in offers:
        at = arrived.get((o.chat_id or 0, o.message_id or 0))
        if at is not None:
            first[o.request_id] = min(first.get(o.request_id, at), at)
    return first


async def requests_of(url: str) -> dict[int, int]:
    from storage.models import HelpRequest

    db = Database(url)
    async with db.session() as s:
        rows = (await s.exec(select(HelpRequest.requester_id, HelpRequest.id))).all()
    await db.dispose()
    return {int(a): int(b) for a, b in rows if b is not None}


async def run_one(workers: int, limits: str, args: argparse.Namespace) -> Run:
    rng = random.Random(7)
    name, url = await create_database()
    result = Run(workers, limits)
    emu = BotApiEmulator(token=f"{800_000_000 + rng.randrange(10**8)}:BENCH", quiet_period=0.3)
    procs: list[BotProcess] = []
    try:
        await seed(url, args.volunteers, rng)
        for i in range(args.volunteers):  # their chats, so alerts can be delivered
            emu.user(1_000_000 + i, first_name=f"V{i}", language_code="en")
        await emu.start()
        if limits == "on":
            emu.enforce_limits()
        ports = [free_port() for _ in range(workers)]
        emu.deliver_webhook([f"http://127.0.0.1:{p}/telegram" for p in ports])
        extra = {"LOG_FORMAT": "text", "MAX_REQUESTS_PER_HOUR": "100", "WAVE_TIMEOUT_S": "600"}
        for i, port in enumerate(ports):
            env = worker_env(emu, url, port, register=i == 0, **extra)
            env["AUTO_VERIFY_VOLUNTEERS"] = "0"
            if limits == "off":
                env.pop("RATE_LIMIT_REDIS_URL")
            proc = BotProcess(env, Path("/tmp"))
            proc.start_timeout = 120
            procs.append(proc)
            await proc.start()
        for proc in procs:
            await proc.line_with("serving HTTP on")
        await emu._wait_until(lambda: True if emu.webhook else None, 60)
        places = spots(args.burst + 10_000, rng)
        next_id = iter(range(10_000, 10**7))

        def citizen() -> Citizen:
            pid = next(next_id)
            return Citizen(emu.user(pid, language_code="en"), places[pid % len(places)])

        # Capacity: a burst.
        burst = [citizen() for _ in range(args.burst)]
        t0 = time.time()
        await asyncio.gather(*(ask(emu, c) for c in burst))
        done = [c for c in burst if c.done_at]
        span = max(c.done_at or t0 for c in burst) - t0
        result.capacity_rps = round(len(done) / span, 2) if span > 0 else 0.0
        # Latency: paced at half the capacity.
        rate = max(0.2, result.capacity_rps / 2)
        result.paced_rps = round(rate, 2)
        paced: list[Citizen] = []
        tasks = []
        start = time.time()
        while time.time() - start < args.seconds:
            c = citizen()
            paced.append(c)
            tasks.append(asyncio.create_task(ask(emu, c)))
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)
        await asyncio.sleep(2)
        ids = await requests_of(url)
        first = await first_alerts(url, emu)
        lat = []
        lost = 0
        for c in paced:
            rid = ids.get(c.user.id)
            if c.done_at is None or rid is None or rid not in first:
                lost += 1
                why = (
                    "unanswered"
                    if c.done_at is None
                    else "no request"
                    if rid is None
                    else "no alert"
                )
                result.notes.append(f"citizen {c.user.id}: {why}")
                continue
            lat.append((first[rid] - c.skip_at) * 1000)
        result.created = len(paced) - lost
        result.lost = lost + (len(burst) - len(done))
        if lat:
            lat.sort()
            result.p50_ms = round(statistics.median(lat), 1)
            result.p99_ms = round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1)
        result.rate_limited = sum(
            1 for f in emu.faults_injected if f.kind == FaultKind.RATE_LIMITED
        )
    finally:
        for proc in procs:
            await proc.close()
        await emu.stop()
        await drop_database(name)
    return result


def table(runs: list[Run]) -> str:
    lines = [
        "| workers | limits | requests/s (burst) | paced at | created | lost | first alert p50 | p99 | 429 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.workers} | {r.limits} | {r.capacity_rps} | {r.paced_rps}/s | {r.created} | "
            f"{r.lost} | {r.p50_ms} ms | {r.p99_ms} ms | {r.rate_limited} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Run]:
    runs = []
    for limits in args.limits:
        for n in args.workers:
            run = await run_one(n, limits, args)
            print(json.dumps(run.__dict__), file=sys.stderr, flush=True)
            runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--limits", nargs="+", choices=["off", "on"], default=["off", "on"])
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--burst", type=int, default=120)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    runs = asyncio.run(main_async(args))
    print(json.dumps([r.__dict__ for r in runs], indent=2) if args.json else table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
