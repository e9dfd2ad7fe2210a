"""What one help request costs the bot: SQL statements, database hand-offs, Bot API calls, time.

    python bench/request_cost.py --requests 40 --volunteers 300 [--citizens 10] [--json]

The real Application against the Bot API emulator on a fresh SQLite file, ``--volunteers``
verified, on-duty volunteers around Riyadh, then citizens going through the real flow
(/request, the type, the location, Skip), each step answered before the next.

**Sequential** (one citizen at a time, after one warm-up request that is not counted): per
request, the SQL statements the driver ran (SQLAlchemy's ``before_cursor_execute``), the
transactions begun (the engine's ``begin``: one per unit of work), the hand-offs to the
database thread (each call aiosqlite queues to its worker thread is one round trip of the
event loop through that thread: statements, fetches, commits, cursors opened and closed), the
Bot API calls the emulator recorded, and the processing time (wall time inside the update
processor, summed over the request's four updates; the first wave is sent inside the last).

**Concurrent** (``--citizens C``): C citizens at once, each going through its steps; requests
per second from the first start to the last alert, and the time from the citizen's Skip being
queued to the first alert of that request reaching the emulator (p50, p99).

The periodic jobs (sweeps, timer polls) are set far apart so that they do not run inside a
request's count. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiosqlite.core
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox, sandbox
from storage.models import Offer, Person, Volunteer
from storage.types import utcnow

RIYADH = (24.7136, 46.6753)
ALL_SKILLS = (1 << 7) - 1
ALL_EQUIPMENT = (1 << 6) - 1
TYPES = ("fire", "rescue", "breakdown", "first_aid", "entrapment")
QUIET = {
    "outbox_sweep_s": 3600.0,
    "timer_poll_s": 3600.0,
    "timer_sweep_s": 3600.0,
    "stale_check_s": 3600.0,
    "retention_check_s": 3600.0,
    "digest_check_s": 3600.0,
    "wave_timeout_s": 3600.0,  # no second wave inside a slow run's count
}


class Counters:
    """Statements, transactions and thread hand-offs since the last ``reset``."""

    def __init__(self) -> None:
        self.statements = self.transactions = self.handoffs = 0
        self.processing_s = 0.0
        self.texts: Counter[str] = Counter()  # each statement's shape (--statements)
        self.counted_texts: Counter[str] = Counter()  # over the counted requests

    def reset(self) -> None:
        self.statements = self.transactions = self.handoffs = 0
        self.processing_s = 0.0
        self.texts.clear()


def instrument(box: Sandbox, counters: Counters) -> None:
    """Count what the bot does: SQL through SQLAlchemy's events, hand-offs through aiosqlite's
    queue, processing time around PTB's update processor."""
    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counters.handoffs += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    fetchall = aiosqlite.core.Connection.execute_fetchall

    async def raw(self: Any, *args: Any, **kwargs: Any) -> Any:
        counters.statements += 1  # the volunteer search runs on the driver (no SQLAlchemy event)
        return await fetchall(self, *args, **kwargs)

    aiosqlite.core.Connection.execute_fetchall = raw  # type: ignore[method-assign]
    processor = box.app.update_processor
    inner: Callable[[object, Awaitable[Any]], Awaitable[None]] = processor.do_process_update

    async def timed(update: object, coroutine: Awaitable[Any]) -> None:
        start = time.perf_counter()
        try:
            await inner(update, coroutine)
        finally:
            counters.processing_s += time.perf_counter() - start

    processor.do_process_update = timed  # type: ignore[method-assign]


def listen(counters: Counters) -> None:
    """SQLAlchemy's events on every engine, registered before the bot starts (adding a listener
    while a unit of work runs its events would break that unit of work)."""

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_a: Any, **_k: Any) -> None:
        counters.statements += 1
        counters.texts[_shape(statement)] += 1

    def on_begin(*_a: Any, **_k: Any) -> None:
        counters.transactions += 1

    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Engine, "begin", on_begin)


