"""``GET /healthz`` and ``GET /metrics`` on the bot's aiohttp server.

Served beside the webhook in webhook mode, and on ``HEALTH_PORT`` in polling mode when it
is set. A load balancer or systemd watchdog asks ``/healthz``: 200 when the database answers
and no request timer is later than ``HEALTH_MAX_TIMER_LAG_S``, else 503, with the reasons in a
JSON body. A late timer means the bot is not keeping up (or its job queue died): a wave, a
reminder or an escalation is waiting for nobody.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot import metrics
from storage import health as queries
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

#: A health probe that waits longer than this for the database reports it down.
DB_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Health:
    database_ok: bool
    timer_lag_s: float | None  # None when the database did not answer
    max_timer_lag_s: float

    @property
    def ok(self) -> bool:
        return (
            self.database_ok
            and self.timer_lag_s is not None
            and self.timer_lag_s <= self.max_timer_lag_s
        )

    def body(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "database": "ok" if self.database_ok else "error",
            "timer_lag_s": None if self.timer_lag_s is None else round(self.timer_lag_s, 3),
            "max_timer_lag_s": self.max_timer_lag_s,
        }


async def read_timer_lag(db: Database, *, now: datetime | None = None) -> float:
    """Seconds since the most overdue request timer was due (0 when none is late)."""
    now = now or utcnow()
    async with db.session() as s:
        await queries.ping(s)
        due = await queries.most_overdue_timer(s, now=now)
    return 0.0 if due is None else (now - due).total_seconds()


async def check(db: Database, *, max_timer_lag_s: float, now: datetime | None = None) -> Health:
    """The database answers a trivial query within DB_TIMEOUT_S, and how late timers are."""
    try:
        lag = await asyncio.wait_for(read_timer_lag(db, now=now), DB_TIMEOUT_S)
    except Exception as exc:  # any failure of the database is a health answer, not a crash
        log.warning("health check: the database did not answer: %r", exc)
        return Health(False, None, max_timer_lag_s)
    metrics.set_timer_lag(lag)
    return Health(True, lag, max_timer_lag_s)


def add_routes(web_app: web.Application, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """``/healthz`` and ``/metrics`` for this bot (its database and settings from bot_data)."""
    db: Database = app.bot_data["db"]
    max_lag = app.bot_data["settings"].health_max_timer_lag_s

    async def healthz(_request: web.Request) -> web.Response:
        health = await check(db, max_timer_lag_s=max_lag)
        return web.json_response(health.body(), status=200 if health.ok else 503)

    async def metrics_page(_request: web.Request) -> web.Response:
        await check(db, max_timer_lag_s=max_lag)  # sets the timer-lag gauge
        await metrics.refresh()
        return web.Response(
            body=metrics.generate_latest(), headers={"Content-Type": metrics.CONTENT_TYPE_LATEST}
        )

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_page)
