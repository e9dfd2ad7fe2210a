"""Test data for hours: jobs written straight as the rows the dispatch flow leaves behind."""

from __future__ import annotations

from datetime import datetime

from domain.enums import CreditStatus, RequestStatus
from storage.db import Database
from storage.models import HelpRequest, HourCredit
from tests.factories import person


async def job(
    db: Database,
    volunteer_id: int,
    *,
    incident: str,
    minutes: int,
    at: datetime,
    status: CreditStatus = CreditStatus.CONFIRMED,
    requester_id: int = 900,
    decided_by: int | None = -1,
) -> int:
    """A finished job and its credit; returns the request id. ``decided_by=-1``: the citizen."""
    await person(db, requester_id)
    request_status = {
        CreditStatus.CONFIRMED: RequestStatus.CONFIRMED,
        CreditStatus.PENDING: RequestStatus.COMPLETED,
    }.get(status, RequestStatus.DISPUTED)
    async with db.session() as s:
        req = HelpRequest(
            requester_id=requester_id,
            incident=incident,
            lat=24.7,
            lon=46.7,
            status=request_status,
            volunteer_id=volunteer_id,
            created_at=at,
            assigned_at=at,
            done_at=at,
            closed_at=at if request_status != RequestStatus.COMPLETED else None,
        )
        s.add(req)
        await s.flush()
        assert req.id is not None
        s.add(
            HourCredit(
                volunteer_id=volunteer_id,
                request_id=req.id,
                minutes=minutes,
                status=status,
                decided_by=requester_id if decided_by == -1 else decided_by,
                created_at=at,
                decided_at=at if status != CreditStatus.PENDING else None,
            )
        )
        return req.id