def _shape(statement: str) -> str:
    """A statement without its values lists and with its columns elided: what it does to which
    table."""
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r"VALUES \(.*\)( RETURNING)", r"VALUES (…)\1", text)
    text = re.sub(r"^SELECT .*? FROM", "SELECT … FROM", text)
    text = re.sub(r"^UPDATE (\S+) SET .*? WHERE", r"UPDATE \1 SET … WHERE", text)
    text = re.sub(r"^INSERT INTO (\S+) \(.*?\)", r"INSERT INTO \1 (…)", text)
    return text[:140]


async def seed(box: Sandbox, n: int, rng: random.Random) -> None:
    """``n`` verified, on-duty volunteers with every skill and item within ~5 km of Riyadh."""
    from domain.matching.grid import cell_of

    now = utcnow()
    async with box.db.session() as s:
        for i in range(n):
            pid = 1_000_000 + i
            lat = RIYADH[0] + rng.uniform(-0.045, 0.045)
            lon = RIYADH[1] + rng.uniform(-0.045, 0.045)
            s.add(Person(id=pid, chat_id=pid, first_name=f"V{i}", telegram_language="en"))
            s.add(
                Volunteer(
                    person_id=pid,
                    status="verified",
                    conduct_accepted_at=now,
                    skills=ALL_SKILLS,
                    equipment=ALL_EQUIPMENT,
                    on_duty=True,
                    lat=lat,
                    lon=lon,
                    cell=cell_of(lat, lon),
                    position_at=now,
                    max_alerts_per_hour=1000,
                )
            )
            box.emu.user(pid, first_name=f"V{i}", language_code="en")


async def one_request(
    box: Sandbox,
    citizen: EmuUser,
    incident: str,
    at: tuple[float, float],
    wait: bool,
    timeout: float = 60,
) -> float:
    """The citizen's four steps, each answered before the next; when Skip was queued."""
    count = len(citizen.messages)
    steps: list[str | tuple[float, float]] = ["/request", f"inc:{incident}", at]
    for action in steps:
        if isinstance(action, tuple):
            await citizen.send_location(*action)
        elif action.startswith("inc:"):
            await citizen.press(action)
        else:
            await citizen.send(action)
        count += 1
        await citizen.wait_for_count(count, timeout=timeout)
        if wait:
            await box.settle(timeout=60)
    skip = time.time()
    await citizen.send("Skip")
    await citizen.wait_for("was received", timeout=timeout)
    if wait:
        await box.settle(timeout=60)
    return skip


@dataclass
class Sequential:
    requests: int
    statements: float
    transactions: float
    handoffs: float
    bot_api_calls: float
    chat_calls: float
    processing_ms: float
    alerts_per_request: float


@dataclass
class Concurrent:
    citizens: int
    requests_per_s: float
    first_alert_p50_ms: float
    first_alert_p99_ms: float


def spot(rng: random.Random) -> tuple[float, float]:
    return RIYADH[0] + rng.uniform(-0.02, 0.02), RIYADH[1] + rng.uniform(-0.02, 0.02)


async def sequential(box: Sandbox, counters: Counters, n: int, rng: random.Random) -> Sequential:
    per: list[tuple[int, int, int, int, int, float, int]] = []
    for i in range(n + 1):
        citizen = box.emu.user(10 + i, first_name=f"C{i}", language_code="en")
        await box.settle()
        counters.reset()
        calls = len(box.emu.calls)
        alerts_before = _alerts(box)
        await one_request(box, citizen, TYPES[i % len(TYPES)], spot(rng), wait=True)
        if i == 0:
            continue  # warm-up: first-use costs (statement caches, imports) not counted
        row = (
            counters.statements,
            counters.transactions,
            counters.handoffs,
            len(_api(box, calls)),
            len([c for c in _api(box, calls) if c.params.get("chat_id") is not None]),
            counters.processing_s,
            _alerts(box) - alerts_before,
        )
        per.append(row)
        counters.counted_texts.update(counters.texts)

    def mean(k: int, scale: float = 1.0) -> float:
        return round(statistics.fmean(r[k] for r in per) * scale, 1)

    return Sequential(n, mean(0), mean(1), mean(2), mean(3), mean(4), mean(5, 1000), mean(6))


