"""GET /healthz (the database and the timer lag) and GET /metrics (the named series)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bot import health, metrics
from bot.app import build_application
from bot.devtools.sandbox import TOKEN
from bot.settings import Settings
from domain.enums import RequestStatus
from domain.incidents import IncidentType
from storage import health as queries
from storage import outbox
from storage.db import Database
from storage.models import HelpRequest, OutboxMessage
from storage.types import utcnow
from tests.e2e_helpers import HERE, ask_for_help, e2e_sandbox
from tests.factories import RIYADH, offset, person, volunteer


async def add_request(db: Database, **fields: Any) -> None:
    await person(db, 1)
    async with db.session() as s:
        s.add(
            HelpRequest(
                requester_id=1,
                incident=IncidentType.FIRE,
                lat=RIYADH.lat,
                lon=RIYADH.lon,
                status=RequestStatus.DISPATCHING,
                **fields,
            )
        )


async def test_most_overdue_timer(db: Database) -> None:
    now = utcnow()
    async with db.session() as s:
        assert await queries.most_overdue_timer(s, now=now) is None
    await add_request(db, next_timer_at=now + timedelta(seconds=30))  # due later: not late
    await add_request(db)  # no timer at all
    async with db.session() as s:
        assert await queries.most_overdue_timer(s, now=now) is None
    await add_request(db, next_timer_at=now - timedelta(seconds=5))
    await add_request(db, next_timer_at=now - timedelta(seconds=90))
    async with db.session() as s:
        due = await queries.most_overdue_timer(s, now=now)
    assert due is not None and due.tzinfo is not None
    assert abs((now - due).total_seconds() - 90) < 0.01


@asynccontextmanager
async def ops_client(db: Database, **overrides: Any) -> AsyncIterator[TestClient[Any, Any]]:
    """The ops routes of a built (not started) bot: they need its database and settings only."""
    settings = Settings(telegram_bot_token=SecretStr(TOKEN), database_url=db.url, **overrides)
    app = build_application(settings, db, token=TOKEN)
    web_app = web.Application()
    health.add_routes(web_app, app)
    async with TestClient(TestServer(web_app)) as client:
        yield client


async def test_healthz_ok_then_unhealthy_when_a_timer_is_late(db: Database) -> None:
    async with ops_client(db, health_max_timer_lag_s=60) as client:
        resp = await client.get("/healthz")
        assert resp.status == 200
        body = await resp.json()
        assert body == {
            "status": "ok",
            "database": "ok",
            "timer_lag_s": 0.0,
            "max_timer_lag_s": 60.0,
        }
        await add_request(db, next_timer_at=utcnow() - timedelta(seconds=30))
        resp = await client.get("/healthz")
        assert resp.status == 200 and 30 <= (await resp.json())["timer_lag_s"] < 60
        await add_request(db, next_timer_at=utcnow() - timedelta(seconds=600))
        resp = await client.get("/healthz")
        assert resp.status == 503
        body = await resp.json()
        assert body["status"] == "unhealthy" and body["database"] == "ok"
        assert body["timer_lag_s"] >= 600


async def test_healthz_when_the_database_is_down(tmp_path: Path) -> None:
    # A PostgreSQL URL where no server listens (port 1): the connection is refused.
    down = Database("postgresql://postgres@127.0.0.1:1/musaada")
    try:
        async with ops_client(down) as client:
            resp = await client.get("/healthz")
            assert resp.status == 503
            assert await resp.json() == {
                "status": "unhealthy",
                "database": "error",
                "timer_lag_s": None,
                "max_timer_lag_s": 120.0,
            }
    finally:
        await down.dispose()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(
    client: TestClient[Any, Any],
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    return samples(await resp.text())


async def test_metrics_carry_the_named_series_after_a_scenario(tmp_path: Path) -> None:
    try:
        async with e2e_sandbox(tmp_path) as box:
            # Seven notices waiting for a retry an hour from now: the outbox depth counts them.
            later = utcnow() + timedelta(hours=1)
            async with box.db.session() as s:
                await outbox.add(
                    s,
                    [
                        OutboxMessage(
                            chat_id=1,
                            language="en",
                            event="request_cancelled",
                            payload="{}",
                            next_attempt_at=later,
                        )
                        for _ in range(7)
                    ],
                )
            web_app = web.Application()
            health.add_routes(web_app, box.app)
            async with TestClient(TestServer(web_app)) as client:
                before = await scrape(client)
                user = box.emu.user(1, first_name="Noura", language_code="en")
                box.emu.fail_next(
                    "sendMessage",
                    error_code=403,
                    description="Forbidden: bot was blocked by the user",
                )
                await user.send("/start")  # answered into a 403
                await box.settle()
                await user.send("/help")
                await box.settle()
                await user.send("/language")
                await box.settle()
                await user.press("lang:en")  # a callback query
                await box.settle()
                mid = await scrape(client)
                # A whole request, as people make it: asked, alerted, accepted, done, confirmed.
                for pid in (10, 11):
                    await volunteer(box.db, pid, offset(*HERE, 0.5 + pid / 10), utcnow())
                    box.emu.user(pid, first_name=f"V{pid}", language_code="en")
                helper = box.emu.user(10)
                citizen = box.emu.user(2, first_name="Sara", language_code="en")
                await ask_for_help(box, citizen, "fire", HERE, None)
                await helper.press(lambda d: d.startswith("offer:acc:"))
                await box.settle()
                await helper.press("job:done:1")
                await box.settle()
                await citizen.press("req:yes:1")
                await box.settle()
                after = await scrape(client)
    finally:
        metrics.register_outbox_depth(None)

    def delta(name: str, **labels: str) -> float:
        return value(mid, name, **labels) - value(before, name, **labels)

    def made(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(mid, name, **labels)

    assert delta("musaada_updates_handled_total", kind="message") == 3
    assert delta("musaada_updates_handled_total", kind="callback_query") == 1
    assert delta("musaada_bot_api_errors_total", method="sendMessage", kind="forbidden") == 1
    assert made("musaada_help_requests_created_total", incident="fire") == 1
    assert made("musaada_help_requests_closed_total", incident="fire", outcome="confirmed") == 1
    assert made("musaada_alerts_sent_total") == 2  # both volunteers alerted in the first wave
    assert made("musaada_time_to_first_alert_seconds_count") == 1  # the first of the two
    assert made("musaada_time_to_first_accept_seconds_count") == 1
    assert made("musaada_time_to_first_accept_seconds_sum") >= 0
    assert value(after, "musaada_outbox_depth") == 7
    assert value(after, "musaada_timer_lag_seconds") == 0
