"""Where people stand with the service, as operators decide it: suspend and reinstate a
volunteer, block and unblock a citizen, and look anyone up (/who).

A suspended volunteer is ``VolunteerStatus.SUSPENDED``: matching alerts only verified ones
(storage/volunteer_search.py, domain/matching/eligibility.py), so the status alone keeps
them out; their open alerts are withdrawn and an active job is released and dispatched
again. A blocked citizen is a ``citizen_block`` row: their active requests are closed (the
volunteers told) and every new request is refused politely. Each decision is an audit record
with the before and after; the newest one on a volunteer is kept in ``volunteer_standing``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch import operator
from bot.services.notices import Notice, Outcome, Recipient, Result
from bot.services.notices.ops import (
    JobLine,
    OpsPersonView,
    VolunteerCard,
    VolunteerReinstated,
    VolunteerSuspended,
)
from domain.enums import AuditKind, VolunteerStatus
from storage import oversight, people, requests, volunteers
from storage import standing as standings
from storage.audit import audit
from storage.models import Person

MAX_REASON = 200


async def suspend(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    volunteer_id: int,
    reason: str,
    now: datetime,
) -> Outcome:
    """No more alerts for this volunteer; an active job goes to someone else. They are told why.

    Results: NOT_OPERATOR, UNKNOWN (no such volunteer), ALREADY (suspended, or left).
    """
    out = Outcome()
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    vol = await volunteers.get_volunteer(session, volunteer_id)
    if vol is None:
        out.result = Result.UNKNOWN
        return out
    before = VolunteerStatus(vol.status)
    if before in (VolunteerStatus.SUSPENDED, VolunteerStatus.LEFT):
        out.result = Result.ALREADY
        return out
    reason = reason.strip()[:MAX_REASON]
    released = None
    if vol.busy_request_id is not None:  # the request's row first, then the volunteer's
        req = await requests.lock_request(session, vol.busy_request_id)
        if req is not None and await operator.release_job(
            session,
            cfg,
            req,
            operator_id=operator_id,
            kind=AuditKind.REASSIGNED,
            reason="suspended",
            now=now,
            out=out,
            tell_volunteer=False,
        ):
            released = req.id
    await operator.withdraw_alerts(session, cfg, volunteer_id=volunteer_id, now=now, out=out)
    if not await volunteers.move_status(
        session,
        person_id=volunteer_id,
        from_status=before,
        to_status=VolunteerStatus.SUSPENDED,
        on_duty=False,
    ):
        out.result = Result.ALREADY
        return out
    await _decided(
        session, operator_id, volunteer_id, before, VolunteerStatus.SUSPENDED, reason, now
    )
    person = await people.get_person(session, volunteer_id)
    if person is not None:
        out.tell(Notice(Recipient.of(person), VolunteerSuspended(reason, released)))
    return out


async def reinstate(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    volunteer_id: int,
    now: datetime,
) -> Outcome:
    """A suspended volunteer is verified again (off duty: they go on duty themselves).

    Results: NOT_OPERATOR, UNKNOWN, ALREADY (not suspended).
    """
    out = Outcome()
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    if await volunteers.get_volunteer(session, volunteer_id) is None:
        out.result = Result.UNKNOWN
        return out
    if not await volunteers.move_status(
        session,
        person_id=volunteer_id,
        from_status=VolunteerStatus.SUSPENDED,
        to_status=VolunteerStatus.VERIFIED,
    ):
        out.result = Result.ALREADY
        return out
    await _decided(
        session,
        operator_id,
        volunteer_id,
        VolunteerStatus.SUSPENDED,
        VolunteerStatus.VERIFIED,
        "",
        now,
    )
    person = await people.get_person(session, volunteer_id)
    if person is not None:
        out.tell(Notice(Recipient.of(person), VolunteerReinstated()))
    return out


async def _decided(
    session: AsyncSession,
    operator_id: int,
    volunteer_id: int,
    before: VolunteerStatus,
    after: VolunteerStatus,
    reason: str,
    now: datetime,
) -> None:
    kind = (
        AuditKind.VOLUNTEER_SUSPENDED
        if after == VolunteerStatus.SUSPENDED
        else AuditKind.VOLUNTEER_REINSTATED
    )
    detail: dict[str, int | str] = {"volunteer_id": volunteer_id, "before": before, "after": after}
    if reason:
        detail["reason"] = reason
    await audit(session, kind=kind, at=now, actor_id=operator_id, detail=detail)
    await standings.record_decision(
        session, person_id=volunteer_id, status=after, by=operator_id, at=now, reason=reason
    )


async def block(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    person_id: int,
    reason: str,
    now: datetime,
) -> Outcome:
    """Block a citizen who abuses the service: their active requests closed, volunteers told.

    Results: NOT_OPERATOR, UNKNOWN, ALREADY, SETTING (an operator cannot be blocked).
    """
    out = Outcome()
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    if await people.get_person(session, person_id) is None:
        out.result = Result.UNKNOWN
        return out
    if await roles.is_operator(session, cfg, person_id):
        out.result = Result.SETTING
        return out
    if await is_blocked(session, person_id=person_id):
        out.result = Result.ALREADY
        return out
    reason = reason.strip()[:MAX_REASON]
    closed = []
    for req in await standings.active_requests_of(session, person_id):
        locked = await requests.lock_request(session, req.id or 0)
        if locked is not None and await operator.close_request(
            session, locked, operator_id=operator_id, reason="blocked", now=now, out=out
        ):
            closed.append(str(locked.id))
    out.result = Result.OK  # a request that moved on meanwhile is no failure of the block
    await standings.block(session, person_id=person_id, by=operator_id, at=now, reason=reason)
    detail: dict[str, int | str] = {
        "person_id": person_id,
        "before": "allowed",
        "after": "blocked",
        "reason": reason,
        "closed": ",".join(closed),
    }
    await audit(
        session, kind=AuditKind.CITIZEN_BLOCKED, at=now, actor_id=operator_id, detail=detail
    )
    return out


async def unblock(
    session: AsyncSession, cfg: DispatchConfig, *, operator_id: int, person_id: int, now: datetime
) -> Outcome:
    """Results: NOT_OPERATOR, UNKNOWN (not blocked)."""
    out = Outcome()
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    if not await standings.unblock(session, person_id=person_id):
        out.result = Result.UNKNOWN
        return out
    await audit(
        session,
        kind=AuditKind.CITIZEN_UNBLOCKED,
        at=now,
        actor_id=operator_id,
        detail={"person_id": person_id, "before": "blocked", "after": "allowed"},
    )
    return out


async def is_blocked(session: AsyncSession, *, person_id: int) -> bool:
    """Whether an operator blocked this person (every new request is refused politely)."""
    return await standings.block_of(session, person_id) is not None


async def find(session: AsyncSession, who: str) -> Person | None:
    """A person by Telegram id or @username (as an operator types it)."""
    who = who.strip()
    if who.lstrip("-").isdigit():
        return await people.get_person(session, int(who))
    return await standings.person_by_username(session, who) if who else None


async def who(session: AsyncSession, cfg: DispatchConfig, *, who: str) -> OpsPersonView | None:
    """/who: the person, their standing, and their volunteer profile and record."""
    person = await find(session, who)
    if person is None or person.id is None:
        return None
    pid = person.id
    blocked = await standings.block_of(session, pid)
    vol = await volunteers.get_volunteer(session, pid)
    card = None
    if vol is not None:
        minutes, jobs = await requests.credited_minutes(session, pid)
        counts = await oversight.alert_counts(session, pid)
        standing = await standings.standing_of(session, pid)
        verifier = await people.get_person(session, vol.verified_by) if vol.verified_by else None
        recent = tuple(
            JobLine(r.id or 0, r.incident, r.status, r.created_at)
            for r in await oversight.recent_jobs(session, pid)
        )
        card = VolunteerCard(
            status=vol.status,
            skills=vol.skills,
            equipment=vol.equipment,
            on_duty=vol.on_duty,
            position_at=vol.position_at,
            verified_at=vol.verified_at,
            verified_by=(verifier.first_name if verifier else "")
            or (str(vol.verified_by) if vol.verified_by else ""),
            busy_request_id=vol.busy_request_id,
            minutes=minutes,
            jobs=jobs,
            alerted=counts.alerted,
            accepted=counts.accepted,
            declined=counts.declined,
            decided_at=standing.decided_at if standing else None,
            reason=standing.reason if standing else "",
            recent=recent,
        )
    return OpsPersonView(
        person_id=pid,
        name=person.first_name,
        username=person.username or "",
        operator=await roles.is_operator(session, cfg, pid),
        blocked=blocked is not None,
        block_reason=blocked.reason if blocked else "",
        requests_made=await oversight.requests_made(session, pid),
        volunteer=card,
    )
