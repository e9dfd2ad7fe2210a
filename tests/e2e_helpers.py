"""Scripted steps the end-to-end tests share: what a citizen or a volunteer does in Telegram.

Each step goes through the emulator (a tap, a message, a location) and then waits for the
bot to settle, so a test reads as the conversation it drives. The ``box`` fixture that
provides the Sandbox lives in tests/conftest.py; test modules import from here, never from
each other.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from bot.devtools.emulator import BotApiEmulator, Call, EmuMessage, EmuUser
from bot.devtools.sandbox import Sandbox, sandbox
from storage import migrations, requests
from storage import volunteers as vstore
from storage.models import Volunteer
from storage.types import utcnow
from tests.factories import RIYADH, offset, volunteer

HERE: tuple[float, float] = (RIYADH.lat, RIYADH.lon)

#: How long the bot must stay silent before ``settle`` returns. The emulator's 0.3 s suits a
#: human-paced demo; tests settle dozens of times each, and ``Sandbox.settle`` also waits for
#: every update to be taken (confirmed) and handled, for running jobs and for a pass over the
#: due timers, so the quiet period only has to cover what none of those tracks: the moment
#: between a fetch and its handler starting. 0.05 s rather than 0.1: a quarter of the e2e
#: files' time was this wait (48 s -> 36 s for four of them); six processes on two cores
#: (load 10) found no test that needs longer (what failed there was a 1 s wave timer).
QUIET_PERIOD = 0.05

#: A step of a conversation: a location is shared, a button with one of these prefixes is
#: tapped, anything else is sent as text (a command, a menu label, an answer).
Action = str | tuple[float, float]
PRESSED = ("inc:", "conduct:", "skill:", "equip:")

#: The main menu's labels as the keyboards show them (tests/test_e2e_flows.py checks them
#: against the catalogs), so tests tap the real buttons.
MENU = {
    "en": {
        "request": "🆘 Request help",
        "volunteer": "🙋 Volunteer",
        "numbers": "☎️ Emergency numbers",
        "language": "🌐 Language",
    },
    "ar": {
        "request": "🆘 طلب مساعدة",
        "volunteer": "🙋 تطوع",
        "numbers": "☎️ أرقام الطوارئ",
        "language": "🌐 اللغة",
    },
}


@functools.cache
def head_schema() -> Path:
    """An SQLite file at the head schema, made once per test process (``create_all`` stamped
    at head): a copy of it is quicker than replaying every revision, and
    tests/test_migrations.py proves the two schemas are the same."""
    folder = Path(tempfile.mkdtemp(prefix="musaada-head-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "head.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        # WAL is a property of the file, as the bot's first connection would have made it: a
        # copy in rollback-journal mode would lock readers and writers out of each other.
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    with engine.begin() as conn:
        migrations.create_at_head(conn, SQLModel.metadata)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


def e2e_sandbox(tmp_path: Path, **settings: Any) -> AbstractAsyncContextManager[Sandbox]:
    """The bot against the emulator on a fresh SQLite file at the head schema, with the tests'
    quiet period; ``settings`` are Settings fields. The ``box`` fixture is this with its marks'
    settings.

    Each call gets a file of its own: a test that starts a sandbox beside a fixture's (both
    given the test's tmp_path) must not share the fixture's database, or the other bot claims
    its timers and its outbox and says them through the other emulator."""
    n = 1 + sum(1 for _ in tmp_path.glob("e2e*.db"))
    path = tmp_path / ("e2e.db" if n == 1 else f"e2e-{n}.db")
    shutil.copy(head_schema(), path)
    return sandbox(f"sqlite:///{path}", quiet_period=QUIET_PERIOD, **settings)


async def step(box: Sandbox, user: EmuUser, action: Action) -> None:
    """One step of a conversation, then wait until the bot has answered it."""
    if isinstance(action, tuple):
        await user.send_location(*action)
    elif action.startswith(PRESSED):
        await user.press(action)
    else:
        await user.send(action)
    await box.settle()


async def say(box: Sandbox, user: EmuUser, text: str) -> str:
    """Send a text and return the bot's newest message in that chat."""
    await user.send(text)
    await box.settle()
    return user.last.text or ""


