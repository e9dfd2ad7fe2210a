"""What the command centre reads: the active requests (/open), one request's life (/request)
and its audit records (/audit). Read from the records alone: the timeline is the audit trail,
with the names of the people it mentions looked up once."""

from __future__ import annotations

import math
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.dispatch import operator
from bot.services.dispatch.common import area
from bot.services.notices import Area
from bot.services.notices.ops import (
    OpenRow,
    OpsAuditView,
    OpsRequestList,
    OpsRequestView,
    TimelineItem,
)
from domain.enums import RequestStatus
from domain.matching.geo import area_of
from storage import oversight, people, requests
from storage.audit import details_of
from storage.models import AuditEvent

PAGE_SIZE = 8


async def open_requests(session: AsyncSession, *, page: int, now: datetime) -> OpsRequestList:
    """One page (from 0) of the requests someone may still act on, oldest first."""
    total = await oversight.count_active(session)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    rows = await oversight.active_requests(session, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    return OpsRequestList(
        page=page,
        pages=pages,
        total=total,
        as_of=now,
        rows=tuple(
            OpenRow(
                r.request_id, r.incident, r.status, r.created_at, _area(r.lat, r.lon), r.volunteer
            )
            for r in rows
        ),
    )


def _area(lat: float, lon: float) -> Area:
    found = area_of(lat, lon)
    return Area(found.city.name_en, found.city.name_ar, found.km_from_centre)


def _mentioned(event: AuditEvent) -> set[int]:
    """Everyone an audit record names: its actor, a volunteer, a wave's alerted volunteers."""
    found = {event.actor_id} if event.actor_id is not None else set()
    detail = details_of(event.detail)
    for key in ("volunteer_id", "person_id"):
        value = detail.get(key)
        if isinstance(value, int):
            found.add(value)
    found |= _alerted(detail)
    return found


def _alerted(detail: dict[str, object]) -> set[int]:
    raw = detail.get("volunteers")
    return {int(p) for p in str(raw).split(",") if p.strip().isdigit()} if raw else set()


async def _items(session: AsyncSession, request_id: int) -> tuple[TimelineItem, ...]:
    events = await oversight.events_of(session, request_id)
    names = await oversight.names_of(session, set().union(*(_mentioned(e) for e in events)))

    def named(pid: int | None) -> str:
        return "" if pid is None else names.get(pid) or str(pid)

    items = []
    for e in events:
        detail = details_of(e.detail)
        alerted = [
            int(p) for p in str(detail.get("volunteers") or "").split(",") if p.strip().isdigit()
        ]
        items.append(
            TimelineItem(
                e.at, e.kind, named(e.actor_id), tuple(named(p) for p in alerted), detail or None
            )
        )
    return tuple(items)


async def request_view(session: AsyncSession, *, request_id: int) -> OpsRequestView | None:
    """/request ID: the request as the command centre may see it, its timeline and its buttons."""
    req = await requests.get_request(session, request_id)
    if req is None or req.id is None:
        return None
    requester = await people.get_person(session, req.requester_id)
    volunteer = await people.get_person(session, req.volunteer_id) if req.volunteer_id else None
    status = RequestStatus(req.status)
    minutes, credit = await oversight.credit_of(session, req.id) or (0, "")
    return OpsRequestView(
        request_id=req.id,
        incident=req.incident,
        status=req.status,
        area=area(req),
        lat=req.lat,
        lon=req.lon,
        requester=requester.first_name if requester else "",
        requester_id=req.requester_id,
        created_at=req.created_at,
        volunteer=volunteer.first_name if volunteer else "",
        volunteer_id=req.volunteer_id,
        description=req.description or "",
        timeline=await _items(session, req.id),
        credit_minutes=minutes,
        credit_status=credit,
        can_cancel=status in operator.CANCELLABLE,
        can_redispatch=status in operator.REDISPATCHABLE,
        can_reassign=status in operator.REASSIGNABLE and req.volunteer_id is not None,
    )


async def audit_view(session: AsyncSession, *, request_id: int) -> OpsAuditView | None:
    """/audit ID: every audit record of the request, details as stored."""
    if await requests.get_request(session, request_id) is None:
        return None
    return OpsAuditView(request_id=request_id, entries=await _items(session, request_id))
