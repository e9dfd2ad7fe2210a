"""Request timers on python-telegram-bot's JobQueue, derived from the database.

A request has at most one timer, named ``request:<id>``: scheduling it again
replaces it, so scheduling twice is harmless. At start-up every timer the rows
hold is rebuilt; one that should have fired while the bot was down fires at once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.handlers.outbox import deliver
from bot.services import dispatch
from storage.types import utcnow

log = logging.getLogger(__name__)


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
        app.job_queue.run_once(_fire, delay, data=request_id, name=job_name(request_id))


async def _fire(context: Any) -> None:
    request_id = int(context.job.data)
    db = context.bot_data["db"]
    async with db.session() as s:
        outcome = await dispatch.on_timer(
            s, context.bot_data["cfg"], request_id=request_id, now=utcnow()
        )
    follow_up = await deliver(context.bot, db, outcome, context.bot_data["cfg"])
    schedule(context.application, {**outcome.timers, **follow_up})


async def rebuild(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Re-arm every pending timer from the database (after a restart or a crash)."""
    db = app.bot_data["db"]
    async with db.session() as s:
        pending = await dispatch.pending_timers(s)
    schedule(app, dict(pending))
    if pending:
        log.info("rebuilt %d request timers from the database", len(pending))
    return len(pending)
