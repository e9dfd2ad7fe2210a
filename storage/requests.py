"""Queries on help requests, offers, hour credits and the audit trail.

A request's status only ever moves through ``transition``: an UPDATE with a
condition on the current status, whose row count says whether this caller won.
Two volunteers pressing Accept at once, or two bot processes, cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import lifecycle
from domain.enums import CreditStatus, OfferStatus, RequestStatus
from storage.bulk import insert_rows
from storage.models import HelpRequest, HourCredit, Offer, Volunteer


async def add_request(session: AsyncSession, request: HelpRequest) -> HelpRequest:
    session.add(request)
    await session.flush()
    return request


async def get_request(session: AsyncSession, request_id: int) -> HelpRequest | None:
    return await session.get(HelpRequest, request_id, populate_existing=True)


async def lock_request(session: AsyncSession, request_id: int) -> HelpRequest | None:
    """The request, its row locked until this transaction ends.

    Answers to one request (declines, failed deliveries) then queue one after the other, so
    the last of them sees every earlier one and widens the search; unlocked, two declines at
    once on PostgreSQL each still saw the other's alert open and neither widened. SQLite
    needs no row lock: its transactions hold the write lock from BEGIN.
    """
    stmt = (
        select(HelpRequest)
        .where(HelpRequest.id == request_id)  # type: ignore[arg-type]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(stmt)).first()


async def lock_requests(
    session: AsyncSession, request_ids: Iterable[int]
) -> dict[int, HelpRequest]:
    """Several requests, their rows locked until this transaction ends, in ascending id order
    (two holders of overlapping sets cannot deadlock); by id."""
    wanted = sorted(set(request_ids))
    if not wanted:
        return {}
    stmt = (
        select(HelpRequest)
        .where(col(HelpRequest.id).in_(wanted))
        .order_by(col(HelpRequest.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {r.id: r for r in (await session.exec(stmt)).all() if r.id is not None}


async def transition(
    session: AsyncSession,
    request_id: int,
    *,
    from_status: Iterable[str],
    to_status: str,
    extra_where: Sequence[Any] = (),
    **values: Any,
) -> bool:
    """Move a request from one of ``from_status`` to ``to_status``; True if this call did it.

    Every pair must be a move ``domain.lifecycle`` allows: anything else raises
    ``IllegalTransition`` before the database is touched.
    """
    sources = [RequestStatus(s) for s in from_status]
    for source in sources:
        lifecycle.check(source, to_status)
    stmt = (
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,  # type: ignore[arg-type]
            HelpRequest.status.in_([str(s) for s in sources]),  # type: ignore[attr-defined]
            *extra_where,
        )
        .values(status=str(to_status), **values)
        # "fetch": objects in the session follow what the database really changed. The default
        # ("evaluate") matches the WHERE against the in-memory row, so a stale row (another
        # process moved the request meanwhile) took the new status although the UPDATE failed.
        .execution_options(synchronize_session="fetch")
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def update_request(session: AsyncSession, request_id: int, **values: Any) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(HelpRequest).where(HelpRequest.id == request_id).values(**values)  # type: ignore[arg-type]
    )


#: A report made again: its type, point, and the earliest creation time that counts.
Again = tuple[str, float, float, datetime]


async def open_request_of(
    session: AsyncSession, requester_id: int, *, again: Again | None = None
) -> HelpRequest | None:
    """The citizen's newest request that is still being worked on (dispatching, assigned, on
    scene), or their linked report while the request it follows is open; with ``again``,
    also one of that type at that very point made since then and handed to the command
    centre (the same last step handled twice: an escalated request is not open, and must not
    be made twice; one the citizen or an operator cancelled may be asked for again)."""
    same: list[Any] = []
    if again is not None:
        incident, lat, lon, since = again
        handed = [RequestStatus.ESCALATED, RequestStatus.UNANSWERED]
        same.append(
            and_(
                HelpRequest.status.in_(handed),  # type: ignore[attr-defined]
                HelpRequest.incident == incident,
                HelpRequest.lat == lat,
                HelpRequest.lon == lon,
                HelpRequest.created_at >= since,  # type: ignore[operator]
            )
        )
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.requester_id == requester_id,
            or_(
                HelpRequest.status.in_(sorted(lifecycle.OPEN)),  # type: ignore[attr-defined]
                and_(
                    HelpRequest.status == RequestStatus.LINKED,
                    HelpRequest.closed_at.is_(None),  # type: ignore[union-attr]
                ),
                *same,
            ),
        )
        .order_by(HelpRequest.id.desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def latest_job_of(session: AsyncSession, person_id: int) -> HelpRequest | None:
    """The newest request this person had a volunteer on, as its requester or its volunteer:
    the one the bot relays their messages for (while the job is on)."""
    stmt = (
        select(HelpRequest)
        .where(
            or_(
                and_(
                    HelpRequest.requester_id == person_id,
                    HelpRequest.volunteer_id.is_not(None),  # type: ignore[union-attr]
                ),
                HelpRequest.volunteer_id == person_id,
            )
        )
        .order_by(HelpRequest.id.desc())  # type: ignore[union-attr]
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def requests_with_timers(session: AsyncSession) -> list[HelpRequest]:
    stmt = select(HelpRequest).where(HelpRequest.next_timer_at.is_not(None))  # type: ignore[union-attr]
    return list((await session.exec(stmt)).all())


# --- offers ---------------------------------------------------------------------------


async def add_offers(
    session: AsyncSession, offers: list[Offer], *, fresh: bool = False
) -> list[Offer]:
    """Store new alerts; returns the rows to send, in the order given.

    One row per (request, volunteer) (uq_offer_request_volunteer). A volunteer
    whose earlier alert for this request was closed as 'taken' may be alerted
    again after a release: their old row is reset to a fresh alert rather than
    a second row added. Any other earlier answer keeps them out (see
    ``excluded_volunteer_ids``), so a clash there is a bug and fails the flush. ``fresh``: the
    request was created in this transaction, so it has no earlier alert to look for.
    """
    if not offers:
        return []
    if fresh:
        await insert_rows(session, offers)
        return list(offers)
    request_ids = {o.request_id for o in offers}
    stmt = select(Offer).where(
        Offer.request_id.in_(request_ids),  # type: ignore[attr-defined]
        Offer.volunteer_id.in_([o.volunteer_id for o in offers]),  # type: ignore[attr-defined]
        Offer.status == OfferStatus.TAKEN,
    )
    taken = {(o.request_id, o.volunteer_id): o for o in (await session.exec(stmt)).all()}
    rows: list[Offer] = []
    new: list[Offer] = []
    for offer in offers:
        old = taken.get((offer.request_id, offer.volunteer_id))
        if old is None:
            new.append(offer)
            rows.append(offer)
            continue
        old.wave, old.distance_m, old.sent_at = offer.wave, offer.distance_m, offer.sent_at
        old.status, old.answered_at = str(OfferStatus.SENT), None
        old.chat_id = old.message_id = None
        session.add(old)
        rows.append(old)
    await session.flush()
    await insert_rows(session, new)  # one statement for the wave (storage/bulk.py)
    return rows


async def get_offer(session: AsyncSession, offer_id: int) -> Offer | None:
    return await session.get(Offer, offer_id, populate_existing=True)


async def offers_for(
    session: AsyncSession, request_id: int, statuses: Iterable[str] | None = None
) -> list[Offer]:
    stmt = select(Offer).where(Offer.request_id == request_id)
    if statuses is not None:
        stmt = stmt.where(Offer.status.in_([str(s) for s in statuses]))  # type: ignore[attr-defined]
    return list((await session.exec(stmt.order_by(Offer.id))).all())  # type: ignore[arg-type]


async def offered_volunteer_ids(session: AsyncSession, request_id: int) -> frozenset[int]:
    stmt = select(Offer.volunteer_id).where(Offer.request_id == request_id)
    return frozenset((await session.exec(stmt)).all())


async def excluded_volunteer_ids(session: AsyncSession, request_id: int) -> frozenset[int]:
    """Who must not be alerted (again) for this request.

    Everyone already alerted, except those whose alert was closed because another
    volunteer accepted ('taken'): after a release they are fair game again. Those
    who declined, released the job, or could not be reached stay out.
    """
    stmt = select(Offer.volunteer_id).where(
        Offer.request_id == request_id, Offer.status != OfferStatus.TAKEN
    )
    return frozenset((await session.exec(stmt)).all())


async def answer_offer(
    session: AsyncSession,
    offer_id: int,
    *,
    from_status: Iterable[str],
    to_status: str,
    at: datetime,
) -> bool:
    stmt = (
        update(Offer)
        .where(
            Offer.id == offer_id,  # type: ignore[arg-type]
            Offer.status.in_([str(s) for s in from_status]),  # type: ignore[attr-defined]
        )
        .values(status=str(to_status), answered_at=at)
        .execution_options(synchronize_session="fetch")  # see transition()
    )
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def close_open_offers(
    session: AsyncSession, request_id: int, *, to_status: str, at: datetime
) -> list[Offer]:
    """Close every unanswered alert of a request; returns them so their messages can be edited."""
    offers = await offers_for(session, request_id, [OfferStatus.SENT])
    if offers:
        await session.exec(  # type: ignore[call-overload]
            update(Offer)
            .where(Offer.id.in_([o.id for o in offers]), Offer.status == OfferStatus.SENT)  # type: ignore[union-attr]
            .values(status=str(to_status), answered_at=at)
        )
    return offers


async def record_offer_message(
    session: AsyncSession, offer_id: int, *, chat_id: int, message_id: int
) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Offer).where(Offer.id == offer_id).values(chat_id=chat_id, message_id=message_id)  # type: ignore[arg-type]
    )


async def status_messages(
    session: AsyncSession, request_ids: Sequence[int]
) -> dict[int, tuple[int, int | None]]:
    """Request id -> (its requester, its status message), for a batch of notices at once."""
    if not request_ids:
        return {}
    stmt = select(HelpRequest.id, HelpRequest.requester_id, HelpRequest.status_message_id).where(
        HelpRequest.id.in_(list(request_ids))  # type: ignore[union-attr]
    )
    return {int(i): (int(r), m) for i, r, m in (await session.exec(stmt)).all()}


async def set_status_message(session: AsyncSession, request_id: int, message_id: int) -> None:
    """The citizen's status message for this request is now ``message_id`` (bot/services/status.py)."""
    await session.exec(  # type: ignore[call-overload]
        update(HelpRequest)
        .where(HelpRequest.id == request_id)  # type: ignore[arg-type]
        .values(status_message_id=message_id)
    )


