"""Read-only queries the command centre's views need: active requests, one person's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import lifecycle
from domain.enums import OfferStatus
from storage.models import AuditEvent, HelpRequest, HourCredit, Offer, Person


@dataclass(frozen=True)
class ActiveRow:
    request_id: int
    incident: str
    status: str
    created_at: datetime
    lat: float
    lon: float
    volunteer_id: int | None
    volunteer: str


def _active() -> Any:
    return HelpRequest.status.in_(sorted(lifecycle.ACTIVE))  # type: ignore[attr-defined]


async def count_active(session: AsyncSession) -> int:
    """How many requests someone may still act on (open, or escalated and waiting)."""
    stmt = select(func.count()).select_from(HelpRequest).where(_active())
    return int((await session.exec(stmt)).one())


async def active_requests(session: AsyncSession, *, offset: int, limit: int) -> list[ActiveRow]:
    """One page of the requests someone may still act on, oldest first."""
    active = _active()
    stmt = (
        select(HelpRequest, Person.first_name)
        .outerjoin(Person, Person.id == HelpRequest.volunteer_id)  # type: ignore[arg-type]
        .where(active)
        .order_by(HelpRequest.created_at, HelpRequest.id)  # type: ignore[arg-type]
        .offset(offset)
        .limit(limit)
    )
    rows = [
        ActiveRow(
            int(r.id or 0),
            r.incident,
            r.status,
            r.created_at,
            r.lat,
            r.lon,
            r.volunteer_id,
            name or "",
        )
        for r, name in (await session.exec(stmt)).all()
    ]
    return rows


async def events_of(session: AsyncSession, request_id: int) -> list[AuditEvent]:
    """Every audit record of one request, oldest first (ids break ties within a second)."""
    stmt = select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)  # type: ignore[arg-type]
    return list((await session.exec(stmt)).all())


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Person.id, Person.first_name).where(Person.id.in_(sorted(ids)))  # type: ignore[union-attr]
    return {int(pid): str(name) for pid, name in (await session.exec(stmt)).all()}


@dataclass(frozen=True)
class AlertCounts:
    alerted: int
    accepted: int
    declined: int


async def alert_counts(session: AsyncSession, volunteer_id: int) -> AlertCounts:
    """How often a volunteer was alerted, and how they answered (a released job was accepted)."""
    stmt = (
        select(Offer.status, func.count())
        .where(Offer.volunteer_id == volunteer_id)
        .group_by(Offer.status)  # type: ignore[arg-type]
    )
    by = {str(s): int(n) for s, n in (await session.exec(stmt)).all()}
    accepted = by.get(OfferStatus.ACCEPTED, 0) + by.get(OfferStatus.RELEASED, 0)
    return AlertCounts(sum(by.values()), accepted, by.get(OfferStatus.DECLINED, 0))


async def recent_jobs(
    session: AsyncSession, volunteer_id: int, limit: int = 5
) -> list[HelpRequest]:
    stmt = (
        select(HelpRequest)
        .where(HelpRequest.volunteer_id == volunteer_id)
        .order_by(HelpRequest.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def requests_made(session: AsyncSession, requester_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.requester_id == requester_id)
    )
    return int((await session.exec(stmt)).one())


async def open_offers_of(session: AsyncSession, volunteer_id: int) -> list[Offer]:
    """A volunteer's unanswered alerts, by request (the order their rows are locked in)."""
    stmt = (
        select(Offer)
        .where(Offer.volunteer_id == volunteer_id, Offer.status == OfferStatus.SENT)
        .order_by(Offer.request_id)  # type: ignore[arg-type]
    )
    return list((await session.exec(stmt)).all())


async def credit_of(session: AsyncSession, request_id: int) -> tuple[int, str] | None:
    """(minutes, status) of the request's hour credit, if the job was done."""
    stmt = select(HourCredit.minutes, HourCredit.status).where(HourCredit.request_id == request_id)
    row = (await session.exec(stmt)).first()
    return (int(row[0]), str(row[1])) if row else None
