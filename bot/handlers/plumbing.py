"""The glue every handler uses: who is writing, in which language, and running one use case.

``run`` is the unit of work: one session, one commit, then delivery of the
notices and (re)scheduling of the request timers the outcome names. Delivery
happens after the commit, so the database never depends on Telegram answering.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update, User

from bot.context import BotContext
from bot.handlers.outbox import sender_of, unit_of_work
from bot.i18n import DEFAULT_LANGUAGE, set_locale
from bot.services import people
from bot.services.config import DispatchConfig
from bot.services.notices import Outcome

UseCase = Callable[..., Awaitable[Outcome]]


# The update whose sender bot/persistence recorded while loading its flows, and the language
# that gave: record_sender then needs no transaction of its own.
_SEEN: ContextVar[tuple[object, str] | None] = ContextVar("sender_seen", default=None)
# The people this process recorded lately, as they were then (their next update's load can
# be a read). Only a hint: the read confirms it against the row (seen_with_flows).
_RECENT: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
RECENT = 20_000


async def record_sender(update: object, context: BotContext) -> None:
    """Once per update, before any other handler: who is writing, and in which language.

    Registered as a ``TypeHandler`` in the earliest group (bot/app.py), so every handler
    after it finds ``context.language`` set and the locale active for this update.
    Other bots are not people. A person's notices always go to their private chat, whose
    id is their user id: a command sent from a group never moves them there.
    """
    context.language = DEFAULT_LANGUAGE
    if isinstance(update, Update):
        seen = _SEEN.get()
        if seen is not None and seen[0] is update:
            context.language = seen[1]
        elif (user := update.effective_user) is not None and not user.is_bot:
            async with context.db.session() as s:
                context.language = await _seen(s, user)
            _recorded(user)
    set_locale(context.language)


async def seen_with_flows(session: AsyncSession, update: Update, *, writable: bool) -> None:
    """``record_sender``'s work in the transaction that loads the update's flows (one
    transaction instead of two for every update). When ``writable`` is False that transaction
    only reads (``sender_known`` said the sender is someone this process recorded as they are
    now): on SQLite it takes no write lock. If the person changed after all (blocked since,
    renamed), ``record_sender`` writes it in a transaction of its own."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    fields = _fields(user)
    if writable:
        language: str | None = await people.seen(session, **fields)
    else:
        language = await people.known_language(session, **fields)
    if language is not None:
        _SEEN.set((update, language))
        _recorded(user)


def sender_known(update: Update) -> bool:
    """The load of this update's flows need not write: nobody to record, or someone this
    process recorded lately with this very name and language."""
    user = update.effective_user
    if user is None or user.is_bot:
        return True
    return _RECENT.get(user.id) == _fingerprint(user)


def _fingerprint(user: User) -> tuple[Any, ...]:
    return (user.first_name or "", user.username, user.language_code)


def _recorded(user: User) -> None:
    _RECENT[user.id] = _fingerprint(user)
    _RECENT.move_to_end(user.id)
    while len(_RECENT) > RECENT:
        _RECENT.popitem(last=False)


def _fields(user: User) -> dict[str, Any]:
    return {
        "person_id": user.id,
        "chat_id": user.id,
        "first_name": user.first_name or "",
        "username": user.username,
        "telegram_language": user.language_code,
    }


async def _seen(session: AsyncSession, user: User) -> str:
    return await people.seen(session, **_fields(user))


async def track(update: Update, context: BotContext) -> str:
    """The language to answer this update in (recorded by ``record_sender``)."""
    return context.language


async def run(context: BotContext, use_case: UseCase, /, **kwargs: Any) -> Outcome:
    """The use case and its notices in one transaction; then the notices are said."""
    return await unit_of_work(
        sender_of(context.bot_data),
        context.db,
        lambda s, now: use_case(s, context.cfg, now=now, **kwargs),
    )


async def query(context: BotContext, fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """A read-only (or single-step) unit of work that needs no delivery."""
    async with context.db.session() as s:
        return await fn(s)


def cfg_of(context: BotContext) -> DispatchConfig:
    return context.cfg