def said(user: EmuUser, since: int) -> str:
    """Everything the bot said in this chat from message number ``since`` on."""
    return "\n".join(m.text or "" for m in user.messages[since:])


async def request_help(
    box: Sandbox, citizen: EmuUser, incident: str = "fire", at: tuple[float, float] = HERE
) -> None:
    """A citizen asks for help with /request: the incident, the location, no details."""
    for action in ("/request", f"inc:{incident}", at, "Skip"):
        await step(box, citizen, action)


async def ask_for_help(
    box: Sandbox, citizen: EmuUser, incident: str, at: tuple[float, float], details: str | None
) -> None:
    """Ask for help the way a newcomer does: /start, the menu's first button, then /request's
    steps, with the details typed (or skipped with the keyboard's button)."""
    await citizen.send("/start")
    await box.settle()
    menu = citizen.last
    assert menu is not None
    await citizen.send(menu.reply_buttons[0])  # "Request help", in the citizen's language
    await box.settle()
    await citizen.press(f"inc:{incident}")
    await box.settle()
    await citizen.send_location(*at)
    await box.settle()
    if details is None:
        await citizen.send(citizen.last.reply_buttons[0])  # Skip
    else:
        await citizen.send(details)
    await box.settle()


async def add_volunteers(box: Sandbox, *specs: tuple[int, float], **kw: Any) -> list[EmuUser]:
    """Verified, on-duty volunteers written straight into the database, ``km`` north of HERE.

    ``specs`` are ``(person id, km)``; ``kw`` are Volunteer fields (as tests.factories takes).
    """
    users = []
    for pid, km in specs:
        users.append(box.emu.user(pid, first_name=f"V{pid}", language_code="en"))
        await volunteer(box.db, pid, offset(*HERE, km), utcnow(), **kw)
    return users


def alert_of(user: EmuUser) -> EmuMessage:
    """The first alert (a message with an Accept button) this volunteer received."""
    return next(m for m in user.messages if any(d.startswith("offer:acc:") for d in m.button_data))


async def accept_alert(box: Sandbox, vol: EmuUser) -> None:
    """The volunteer taps Accept on their alert."""
    await vol.press(alert_of(vol).button_data[0])
    await box.settle()


def alerted(box: Sandbox) -> list[int]:
    """The chat ids of every alert the bot sent, in order (failed sends included)."""
    return [
        c.params["chat_id"]
        for c in box.emu.calls_for("sendMessage")
        if "offer:acc" in str(c.params.get("reply_markup", ""))
    ]


def offers_to(emu: BotApiEmulator, chat_id: int) -> list[Call]:
    """Every alert (a message with an Accept button) the bot sent to this chat."""
    return [
        c
        for c in emu.calls_for("sendMessage")
        if c.ok
        and c.params["chat_id"] == chat_id
        and "offer:acc" in str(c.params.get("reply_markup", ""))
    ]


async def status_of(box: Sandbox, rid: int = 1) -> str:
    """The request's status as stored, or "missing"."""
    async with box.db.session() as s:
        req = await requests.get_request(s, rid)
        return req.status if req else "missing"


async def no_request(box: Sandbox) -> None:
    """No request was created and no volunteer alerted."""
    async with box.db.session() as s:
        assert await requests.get_request(s, 1) is None
    assert not [c for c in box.emu.calls_for("sendMessage") if "offer:acc" in str(c.params)]


async def vol_row(box: Sandbox, pid: int) -> Volunteer:
    """The volunteer's row as stored; it must exist."""
    async with box.db.session() as s:
        v = await vstore.get_volunteer(s, pid)
    assert v is not None
    return v
