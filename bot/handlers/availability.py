"""The periodic check that tells volunteers when their position went stale (and so alerts stopped)."""

from __future__ import annotations

from typing import Any

from bot.handlers.outbox import deliver
from bot.services import volunteering
from storage.types import utcnow

JOB_NAME = "stale-positions"


async def check_stale_positions(context: Any) -> None:
    db = context.bot_data["db"]
    async with db.session() as s:
        outcome = await volunteering.stale_positions(s, context.bot_data["cfg"], now=utcnow())
    await deliver(context.bot, db, outcome, context.bot_data["cfg"])  # no alerts: no timers


def schedule(app: Any, interval_s: float) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        check_stale_positions,
        interval=interval_s,
        first=interval_s,
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None},  # a late run still runs
    )
