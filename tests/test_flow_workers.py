"""Two workers alive on one PostgreSQL database: a flow continues on whichever gets the update.

Two real Applications, each with its own Database (its own connection pool, as two processes
would have), share one emulator. Exactly one of them polls at a time (``listen``), so the test
chooses which worker gets each update; the other stays alive with whatever it remembers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text, update
from telegram.ext import Application

from bot.app import build_application, start_application, stop_application
from bot.devtools.emulator import BotApiEmulator, EmuUser
from bot.devtools.sandbox import TOKEN
from bot.persistence import Flows
from bot.settings import Settings
from storage import requests
from storage.db import Database
from storage.flow_state import LOCK_CLASS, FlowConversation
from storage.types import utcnow
from tests.databases import empty_tables
from tests.factories import RIYADH, offset, volunteer
from tests.processes import Hold

HERE = (RIYADH.lat, RIYADH.lon)
App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Fleet:
    emu: BotApiEmulator
    dbs: list[Database]
    apps: list[App] = field(default_factory=list)

    async def listen(self, i: int) -> None:
        """Worker ``i`` alone takes the updates from now on."""
        for j, app in enumerate(self.apps):
            if j != i and app.updater is not None and app.updater.running:
                await app.updater.stop()
        updater = self.apps[i].updater
        assert updater is not None
        if not updater.running:
            await updater.start_polling(
                poll_interval=0.0,
                timeout=1,
                allowed_updates=["message", "edited_message", "callback_query"],
            )

    async def settle(self) -> None:
        await self.emu.idle()
        for app in self.apps:
            await asyncio.wait_for(app.update_queue.join(), 10)
        await self.emu.idle()

    def flows(self, i: int) -> Flows:
        return self.apps[i].bot_data["flows"]


@asynccontextmanager
async def fleet(pg_url: str | None, n: int = 2, **overrides: Any) -> AsyncIterator[Fleet]:
    if pg_url is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    setup = Database(pg_url)
    await empty_tables(setup)  # the session's database, at head: emptied, never dropped
    await setup.dispose()
    emu = BotApiEmulator(token=TOKEN, bot_username="musaada_bot")
    await emu.start()
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=pg_url,
        **overrides,
    )
    box = Fleet(emu, [Database(pg_url) for _ in range(n)])
    try:
        for db in box.dbs:
            app = build_application(settings, db, token=TOKEN)
            await start_application(app)  # not polling yet: see listen()
            box.apps.append(app)
        yield box
    finally:
        for app in box.apps:
            await stop_application(app)
        await empty_tables(box.dbs[0])
        for db in box.dbs:
            await db.dispose()
        await emu.stop()


async def act(box: Fleet, user: EmuUser, action: str | tuple[float, float]) -> None:
    if isinstance(action, tuple):
        await user.send_location(*action)
    elif action.startswith(("inc:", "conduct:", "skill:", "equip:")):
        await user.press(action)
    else:
        await user.send(action)
    await box.settle()


async def waiting_for_a_flow_lock(db: Database) -> int:
    async with db.session() as s:
        result = await s.exec(  # type: ignore[call-overload]
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = :c AND NOT granted"
            ),
            params={"c": LOCK_CLASS},
        )
        return int(result.scalar_one())


async def test_each_step_on_another_worker(pg_url: str | None) -> None:
    async with fleet(pg_url, auto_verify_volunteers=True) as box:
        await volunteer(box.dbs[0], 10, offset(*HERE, 0.5), utcnow())
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await box.listen(0)
        await act(box, citizen, "/request")
        await box.listen(1)
        await act(box, citizen, "inc:flood")  # worker 1 never saw /request
        assert "Share your location" in (citizen.last.text or ""), citizen.dump()
        await box.listen(0)  # worker 0 remembers the type step: the database knows better
        await act(box, citizen, HERE)
        assert "Anything the volunteer should know" in (citizen.last.text or ""), citizen.dump()
        await box.listen(1)
        await act(box, citizen, "on the roof")
        async with box.dbs[1].session() as s:
            req = await requests.get_request(s, 1)
        assert req is not None and (req.incident, req.description) == ("flood", "on the roof")
        # And each worker, asked again, starts a new flow rather than resuming an old one.
        for i in (0, 1):
            await box.listen(i)
            await act(box, citizen, "hello")
            assert "did not understand" in (citizen.last.text or ""), citizen.dump()


async def test_two_updates_of_one_chat_on_two_workers_take_turns(pg_url: str | None) -> None:
    """The location goes to worker 0, the description to worker 1 while 0 is still on it.

    Without the chat's lock worker 1 would read the step before the location (the location
    question) and answer "I need your location"; with it, worker 1 waits, then reads the step
    worker 0 wrote, and the description is the request's.
    """
    async with fleet(pg_url, auto_verify_volunteers=True) as box:
        await volunteer(box.dbs[0], 10, offset(*HERE, 0.5), utcnow())
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await box.listen(0)
        for action in ("/request", "inc:fire"):
            await act(box, citizen, action)
        hold = Hold(box.emu, "sendMessage")  # worker 0's answer to the location stays in flight
        await citizen.send_location(*HERE)
        await asyncio.wait_for(hold.entered.wait(), 10)
        await box.listen(1)
        await citizen.send("smoke on the 3rd floor")
        # Worker 1 fetched it and is waiting for the chat's lock (the server says so).
        for _ in range(500):
            if await waiting_for_a_flow_lock(box.dbs[0]):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("worker 1 never waited for the chat's lock")
        hold.release.set()
        await box.settle()
        async with box.dbs[0].session() as s:
            req = await requests.get_request(s, 1)
        assert req is not None and req.description == "smoke on the 3rd floor", citizen.dump()
        assert not any("I need your location" in (m.text or "") for m in citizen.messages)


async def test_a_timeout_fires_once_across_workers(pg_url: str | None) -> None:
    async with fleet(pg_url, conversation_timeout_s=600.0) as box:
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await box.listen(0)
        for action in ("/request", "inc:fire"):
            await act(box, citizen, action)
        async with box.dbs[0].session() as s:  # its deadline passes now
            await s.exec(
                update(FlowConversation).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        key = ("request_help", 1, 1)
        fired = await asyncio.gather(box.flows(0).expire(key), box.flows(1).expire(key))
        assert sorted(fired) == [False, True]
        await box.settle()
        told = [m for m in citizen.messages if "left unfinished" in (m.text or "")]
        assert len(told) == 1, citizen.dump()
        await box.listen(1)
        await act(box, citizen, HERE)  # not a request's location any more, on either worker
        async with box.dbs[1].session() as s:
            assert await requests.get_request(s, 1) is None
