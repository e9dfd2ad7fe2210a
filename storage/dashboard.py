"""Queries behind the operators' dashboard: its sign-in links and sessions, and the map's rows.

A link is spent and a session ended by a conditional ``UPDATE … WHERE used_at IS NULL``:
two browsers (or two workers) opening the same link at once cannot both sign in. The map
reads the open requests as plain tuples: a thousand of them every second or two is a
small, index-backed read (``help_request.status`` is indexed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import lifecycle
from domain.enums import VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.grid import COLS
from storage.dashboard_models import DashboardLink, DashboardSession
from storage.models import HelpRequest, Volunteer


async def add_link(
    session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime
) -> None:
    session.add(
        DashboardLink(
            token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at
        )
    )
    await session.flush()


async def get_link(session: AsyncSession, token_hash: str) -> DashboardLink | None:
    return await session.get(DashboardLink, token_hash, populate_existing=True)


async def spend_link(session: AsyncSession, *, token_hash: str, now: datetime) -> bool:
    """Mark a live link used; True only for the one call that did it."""
    stmt = (
        update(DashboardLink)
        .where(
            DashboardLink.token_hash == token_hash,  # type: ignore[arg-type]
            DashboardLink.used_at.is_(None),  # type: ignore[union-attr]
            DashboardLink.expires_at > now,  # type: ignore[arg-type]
        )
        .values(used_at=now)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def add_session(
    session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime
) -> None:
    session.add(
        DashboardSession(
            token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at
        )
    )
    await session.flush()


async def live_session(
    session: AsyncSession, *, token_hash: str, now: datetime
) -> DashboardSession | None:
    """The session, while it has neither expired nor been ended."""
    stmt = select(DashboardSession).where(
        DashboardSession.token_hash == token_hash,
        DashboardSession.ended_at.is_(None),
        DashboardSession.expires_at > now,
    )
    return (await session.exec(stmt)).first()


async def end_session(session: AsyncSession, *, token_hash: str, now: datetime) -> bool:
    stmt = (
        update(DashboardSession)
        .where(
            DashboardSession.token_hash == token_hash,  # type: ignore[arg-type]
            DashboardSession.ended_at.is_(None),  # type: ignore[union-attr]
        )
        .values(ended_at=now)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


@dataclass(frozen=True)
class MapRow:
    """What the map draws for one open request (the panel reads the rest on demand)."""

    request_id: int
    incident: str
    status: str
    wave: int
    created_at: datetime
    lat: float
    lon: float
    area: str
    volunteer_id: int | None


async def open_rows(session: AsyncSession) -> list[MapRow]:
    """Every request someone may still act on (open, or escalated and waiting)."""
    stmt = select(
        HelpRequest.id,
        HelpRequest.incident,
        HelpRequest.status,
        HelpRequest.wave,
        HelpRequest.created_at,
        HelpRequest.lat,
        HelpRequest.lon,
        HelpRequest.area,
        HelpRequest.volunteer_id,
    ).where(HelpRequest.status.in_(sorted(lifecycle.ACTIVE)))
    return [MapRow(int(r[0]), *r[1:]) for r in (await session.exec(stmt)).all()]


async def position_of(
    session: AsyncSession, volunteer_id: int
) -> tuple[float, float, datetime | None] | None:
    """One volunteer's last position (shown only on the panel of the request they hold)."""
    vol = await session.get(Volunteer, volunteer_id)
    if vol is None or vol.lat is None or vol.lon is None:
        return None
    return vol.lat, vol.lon, vol.position_at


#: Readiness is counted per tile of TILE x TILE grid cells (0.1 degree, about 11 km).
TILE = 10


@dataclass(frozen=True)
class ReadyTile:
    row: int  # the tile's row and column: grid row // TILE, grid column // TILE
    col: int
    ready: int
    skills: dict[str, int]


async def ready_by_tile(session: AsyncSession, *, seen_since: datetime) -> list[ReadyTile]:
    """On-duty, verified volunteers with a fresh position, counted per tile and per skill in
    one pass over the dispatch index: a few thousand rows for 200,000 volunteers, where a row
    per grid cell and skill mix (storage.kpis.ready_by_cell) is a hundred thousand."""
    cell = Volunteer.cell
    row, col = cell // (COLS * TILE), (cell % COLS) // TILE
    per_skill = [
        func.sum(case((Volunteer.skills.op("&")(i.bit) != 0, 1), else_=0)) for i in IncidentType
    ]
    stmt = (
        select(row, col, func.count(), *per_skill)
        .where(
            Volunteer.on_duty,
            Volunteer.status == VolunteerStatus.VERIFIED,
            cell.is_not(None),
            Volunteer.position_at >= seen_since,
        )
        .group_by(row, col)
    )
    names = [str(i) for i in IncidentType]
    found = []
    for r in (await session.exec(stmt)).all():
        values: tuple[Any, ...] = tuple(r[3:])
        counts = [int(value or 0) for value in values]
        skills = {k: n for k, n in zip(names, counts, strict=True) if n}
        found.append(ReadyTile(int(r[0]), int(r[1]), int(r[2]), skills))
    return found
