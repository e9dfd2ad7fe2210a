"""The transactional outbox's sender: say over Telegram what committed use cases wrote down.

Nothing is said before its change is committed, and nothing committed is left unsaid:

- ``unit_of_work`` runs a use case, writes its notices to the outbox in the same
  transaction (bot/services/delivery.py), commits, then hands the new rows to the sender;
- the sender claims rows (storage.delivery.claim: one sender per row, a lease), says them,
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
(a duplicate, never a loss): a batch's sends are recorded together when it is done (one
transaction instead of one per row), so the window is the batch being said at the moment of
the crash, per chat the rows Telegram took before it (tests/test_crash.py measures it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import budget, metrics
from bot.budget import Urgency
from bot.handlers import periodic
from bot.handlers.saying import Said, say
from bot.services import delivery, dispatch, relay, status, team_delivery
from bot.services.config import DispatchConfig
from bot.services.dispatch import approach
from bot.services.notices import AlertOffer, Notice, Outcome
from bot.services.notices.relay import Relayed
from bot.settings import Settings
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


class Lease:
    """A claimed batch's lease: its end, the rows still to say, the rows lost to another."""

    def __init__(self, rows: list[OutboxMessage], book: status.Book | None = None) -> None:
        assert rows and rows[0].claimed_until is not None
        self.until: datetime = rows[0].claimed_until
        self.held: set[int] = {r.id for r in rows if r.id is not None}
        self.lost: set[int] = set()
        # The citizens' status messages this batch may edit, kept current as it is said.
        self.book: status.Book = book if book is not None else {}

    def lapsing(self, now: datetime, lease_s: float) -> bool:
        """Less than a tenth of the lease left (renewals come every third of it): too late to
        start a send another sender might be starting too."""
        return now >= self.until - timedelta(seconds=lease_s / 10)


