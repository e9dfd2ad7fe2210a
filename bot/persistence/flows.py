"""A flow's step and answers follow the person from process to process, and time out once.

Around every update (bot/persistence/order.py calls ``process``), under the chat's lock:

1. the steps the database holds for this chat and person are put into the persistent
   ConversationHandlers (``load``), so a step taken on another worker, or before a restart,
   is the one this update is checked against; a step whose time is already up is first closed
   as its timeout would have closed it;
2. the update is processed (PTB's ``process_update``; ``refresh_user_data`` reads the answers);
3. PTB hands every changed step and answer to the persistence (``update_persistence``), which
   writes them before the lock is released; the step is then dropped from the handlers'
   memory, so no worker keeps a copy that could go stale.

Conversation timeouts are ours, not PTB's (the handlers get ``conversation_timeout=None``):
PTB's timeout is a job in one process's memory, lost at a restart, and on a worker that no
longer has the person it would close a flow another worker has moved on. Here a step's
deadline is a column (``flow_conversation.expires_at``); the worker that wrote the step arms a
job for it, every worker re-arms them all at start-up and sweeps for overdue ones every
``TIMER_SWEEP_S``; ``storage.flow_state.claim_expired`` lets exactly one of them close it. The
flow's own TIMEOUT handlers (bot/handlers/flows.py) then run as PTB would run them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ConversationHandler, Job

from bot.i18n import resolve_language, set_locale
from bot.persistence.store import DatabasePersistence
from storage import flow_state, people
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

SWEEP_JOB = "flow-timeouts-sweep"
JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None}  # a late job still runs
Key = tuple[str, int, int]  # (flow name, chat id, user id)


# Run in the load's transaction as well (bot/app.py: the sender recorded as seen); ``writable``
# False when ``ReadsOnly`` said this update's load need not write (then, on SQLite, the load
# takes no write lock).
class OnLoad(Protocol):
    async def __call__(self, session: AsyncSession, update: Update, *, writable: bool) -> None: ...


ReadsOnly = Callable[[Update], bool]
App = Application[Any, Any, Any, Any, Any, Any]


class Flows:
    """The persistent flows of one Application: per-update loading, order and timeouts."""

    def __init__(
        self,
        db: Database,
        *,
        conversation_timeout_s: float | None,
        on_load: OnLoad | None = None,
        reads_only: ReadsOnly | None = None,
    ) -> None:
        self.db = db
        self.reads_only = reads_only
        # More to read in the load's transaction (bot/app.py: the sender recorded as seen).
        self.on_load = on_load
        self.persistence = DatabasePersistence(db, conversation_timeout_s=conversation_timeout_s)
        self.persistence.on_state_written = self.arm
        self.app: App | None = None
        self._conversations: dict[str, ConversationHandler[Any]] = {}
        self._jobs: dict[Key, Job[Any]] = {}
        # One unit of flow work at a time per chat and person in this process: a chat's
        # updates one by one, and a timeout job never closes a step while an update of that
        # chat is being processed. Each lock is dropped when nobody holds or waits for it.
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    def attach(self, app: App) -> None:
        self.app = app

    @property
    def conversations(self) -> dict[str, ConversationHandler[Any]]:
        """The persistent ConversationHandlers by name (found once the handlers are registered)."""
        if not self._conversations and self.app is not None:
            for group in self.app.handlers.values():
                for handler in group:
                    if isinstance(handler, ConversationHandler) and handler.persistent:
                        if handler.per_message or not (handler.per_chat and handler.per_user):
                            raise ValueError(f"{handler.name}: flows are per chat and per user")
                        self._conversations[str(handler.name)] = handler
        return self._conversations

    # ------------------------------------------------------------------ around each update
    def turn(self, update: object) -> AbstractAsyncContextManager[None]:
        """The turn of an update's chat and person in this process, one update at a time.

        bot/persistence/order.py takes it as soon as an update arrives, before it waits for a
        free slot, so a chat's updates queue in the order they came (asyncio's locks are
        first come, first served) and never hold slots other chats could use.
        """
        ids = _ids_of(update)
        return nullcontext() if ids is None else self._local(ids)

    @asynccontextmanager
    async def exclusive(self, ids: Iterable[int]) -> AsyncIterator[None]:
        """These chats' and people's turn in this process, then across every worker."""
        keys = tuple(sorted(set(ids)))
        async with self._local(keys), flow_state.chat_lock(self.db, keys):
            yield

    @asynccontextmanager
    async def _local(self, keys: tuple[int, ...]) -> AsyncIterator[None]:
        """The local locks of ``keys`` (sorted: two holders of overlapping sets cannot
        deadlock); a lock is forgotten once nobody holds or waits for it."""
        async with AsyncExitStack() as held:
            for key in keys:
                self._users[key] = self._users.get(key, 0) + 1
                held.callback(self._release, key)
                await held.enter_async_context(self._locks.setdefault(key, asyncio.Lock()))
            yield

    def _release(self, key: int) -> None:
        self._users[key] -= 1
        if not self._users[key]:
            del self._users[key], self._locks[key]

    async def process(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Load, process, write back: one update, under its chat's lock across workers (the
        caller holds its ``turn`` here)."""
        app = self.app
        ids = _ids_of(update)
        if app is None or ids is None:
            await coroutine
            return
        try:
            async with flow_state.chat_lock(self.db, ids):
                key = await self.load(update) if isinstance(update, Update) else None
                try:
                    await coroutine
                finally:
                    async with self.persistence.batch():  # one transaction for the writes
                        await app.update_persistence()
                    if key is not None:  # written: memory holds a step only for its update
                        for handler in self.conversations.values():
                            _put(handler, key, None)
        except Exception as exc:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started when the lock or the load failed
            await app.process_error(update=update, error=exc)

    async def load(self, update: Update) -> tuple[int, int] | None:
        """The steps the database holds for this chat and person, into the handlers, and
        their answers for ``refresh_user_data``, in one transaction (with ``on_load``); the key."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or not self.conversations:
            return None
        writable = self.on_load is not None and not (self.reads_only and self.reads_only(update))
        async with self.db.session() if writable else self.db.read_session() as s:
            live, expired = await flow_state.states_of(
                s, chat_id=chat.id, user_id=user.id, now=utcnow()
            )
            answers = await flow_state.user_data_of(s, user_id=user.id)
            if self.on_load is not None:
                await self.on_load(s, update, writable=writable)
        for name in expired:  # overdue while nobody fired it (a restart): closed first
            await self._expire_locked((name, chat.id, user.id))
        if not expired:  # else the timeout changed them: refresh reads them again
            self.persistence.prefetched(user.id, answers)
        for name, handler in self.conversations.items():
            _put(handler, (chat.id, user.id), live.get(name))
        return chat.id, user.id

    # ------------------------------------------------------------------ timeouts
    def arm(self, name: str, chat_id: int, user_id: int, when: datetime | None) -> None:
        """(Re)arm the timeout job of one step; None disarms it (the flow ended)."""
        key = (name, chat_id, user_id)
        old = self._jobs.pop(key, None)
        if old is not None:
            old.schedule_removal()
        if when is None or self.app is None or self.app.job_queue is None:
            return
        delay = max(0.0, (when - utcnow()).total_seconds())
        self._jobs[key] = self.app.job_queue.run_once(
            self._on_job,
            delay,
            data=key,
            name=f"flow-timeout:{name}:{chat_id}:{user_id}",
            job_kwargs=JOB_KWARGS,
        )

    async def start(self, sweep_s: float) -> None:
        """At start-up (post_init): arm every deadline the database holds, and the sweep."""
        async with self.db.session() as s:
            rows = await flow_state.deadlines(s)
        for name, chat_id, user_id, when in rows:
            self.arm(name, chat_id, user_id, when)
        if rows:
            log.info("re-armed %d flow timeouts from the database", len(rows))
        if self.app is not None and self.app.job_queue is not None:
            self.app.job_queue.run_repeating(
                self._sweep, interval=sweep_s, first=sweep_s, name=SWEEP_JOB, job_kwargs=JOB_KWARGS
            )

    async def _on_job(self, context: Any) -> None:
        key: Key = context.job.data
        if self._jobs.get(key) is context.job:
            del self._jobs[key]
        await self.expire(key)

    async def _sweep(self, context: Any) -> None:
        """Overdue steps nobody closed (the worker that armed them died): close them now."""
        async with self.db.session() as s:
            rows = await flow_state.deadlines(s, due_by=utcnow())
        for name, chat_id, user_id, _when in rows:
            await self.expire((name, chat_id, user_id))

    async def expire(self, key: Key) -> bool:
        """Close a step whose time is up, if it still is; True when this call closed it."""
        _name, chat_id, user_id = key
        async with self.exclusive((chat_id, user_id)):
            return await self._expire_locked(key)

    async def _expire_locked(self, key: Key) -> bool:
        name, chat_id, user_id = key
        app = self.app
        async with self.db.session() as s:
            claimed = await flow_state.claim_expired(
                s, name=name, chat_id=chat_id, user_id=user_id, now=utcnow()
            )
        handler = self.conversations.get(name)
        if not claimed or app is None or handler is None:
            return claimed
        _put(handler, (chat_id, user_id), None)
        update = Update.de_json(_timeout_update(chat_id, user_id), app.bot)
        context = app.context_types.context.from_update(update, app)
        await context.refresh_data()
        context.language = await self._language_of(user_id)
        set_locale(context.language)
        # As PTB's own timeout does: every TIMEOUT handler that accepts the update runs.
        for timeout_handler in handler.states.get(ConversationHandler.TIMEOUT, []):
            check = timeout_handler.check_update(update)
            if check is None or check is False:
                continue
            try:
                await timeout_handler.handle_update(update, app, check, context)
            except ApplicationHandlerStop:
                pass
            except Exception as exc:
                await app.process_error(update=update, error=exc)
        app.mark_data_for_update_persistence(user_ids=user_id)
        await app.update_persistence()
        return True

    async def _language_of(self, user_id: int) -> str:
        async with self.db.session() as s:
            person = await people.get_person(s, user_id)
        return resolve_language(
            person.language if person else None, person.telegram_language if person else None
        )


def _put(handler: ConversationHandler[Any], key: tuple[int, int], state: object | None) -> None:
    """Set one conversation's step in a handler's memory without marking it to be written back.

    The one place that reaches into ConversationHandler: it has no public way to set a step.
    With a persistence its ``_conversations`` is PTB's TrackingDict, a UserDict whose ``.data``
    holds the items; writing there is not recorded as a change (PTB's own loading,
    ``update_no_track``, does the same), so an unchanged step is never written again.
    """
    states = handler._conversations
    raw: MutableMapping[Any, object] = getattr(states, "data", states)
    if state is None:
        raw.pop(key, None)
    else:
        raw[key] = state


def _ids_of(update: object) -> tuple[int, ...] | None:
    """The chat and person whose turn an update takes (None: nobody's, e.g. a poll)."""
    if not isinstance(update, Update):
        return None
    ids = {x.id for x in (update.effective_chat, update.effective_user) if x is not None}
    return tuple(sorted(ids)) or None


def _timeout_update(chat_id: int, user_id: int) -> dict[str, Any]:
    """What the TIMEOUT handlers are given: the chat and the person, nothing they wrote.

    PTB hands them the last update of the flow; that one is not kept (it may carry a location
    or a phone number), and the handlers need only whom to tell.
    """
    chat_type = "private" if chat_id == user_id else "group"
    return {
        "update_id": 0,
        "message": {
            "message_id": 0,
            "date": int(utcnow().timestamp()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": user_id, "is_bot": False, "first_name": ""},
        },
    }
