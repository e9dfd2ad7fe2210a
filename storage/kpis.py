"""The queries behind the KPIs (bot/services/kpis.py): counts and first times, grouped in SQL.

Every figure is about the requests created in one period (``since`` ≤ created_at < ``until``),
optionally in one city (``help_request.area``, the nearest city's English name), so the
figures of one answer describe one cohort. Plain GROUP BYs that read the same on SQLite and
PostgreSQL; percentiles are taken in Python from the per-request times returned here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import CreditStatus, VolunteerStatus
from storage.models import AuditEvent, HelpRequest, HourCredit, Offer, Volunteer


@dataclass(frozen=True)
class Cohort:
    """The requests created in [since, until), in one city when ``city`` is set."""

    since: datetime
    until: datetime
    city: str | None = None

    def where(self) -> list[Any]:
        found = [HelpRequest.created_at >= self.since, HelpRequest.created_at < self.until]
        if self.city:
            found.append(HelpRequest.area == self.city)
        return found


async def requests_by_type(
    session: AsyncSession, cohort: Cohort, *, closings: list[str]
) -> list[tuple[str, str, str | None, int]]:
    """(incident, status now, the closing decision among ``closings`` if any, how many).

    The command centre's closing of an escalation (handed to the official services, a false
    alarm) leaves the request ``cancelled``; its audit record tells it apart from a citizen's
    cancel. A request is closed that way once (cancelled is final), so the join adds no row.
    """
    decided = (
        select(AuditEvent.request_id, AuditEvent.kind)
        .where(col(AuditEvent.kind).in_(closings))
        .subquery("decided")
    )
    stmt = (
        select(HelpRequest.incident, HelpRequest.status, decided.c.kind, func.count())
        .outerjoin(decided, decided.c.request_id == HelpRequest.id)
        .where(*cohort.where())
        .group_by(HelpRequest.incident, HelpRequest.status, decided.c.kind)
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [(str(i), str(s), str(k) if k else None, int(n)) for i, s, k, n in rows]


async def first_events(
    session: AsyncSession, cohort: Cohort, *, kinds: list[str]
) -> list[tuple[int, str, datetime, datetime]]:
    """(request id, kind, the request's creation, the first event of that kind) per request."""
    stmt = (
        select(
            AuditEvent.request_id, AuditEvent.kind, HelpRequest.created_at, func.min(AuditEvent.at)
        )
        .join(HelpRequest, HelpRequest.id == AuditEvent.request_id)  # type: ignore[arg-type]
        .where(*cohort.where(), AuditEvent.kind.in_(kinds))  # type: ignore[attr-defined]
        .group_by(AuditEvent.request_id, AuditEvent.kind, HelpRequest.created_at)
    )
    return [(int(r), str(k), c, first) for r, k, c, first in (await session.exec(stmt)).all()]


async def offers_by_status(session: AsyncSession, cohort: Cohort) -> dict[str, int]:
    stmt = (
        select(Offer.status, func.count())
        .join(HelpRequest, HelpRequest.id == Offer.request_id)  # type: ignore[arg-type]
        .where(*cohort.where())
        .group_by(Offer.status)  # type: ignore[arg-type]
    )
    return {str(s): int(n) for s, n in (await session.exec(stmt)).all()}


async def credited_minutes(session: AsyncSession, cohort: Cohort) -> int:
    """Confirmed minutes credited for the cohort's requests."""
    stmt = (
        select(func.coalesce(func.sum(HourCredit.minutes), 0))
        .join(HelpRequest, HelpRequest.id == HourCredit.request_id)  # type: ignore[arg-type]
        .where(*cohort.where(), HourCredit.status == CreditStatus.CONFIRMED)
    )
    return int((await session.exec(stmt)).one())


async def ready_by_cell(
    session: AsyncSession, *, seen_since: datetime
) -> list[tuple[int, int, int]]:
    """(grid cell, skills mask, how many): verified, on-duty volunteers with a fresh position."""
    stmt = (
        select(Volunteer.cell, Volunteer.skills, func.count())
        .where(
            Volunteer.on_duty,
            Volunteer.status == VolunteerStatus.VERIFIED,
            Volunteer.cell.is_not(None),  # type: ignore[union-attr]
            Volunteer.position_at >= seen_since,  # type: ignore[operator]
        )
        .group_by(Volunteer.cell, Volunteer.skills)
    )
    return [(int(c), int(s), int(n)) for c, s, n in (await session.exec(stmt)).all()]


async def requests_by_city(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[str, str, int]]:
    """(city, incident, how many) for requests created in the window."""
    stmt = (
        select(HelpRequest.area, HelpRequest.incident, func.count())
        .where(*Cohort(since, until).where())
        .group_by(HelpRequest.area, HelpRequest.incident)
    )
    return [(str(a), str(i), int(n)) for a, i, n in (await session.exec(stmt)).all()]
