"""The steps every dispatch use case shares: whom to tell, and a move with its audit record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.notices import AlertClosed, Area, MessageRef, Notice, Outcome, Payload, Recipient
from domain.enums import AuditKind, OfferStatus, RequestStatus
from domain.lifecycle import OUTCOMES
from domain.matching.geo import area_of
from storage import facts, people, requests
from storage.audit import Detail, audit
from storage.facts import Fact, FactKind
from storage.models import HelpRequest, Offer, Person


def area(req: HelpRequest) -> Area:
    """The nearest city and the distance from it: what anyone but the assignee may see."""
    found = area_of(req.lat, req.lon)
    return Area(found.city.name_en, found.city.name_ar, found.km_from_centre)


def name_of(person: Person | None) -> str:
    return person.first_name if person else ""


async def recipient(session: AsyncSession, person_id: int) -> Recipient | None:
    person = await people.get_person(session, person_id)
    return Recipient.of(person) if person else None


async def tell(
    session: AsyncSession,
    out: Outcome,
    person_id: int,
    payload: Payload,
    *,
    edit: MessageRef | None = None,
    offer_id: int | None = None,
) -> None:
    """Queue a notice to a person we know (nobody else can be told)."""
    who = await recipient(session, person_id)
    if who is not None:
        out.tell(Notice(who, payload, edit=edit, offer_id=offer_id))


def offer_ref(offer: Offer) -> MessageRef | None:
    if offer.chat_id is None or offer.message_id is None:
        return None
    return MessageRef(offer.chat_id, offer.message_id)


async def close_offers(
    session: AsyncSession, req: HelpRequest, reason: OfferStatus, now: datetime, out: Outcome
) -> None:
    """Close every open alert of a request and edit each alert message to say why."""
    for offer in await requests.close_open_offers(session, req.id or 0, to_status=reason, at=now):
        ref = offer_ref(offer)
        if ref:
            await tell(
                session, out, offer.volunteer_id, AlertClosed(req.incident, reason), edit=ref
            )


async def move(
    session: AsyncSession,
    req: HelpRequest,
    to: RequestStatus,
    *,
    now: datetime,
    kind: AuditKind | None,
    actor_id: int | None = None,
    detail: Detail | None = None,
    from_status: Iterable[RequestStatus] | None = None,
    extra_where: Sequence[Any] = (),
    **values: Any,
) -> bool:
    """Move ``req`` to ``to`` (conditional on where it is now) and record it; False if lost.

    ``from_status`` defaults to the status the row was read in, so a move that raced
    another writer does nothing. On success the in-memory row follows. Every move starts
    the timer steps of its status again (``timer_step`` 0) unless the caller counts them:
    a reminder counted in one status never shortens the schedule of the next.
    The audit record carries the move itself (``before`` → ``after``) beside ``detail``, so
    the audit log shows every state change of a request without reading the code.
    """
    assert req.id is not None
    before = str(req.status)
    values.setdefault("timer_step", 0)
    sources = list(from_status) if from_status is not None else [RequestStatus(req.status)]
    if not await requests.transition(
        session, req.id, from_status=sources, to_status=to, extra_where=extra_where, **values
    ):
        return False
    if to in OUTCOMES and before != str(to):
        facts.note(session, Fact(FactKind.CLOSED, req.incident, outcome=str(to)))
    req.status = to
    for key, value in values.items():
        setattr(req, key, value)
    if kind is not None:
        moved = {"before": before, "after": str(to), **(detail or {})}
        await audit(session, kind=kind, at=now, request_id=req.id, actor_id=actor_id, detail=moved)
    return True