#: What a batch said: each row, its notice, what Telegram made of it, and the status message
#: it edited or replaced (bot/services/status.py).
Batch = list[tuple[OutboxMessage, Notice, Said, int | None]]


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
        self.in_flight = 0  # rows claimed by this process and not yet said
        self.active = 0  # sends (claims, batches) in progress

    async def send(self, ids: Sequence[int] | None = None) -> None:
        """Say the due rows (only ``ids`` when given), until none is left to claim."""
        if ids is not None and not ids:
            return
        self.active += 1
        try:
            await self._send(ids)
        finally:
            self.active -= 1

    def idle(self) -> bool:
        """Nothing being claimed or said in this process now (the sandbox's settle waits for it:
        a sweep may hold rows a unit of work wrote, and pace their sends)."""
        return not self.active

    async def _send(self, ids: Sequence[int] | None) -> None:
        while True:
            async with self.db.session() as s:
                rows = await delivery.claim(s, now=utcnow(), lease_s=self.policy.lease_s, ids=ids)
                book = await status.book(s, _readable(rows)) if rows else {}
            if not rows:
                return
            by_chat: dict[int, list[OutboxMessage]] = {}
            for row in rows:
                by_chat.setdefault(row.chat_id, []).append(row)
            lease, said = Lease(rows, book), Batch()
            self.in_flight += len(rows)
            beat = asyncio.create_task(self._keep(lease))
            try:
                await asyncio.gather(
                    *(self._in_order(rows, lease, said) for rows in by_chat.values())
                )
                await self._record(said, book)
            finally:
                beat.cancel()
                self.in_flight -= len(rows)
            if ids is not None:
                return

    def backlog(self) -> int:
        """Notices this process holds and has not said yet, and calls waiting for a send slot:
        how far the send budget is behind (dispatch shrinks the first wave past a threshold)."""
        return self.in_flight + budget.waiting_of([getattr(self.bot, "rate_limiter", None)])

    async def _in_order(self, rows: list[OutboxMessage], lease: Lease, said: Batch) -> None:
        for i, row in enumerate(rows):
            assert row.id is not None
            if row.id in lease.lost:
                # Our lease lapsed and another sender has this row: it says the rest of the
                # chat's rows too, in order, once our leases on them lapse as well.
                log.warning("outbox row %s was taken over by another sender", row.id)
                return
            if lease.lapsing(utcnow(), self.policy.lease_s):
                # Starved past the renewals (a loaded host): another sender may have claimed
                # the row already, and saying it now would make a second copy. Left to the
                # next claim, with the rest of the chat's rows, in order.
                log.warning("outbox lease lapsing; row %s left to the next claim", row.id)
                return
            again: datetime | None = None
            try:
                again = await self._one(row, lease.book, said)
            except Exception as exc:
                # A database that said "busy", a payload this version cannot read: try again
                # later, and give up after the last attempt like any other failure.
                log.exception("outbox row %s (%s) could not be handled", row.id, row.event)
                try:
                    again = await self._retry(row, f"{type(exc).__name__}: {exc}", None)
                except Exception:
                    log.exception("outbox row %s stays claimed until its lease ends", row.id)
            lease.held.discard(row.id)
            if again is not None:  # not said, tried again later: the chat's next rows wait
                await self._behind(rows[i + 1 :], again, lease)
                return

    async def _behind(self, rows: list[OutboxMessage], at: datetime, lease: Lease) -> None:
        """A chat's rows after one that failed go back, due with it: a citizen is never told
        "done, was it solved?" before "the volunteer has arrived" that failed a moment ago."""
        ids = [r.id for r in rows if r.id is not None and r.id not in lease.lost]
        if not ids:
            return
        try:
            async with self.db.session() as s:
                await delivery.wait_behind(s, ids, at=at)
        except Exception:  # they stay claimed until the lease ends, then come due again
            log.exception("outbox rows %s stay claimed until their lease ends", ids)
        lease.held.difference_update(ids)

    async def _keep(self, lease: Lease) -> None:
        """Renew the batch's lease every third of it while its rows are being said."""
        every = self.policy.lease_s / 3
        while lease.held:
            await asyncio.sleep(every)
            held = list(lease.held)
            until = utcnow() + timedelta(seconds=self.policy.lease_s)
            try:
                async with self.db.session() as s:
                    kept = await delivery.extend_lease(s, held, held_until=lease.until, until=until)
            except Exception:  # tried again at the next beat, well within the lease
                log.warning("could not extend the outbox lease", exc_info=True)
                continue
            lease.until = until
            lease.lost |= set(held) - kept

    async def _one(
        self, row: OutboxMessage, book: status.Book, said_rows: Batch
    ) -> datetime | None:
        """Say one row; when it must be tried again, when (else None: said or given up)."""
        assert row.id is not None
        notice = delivery.notice_of(row)
        mode = status.mode_of(notice)
        # The citizen's status message this one edits or replaces.
        previous = status.current(notice, book) if mode is not None else None
        try:
            said = await say(
                self.bot,
                notice,
                status_edit=previous if mode is status.Mode.EDIT else None,
                urgency=Urgency(row.priority, row.request_id or 0),
            )
        except Forbidden:
            await self._unreachable(row, notice)
        except BadRequest as exc:
            # A refusal that a retry cannot change (a bad chat, a malformed message).
            log.error("Telegram refused %s to chat %s: %s", row.event, row.chat_id, exc.message)
            await self._finish(row.id, delivery.DEAD, error=exc.message, notice=notice)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            return await self._retry(row, f"retry after {exc.retry_after}", wait, notice=notice)
        except TelegramError as exc:  # time-outs, network errors, 5xx
            error = f"{type(exc).__name__}: {exc.message}"
            return await self._retry(row, error, None, notice=notice)
        else:
            if mode is not None:  # the rest of this batch edits what this one made
                status.keep(notice, said.message_id, book)
            said_rows.append((row, notice, replace(said, at=utcnow()), previous))
        return None

    async def _record(self, said: Batch, book: status.Book) -> None:
        """Everything a batch said, in one transaction: the rows marked sent, the alerts'
        message ids, the citizens' status messages and live copies, the team notices' hooks;
        then what follows from them is said."""
        if not said:
            return
        alerts = [n for _r, n, _x, _p in said if isinstance(n.payload, AlertOffer)]
        if alerts:
            metrics.alerts_sent(len(alerts))
        now = utcnow()
        async with self.db.session() as s:
            await delivery.finish_sent(
                s, [(r.id, x.message_id, x.at or now) for r, _n, x, _p in said if r.id is not None]
            )
            landed = [
                (n.payload.request_id, n.offer_id, n.to.chat_id, x.message_id, x.at or now)
                for _r, n, x, _p in said
                if isinstance(n.payload, AlertOffer)
                and n.offer_id is not None
                and x.message_id is not None
            ]
            follow = await dispatch.alerts_delivered(s, landed)
            for _row, notice, x, previous in said:
                # The citizen's status message and their copy of a live location, remembered
                # (bot/services/status.py, bot/services/dispatch/approach.py).
                if status.mode_of(notice) is not None:
                    follow.notices.extend(
                        await status.said(
                            s, notice, message_id=x.message_id, previous=previous, known=book
                        )
                    )
                follow.notices.extend(await approach.said(s, notice, message_id=x.message_id))
                # An approval notice's copy remembered, a digest's record: bot/services/team_delivery.py
                follow.notices.extend(
                    await team_delivery.sent(
                        s,
                        notice,
                        message_id=x.message_id,
                        messages=x.messages,
                        chars=x.chars,
                        now=now,
                    )
                )
            ids = await self._enqueue(s, follow)
        await self.send(ids)

    async def _unreachable(self, row: OutboxMessage, notice: Notice) -> None:
        assert row.id is not None
        log.info("chat %s blocked the bot; %s not delivered", row.chat_id, row.event)
        follow = Outcome()
        async with self.db.session() as s:
            await delivery.finish(s, row.id, status=delivery.FAILED, at=utcnow(), error="blocked")
            await team_delivery.not_sent(s, notice, blocked=True, now=utcnow())
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
            # A citizen who blocked the bot mid-job: their volunteer is told, their live copy stops.
            follow.merge(await approach.citizen_unreachable(s, notice))
            ids = await self._enqueue(s, follow)
        self.on_timers(follow.timers)
        await self.send(ids)

    async def _retry(
        self, row: OutboxMessage, error: str, wait_s: float | None, *, notice: Notice | None = None
    ) -> datetime | None:
        """The row due again later (when: returned), or given up after its last attempt."""
        assert row.id is not None
        if row.attempts >= self.policy.max_attempts:
            log.error("giving up on %s to chat %s after %d attempts: %s", row.event, row.chat_id, row.attempts, error)  # fmt: skip
            await self._finish(row.id, delivery.DEAD, error=error, notice=notice)
            return None
        wait = wait_s if wait_s is not None else self.policy.backoff(row.attempts)
        log.warning("%s to chat %s failed (%s); again in %.1f s", row.event, row.chat_id, error, wait)  # fmt: skip
        at = utcnow() + timedelta(seconds=wait)
        async with self.db.session() as s:
            await delivery.retry_later(s, row.id, at=at, error=error)
        return at

    async def _finish(
        self, row_id: int, status: str, *, error: str, notice: Notice | None = None
    ) -> None:
        """A row given up on; ``notice`` (when it could be read) is told it was never said,
        and a relayed message's sender that it was not delivered (bot/services/relay.py)."""
        ids: list[int] = []
        async with self.db.session() as s:
            await delivery.finish(s, row_id, status=status, at=utcnow(), error=error)
            if notice is not None:
                await team_delivery.not_sent(s, notice, blocked=False, now=utcnow())
            if notice is not None and isinstance(notice.payload, Relayed):
                ids = await self._enqueue(s, await relay.undelivered(s, notice.payload))
        await self.send(ids)

    @staticmethod
    async def _enqueue(s: AsyncSession, follow: Outcome) -> list[int]:
        return await delivery.enqueue(s, follow.notices, now=utcnow(), request_id=follow.request_id)


def _readable(rows: Sequence[OutboxMessage]) -> list[Notice]:
    """The notices of these rows that this version can read (the others fail on their own)."""
    found = []
    for row in rows:
        try:
            found.append(delivery.notice_of(row))
        except Exception:
            continue
    return found


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
    periodic.repeat(
        app,
        sweep,
        name=SWEEP_JOB,
        interval_s=interval_s,
        first=0.0,
        job_kwargs=periodic.ONE_AT_A_TIME,
    )
