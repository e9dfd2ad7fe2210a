"""A flow half-filled, the bot restarted: the next message continues it (SQLite and PostgreSQL).

The real Application against the emulator; between two steps it is stopped and a NEW
Application is started on the same database (bot/persistence/: the steps and answers are rows,
nothing is kept in the process). The timeout survives the restart too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox, sandbox, start_app, stop_app
from bot.services import volunteering
from domain.incidents import IncidentType
from storage import requests
from storage.db import Database
from storage.flow_state import FlowConversation, FlowUserData
from storage.types import utcnow
from tests.databases import empty_tables
from tests.e2e_helpers import QUIET_PERIOD
from tests.factories import RIYADH, offset, volunteer

HERE = (RIYADH.lat, RIYADH.lon)


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request: pytest.FixtureRequest, tmp_path, pg_url: str | None) -> AsyncIterator[str]:
    """A database URL the bot can start on: SQLite upgrades itself; PostgreSQL is made at head."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/flows.db"
        return
    if pg_url is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    db = Database(pg_url)
    await empty_tables(db)  # the session's database, at head: emptied, never dropped
    try:
        yield pg_url
    finally:
        await empty_tables(db)
        await db.dispose()


async def step(box: Sandbox, user: EmuUser, action: str | tuple[float, float]) -> None:
    if isinstance(action, tuple):
        await user.send_location(*action)
    elif action.startswith(("inc:", "conduct:", "skill:", "equip:")):
        await user.press(action)
    else:
        await user.send(action)
    await box.settle()


async def restart(box: Sandbox) -> None:
    """The bot goes down and a new Application (new memory, new job queue) comes up."""
    await stop_app(box.app)
    box.app = await start_app(box.settings, box.db)


async def rows(db: Database) -> tuple[list[FlowConversation], list[FlowUserData]]:
    async with db.session() as s:
        convs = (await s.exec(select(FlowConversation))).all()
        data = (await s.exec(select(FlowUserData))).all()
    return list(convs), list(data)


async def test_a_request_half_filled_continues_after_a_restart(url: str) -> None:
    async with sandbox(url, quiet_period=QUIET_PERIOD, auto_verify_volunteers=True) as box:
        await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        for action in ("/request", "inc:fire"):
            await step(box, citizen, action)
        assert "Share your location" in (citizen.last.text or "")
        convs, data = await rows(box.db)
        assert [(c.name, c.chat_id, c.user_id) for c in convs] == [("request_help", 1, 1)]
        assert len(data) == 1  # the incident chosen

        await restart(box)
        await step(box, citizen, HERE)  # the location step, in the new process
        assert "Anything the volunteer should know" in (citizen.last.text or ""), citizen.dump()
        await restart(box)
        await step(box, citizen, "two people, a white car")
        async with box.db.session() as s:
            req = await requests.get_request(s, 1)
        assert req is not None
        assert (req.incident, req.description) == ("fire", "two people, a white car")
        assert (req.lat, req.lon) == HERE
        assert await rows(box.db) == ([], [])  # the flow is over: nothing left behind


async def test_a_volunteer_half_signed_up_continues_after_a_restart(url: str) -> None:
    async with sandbox(url, quiet_period=QUIET_PERIOD, auto_verify_volunteers=True) as box:
        user = box.emu.user(2, first_name="Sami", language_code="ar")
        for action in ("/volunteer", "conduct:ok", "skill:fire"):
            await step(box, user, action)
        await restart(box)
        # The skill chosen before the restart is still ticked: the answers are rows too.
        for action in ("skill:first_aid", "skill:ok"):
            await step(box, user, action)
        await restart(box)
        for later in ("equip:ok", HERE):
            await step(box, user, later)
        await restart(box)
        skip = next(b for b in user.last.reply_buttons if not b.startswith(("📞", "✖")))
        await step(box, user, skip)
        async with box.db.session() as s:
            vol = await volunteering.get_profile(s, 2)
        assert vol is not None and vol.status == "verified", user.dump()
        assert vol.skills == IncidentType.FIRE.bit | IncidentType.FIRST_AID.bit
        assert await rows(box.db) == ([], [])


async def test_a_flow_times_out_even_when_the_deadline_passed_while_the_bot_was_down(
    url: str,
) -> None:
    # Long enough that each step lands inside the flow (every settle waits for the bot to go quiet).
    async with sandbox(url, quiet_period=QUIET_PERIOD, conversation_timeout_s=3.0) as box:
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        for action in ("/request", "inc:fire"):
            await step(box, citizen, action)
        await stop_app(box.app)
        (conv,), _ = await rows(box.db)
        assert conv.expires_at is not None
        # The deadline comes while the bot is down.
        await asyncio.sleep(max(0.0, (conv.expires_at - utcnow()).total_seconds()) + 0.2)
        box.app = await start_app(box.settings, box.db)
        closed = await citizen.wait_for(lambda m: "left unfinished" in (m.text or ""))
        assert "🆘 Request help" in closed.reply_buttons
        await step(box, citizen, HERE)
        async with box.db.session() as s:
            assert await requests.get_request(s, 1) is None
        assert await rows(box.db) == ([], [])
        told = [m for m in citizen.messages if "left unfinished" in (m.text or "")]
        assert len(told) == 1


async def test_an_overdue_step_is_closed_before_the_next_message_is_read(url: str) -> None:
    """Nobody fired the timeout yet (its job is far off): the person's next message is not
    taken as the answer to a question that has expired."""
    async with sandbox(url, quiet_period=QUIET_PERIOD, conversation_timeout_s=600.0) as box:
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        for action in ("/request", "inc:fire"):
            await step(box, citizen, action)
        async with box.db.session() as s:  # as if the deadline passed and its job was lost
            await s.exec(
                update(FlowConversation).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        await step(box, citizen, HERE)
        texts = [m.text or "" for m in citizen.messages]
        assert any("left unfinished" in t for t in texts), citizen.dump()
        assert not any("Anything the volunteer should know" in t for t in texts)
        async with box.db.session() as s:
            assert await requests.get_request(s, 1) is None
