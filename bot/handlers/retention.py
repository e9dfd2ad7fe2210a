"""The periodic retention job: closed requests lose their personal details (services/retention.py)."""

from __future__ import annotations

import logging
from typing import Any

from bot.handlers import periodic
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
    periodic.repeat(
        app, run_retention, name=JOB_NAME, interval_s=interval_s, first=min(interval_s, 60.0)
    )
