"""Request timers: claimed from the database by whichever worker looks first, fired once.

A request's timer is its row (``help_request.next_timer_at``). Any number of workers share
them: a *pass* drains every due timer, each claimed with ``SELECT … FOR UPDATE SKIP LOCKED``
(``dispatch.fire_due``): one worker takes a row, fires its step in the same transaction and
commits; the others skip it. Nothing fires twice, and nothing is lost: a worker killed
mid-step dies with its row lock, and the row is due again for the next pass, on any worker.

What starts a pass:

- every ``TIMER_POLL_S`` on every worker (job ``request-timers-poll``; the first at
  start-up, so a timer that fell due while the bot was down fires at once): the guarantee;
- this worker's own wake-up (job ``request:<id>``, armed from the Outcome of the use case
  that set the timer, replaced when it changes): only for precision, so the worker that
  set a timer fires it on time instead of up to ``TIMER_POLL_S`` late. Losing a wake-up
  loses nothing.

A pass runs ``PARALLEL`` claimers; the notices a step wrote leave beside the next claims
(the outbox, bot/handlers/outbox.py), so a send waiting on Telegram's limits never holds a
timer up. One pass at a time per process; a trigger during a pass makes it go round again.

Every job is added with ``misfire_grace_time=None``: APScheduler's default (1 s) silently
drops a job that runs late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Application, Job

from bot.handlers import periodic
from bot.handlers.outbox import Sender, sender_of
from bot.services import delivery, dispatch, major
from bot.services.config import DispatchConfig
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

POLL_JOB = "request-timers-poll"
PARALLEL = 4  # claimers per pass: each holds one row lock (one pooled connection) at a time
# A job that runs late still runs: never let APScheduler drop it.
JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None}
_POLLER = "timer_poller"  # bot_data key

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def job_name(request_id: int) -> str:
    return f"request:{request_id}"


class TimerPoller:
    """Runs passes over the due timers for one process: at most one at a time."""

    def __init__(self, app: AnyApp, db: Database, cfg: DispatchConfig, sender: Sender) -> None:
        self.app, self.db, self.cfg, self.sender = app, db, cfg, sender
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.fired = 0  # steps fired by this process (for logs and tests)
        # Each request's pending wake-up job: PTB's lookup by name scans every job, and a
        # surge has one per open request (``schedule`` runs after every unit of work).
        self.wakeups: dict[int, Job[Any]] = {}

    def trigger(self) -> None:
        """Start a pass, or ask the running one to go round once more."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self.app.create_task(self._passes(), name="request-timers-pass")

    @property
    def busy(self) -> bool:
        """A pass is running (or about to go round again)."""
        return self._task is not None and not self._task.done()

    async def drain(self) -> int:
        """One pass, awaited: every timer due now that no other worker holds; how many fired."""
        skip: set[int] = set()
        sends: set[asyncio.Task[None]] = set()
        counts = await asyncio.gather(*(self._claimer(skip, sends) for _ in range(PARALLEL)))
        counts.append(await self._major_areas(sends))
        if sends:
            await asyncio.gather(*sends, return_exceptions=True)
        self.fired += sum(counts)
        return sum(counts)

    async def _passes(self) -> None:
        while True:
            self._again = False
            try:
                await self.drain()
            except Exception:
                log.exception("a pass over the due request timers failed")
            if not self._again:
                return

    async def _claimer(self, skip: set[int], sends: set[asyncio.Task[None]]) -> int:
        fired = 0
        while True:
            claimed = len(skip)
            try:
                ids = await self._fire_one(skip)
            except Exception:
                # The step rolled back: its row is due again for the next pass. When even the
                # claim failed (the database is away), this claimer stops until then.
                log.exception("a request timer failed; it is tried again at the next pass")
                if len(skip) == claimed:
                    return fired
                continue
            if ids is None:
                return fired
            fired += 1
            self._send_beside(ids, sends)

    async def _fire_one(self, skip: set[int]) -> list[int] | None:
        """Claim and fire one due timer, its notices in the same transaction; None: none left."""
        now = utcnow()
        async with self.db.session() as s:
            outcome = await dispatch.fire_due(s, self.cfg, now=now, skip=skip)
            if outcome is None:
                return None
            ids = await delivery.enqueue(s, outcome.notices, now=now, request_id=outcome.request_id)
        self.sender.on_timers(outcome.timers)
        return ids

    async def _major_areas(self, sends: set[asyncio.Task[None]]) -> int:
        """The major-incident areas' timers (a summary due, a period over): claimed one by one
        like the requests' (storage/timers.py), their notices sent beside the next claims."""
        fired, skip = 0, set[int]()
        while True:
            now = utcnow()
            try:
                async with self.db.session() as s:
                    outcome = await major.fire_due(s, self.cfg, now=now, skip=skip)
                    if outcome is None:
                        return fired
                    ids = await delivery.enqueue(s, outcome.notices, now=now)
            except Exception:
                log.exception("a major-incident timer failed; it is tried again at the next pass")
                return fired
            fired += 1
            self._send_beside(ids, sends)

    def _send_beside(self, ids: list[int], sends: set[asyncio.Task[None]]) -> None:
        """Say a fired step's notices while the next timers are claimed (``drain`` awaits them)."""
        if ids:
            task = asyncio.create_task(self.sender.send(ids))
            sends.add(task)
            task.add_done_callback(sends.discard)

    async def close(self) -> None:
        """Let a running pass finish (at shutdown)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def poller_of(app: AnyApp) -> TimerPoller:
    poller: TimerPoller = app.bot_data[_POLLER]
    return poller


def install(app: AnyApp) -> TimerPoller:
    poller = TimerPoller(app, app.bot_data["db"], app.bot_data["cfg"], sender_of(app.bot_data))
    app.bot_data[_POLLER] = poller
    return poller


def schedule(app: AnyApp, changes: dict[int, datetime | None]) -> None:
    """This worker's wake-ups for timers it just set (None: the request has no timer now)."""
    if app.job_queue is None:
        return
    wakeups = poller_of(app).wakeups
    for request_id, when in changes.items():
        old = wakeups.pop(request_id, None)
        if old is not None and not old.removed:
            with contextlib.suppress(JobLookupError):  # fired a moment ago, its callback due
                old.schedule_removal()
        if when is None:
            continue
        delay = max(0.0, (when - utcnow()).total_seconds())
        wakeups[request_id] = app.job_queue.run_once(
            _wake, delay, data=request_id, name=job_name(request_id), job_kwargs=JOB_KWARGS
        )


async def _wake(context: Any) -> None:
    poller = poller_of(context.application)
    job: Job[Any] | None = context.job
    request_id = job.data if job is not None else None
    if isinstance(request_id, int) and poller.wakeups.get(request_id) is job:
        del poller.wakeups[request_id]  # the poll job (data None) has no entry
    poller.trigger()


def schedule_poll(app: AnyApp, interval_s: float) -> None:
    """Every worker looks for due timers every ``interval_s`` (TIMER_POLL_S), first at once."""
    periodic.repeat(app, _wake, name=POLL_JOB, interval_s=interval_s, first=0.0)
