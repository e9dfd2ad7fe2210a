"""What the volunteers do while nobody alerts them: live locations moving, going off and on duty.

Why it belongs in a surge: a city's volunteers keep the bot busy between requests. A share
of them share a live location, which Telegram refreshes about every 30 seconds as an edited
message; others end their shift with ``/duty off`` and come back with ``/duty on``. Both are
real updates the bot must handle beside the citizens' (the issue's "updates per second").
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import random
import time

from bot.devtools.emulator import EmuUser
from bot.devtools.simulate.people import Cast

LIVE_PERIOD_S = 8 * 3600
STEP_DEG = 0.001  # about 100 m a fix: driving around the neighbourhood


class Volunteering:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.rng = random.Random(cast.cfg.seed + 2)
        ids = list(cast.roster.city_ids)
        self.rng.shuffle(ids)
        n_live = round(len(ids) * cast.cfg.live_share)
        self.live_ids, self.other_ids = ids[:n_live], ids[n_live:]
        self.live: dict[int, tuple[int, float, float]] = {}  # id -> (message id, lat, lon)
        self.moves = 0
        self.duty_changes = 0

    def _user(self, pid: int) -> EmuUser:
        user = self.cast.emu.find_chat(pid)
        assert isinstance(user, EmuUser)
        return user

    async def share_live_locations(self) -> None:
        """Before the surge: each live volunteer starts sharing (one update each)."""
        for pid in self.live_ids:
            lat, lon = self.cast.roster.homes[pid]
            mid = await self._user(pid).send_location(lat, lon, live_period=LIVE_PERIOD_S)
            self.live[pid] = (mid, lat, lon)
            self.cast.tally.updates_sent += 1

    async def move_live_locations(self, stop: asyncio.Event) -> None:
        """Every live location moves about every ``live_every_s``, spread over the interval."""
        every = self.cast.cfg.live_every_s
        start = time.monotonic()
        due = [(start + self.rng.uniform(0, every), pid) for pid in self.live]
        heapq.heapify(due)
        while due and not stop.is_set():
            at, pid = due[0]
            wait = at - time.monotonic()
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), min(wait, 0.5))
                except TimeoutError:
                    pass
                continue
            heapq.heapreplace(due, (at + every * self.rng.uniform(0.9, 1.1), pid))
            mid, lat, lon = self.live[pid]
            lat += self.rng.uniform(-STEP_DEG, STEP_DEG)
            lon += self.rng.uniform(-STEP_DEG, STEP_DEG)
            self.live[pid] = (mid, lat, lon)
            await self._user(pid).edit_live_location(mid, lat, lon)
            self.moves += 1
            self.cast.tally.updates_sent += 1

    async def change_duty(self, stop: asyncio.Event) -> None:
        """Volunteers end a shift (``/duty off``) at ``duty_churn_per_s`` and come back later."""
        rate = self.cast.cfg.duty_churn_per_s
        if rate <= 0 or not self.other_ids:
            return
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.rng.expovariate(rate))
                return
            except TimeoutError:
                pass
            pid = self.rng.choice(self.other_ids)
            user = self._user(pid)
            await user.send("/duty off")
            self.duty_changes += 1
            self.cast.tally.updates_sent += 2
            self.cast.later(self.cast.humans.off_duty(), functools.partial(user.send, "/duty on"))
