"""What the crash test (tests/test_crash.py) needs besides the process helpers of
tests/processes.py: a killer inside the emulator, and the outbox's rows held against what
Telegram got.

Telegram has no idempotency key, so "each notice said once" is checked from both sides: every
outbox row, rendered as the sender renders it, is matched with the messages the emulator took
for its chat. A row that was in a sender's hands (claimed, not yet marked) when its process
was killed may have been taken by Telegram without anybody recording it: that row, and only
that row, may be said twice. Any other extra copy, and any missing one, is a defect.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from bot.devtools.emulator import ApiError, BotApiEmulator, Call
from bot.devtools.emulator.methods import CHAT_METHODS, METHODS
from bot.formatting import chunks
from bot.handlers.render import render
from bot.services import delivery
from storage.db import Database
from storage.models import OutboxMessage
from tests.processes import BotProcess

#: The calls that put a new message in a chat (an edit changes one, and may be repeated).
NEW_MESSAGE = ("sendMessage", "sendLocation", "sendPhoto", "sendDocument", "sendContact")
Key = tuple[Hashable, ...]
Match = Callable[[str, dict[str, Any]], bool]


def any_call(method: str, params: dict[str, Any]) -> bool:
    return True


def an_alert(method: str, params: dict[str, Any]) -> bool:
    """An alert to a volunteer: a message with an Accept button (always an outbox notice)."""
    return method == "sendmessage" and "offer:acc:" in str(params.get("reply_markup", ""))


def a_job(method: str, params: dict[str, Any]) -> bool:
    """The job to the winner, with the exact point (always an outbox notice)."""
    return method == "sendmessage" and "You are assigned to request #" in str(params.get("text"))


class Killer:
    """Stands in for every chat method, to SIGKILL the bot around the n-th matching call:
    ``after`` Telegram took it (the worst moment: nothing recorded that it was said) or
    ``before`` (the call never reaches Telegram; nobody hears the 502: the process is gone)."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.bot: BotProcess | None = None
        self.died = asyncio.Event()
        self.at: list[float] = []  # when each kill was sent (time.time(), as Call.at)
        self._countdown: int | None = None
        self._match: Match = any_call
        self._after = True
        self._chats: set[int] | None = None
        for name in CHAT_METHODS:
            emu.overrides[name] = self._wrap(name, METHODS[name])

    def arm(self, calls: int, match: Match, *, after: bool, chats: set[int] | None = None) -> None:
        """Kill at the ``calls``-th call that matches (to one of ``chats``, when given)."""
        self._countdown, self._match, self._after = calls, match, after
        self._chats = chats
        self.died.clear()

    def kill(self) -> None:
        """SIGKILL now (at most once per arming), wherever the process is."""
        proc = self.bot.proc if self.bot is not None else None
        if proc is not None and proc.returncode is None and not self.died.is_set():
            proc.send_signal(signal.SIGKILL)
            self.at.append(time.time())
        self._countdown = None
        self.died.set()

    def _due(self, name: str, params: dict[str, Any]) -> bool:
        if self._countdown is None or not self._match(name, params):
            return False
        if self._chats is not None and int(params.get("chat_id") or 0) not in self._chats:
            return False
        self._countdown -= 1
        return self._countdown <= 0

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        async def method(state: Any, params: dict[str, Any]) -> Any:
            due = self._due(name, params)
            if due and not self._after:
                self.kill()
                raise ApiError(502, "Bad Gateway")
            result = original(state, params)
            result = await result if inspect.isawaitable(result) else result
            if due:
                self.kill()  # before the answer leaves: the process never hears it
            return result

        return method


async def in_hand(db: Database) -> set[tuple[int, str]]:
    """The outbox rows a sender had claimed and not yet marked, each with its claim's end:
    after a kill, those the dead process may have said without recording it. A row seen at
    two kills with one claim was the earlier process's (nobody claimed it since): said at
    most once more; with two claims, by two processes, each of which may have said it."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, claimed_until FROM outbox"
                " WHERE status = 'pending' AND claimed_until IS NOT NULL"
            )
        )
        return {(int(r[0]), str(r[1])) for r in rows.all()}


def _point(lat: Any, lon: Any) -> tuple[float, float]:
    return round(float(lat), 5), round(float(lon), 5)


def call_key(call: Call) -> Key:
    """What one new message was, as the chat shows it."""
    p = call.params
    chat = int(p["chat_id"])
    if call.method.lower() == "sendlocation":
        return (chat, "point", *_point(p["latitude"], p["longitude"]))
    if call.method.lower() == "sendphoto":
        return (chat, "photo", str(p.get("caption") or ""))
    return (chat, call.method.lower(), str(p.get("text") or ""))


def row_keys(row: OutboxMessage) -> list[Key]:
    """The new messages one outbox row becomes when it is said (none for an edit)."""
    notice = delivery.notice_of(row)
    if notice.edit is not None:
        return []
    rendered = render(notice)
    chat = notice.to.chat_id
    if rendered.photo is not None:
        return [(chat, "photo", rendered.text)]
    keys: list[Key] = []
    if rendered.location is not None:
        keys.append((chat, "point", *_point(*rendered.location)))
    keys += [(chat, "sendmessage", part) for part in chunks(rendered.text) if part]
    return keys


@dataclass
class Tally:
    """Each said row against Telegram's record: the copies too many, the copies missing."""

    rows: int = 0
    doubled: list[str] = field(default_factory=list)  # extra copies of rows in hand at a kill
    extra: list[str] = field(default_factory=list)  # extra copies nothing can explain
    missing: list[str] = field(default_factory=list)


async def tally(emu: BotApiEmulator, db: Database, in_hand_at_kills: set[tuple[int, str]]) -> Tally:
    """Match every said row with Telegram's record; a row may have one extra copy per
    claim of it that a kill interrupted."""
    claims = Counter(row_id for row_id, _ in in_hand_at_kills)
    async with db.session() as s:
        rows = list(
            (await s.exec(select(OutboxMessage).where(OutboxMessage.status == "sent"))).all()
        )
    said: Counter[Key] = Counter(call_key(c) for m in NEW_MESSAGE for c in emu.applied(m))
    owed: Counter[Key] = Counter()
    excused: Counter[Key] = Counter()
    names: dict[Key, str] = {}
    out = Tally(rows=len(rows))
    for row in rows:
        for key in row_keys(row):
            owed[key] += 1
            names.setdefault(key, f"{row.event} to chat {row.chat_id}: {str(key[-1])[:60]!r}")
            excused[key] += claims[row.id] if row.id is not None else 0
    for key, n in owed.items():
        got = said[key]
        if got < n:
            out.missing.append(f"{names[key]}: said {got} of {n} times")
        elif got > n + excused[key]:
            out.extra.append(f"{names[key]}: said {got} times for {n} rows")
        else:
            out.doubled += [names[key]] * (got - n)
    return out


def copies(emu: BotApiEmulator, kills: list[float]) -> list[str]:
    """Each message that reached a chat more than once, with when (seconds, as the kills):
    for reading a run (CRASH_LOGS), next to the log of every incarnation."""
    seen: dict[Key, list[float]] = {}
    for method in NEW_MESSAGE:
        for c in emu.applied(method):
            seen.setdefault(call_key(c), []).append(c.at)
    start = min((c.at for c in emu.calls), default=0.0)
    lines = [f"kills at {[round(k - start, 2) for k in kills]}"]
    for key, ats in seen.items():
        if len(ats) > 1:
            lines.append(f"{str(key)[:90]} at {[round(a - start, 2) for a in ats]}")
    return lines