def _api(box: Sandbox, since: int) -> list[Any]:
    """The Bot API calls made since ``since``, getUpdates left out (polling, not the work)."""
    return [c for c in box.emu.calls[since:] if c.method != "getUpdates"]


def _alerts(box: Sandbox) -> int:
    return sum(
        1
        for c in box.emu.calls
        if c.method == "sendMessage" and "offer:acc" in str(c.params.get("reply_markup", ""))
    )


async def concurrent(box: Sandbox, citizens: int, rng: random.Random) -> Concurrent:
    users = [
        box.emu.user(50_000 + i, first_name=f"K{i}", language_code="en") for i in range(citizens)
    ]
    await box.settle()
    start = time.time()
    skips = await asyncio.gather(
        *(
            one_request(box, u, TYPES[i % len(TYPES)], spot(rng), wait=False)
            for i, u in enumerate(users)
        )
    )
    await box.settle(timeout=120)
    skip_of = {u.id: at for u, at in zip(users, skips, strict=True)}
    first = await first_alerts(box, skip_of)
    end = max(first.values()) if first else time.time()
    waits = sorted((first[pid] - skip_of[pid]) * 1000 for pid in first)
    return Concurrent(
        citizens,
        round(len(first) / max(end - start, 1e-9), 2),
        round(statistics.median(waits), 1) if waits else -1,
        round(waits[min(len(waits) - 1, int(0.99 * len(waits)))], 1) if waits else -1,
    )


async def first_alerts(box: Sandbox, skip_of: dict[int, float]) -> dict[int, float]:
    """When the first alert of each citizen's request reached the emulator."""
    from storage.models import HelpRequest

    async with box.db.session() as s:
        rows = (
            await s.exec(
                select(Offer.id, HelpRequest.requester_id).join(
                    HelpRequest,
                    HelpRequest.id == Offer.request_id,  # type: ignore[arg-type]
                )
            )
        ).all()
    owner = {int(oid): int(rid) for oid, rid in rows}
    first: dict[int, float] = {}
    for call in box.emu.calls:
        markup = str(call.params.get("reply_markup", ""))
        if call.method != "sendMessage" or not call.ok or "offer:acc:" not in markup:
            continue
        offer_id = int(markup.split("offer:acc:", 1)[1].split('"', 1)[0].split("'", 1)[0])
        pid = owner.get(offer_id)
        if pid in skip_of and pid not in first:
            first[pid] = call.at
    return first


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--citizens", type=int, default=10, help="0: no concurrent run")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--budget", type=float, default=0.0, help="SEND_BUDGET_PER_S (0: PTB's limiter alone)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--statements", action="store_true", help="also the statements of a request, by shape"
    )
    args = parser.parse_args()
    from bot.settings import Settings

    settings = dict(QUIET)
    if "send_budget_per_s" in Settings.model_fields:  # a bot from before the send budget
        settings["send_budget_per_s"] = args.budget
    if "link_radius_m" in Settings.model_fields:  # citizens close together are not one report
        settings["link_radius_m"] = 0.0
    rng = random.Random(args.seed)
    counters = Counters()
    listen(counters)
    with tempfile.TemporaryDirectory() as tmp:
        async with sandbox(f"sqlite:///{tmp}/cost.db", quiet_period=0.05, **settings) as box:
            await seed(box, args.volunteers, rng)
            await box.settle()
            instrument(box, counters)
            seq = await sequential(box, counters, args.requests, rng)
            con = await concurrent(box, args.citizens, rng) if args.citizens else None
    result = {"sequential": asdict(seq), "concurrent": asdict(con) if con else None}
    if args.json:
        print(json.dumps(result))
        return
    print(f"per request over {seq.requests} requests (sequential, after one warm-up):")
    if args.statements:
        for text, n in counters.counted_texts.most_common(40):
            print(f"  {n / seq.requests:6.2f}  {text}")
    for key, value in asdict(seq).items():
        if key != "requests":
            print(f"  {key:>20}: {value}")
    if con:
        print(f"{con.citizens} citizens at once:")
        for key, value in asdict(con).items():
            if key != "citizens":
                print(f"  {key:>20}: {value}")


if __name__ == "__main__":
    asyncio.run(main())
