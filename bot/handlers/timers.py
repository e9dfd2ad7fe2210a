"""Request timers on python-telegram-bot's JobQueue, derived from the database.

A request has at most one timer, named ``request:<id>``: scheduling it again
replaces it, so scheduling twice is harmless. At start-up every timer the rows
hold is rebuilt; one that should have fired while the bot was down fires at once.

Two guards make sure a due timer is never lost:

- every job is added with ``misfire_grace_time=None``: APScheduler's default (1 s)
  silently drops a job that runs late, and start-up schedules jobs (in post_init)
  before the JobQueue starts, so an overdue timer would otherwise vanish;
- a periodic sweep (job ``request-timers-sweep``, every ``TIMER_SWEEP_S``) re-arms
  any timer the rows hold that has no job, e.g. one lost to an exception.

Firing twice is harmless too: ``dispatch.on_timer`` re-checks the row first.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.handlers.outbox import sender_of, unit_of_work
from bot.services import dispatch
from storage.types import utcnow

log = logging.getLogger(__name__)

SWEEP_JOB = "request-timers-sweep"
# A job that runs late still runs: never let APScheduler drop it.
JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None}
_RUNNING = "timers_running"  # bot_data key: ids of the requests whose timer is firing now


def job_name(request_id: int) -> str:
    return f"request:{request_id}"


def schedule(
    app: Application[Any, Any, Any, Any, Any, Any], changes: dict[int, datetime | None]
) -> None:
    if app.job_queue is None:
        return
    for request_id, when in changes.items():
        for job in app.job_queue.get_jobs_by_name(job_name(request_id)):
            job.schedule_removal()
        if when is None:
            continue
        delay = max(0.0, (when - utcnow()).total_seconds())
        app.job_queue.run_once(
            _fire, delay, data=request_id, name=job_name(request_id), job_kwargs=JOB_KWARGS
        )


async def _fire(context: Any) -> None:
    request_id = int(context.job.data)
    cfg = context.bot_data["cfg"]
    running: set[int] = context.bot_data.setdefault(_RUNNING, set())
    running.add(request_id)
    try:
        await unit_of_work(
            sender_of(context.bot_data),
            context.bot_data["db"],
            lambda s, now: dispatch.on_timer(s, cfg, request_id=request_id, now=now),
        )
    finally:
        running.discard(request_id)


async def rebuild(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Re-arm every pending timer from the database (after a restart or a crash)."""
    db = app.bot_data["db"]
    async with db.session() as s:
        pending = await dispatch.pending_timers(s)
    schedule(app, dict(pending))
    if pending:
        log.info("rebuilt %d request timers from the database", len(pending))
    return len(pending)


async def sweep(context: Any) -> None:
    """Re-arm every timer the rows hold that has no job (and is not firing right now)."""
    app = context.application
    db = context.bot_data["db"]
    running: set[int] = context.bot_data.setdefault(_RUNNING, set())
    async with db.session() as s:
        pending = await dispatch.pending_timers(s)
    lost: dict[int, datetime | None] = {
        rid: when
        for rid, when in pending.items()
        if rid not in running and not app.job_queue.get_jobs_by_name(job_name(rid))
    }
    if lost:
        log.warning("re-arming %d request timers that had no job: %s", len(lost), sorted(lost))
        schedule(app, lost)


def schedule_sweep(app: Application[Any, Any, Any, Any, Any, Any], interval_s: float) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(SWEEP_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(
        sweep, interval=interval_s, first=interval_s, name=SWEEP_JOB, job_kwargs=JOB_KWARGS
    )
