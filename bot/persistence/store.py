"""python-telegram-bot's persistence on our own database: write-through, nothing loaded up front.

PTB's persistences (Pickle, Dict) load everything at start-up and flush every
``update_interval``: right for one process, wrong for several. A worker would overwrite
another's newer state with its stale copy, and would never see a step another worker took.
This one inverts both halves:

- **reads** happen per update: ``refresh_user_data`` (PTB calls it once per update, before
  the first handler) reads the person's answers, and bot/persistence/flows.py puts the
  conversation steps of the update's chat into the ConversationHandlers before the update is
  processed. The ``get_*`` methods PTB calls at start-up return nothing;
- **writes** go to the database as PTB hands them over (``update_user_data``,
  ``update_conversation``), and bot/persistence/order.py asks PTB to hand them over right after
  every update (``Application.update_persistence``), while the chat's lock is still held,
  all of one update's writes in one transaction (``batch``).

Only ``user_data`` and the conversations are stored. ``bot_data`` holds the process's own
objects (the Database, the settings); ``chat_data`` and arbitrary callback data are not used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import BasePersistence, PersistenceInput

from storage import flow_state
from storage.db import Database
from storage.types import utcnow

Data = dict[Any, Any]
# python-telegram-bot's conversation key and mapping (its own aliases live in a private module).
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
# Told of every step written: (flow name, chat, user, deadline or None when the flow ended).
StateWritten = Callable[[str, int, int, datetime | None], None]
# A write held for the end of an update's batch: done in the batch's one transaction; then
# what to do once it committed.
Write = Callable[[AsyncSession], Awaitable[Callable[[], object] | None]]
_BATCH: ContextVar[list[Write] | None] = ContextVar("flow_writes", default=None)


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Conversations and user_data in ``flow_conversation`` / ``flow_user_data``."""

    def __init__(self, db: Database, *, conversation_timeout_s: float | None) -> None:
        # The periodic flush only catches what no update flushed (order.py flushes each one).
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db
        self.timeout = timedelta(seconds=conversation_timeout_s) if conversation_timeout_s else None
        self.on_state_written: StateWritten | None = None
        # user id -> the JSON last read or written for them (only non-empty ones): an update
        # that changed nothing writes nothing.
        self._known: dict[int, str] = {}
        # user id -> the answers read with the update's steps, not yet taken by refresh.
        self._prefetched: dict[int, str | None] = {}

    # ------------------------------------------------------------------ conversations
    async def get_conversations(self, name: str) -> ConversationDict:
        """Nothing up front: a chat's steps are read when its next update arrives (flows.py)."""
        return {}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        chat_id, user_id = _ids(key)
        now = utcnow()
        expires_at = now + self.timeout if self.timeout and new_state is not None else None

        async def write(s: AsyncSession) -> Callable[[], object] | None:
            if new_state is None:
                await flow_state.drop_state(s, name=name, chat_id=chat_id, user_id=user_id)
            else:
                await flow_state.save_state(
                    s,
                    name=name,
                    chat_id=chat_id,
                    user_id=user_id,
                    state=new_state,
                    now=now,
                    expires_at=expires_at,
                )
            told = self.on_state_written
            return None if told is None else lambda: told(name, chat_id, user_id, expires_at)

        await self._write(write)

    # ------------------------------------------------------------------ user_data
    async def get_user_data(self) -> dict[int, Data]:
        """Nothing up front: a person's answers are read by ``refresh_user_data``, per update."""
        return {}

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """The person's answers as the database has them now (another worker may have moved on):
        read with the update's steps when flows.py loaded them (``prefetched``), else here."""
        if user_id in self._prefetched:
            raw = self._prefetched.pop(user_id)
        else:
            async with self.db.session() as s:
                raw = await flow_state.user_data_of(s, user_id=user_id)
        user_data.clear()
        if raw is None:
            self._known.pop(user_id, None)
            return
        user_data.update(flow_state.decode(raw))
        self._known[user_id] = raw

    async def update_user_data(self, user_id: int, data: Data) -> None:
        try:
            raw = flow_state.encode(data) if data else None
        except TypeError as exc:
            raise TypeError(
                f"user_data of {user_id} must be JSON (keys {sorted(map(str, data))}): {exc}"
            ) from exc
        if raw == self._known.get(user_id):
            return

        async def write(s: AsyncSession) -> Callable[[], object]:
            if raw is None:
                await flow_state.drop_user_data(s, user_id=user_id)
                return partial(self._known.pop, user_id, None)
            await flow_state.save_user_data(s, user_id=user_id, data=raw, now=utcnow())
            return partial(self._known.__setitem__, user_id, raw)

        await self._write(write)

    async def drop_user_data(self, user_id: int) -> None:
        async def write(s: AsyncSession) -> Callable[[], object]:
            await flow_state.drop_user_data(s, user_id=user_id)
            return partial(self._known.pop, user_id, None)

        await self._write(write)

    # ------------------------------------------------------------------ one transaction
    def prefetched(self, user_id: int, raw: str | None) -> None:
        """The person's answers, read with their steps (flows.py): the next
        ``refresh_user_data`` of this person takes them instead of reading again."""
        self._prefetched[user_id] = raw

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Every write PTB hands over in the body, in one transaction at its end (flows.py
        wraps each update's write-back in one); outside a batch each write is its own."""
        writes: list[Write] = []
        token = _BATCH.set(writes)
        try:
            yield
        finally:
            _BATCH.reset(token)
        if writes:
            await self._commit(writes)

    async def _write(self, write: Write) -> None:
        pending = _BATCH.get()
        if pending is not None:
            pending.append(write)
        else:
            await self._commit([write])

    async def _commit(self, writes: list[Write]) -> None:
        async with self.db.session() as s:
            after = [await write(s) for write in writes]
        for then in after:
            if then is not None:
                then()

    # ------------------------------------------------------------------ not stored
    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def get_bot_data(self) -> Data:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        pass

    async def update_bot_data(self, data: Data) -> None:
        pass

    async def update_callback_data(self, data: object) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        pass

    async def refresh_bot_data(self, bot_data: Data) -> None:
        pass

    async def flush(self) -> None:
        """Nothing is buffered: every write went to the database when PTB handed it over."""


def _ids(key: ConversationKey) -> tuple[int, int]:
    """Our flows are per chat and per user (flows.py checks): the key is (chat id, user id)."""
    chat_id, user_id = key
    return int(chat_id), int(user_id)