async def record_offer_messages(
    session: AsyncSession, landed: Sequence[tuple[int, int, int]]
) -> None:
    """Where several alerts landed, ``(offer id, chat id, message id)``, in one executemany."""
    if not landed:
        return
    table: Any = Offer.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("offer_id"))
        .values(chat_id=bindparam("chat"), message_id=bindparam("message"))
    )
    await session.exec(  # type: ignore[call-overload]
        stmt, params=[{"offer_id": o, "chat": c, "message": m} for o, c, m in landed]
    )


async def get_offers(session: AsyncSession, offer_ids: Iterable[int]) -> list[Offer]:
    """These alerts as they are now, in one statement."""
    wanted = sorted(set(offer_ids))
    if not wanted:
        return []
    stmt = select(Offer).where(col(Offer.id).in_(wanted)).execution_options(populate_existing=True)
    return list((await session.exec(stmt)).all())


# --- volunteers on jobs -----------------------------------------------------------------


async def claim_volunteer(session: AsyncSession, volunteer_id: int, request_id: int) -> bool:
    """Mark a volunteer busy on a request, only if they are free: one job at a time."""
    stmt = (
        update(Volunteer)
        .where(Volunteer.person_id == volunteer_id, Volunteer.busy_request_id.is_(None))  # type: ignore[arg-type, union-attr]
        .values(busy_request_id=request_id)
        .execution_options(synchronize_session="fetch")  # see transition()
    )
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def free_volunteer(session: AsyncSession, volunteer_id: int, request_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Volunteer)
        .where(Volunteer.person_id == volunteer_id, Volunteer.busy_request_id == request_id)  # type: ignore[arg-type]
        .values(busy_request_id=None)
    )


