"""The transactional outbox's sender: say over Telegram what committed use cases wrote down.

Nothing is said before its change is committed, and nothing committed is left unsaid:

- ``unit_of_work`` runs a use case, writes its notices to the outbox in the same
  transaction (bot/services/delivery.py), commits, then hands the new rows to the sender;
- the sender claims rows (storage.outbox.claim: one sender per row, a lease), says them,
  and records the message id (an alert's, so closing it later can edit it) or why not;
- a failed call is retried with backoff (Telegram's ``retry_after`` honoured) up to
  ``OUTBOX_MAX_ATTEMPTS``; a periodic sweep (``OUTBOX_SWEEP_S``) picks up every row that is
  due, after a retry's wait or a crash, on whichever worker runs it.

Known answers are handled here, at the call site: a person who blocked the bot is handed to
``dispatch.recipient_unreachable`` (off duty; their alert failed; the wave widens if nobody
is left to answer), an edit of an unchanged or vanished message is done, another refusal is
final. Notices to one chat leave in the order they were written; chats go concurrently.

What a crash can still cause: Telegram took a message and the process died before the row
was marked sent. Telegram has no idempotency key, so after the lease the row is said again
(a duplicate, never a loss): the window is one send long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import metrics
from bot.handlers.render import Rendered, render
from bot.services import delivery, dispatch, relay
from bot.services.config import DispatchConfig
from bot.services.notices import AlertOffer, Event, Notice, Outcome, Relayed
from bot.settings import Settings
from domain.enums import MediaKind
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

SWEEP_JOB = "outbox-sweep"
Timers = dict[int, datetime | None]


@dataclass(frozen=True)
class Policy:
    lease_s: float = 60.0
    retry_base_s: float = 1.0
    max_attempts: int = 12

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(s.outbox_lease_s, s.outbox_retry_base_s, s.outbox_max_attempts)

    def backoff(self, attempts: int) -> float:
        return float(min(60.0, self.retry_base_s * 2 ** max(0, attempts - 1)))


class Sender:
    """Claims due outbox rows and says them; one per process, shared by every handler."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        cfg: DispatchConfig,
        policy: Policy,
        on_timers: Callable[[Timers], None],
    ) -> None:
        self.bot, self.db, self.cfg, self.policy = bot, db, cfg, policy
        self.on_timers = on_timers

    async def send(self, ids: Sequence[int] | None = None) -> None:
        """Say the due rows (only ``ids`` when given), until none is left to claim."""
        if ids is not None and not ids:
            return
        while True:
            async with self.db.session() as s:
                rows = await outbox.claim(s, now=utcnow(), lease_s=self.policy.lease_s, ids=ids)
            if not rows:
                return
            by_chat: dict[int, list[OutboxMessage]] = {}
            for row in rows:
                by_chat.setdefault(row.chat_id, []).append(row)
            await asyncio.gather(*(self._in_order(chat_rows) for chat_rows in by_chat.values()))
            if ids is not None:
                return

    async def _in_order(self, rows: list[OutboxMessage]) -> None:
        for row in rows:
            try:
                await self._one(row)
            except Exception as exc:
                # A database that said "busy", a payload this version cannot read: try again
                # later, and give up after the last attempt like any other failure.
                log.exception("outbox row %s (%s) could not be handled", row.id, row.event)
                try:
                    await self._retry(row, f"{type(exc).__name__}: {exc}", None)
                except Exception:
                    log.exception("outbox row %s stays claimed until its lease ends", row.id)

    async def _one(self, row: OutboxMessage) -> None:
        assert row.id is not None
        notice = delivery.notice_of(row)
        try:
            message_id = await say(self.bot, notice)
        except Forbidden:
            await self._unreachable(row, notice)
        except BadRequest as exc:
            # A refusal that a retry cannot change (a bad chat, a malformed message).
            log.error("Telegram refused %s to chat %s: %s", row.event, row.chat_id, exc.message)
            await self._finish(row.id, outbox.DEAD, error=exc.message)
            await self._undelivered(notice)
        except RetryAfter as exc:
            await self._retry(row, f"retry after {exc.retry_after}", _seconds(exc.retry_after))
        except TelegramError as exc:  # time-outs, network errors, 5xx
            await self._retry(row, f"{type(exc).__name__}: {exc.message}", None)
        else:
            await self._sent(row, notice, message_id)

    async def _sent(self, row: OutboxMessage, notice: Notice, message_id: int | None) -> None:
        assert row.id is not None
        if isinstance(notice.payload, AlertOffer):
            metrics.alerts_sent(1)
        follow = Outcome()
        async with self.db.session() as s:
            await outbox.finish(s, row.id, status=outbox.SENT, at=utcnow(), message_id=message_id)
            if notice.offer_id is not None and message_id is not None:
                follow = await dispatch.alert_delivered(
                    s, offer_id=notice.offer_id, chat_id=notice.to.chat_id, message_id=message_id
                )
            ids = await self._enqueue(s, follow)
        await self.send(ids)

    async def _unreachable(self, row: OutboxMessage, notice: Notice) -> None:
        assert row.id is not None
        log.info("chat %s blocked the bot; %s not delivered", row.chat_id, row.event)
        follow = Outcome()
        async with self.db.session() as s:
            await outbox.finish(s, row.id, status=outbox.FAILED, at=utcnow(), error="blocked")
            if notice.to.person_id is not None:
                follow = await dispatch.recipient_unreachable(
                    s,
                    self.cfg,
                    person_id=notice.to.person_id,
                    offer_id=notice.offer_id,
                    now=utcnow(),
                )
            if isinstance(notice.payload, Relayed):
                follow.merge(await relay.undelivered(s, notice.payload))
            ids = await self._enqueue(s, follow)
        self.on_timers(follow.timers)
        await self.send(ids)

    async def _retry(self, row: OutboxMessage, error: str, wait_s: float | None) -> None:
        assert row.id is not None
        if row.attempts >= self.policy.max_attempts:
            log.error("giving up on %s to chat %s after %d attempts: %s", row.event, row.chat_id, row.attempts, error)  # fmt: skip
            await self._finish(row.id, outbox.DEAD, error=error)
            if row.event == str(Event.RELAYED):
                await self._undelivered(delivery.notice_of(row))
            return
        wait = wait_s if wait_s is not None else self.policy.backoff(row.attempts)
        log.warning("%s to chat %s failed (%s); again in %.1f s", row.event, row.chat_id, error, wait)  # fmt: skip
        async with self.db.session() as s:
            await outbox.retry_later(s, row.id, at=utcnow() + timedelta(seconds=wait), error=error)

    async def _undelivered(self, notice: Notice) -> None:
        """A relayed message given up on: its sender is told (bot/services/relay.py)."""
        if not isinstance(notice.payload, Relayed):
            return
        async with self.db.session() as s:
            ids = await self._enqueue(s, await relay.undelivered(s, notice.payload))
        await self.send(ids)

    async def _finish(self, row_id: int, status: str, *, error: str) -> None:
        async with self.db.session() as s:
            await outbox.finish(s, row_id, status=status, at=utcnow(), error=error)

    @staticmethod
    async def _enqueue(s: AsyncSession, follow: Outcome) -> list[int]:
        return await delivery.enqueue(s, follow.notices, now=utcnow(), request_id=follow.request_id)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def say(bot: Bot, notice: Notice) -> int | None:
    """One notice over Telegram; the new message's id (None for an edit)."""
    rendered = render(notice)
    if notice.edit is not None:
        try:
            await bot.edit_message_text(
                rendered.text,
                chat_id=notice.edit.chat_id,
                message_id=notice.edit.message_id,
                reply_markup=rendered.markup,
            )
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "not modified" not in lowered and "not found" not in lowered:
                raise
        return None
    if rendered.media is not None:
        return await _send_media(bot, notice.to.chat_id, rendered)
    if rendered.location is not None:
        point = await bot.send_location(notice.to.chat_id, *rendered.location)
        if not rendered.text:
            return point.message_id
    message = await bot.send_message(notice.to.chat_id, rendered.text, reply_markup=rendered.markup)
    return message.message_id


