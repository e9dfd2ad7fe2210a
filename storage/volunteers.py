"""Queries on volunteer profiles. Position and duty writes are single-row UPDATEs: they arrive constantly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import VolunteerStatus
from domain.matching.grid import cell_of
from storage.models import Person, Volunteer


async def set_position(
    session: AsyncSession,
    *,
    person_id: int,
    lat: float,
    lon: float,
    at: datetime,
    live_until: datetime | None = None,
) -> bool:
    """Move a volunteer (and their grid cell). False when there is no such volunteer.

    A volunteer who left the programme is not one: their position is not stored again
    (a live location they forgot to stop keeps sending updates after /leave).
    """
    values: dict[str, object] = {
        "lat": lat,
        "lon": lon,
        "cell": cell_of(lat, lon),
        "position_at": at,
        "stale_notified_at": None,
    }
    if live_until is not None:
        values["live_until"] = live_until
    result = await session.exec(  # type: ignore[call-overload]
        update(Volunteer)
        .where(Volunteer.person_id == person_id, Volunteer.status != VolunteerStatus.LEFT)  # type: ignore[arg-type]
        .values(**values)
    )
    return bool(result.rowcount)


async def set_duty(session: AsyncSession, *, person_id: int, on_duty: bool) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        update(Volunteer).where(Volunteer.person_id == person_id).values(on_duty=on_duty)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)


async def get_volunteer(session: AsyncSession, person_id: int) -> Volunteer | None:
    return await session.get(Volunteer, person_id, populate_existing=True)


async def save(session: AsyncSession, volunteer: Volunteer) -> Volunteer:
    session.add(volunteer)
    await session.flush()
    return volunteer


async def update_fields(session: AsyncSession, *, person_id: int, **values: object) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        update(Volunteer).where(Volunteer.person_id == person_id).values(**values)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)


async def move_status(
    session: AsyncSession, *, person_id: int, from_status: str, to_status: str, **values: object
) -> bool:
    """Conditional status change: an operator's double tap or a race with another operator is harmless."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Volunteer)
        .where(Volunteer.person_id == person_id, Volunteer.status == from_status)  # type: ignore[arg-type]
        .values(status=str(to_status), **values)
        # The session's copy follows what the database did, not a guess from a stale copy.
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class PositionUpdate:
    """One live-location fix of one volunteer."""

    person_id: int
    lat: float
    lon: float
    at: datetime


async def set_positions(session: AsyncSession, moves: Sequence[PositionUpdate]) -> None:
    """``set_position`` for many volunteers in one executemany (live locations arrive in bursts).

    Keeps the grid cell in step like ``set_position``; leaves ``live_until`` alone.
    Unknown ids, and volunteers who left the programme (whose live location may go on for
    hours after ``/leave``), are ignored (drivers do not all report per-row counts of an
    executemany).
    """
    if not moves:
        return
    v = Volunteer.__table__  # type: ignore[attr-defined]
    stmt = (
        update(v)
        .where(v.c.person_id == bindparam("pid"), v.c.status != str(VolunteerStatus.LEFT))
        .values(
            lat=bindparam("new_lat"),
            lon=bindparam("new_lon"),
            cell=bindparam("new_cell"),
            position_at=bindparam("new_at"),
            stale_notified_at=None,
        )
    )
    conn = await session.connection()
    await conn.execute(
        stmt,
        [
            {
                "pid": m.person_id,
                "new_lat": m.lat,
                "new_lon": m.lon,
                "new_cell": cell_of(m.lat, m.lon),
                "new_at": m.at,
            }
            for m in moves
        ],
    )


async def set_duties(session: AsyncSession, changes: Sequence[tuple[int, bool]]) -> None:
    """``set_duty`` for many (person_id, on_duty) pairs in one executemany; unknown ids are ignored."""
    if not changes:
        return
    v = Volunteer.__table__  # type: ignore[attr-defined]
    stmt = update(v).where(v.c.person_id == bindparam("pid")).values(on_duty=bindparam("duty"))
    conn = await session.connection()
    await conn.execute(stmt, [{"pid": pid, "duty": duty} for pid, duty in changes])


async def forget(session: AsyncSession, *, person_id: int) -> None:
    """Leave the programme: off duty and no position kept. Hours live in hour_credit, untouched."""
    await session.exec(  # type: ignore[call-overload]
        update(Volunteer)
        .where(Volunteer.person_id == person_id)  # type: ignore[arg-type]
        .values(
            status=VolunteerStatus.LEFT,
            on_duty=False,
            lat=None,
            lon=None,
            cell=None,
            position_at=None,
            live_until=None,
            phone=None,
            share_phone=False,
        )
    )


async def newly_stale(session: AsyncSession, *, cutoff: datetime, now: datetime) -> list[int]:
    """On-duty, verified volunteers last seen before ``cutoff`` and not yet told; marks them told.

    One conditional ``UPDATE … RETURNING``: the rows this call marked are the ones it tells.
    Two workers running the check at once cannot both tell someone: on PostgreSQL the second
    update waits for the first's row locks, then re-checks ``stale_notified_at IS NULL``
    and finds them told (a separate SELECT first would let both read the same rows).
    """
    stmt = (
        update(Volunteer)
        .where(
            col(Volunteer.on_duty),
            col(Volunteer.status) == "verified",
            col(Volunteer.position_at) < cutoff,
            col(Volunteer.stale_notified_at).is_(None),
        )
        .values(stale_notified_at=now)
        .returning(col(Volunteer.person_id))
        .execution_options(synchronize_session=False)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return sorted(int(pid) for pid in result.scalars().all())


async def pending_volunteers(session: AsyncSession) -> list[tuple[int, str]]:
    stmt = (
        select(Volunteer.person_id, Person.first_name)
        .join(Person, Person.id == Volunteer.person_id)
        .where(Volunteer.status == "pending", Volunteer.conduct_accepted_at.is_not(None))
        .order_by(Volunteer.created_at)
    )
    return [(int(pid), str(name)) for pid, name in (await session.exec(stmt)).all()]
