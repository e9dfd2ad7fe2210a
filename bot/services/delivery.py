"""Notices into outbox rows and back: what a use case wants said, kept with its commit.

The unit of work (bot/handlers/plumbing.py) writes an outcome's notices here in the same
transaction as the change that caused them, so a notice exists exactly when its change
does; the sender reads them back as typed notices to render.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.dispatch import linked
from bot.services.notices import (
    AlertOffer,
    MessageRef,
    Notice,
    Payload,
    Recipient,
    from_json,
    to_json,
)
from domain.incidents import IncidentType, rule_for
from storage import outbox
from storage.models import OutboxMessage


def priority_of(payload: Payload) -> int:
    """A first alert of a life-threatening type, another first alert, a later wave's alert,
    anything else (a citizen's status, an edit of a taken alert, a courtesy message)."""
    if not isinstance(payload, AlertOffer):
        return outbox.STATUS
    if payload.wave > 1:
        return outbox.LATER_ALERT
    urgent = rule_for(IncidentType(payload.incident)).life_threatening
    return outbox.FIRST_ALERT_URGENT if urgent else outbox.FIRST_ALERT


def _request_of(notice: Notice, request_id: int | None) -> int | None:
    """The outcome's request, else the one the payload names: a use case that touched several
    (a suspension's withdrawn alerts, each widening its own search) still labels each row,
    so an escalation's copies can be found again to edit (bot/services/dispatch/escalation.py)."""
    if request_id is not None:
        return request_id
    named = getattr(notice.payload, "request_id", None)
    return named if isinstance(named, int) else None


def _row(notice: Notice, request_id: int | None, now: datetime) -> OutboxMessage:
    return OutboxMessage(
        created_at=now,
        next_attempt_at=now,
        request_id=_request_of(notice, request_id),
        person_id=notice.to.person_id,
        chat_id=notice.to.chat_id,
        language=notice.to.language,
        event=str(notice.event),
        payload=to_json(notice.payload),
        edit_chat_id=notice.edit.chat_id if notice.edit else None,
        edit_message_id=notice.edit.message_id if notice.edit else None,
        offer_id=notice.offer_id,
        priority=priority_of(notice.payload),
        paid_broadcast=notice.paid_broadcast,
    )


async def enqueue(
    session: AsyncSession,
    notices: Sequence[Notice],
    *,
    now: datetime,
    request_id: int | None = None,
) -> list[int]:
    """Write the notices to the outbox in this transaction; their row ids, in order.

    The moves this transaction made to requests that linked reports follow add what those
    reports' citizens must hear (bot/services/dispatch/linked.py): here, because every unit
    of work writes its notices through this one call.
    """
    notices = [*notices, *await linked.follow_moves(session, now)]
    if not notices:
        return []
    return await outbox.add(session, [_row(n, request_id, now) for n in notices])


def notice_of(row: OutboxMessage) -> Notice:
    """The notice a row holds."""
    edit = (
        MessageRef(row.edit_chat_id, row.edit_message_id)
        if row.edit_chat_id is not None and row.edit_message_id is not None
        else None
    )
    to = Recipient(row.person_id, row.chat_id, row.language)
    return Notice(
        to,
        from_json(row.payload),
        edit=edit,
        offer_id=row.offer_id,
        paid_broadcast=row.paid_broadcast,
    )


# The sender's steps on the rows, for the channel adapter (handlers reach storage only
# through services): claim the due ones, record how each send ended, count what is left.
claim = outbox.claim
finish = outbox.finish
finish_sent = outbox.finish_sent
retry_later = outbox.retry_later
wait_behind = outbox.wait_behind
extend_lease = outbox.extend
depth = outbox.depth
SENT, FAILED, DEAD = outbox.SENT, outbox.FAILED, outbox.DEAD
