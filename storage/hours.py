"""Queries on volunteer hours: a volunteer's jobs and totals, corrections, disputes, exports.

A credit changes only through ``apply_correction``: a conditional UPDATE on the values the
caller read (minutes and status), whose row count says whether this caller won, plus the
correction row recording it. Two operators correcting the same credit at once: one applies,
the other finds it already changed and records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import CorrectionKind, CreditStatus
from storage.hours_models import HourCorrection
from storage.models import HelpRequest, HourCredit, Person


@dataclass(frozen=True)
class JobRow:
    """One job as the volunteer's history shows it."""

    request_id: int
    incident: str
    minutes: int
    status: str
    at: datetime
    corrected: bool


@dataclass(frozen=True)
class ExportRow:
    """One credited job, for the CSV export."""

    volunteer_id: int
    name: str
    at: datetime
    incident: str
    minutes: int
    request_id: int
    confirmed_by: int | None
    how: str  # "citizen", "auto", "operator"


def _corrected() -> object:
    return exists().where(HourCorrection.credit_id == HourCredit.id)


async def jobs_of(
    session: AsyncSession, volunteer_id: int, *, limit: int, offset: int = 0
) -> list[JobRow]:
    """The volunteer's jobs, newest first."""
    stmt = (
        select(
            HourCredit.request_id,
            HelpRequest.incident,
            HourCredit.minutes,
            HourCredit.status,
            HourCredit.created_at,
            _corrected(),
        )
        .join(HelpRequest, HelpRequest.id == HourCredit.request_id)
        .where(HourCredit.volunteer_id == volunteer_id)
        .order_by(col(HourCredit.created_at).desc(), col(HourCredit.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [JobRow(r[0], r[1], int(r[2]), r[3], r[4], bool(r[5])) for r in rows]


async def job_count(session: AsyncSession, volunteer_id: int) -> int:
    stmt = select(func.count()).where(HourCredit.volunteer_id == volunteer_id)
    return int((await session.exec(stmt)).one())  # type: ignore[call-overload]


async def totals_by_incident(
    session: AsyncSession,
    volunteer_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, tuple[int, int]]:
    """incident -> (credited jobs, credited minutes), for jobs done in [since, until)."""
    conditions = [
        HourCredit.volunteer_id == volunteer_id,
        HourCredit.status == CreditStatus.CONFIRMED,
    ]
    if since is not None:
        conditions.append(HourCredit.created_at >= since)
    if until is not None:
        conditions.append(HourCredit.created_at < until)
    stmt = (
        select(HelpRequest.incident, func.count(), func.sum(HourCredit.minutes))
        .join(HelpRequest, HelpRequest.id == HourCredit.request_id)
        .where(*conditions)
        .group_by(HelpRequest.incident)
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return {incident: (int(n), int(m or 0)) for incident, n, m in rows}


async def first_credited_at(session: AsyncSession, volunteer_id: int) -> datetime | None:
    """When the volunteer's first credited job was done: where "all my hours" begins."""
    stmt = select(func.min(HourCredit.created_at)).where(
        HourCredit.volunteer_id == volunteer_id, HourCredit.status == CreditStatus.CONFIRMED
    )
    return (await session.exec(stmt)).one()  # type: ignore[call-overload,no-any-return]


async def credit_of_request(session: AsyncSession, request_id: int) -> HourCredit | None:
    stmt = select(HourCredit).where(HourCredit.request_id == request_id)
    return (await session.exec(stmt.execution_options(populate_existing=True))).first()


async def apply_correction(
    session: AsyncSession,
    credit: HourCredit,
    *,
    kind: CorrectionKind,
    actor_id: int,
    minutes: int,
    status: str,
    reason: str,
    at: datetime,
) -> HourCorrection | None:
    """Move the credit from the values in ``credit`` to (minutes, status) and record it.

    None when another writer changed the credit since it was read (nothing is recorded).
    """
    assert credit.id is not None
    # Read before the UPDATE: the ORM brings the in-memory row in step with it.
    before_minutes, before_status = credit.minutes, credit.status
    values: dict[str, object] = {"minutes": minutes, "status": str(status)}
    if kind != CorrectionKind.MINUTES:  # a dispute decided: the operator confirmed (or not)
        values.update(decided_by=actor_id, decided_at=at)
    result = await session.exec(  # type: ignore[call-overload]
        update(HourCredit)
        .where(
            HourCredit.id == credit.id,
            HourCredit.minutes == before_minutes,
            HourCredit.status == before_status,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        return None
    row = HourCorrection(
        credit_id=credit.id,
        request_id=credit.request_id,
        volunteer_id=credit.volunteer_id,
        actor_id=actor_id,
        kind=str(kind),
        before_minutes=before_minutes,
        after_minutes=minutes,
        before_status=before_status,
        after_status=str(status),
        reason=reason,
        at=at,
    )
    session.add(row)
    await session.flush()
    return row


async def corrections_of(session: AsyncSession, request_id: int) -> list[HourCorrection]:
    stmt = (
        select(HourCorrection)
        .where(HourCorrection.request_id == request_id)
        .order_by(col(HourCorrection.id))
    )
    return list((await session.exec(stmt)).all())


async def corrected_since(
    session: AsyncSession, volunteer_id: int, *, lo: datetime, hi: datetime, since: datetime
) -> bool:
    """Whether any credit of jobs done in [lo, hi) was corrected after ``since``."""
    stmt = (
        select(func.count())
        .select_from(HourCorrection)
        .join(HourCredit, HourCredit.id == HourCorrection.credit_id)
        .where(
            HourCorrection.volunteer_id == volunteer_id,
            HourCorrection.at > since,
            HourCredit.created_at >= lo,
            HourCredit.created_at < hi,
        )
    )
    return int((await session.exec(stmt)).one()) > 0  # type: ignore[call-overload]


async def open_disputes(session: AsyncSession, *, limit: int | None = 20) -> list[HourCredit]:
    stmt = (
        select(HourCredit)
        .where(HourCredit.status == CreditStatus.DISPUTED)
        .order_by(col(HourCredit.id))
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def export_rows(
    session: AsyncSession,
    *,
    lo: datetime,
    hi: datetime,
    volunteer_ids: Sequence[int] | None = None,
) -> list[ExportRow]:
    """Every credited job done in [lo, hi), oldest first; ``volunteer_ids`` narrows to a team."""
    decision = (
        select(HourCorrection.actor_id)
        .where(
            HourCorrection.credit_id == HourCredit.id,
            HourCorrection.kind == CorrectionKind.CREDITED,
        )
        .order_by(col(HourCorrection.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    conditions = [
        HourCredit.status == CreditStatus.CONFIRMED,
        HourCredit.created_at >= lo,
        HourCredit.created_at < hi,
    ]
    if volunteer_ids is not None:
        conditions.append(col(HourCredit.volunteer_id).in_(list(volunteer_ids)))
    stmt = (
        select(
            HourCredit.volunteer_id,
            Person.first_name,
            HourCredit.created_at,
            HelpRequest.incident,
            HourCredit.minutes,
            HourCredit.request_id,
            HourCredit.decided_by,
            HelpRequest.requester_id,
            decision,
        )
        .join(HelpRequest, HelpRequest.id == HourCredit.request_id)
        .join(Person, and_(Person.id == HourCredit.volunteer_id), isouter=True)
        .where(*conditions)
        .order_by(col(HourCredit.created_at), col(HourCredit.id))
    )
    out = []
    for vid, name, at, incident, minutes, rid, decided_by, requester, operator in (
        await session.exec(stmt)  # type: ignore[call-overload]
    ).all():
        if operator is not None:
            by, how = int(operator), "operator"
        elif decided_by is None:
            by, how = None, "auto"
        else:
            by, how = int(decided_by), "citizen" if decided_by == requester else "operator"
        out.append(ExportRow(int(vid), name or "", at, incident, int(minutes), rid, by, how))
    return out
