"""Where the dashboard is served: alone (``run_bot.py --dashboard``), on the webhook server,
and not at all without DASHBOARD_URL; and /dashboard from the bot when it is off."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

import run_bot
from bot.devtools.sandbox import Sandbox
from bot.services import dashboard_auth
from bot.services.config import DispatchConfig
from bot.settings import Settings
from bot.web.routes import serve_alone
from bot.webhook import make_webhook_app
from storage.db import Database
from storage.models import HelpRequest, OutboxMessage
from storage.types import utcnow
from tests.dashboard_helpers import free_port
from tests.factories import person
from tests.processes import restore_logging  # noqa: F401  (a fixture)


@pytest.mark.usefixtures("restore_logging")
def test_dashboard_alone_needs_its_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DASHBOARD_URL", raising=False)
    assert run_bot.main(["--dashboard"]) == 2
    assert "DASHBOARD_URL" in capsys.readouterr().err


async def test_alone_its_answers_wait_in_the_outbox_for_the_bot(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/d.db",
        operator_ids=frozenset({9}),
        dashboard_url=url,
        dashboard_port=port,
    )
    db = Database(settings.database_url)
    await db.prepare_schema()
    await person(db, 9)
    await person(db, 1)
    async with db.session() as s:
        s.add(HelpRequest(requester_id=1, incident="fire", lat=24.7, lon=46.7, status="escalated"))
        link = await dashboard_auth.issue_link(
            s, DispatchConfig(operator_ids=frozenset({9})), person_id=9, ttl_s=60, now=utcnow()
        )
    assert link is not None
    stop = asyncio.Event()
    server = asyncio.create_task(serve_alone(settings, stop))
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            for _ in range(100):  # until it listens
                try:
                    async with http.get(f"{url}/dashboard") as r:
                        assert r.status == 403  # redirected to /dashboard/: not signed in
                    break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            async with http.post(f"{url}/dashboard/signin", data={"t": link.token}) as r:
                page = await r.text()
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            async with http.post(
                f"{url}/dashboard/api/requests/1/officials",
                json={},
                headers={"X-CSRF-Token": csrf},
            ) as r:
                assert (await r.json()) == {"result": "ok"}
    finally:
        stop.set()
        await server
    async with db.session() as s:
        rows = (await s.exec(select(OutboxMessage))).all()
    assert [(r.chat_id, r.status) for r in rows] == [(1, "pending")]  # for the bot to say
    await db.dispose()


async def test_the_webhook_server_mounts_it_only_when_configured(box: Sandbox) -> None:
    async with TestClient(TestServer(make_webhook_app(box.app, "s", "/telegram"))) as off:
        assert (await off.get("/dashboard/")).status == 404
    box.app.bot_data["settings"].dashboard_url = "https://ops.example.org"
    async with TestClient(TestServer(make_webhook_app(box.app, "s", "/telegram"))) as on:
        r = await on.get("/dashboard/api/state")
        assert r.status == 403 and r.headers["Content-Security-Policy"].startswith("default-src")
        assert (await on.get("/healthz")).status == 200


async def test_the_command_says_when_the_dashboard_is_off(box: Sandbox) -> None:
    box.app.bot_data["settings"].operator_ids = frozenset({900})
    box.app.bot_data["cfg"] = DispatchConfig(operator_ids=frozenset({900}))
    operator = box.emu.user(900, first_name="Huda", language_code="en")
    await operator.send("/dashboard")
    await box.settle()
    assert operator.last.text == "The web dashboard is not set up (DASHBOARD_URL)."
