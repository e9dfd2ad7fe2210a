"""The periodic check that tells volunteers when their position went stale (and so alerts stopped)."""

from __future__ import annotations

from typing import Any

from bot.handlers.outbox import sender_of, unit_of_work
from bot.services import volunteering

JOB_NAME = "stale-positions"


async def check_stale_positions(context: Any) -> None:
    cfg = context.bot_data["cfg"]
    await unit_of_work(
        sender_of(context.bot_data),
        context.bot_data["db"],
        lambda s, now: volunteering.stale_positions(s, cfg, now=now),
    )


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
