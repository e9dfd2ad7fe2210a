"""Half-filled flows in the database, so a flow survives a restart and moves between workers.

Two tables. ``flow_conversation``: which step of which flow (``/request``, ``/volunteer``) a
person is at in a chat, and when that step times out. ``flow_user_data``: the answers given so
far (python-telegram-bot's ``user_data``), as JSON. bot/persistence reads one person's rows
before each of their updates and writes them back right after, while it holds ``chat_lock``.

The values are JSON, never pickle (a row must not be able to run code): a state is a JSON value
(our flows use ints), user_data a JSON object (string keys; a tuple comes back as a list).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import text
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime

if TYPE_CHECKING:
    from storage.db import Database

# pg_advisory_xact_lock(classid, objid): the two-int4 key space, apart from the one-bigint
# space the migrations' lock uses. "fl" in ASCII: the class of every per-chat flow lock.
LOCK_CLASS = 0x666C


class FlowConversation(SQLModel, table=True):
    """One person at one step of one flow, in one chat (python-telegram-bot's conversation key)."""

    __tablename__ = "flow_conversation"

    name: str = Field(primary_key=True, max_length=64)
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # When the flow closes itself if nobody answers (CONVERSATION_TIMEOUT_S); None: never.
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )


class FlowUserData(SQLModel, table=True):
    """A person's answers so far (``user_data``); no row when there are none."""

    __tablename__ = "flow_user_data"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: str = Field(sa_column=Column(Text, nullable=False))  # a JSON object
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def encode(value: object) -> str:
    """Canonical JSON (sorted keys), so equal data is equal text and an unchanged one is not
    written again."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode(raw: str) -> Any:
    return json.loads(raw)


async def _upsert(
    session: AsyncSession, table: Any, keys: dict[str, Any], values: dict[str, Any]
) -> None:
    """INSERT … ON CONFLICT (the primary key) DO UPDATE: one statement, no read first."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**keys, **values)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=values)
    await session.exec(stmt)  # type: ignore[call-overload]


# ---------------------------------------------------------------------- conversations
async def states_of(
    session: AsyncSession, *, chat_id: int, user_id: int, now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The live steps of every flow for this chat and person, and the names whose time is up."""
    rows = (
        await session.exec(
            select(FlowConversation).where(  # type: ignore[call-overload]
                FlowConversation.chat_id == chat_id,  # type: ignore[arg-type]
                FlowConversation.user_id == user_id,  # type: ignore[arg-type]
            )
        )
    ).scalars()
    live: dict[str, Any] = {}
    expired: list[str] = []
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            expired.append(row.name)
        else:
            live[row.name] = decode(row.state)
    return live, expired


async def save_state(
    session: AsyncSession,
    *,
    name: str,
    chat_id: int,
    user_id: int,
    state: object,
    now: datetime,
    expires_at: datetime | None,
) -> None:
    await _upsert(
        session,
        FlowConversation,
        {"name": name, "chat_id": chat_id, "user_id": user_id},
        {"state": encode(state), "updated_at": now, "expires_at": expires_at},
    )


async def drop_state(session: AsyncSession, *, name: str, chat_id: int, user_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        delete(FlowConversation).where(
            FlowConversation.name == name,  # type: ignore[arg-type]
            FlowConversation.chat_id == chat_id,  # type: ignore[arg-type]
            FlowConversation.user_id == user_id,  # type: ignore[arg-type]
        )
    )


async def claim_expired(
    session: AsyncSession, *, name: str, chat_id: int, user_id: int, now: datetime
) -> bool:
    """End a flow whose time is up; True for exactly one caller, across every worker.

    A conditional DELETE: a step advanced meanwhile (by any worker) has a later deadline and is
    left alone, and of two workers firing the same timeout only one deletes the row.
    """
    result = await session.exec(  # type: ignore[call-overload]
        delete(FlowConversation).where(
            FlowConversation.name == name,  # type: ignore[arg-type]
            FlowConversation.chat_id == chat_id,  # type: ignore[arg-type]
            FlowConversation.user_id == user_id,  # type: ignore[arg-type]
            FlowConversation.expires_at <= now,  # type: ignore[operator, arg-type]
        )
    )
    return bool(result.rowcount)


async def deadlines(
    session: AsyncSession, *, due_by: datetime | None = None
) -> list[tuple[str, int, int, datetime]]:
    """(name, chat, user, expires_at) of every flow that times out (by ``due_by`` if given)."""
    stmt = select(
        FlowConversation.name,
        FlowConversation.chat_id,
        FlowConversation.user_id,
        FlowConversation.expires_at,
    ).where(FlowConversation.expires_at.is_not(None))  # type: ignore[union-attr]
    if due_by is not None:
        stmt = stmt.where(FlowConversation.expires_at <= due_by)  # type: ignore[operator, arg-type]
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [(r[0], int(r[1]), int(r[2]), r[3]) for r in rows]


# ---------------------------------------------------------------------- user_data
async def user_data_of(session: AsyncSession, *, user_id: int) -> str | None:
    """The person's answers as stored (JSON text), None when there are none."""
    row = await session.get(FlowUserData, user_id)
    return row.data if row is not None else None


async def save_user_data(session: AsyncSession, *, user_id: int, data: str, now: datetime) -> None:
    await _upsert(session, FlowUserData, {"user_id": user_id}, {"data": data, "updated_at": now})


async def drop_user_data(session: AsyncSession, *, user_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        delete(FlowUserData).where(FlowUserData.user_id == user_id)  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------- per-chat order
def lock_key(chat_or_user_id: int) -> int:
    """A Telegram id folded into int4 (the advisory lock's objid).

    Ids are up to 52 bits; two of them that fold alike (1 in 4 billion) only share a lock, so
    one waits for the other: never wrong, at worst a little slower.
    """
    return ((chat_or_user_id + 2**31) % 2**32) - 2**31


@asynccontextmanager
async def chat_lock(db: Database, ids: Iterable[int]) -> AsyncIterator[None]:
    """Hold the lock of these chats and people for the body: one update of theirs at a time.

    PostgreSQL: ``pg_advisory_xact_lock`` in a transaction held open on its own connection for
    the body, taken in ascending key order so two holders of overlapping sets cannot deadlock;
    released at COMMIT, or by the server when the connection dies with a killed worker.
    SQLite is one process (python-telegram-bot already runs its updates one at a time): nothing
    to take.
    """
    if db.is_sqlite:
        yield
        return
    keys = sorted({lock_key(i) for i in ids})
    async with db.engine.connect() as conn, conn.begin():
        for key in keys:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": LOCK_CLASS, "k": key}
            )
        yield
