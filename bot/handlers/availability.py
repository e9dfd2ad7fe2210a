"""The periodic check that tells volunteers when their position went stale (and so alerts stopped)."""

from __future__ import annotations

from typing import Any

from bot.handlers import periodic
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
    periodic.repeat(
        app, check_stale_positions, name=JOB_NAME, interval_s=interval_s, first=interval_s
    )