async def _send_media(bot: Bot, chat_id: int, rendered: Rendered) -> int:
    """A voice note, photo or video sent again by its Telegram file_id (never downloaded)."""
    assert rendered.media is not None
    kind, file_id = rendered.media
    caption, markup = rendered.text or None, rendered.markup
    if kind == MediaKind.VOICE:
        sent = await bot.send_voice(chat_id, file_id, caption=caption, reply_markup=markup)
    elif kind == MediaKind.PHOTO:
        sent = await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup)
    else:
        sent = await bot.send_video(chat_id, file_id, caption=caption, reply_markup=markup)
    return sent.message_id


async def unit_of_work(
    sender: Sender, db: Database, use_case: Callable[[AsyncSession, datetime], Awaitable[Outcome]]
) -> Outcome:
    """One use case, one transaction with its notices, one commit; then say them."""
    now = utcnow()
    async with db.session() as s:
        outcome = await use_case(s, now)
        ids = await delivery.enqueue(s, outcome.notices, now=now, request_id=outcome.request_id)
    # Committed: the timers are due and the notices will be said, whatever happens next.
    sender.on_timers(outcome.timers)
    await sender.send(ids)
    return outcome


def sender_of(bot_data: dict[str, Any]) -> Sender:
    sender: Sender = bot_data["sender"]
    return sender


async def sweep(context: Any) -> None:
    """The periodic job: say every due row (retries, and what a crash left behind)."""
    await sender_of(context.bot_data).send()


def schedule_sweep(app: Any, interval_s: float) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(SWEEP_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(
        sweep,
        interval=interval_s,
        first=0.0,
        name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": None, "max_instances": 1, "coalesce": True},
    )
