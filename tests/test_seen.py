"""Who is writing: recorded in the flows' read-only load when nothing changed, written apart
when something did (bot/handlers/plumbing.py, bot/services/people.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from bot.services import people
from storage.db import Database
from storage.models import Person
from tests.e2e_helpers import e2e_sandbox

ME: dict[str, Any] = {"person_id": 5, "chat_id": 5, "first_name": "Sara", "username": "sara"}


async def test_a_known_unchanged_person_is_answered_from_a_read(db: Database) -> None:
    async with db.session() as s:
        assert await people.known_language(s, **ME, telegram_language="ar") is None  # new
        assert await people.seen(s, **ME, telegram_language="ar") == "ar"
        await s.commit()
    async with db.read_session() as s:
        assert await people.known_language(s, **ME, telegram_language="ar") == "ar"
        renamed: dict[str, Any] = {**ME, "first_name": "Sarah"}
        assert await people.known_language(s, **renamed, telegram_language="ar") is None
        assert await people.known_language(s, **ME, telegram_language="en") is None
    async with db.session() as s:
        person = await s.get(Person, 5)
        assert person is not None
        person.blocked = True  # the bot was blocked; writing again must clear it
        s.add(person)
        await s.commit()
    async with db.read_session() as s:
        assert await people.known_language(s, **ME, telegram_language="ar") is None


async def _person(db: Database, person_id: int) -> Person:
    async with db.session() as s:
        person = await s.get(Person, person_id)
        assert person is not None
        return person


async def test_a_newcomer_a_new_name_and_a_blocked_person_are_written(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path) as box:
        user = box.emu.user(42, first_name="Huda", language_code="ar")
        await user.send("/help")
        await box.settle()
        assert (await _person(box.db, 42)).first_name == "Huda"
        async with box.db.session() as s:
            person = await s.get(Person, 42)
            assert person is not None
            person.blocked = True
            s.add(person)
            await s.commit()
        user.first_name = "Hoda"
        await user.send("/help")
        await box.settle()
        person = await _person(box.db, 42)
        assert person.first_name == "Hoda" and not person.blocked


async def test_a_known_persons_flow_step_loads_while_another_writer_holds_the_lock(
    tmp_path: Path,
) -> None:
    """The load takes no write lock (SQLite): a writer elsewhere does not hold up the read.
    The step itself may write and then waits its turn, as before."""
    async with e2e_sandbox(tmp_path) as box:
        user = box.emu.user(43, first_name="Omar", language_code="en")
        await user.send("/help")
        await box.settle()
        flows = box.app.bot_data["flows"]
        update = await _an_update_of(box, user)
        path = box.db.url.split("///", 1)[1]
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
            key = await flows.load(update)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert key == (43, 43)


async def _an_update_of(box: Sandbox, user: EmuUser) -> Update:
    data = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user.id, "type": "private"},
            "from": user.user_json(),
            "text": "/help",
        },
    }
    return Update.de_json(data, box.app.bot)


async def test_only_someone_recorded_as_they_are_now_is_loaded_by_a_read(tmp_path: Path) -> None:
    from bot.handlers.plumbing import sender_known

    async with e2e_sandbox(tmp_path) as box:
        user = box.emu.user(44, first_name="Laila", language_code="ar")
        assert not sender_known(await _an_update_of(box, user))  # a newcomer: the load writes
        await user.send("/help")
        await box.settle()
        assert sender_known(await _an_update_of(box, user))
        user.first_name = "Layla"
        assert not sender_known(await _an_update_of(box, user))  # renamed: written again
        await user.send("/help")
        await box.settle()
        assert sender_known(await _an_update_of(box, user))
        assert (await _person(box.db, 44)).first_name == "Layla"
