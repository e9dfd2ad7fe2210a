"""Queries behind linked reports (bot/services/links.py): the open request a new report joins,
the reports that follow one request, and the lock that keeps two reports from both starting.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import RequestStatus
from domain.matching.grid import box_around
from storage.models import HelpRequest


async def serialise_reports(session: AsyncSession, incident: str) -> None:
    """Take the lock that puts new reports of one incident type in turn, for this transaction.

    Two citizens reporting the same fire at the same moment on two PostgreSQL workers would
    each look for an open request, each find none (the other's is not committed yet) and
    both dispatch. Under this lock the second looks only after the first committed, and
    finds it. One lock per type, held only while a report is created (a few milliseconds);
    SQLite's transactions already hold the write lock from BEGIN.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        key = zlib.crc32(f"report:{incident}".encode())
        await session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=key))  # type: ignore[call-overload]


async def candidates_near(
    session: AsyncSession,
    *,
    incident: str,
    lat: float,
    lon: float,
    radius_m: float,
    statuses: Iterable[RequestStatus],
    since: datetime | None,
    exclude_requester: int | None = None,
    exclude_id: int | None = None,
) -> list[HelpRequest]:
    """Requests of ``incident`` in one of ``statuses``, created after ``since`` (any time when
    None), inside the box of ``radius_m`` around the point: the caller measures the distance.
    Linked reports are never returned (a report joins the request, not another report)."""
    box = box_around(lat, lon, radius_m)
    stmt = select(HelpRequest).where(
        HelpRequest.incident == incident,
        col(HelpRequest.status).in_([str(s) for s in statuses]),
        col(HelpRequest.lat).between(box.south, box.north),
        col(HelpRequest.lon).between(box.west, box.east),
    )
    if since is not None:
        stmt = stmt.where(col(HelpRequest.created_at) >= since)
    if exclude_requester is not None:
        stmt = stmt.where(HelpRequest.requester_id != exclude_requester)
    if exclude_id is not None:
        stmt = stmt.where(HelpRequest.id != exclude_id)
    return list((await session.exec(stmt.order_by(col(HelpRequest.id)))).all())


async def followers(session: AsyncSession, request_id: int) -> list[HelpRequest]:
    """The open reports linked to this request, oldest first."""
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.linked_to == request_id,
            HelpRequest.status == RequestStatus.LINKED,
            col(HelpRequest.closed_at).is_(None),
        )
        .order_by(col(HelpRequest.id))
    )
    return list((await session.exec(stmt)).all())


async def follower_ids(session: AsyncSession, request_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each of these requests that has open linked reports: their ids."""
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    stmt = select(HelpRequest.linked_to, HelpRequest.id).where(
        col(HelpRequest.linked_to).in_(ids),
        HelpRequest.status == RequestStatus.LINKED,
        col(HelpRequest.closed_at).is_(None),
    )
    found: dict[int, list[int]] = {}
    for primary, rid in (await session.exec(stmt)).all():
        found.setdefault(int(primary), []).append(int(rid))  # type: ignore[arg-type]
    return found


async def relink(session: AsyncSession, *, from_id: int, to_id: int) -> int:
    """Every open report linked to ``from_id`` follows ``to_id`` instead; how many moved."""
    stmt = (
        update(HelpRequest)
        .where(
            col(HelpRequest.linked_to) == from_id,
            col(HelpRequest.status) == RequestStatus.LINKED,
            col(HelpRequest.closed_at).is_(None),
        )
        .values(linked_to=to_id)
        .execution_options(synchronize_session="fetch")
    )
    return int((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def close_followers(session: AsyncSession, request_id: int, *, at: datetime) -> list[int]:
    """The request these reports follow closed: so are they (``closed_at``); their ids."""
    ids = [r.id for r in await followers(session, request_id) if r.id is not None]
    if ids:
        await session.exec(  # type: ignore[call-overload]
            update(HelpRequest)
            .where(col(HelpRequest.id).in_(ids), col(HelpRequest.closed_at).is_(None))
            .values(closed_at=at)
            .execution_options(synchronize_session="fetch")
        )
    return ids
