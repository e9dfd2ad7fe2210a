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
  every update (``Application.update_persistence``), while the chat's lock is still held.

Only ``user_data`` and the conversations are stored. ``bot_data`` holds the process's own
objects (the Database, the settings); ``chat_data`` and arbitrary callback data are not used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

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

    # ------------------------------------------------------------------ conversations
    async def get_conversations(self, name: str) -> ConversationDict:
        """Nothing up front: a chat's steps are read when its next update arrives (flows.py)."""
        return {}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        chat_id, user_id = _ids(key)
        now = utcnow()
        expires_at = None
        async with self.db.session() as s:
            if new_state is None:
                await flow_state.drop_state(s, name=name, chat_id=chat_id, user_id=user_id)
            else:
                expires_at = now + self.timeout if self.timeout else None
                await flow_state.save_state(
                    s,
                    name=name,
                    chat_id=chat_id,
                    user_id=user_id,
                    state=new_state,
                    now=now,
                    expires_at=expires_at,
                )
        if self.on_state_written is not None:
            self.on_state_written(name, chat_id, user_id, expires_at)

    # ------------------------------------------------------------------ user_data
    async def get_user_data(self) -> dict[int, Data]:
        """Nothing up front: a person's answers are read by ``refresh_user_data``, per update."""
        return {}

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """The person's answers as the database has them now (another worker may have moved on)."""
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
        async with self.db.session() as s:
            if raw is None:
                await flow_state.drop_user_data(s, user_id=user_id)
            else:
                await flow_state.save_user_data(s, user_id=user_id, data=raw, now=utcnow())
        if raw is None:
            self._known.pop(user_id, None)
        else:
            self._known[user_id] = raw

    async def drop_user_data(self, user_id: int) -> None:
        async with self.db.session() as s:
            await flow_state.drop_user_data(s, user_id=user_id)
        self._known.pop(user_id, None)

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