# --- hour credits -------------------------------------------------------------------------


async def add_credit(session: AsyncSession, credit: HourCredit) -> HourCredit:
    session.add(credit)
    await session.flush()
    return credit


async def credited_minutes(session: AsyncSession, volunteer_id: int) -> tuple[int, int]:
    """(confirmed minutes, confirmed jobs) for a volunteer."""
    stmt = select(func.coalesce(func.sum(HourCredit.minutes), 0), func.count()).where(
        HourCredit.volunteer_id == volunteer_id, HourCredit.status == CreditStatus.CONFIRMED
    )
    minutes, jobs = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return int(minutes), int(jobs)


# --- audit ----------------------------------------------------------------------------------


async def decide_credit(
    session: AsyncSession, request_id: int, *, status: str, decided_by: int | None, at: datetime
) -> None:
    """Confirm or dispute the pending credit of a request (once: only a pending one moves)."""
    await session.exec(  # type: ignore[call-overload]
        update(HourCredit)
        .where(HourCredit.request_id == request_id, HourCredit.status == CreditStatus.PENDING)  # type: ignore[arg-type]
        .values(status=str(status), decided_by=decided_by, decided_at=at)
    )


async def credit_of(session: AsyncSession, request_id: int) -> int:
    row = (
        await session.exec(select(HourCredit.minutes).where(HourCredit.request_id == request_id))
    ).first()
    return int(row or 0)


async def set_offer_status(
    session: AsyncSession, *, request_id: int, volunteer_id: int, status: str, at: datetime
) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Offer)
        .where(Offer.request_id == request_id, Offer.volunteer_id == volunteer_id)  # type: ignore[arg-type]
        .values(status=str(status), answered_at=at)
    )
