"""The glue every handler uses: who is writing, in which language, and running one use case.

``run`` is the unit of work: one session, one commit, then delivery of the
notices and (re)scheduling of the request timers the outcome names. Delivery
happens after the commit, so the database never depends on Telegram answering.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot.context import BotContext
from bot.handlers import timers
from bot.handlers.outbox import deliver
from bot.services import people
from bot.services.config import DispatchConfig
from bot.services.notices import Outcome
from storage.types import utcnow

UseCase = Callable[..., Awaitable[Outcome]]


async def track(update: Update, context: BotContext) -> str:
    """Record the person behind an update; returns the language to answer in."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None:
        return "en"
    async with context.db.session() as s:
        return await people.seen(
            s,
            person_id=user.id,
            chat_id=chat.id if chat else user.id,
            first_name=user.first_name or "",
            username=user.username,
            telegram_language=user.language_code,
        )


async def run(context: BotContext, use_case: UseCase, /, **kwargs: Any) -> Outcome:
    async with context.db.session() as s:
        outcome = await use_case(s, context.cfg, now=utcnow(), **kwargs)
    # Committed: its timers are due whatever happens to the delivery.
    timers.schedule(context.application, outcome.timers)  # type: ignore[arg-type]
    follow_up = await deliver(context.bot, context.db, outcome, context.cfg)
    if follow_up:
        timers.schedule(context.application, follow_up)  # type: ignore[arg-type]
    return outcome


async def query(context: BotContext, fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """A read-only (or single-step) unit of work that needs no delivery."""
    async with context.db.session() as s:
        return await fn(s)


def cfg_of(context: BotContext) -> DispatchConfig:
    return context.cfg
