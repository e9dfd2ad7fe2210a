"""Live locations written in batches: on a flood day thousands of volunteers share one at once.

Telegram sends a live-location fix as an edited message every few seconds per
volunteer. One transaction per fix costs a write lock and a commit each (a few
hundred per second on SQLite); a city's worth of on-duty volunteers sends more
than that. So fixes are queued here and written together: per volunteer only
the newest fix is kept (a position is only worth its latest value), and the
queue is written in one transaction when it holds ``max_batch`` volunteers or
``max_delay_s`` after its first fix, whichever comes first.

A fix waits at most ``max_delay_s`` (half a second by default) before matching
sees it, which no dispatch can tell from the time the fix spent in transit. A
fix lost in a crash is replaced by the next one seconds later; a volunteer's
*first* shared location, which the bot answers, is written at once elsewhere
(``volunteering.update_position``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from domain.matching.region import in_service_area
from storage.db import Database
from storage.volunteers import PositionUpdate, set_positions

__all__ = ["PositionUpdate", "PositionWriter", "live_fix"]

log = logging.getLogger(__name__)


class PositionWriter:
    """Coalesces live-location fixes per volunteer and writes them in one transaction a batch."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 500,
        max_delay_s: float = 0.5,
        after_write: Callable[[Sequence[PositionUpdate]], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        # Told each stored batch: the volunteers approaching a citizen (dispatch/approach.py).
        self.after_write = after_write
        self.max_batch = max_batch
        self.max_delay_s = max_delay_s
        self._pending: dict[int, PositionUpdate] = {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.written = 0  # fixes written since start (a coalesced fix is not counted)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, fix: PositionUpdate) -> None:
        """Queue a fix; a newer fix of the same volunteer replaces an unwritten older one."""
        old = self._pending.get(fix.person_id)
        if old is None or old.at <= fix.at:
            self._pending[fix.person_id] = fix
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        if len(self._pending) >= self.max_batch:
            self._wake.set()

    async def flush(self) -> int:
        """Write everything queued now. Returns how many fixes were written."""
        async with self._lock:
            if not self._pending:
                return 0
            # In id order: two writers (two bot processes) lock the rows in the same order.
            batch = sorted(self._pending.values(), key=lambda f: f.person_id)
            self._pending = {}
            try:
                async with self.db.session() as s:
                    await set_positions(s, batch)
            except BaseException:
                # Put them back unless a newer fix arrived meanwhile: the next flush retries
                # (writing a fix twice is harmless). Cancelled at shutdown counts too.
                for fix in batch:
                    self._pending.setdefault(fix.person_id, fix)
                raise
            self.written += len(batch)
        if self.after_write is not None:
            try:
                await self.after_write(batch)
            except Exception:  # the positions are stored; the next fix relays again
                log.exception("relaying %d live positions failed", len(batch))
        return len(batch)

    async def _run(self) -> None:
        """Flush a batch when it is full or ``max_delay_s`` after it began; stop when idle."""
        while self._pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.max_delay_s)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("writing %d live positions failed; retrying", len(self._pending))
                await asyncio.sleep(self.max_delay_s)

    async def close(self) -> None:
        """Write what is queued and stop the background writer (at shutdown)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        await self.flush()


def live_fix(
    writer: PositionWriter,
    *,
    person_id: int,
    lat: float,
    lon: float,
    now: datetime,
    region: tuple[float, float, float, float],
) -> bool:
    """Queue a live-location fix. False (nothing queued) when it lies outside the service area.

    Who sent it is checked by the write itself: only the rows of active volunteers move.
    """
    if not in_service_area(lat, lon, region):
        return False
    writer.submit(PositionUpdate(person_id, lat, lon, now))
    return True
