"""The periodic retention job: closed requests lose their personal details (services/retention.py)."""

from __future__ import annotations

import logging
from typing import Any

from bot.services import retention
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_NAME = "retention"


async def run_retention(context: Any) -> int:
    """Redact every request that is due, one batch per transaction; returns how many."""
    db = context.bot_data["db"]
    days = context.bot_data["cfg"].retention_days
    total = 0
    while True:
        async with db.session() as s:
            n = await retention.redact_closed(s, retention_days=days, now=utcnow())
        total += n
        if n < retention.BATCH:
            break
    if total:
        log.info("retention: redacted %d closed requests older than %s days", total, days)
    return total


def schedule(app: Any, interval_s: float) -> None:
    """Every ``interval_s`` (RETENTION_CHECK_S), first soon after start-up."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        run_retention,
        interval=interval_s,
        first=min(interval_s, 60.0),
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None},  # a late run still runs
    )
