"""One simulated surge from start to figures: database, volunteers, emulator, bot, people.

The order matters: the volunteers are written before the bot starts (it reads them, it does
not sign them up); live locations start sharing before the clock does (a city's volunteers
are already out when the flood begins); then citizens arrive at ``rate`` for ``duration``
seconds (Poisson arrivals), and the run waits up to ``drain_s`` for the stragglers: every
citizen's flow finished and every request either alerted or escalated. Only then is the bot
stopped and the figures read.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from typing import Any

from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import TOKEN
from bot.devtools.simulate import probes
from bot.devtools.simulate.bots import RunningBot, start_bot
from bot.devtools.simulate.config import LEADER_ID, OPERATOR_ID, OPS_CHAT_ID, SimConfig
from bot.devtools.simulate.database import RunDatabase, prepare
from bot.devtools.simulate.figures import Window, collect
from bot.devtools.simulate.people import Cast
from bot.devtools.simulate.world import Volunteering
from storage import outbox
from storage.db import Database

Progress = Callable[[str, dict[str, float]], None]


def _quiet(_stage: str, _numbers: dict[str, float]) -> None:
    return None


async def _settled(emu: BotApiEmulator, timeout: float) -> None:
    """Every queued update taken by the bot (the warm-up's live locations)."""
    with contextlib.suppress(TimeoutError):
        await emu._wait_until(lambda: True if not emu.pending_updates() else None, timeout)


class Run:
    def __init__(self, cfg: SimConfig, progress: Progress = _quiet) -> None:
        self.cfg, self.progress = cfg, progress
        self.emu = BotApiEmulator(token=TOKEN, bot_username="musaada_bot", quiet_period=0.3)
        self.rng = random.Random(cfg.seed)
        self.stop_world = asyncio.Event()

    async def __call__(self) -> dict[str, Any]:
        cfg = self.cfg
        self.progress("database", {})
        where, roster = await prepare(cfg)
        try:
            self.cast = Cast(self.emu, cfg, roster, self.rng)
            for pid in (OPERATOR_ID, LEADER_ID):
                self.emu.user(pid, first_name="Staff", language_code="en")
            self.operator = self.emu.user(OPERATOR_ID)
            self.emu.group(OPS_CHAT_ID, "Command centre")
            return await self._with_bot(where)
        finally:
            await where.drop()

    async def _with_bot(self, where: RunDatabase) -> dict[str, Any]:
        cfg = self.cfg
        await self.emu.start()
        if cfg.rate_limits:
            self.emu.enforce_limits()
        self.progress("bot", {})
        bot: RunningBot | None = None
        self.db = Database(where.url)  # the drain's look at the outbox
        try:
            bot = await start_bot(cfg, self.emu, where.url)
            window = await self._surge(bot)
        finally:
            for task in list(self.cast.tasks):
                task.cancel()
            if bot is not None:
                await bot.stop()
            await self.emu.stop()
            await self.db.dispose()
        db = Database(where.url)
        try:
            return await collect(db, cfg, self.cast.tally, window)
        finally:
            await db.dispose()

    async def _surge(self, bot: RunningBot) -> Window:
        cfg, cast = self.cfg, self.cast
        world = Volunteering(cast)
        self.progress("live locations", {"n": len(world.live_ids)})
        await world.share_live_locations()
        await _settled(self.emu, 120)
        declared = await self._declare_major() if cfg.major else None
        before = await bot.counts()
        for pid in bot.pids:
            probes.reset_peak(pid)
        first_call = len(self.emu.calls)
        first_update = self.emu.next_update_id
        cast.tally.updates_sent = 0
        start = time.time()
        side = [
            asyncio.create_task(world.move_live_locations(self.stop_world)),
            asyncio.create_task(world.change_duty(self.stop_world)),
        ]
        flows = await self._citizens(start)
        await self._drain(flows)
        await asyncio.sleep(cfg.linger_s)
        self.stop_world.set()
        await asyncio.gather(*side)
        end = time.time()
        handled = self.emu.next_update_id - first_update - self.emu.pending_updates()
        counts = (await bot.counts()).minus(before)
        rss = [probes.rss_mb(pid) or 0.0 for pid in bot.pids]
        notes = list(bot.notes)
        if world.live_ids:
            notes.append(f"{len(world.live_ids)} live locations, {world.moves} moves")
        notes.append(f"{world.duty_changes} volunteers went off duty (and back later)")
        if declared:
            notes.append(f"major-incident mode: {declared}")
        return Window(
            start, end, self.emu.calls[first_call:], counts, rss, where_sqlite(cfg), notes,
            updates_taken=handled,
        )  # fmt: skip

    async def _declare_major(self) -> str:
        """The operator declares the city a major-incident area before the flood reaches the
        bot (``/major start CITY 6``); the bot's answer's first line."""
        await self.operator.send(f"/major start {self.cfg.the_city().name_en} 6")
        answer = await self.operator.wait_for(lambda m: bool(m.text), timeout=120)
        return (answer.text or "").splitlines()[0]

    async def _citizens(self, start: float) -> list[asyncio.Task[None]]:
        """Citizens at ``rate`` a second (Poisson) for ``duration`` seconds."""
        cfg, cast = self.cfg, self.cast
        flows: list[asyncio.Task[None]] = []
        arrivals = random.Random(cfg.seed + 3)
        at = start
        while True:
            at += arrivals.expovariate(cfg.rate)
            if at - start > cfg.duration:
                break
            wait = at - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            citizen = cast.new_citizen()
            flows.append(asyncio.create_task(cast.ask_for_help(citizen)))
            self._report(time.time() - start)
        return flows

    async def _drain(self, flows: list[asyncio.Task[None]]) -> None:
        """The stragglers: flows finished, each request alerted or escalated (or time's up)."""
        deadline = time.monotonic() + self.cfg.drain_s
        pending = [f for f in flows if not f.done()]
        while pending and time.monotonic() < deadline:
            await asyncio.wait(pending, timeout=0.5)
            pending = [f for f in flows if not f.done()]
            self._report(self.cfg.duration)
        for f in pending:
            f.cancel()
        while time.monotonic() < deadline and not await self._said_everything():
            await asyncio.sleep(0.3)
            self._report(self.cfg.duration)

    async def _said_everything(self) -> bool:
        """No update waiting for the bot and nothing left in the outbox (first alerts and
        receipts said), at one instant; later waves may queue more, which is not waited for."""
        if self.emu.pending_updates():
            return False
        async with self.db.session() as s:
            return await outbox.depth(s) == 0

    def _report(self, elapsed: float) -> None:
        t = self.cast.tally
        self.progress(
            "surge",
            {
                "elapsed": elapsed,
                "started": len(t.citizens),
                "received": sum(1 for c in t.citizens if c.receipt_at is not None),
                "alerts": len(t.alert_at),
                "429": self.emu.answered_429,
            },
        )


def where_sqlite(cfg: SimConfig) -> bool:
    if cfg.record:
        return "://" not in cfg.record or cfg.record.startswith("sqlite")
    return cfg.backend == "sqlite"


async def simulate(cfg: SimConfig, progress: Progress = _quiet) -> dict[str, Any]:
    """Run one surge; its figures (see figures.py)."""
    return await Run(cfg, progress)()
