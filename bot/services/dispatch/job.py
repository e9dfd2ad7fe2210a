"""After acceptance: the volunteer arrives, finishes or lets go; the citizen confirms or cancels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch import relink
from bot.services.dispatch.approach import end as end_approach
from bot.services.dispatch.common import close_offers, move, name_of, tell
from bot.services.dispatch.ladder import advance
from bot.services.hours import dispute_opened
from bot.services.notices import (
    AutoConfirmed,
    ConfirmDone,
    CreditDisputed,
    DisputeAck,
    HoursCredited,
    JobCancelled,
    JobDoneAck,
    JobOnScene,
    JobReleasedAck,
    Notice,
    OpsCancelled,
    Outcome,
    Recipient,
    RequestCancelled,
    Result,
    Thanks,
    VolunteerArrived,
    VolunteerReleased,
)
from domain import lifecycle
from domain.enums import AuditKind, CreditStatus, OfferStatus, RequestStatus
from storage import people, requests
from storage.audit import Detail
from storage.models import HelpRequest, HourCredit


def credit_minutes(assigned_at: datetime, done_at: datetime, cap: int) -> int:
    """Whole minutes from accept to done, rounded up, at least 1, at most the cap."""
    seconds = max(0.0, (done_at - assigned_at).total_seconds())
    return max(1, min(cap, math.ceil(seconds / 60.0)))


async def _my_active_job(
    session: AsyncSession, request_id: int, volunteer_id: int, out: Outcome
) -> HelpRequest | None:
    """The request, locked, if this volunteer is (or was) its assignee; else NOT_YOURS."""
    req = await requests.lock_request(session, request_id)
    if req is None or req.volunteer_id != volunteer_id:
        out.result = Result.NOT_YOURS
        return None
    return req


async def arrived(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id, out)
    if req is None:
        return out
    if not await move(
        session,
        req,
        RequestStatus.ON_SCENE,
        now=now,
        kind=AuditKind.ARRIVED,
        actor_id=volunteer_id,
        from_status=[RequestStatus.ASSIGNED],
        extra_where=[HelpRequest.volunteer_id == volunteer_id],
        arrived_at=now,
        next_timer_at=(due := now + timedelta(seconds=cfg.on_scene_reminder_s)),
    ):
        out.result = Result.ALREADY if req.status == RequestStatus.ON_SCENE else Result.CLOSED
        return out
    out.timers[request_id] = due  # on scene has its reminders too (dispatch/timers.py)
    await end_approach(session, request_id, out, requester_id=req.requester_id)
    volunteer = await people.get_person(session, volunteer_id)
    await tell(session, out, req.requester_id, VolunteerArrived(request_id, name_of(volunteer)))
    await tell(session, out, volunteer_id, JobOnScene(request_id))
    return out


async def done(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    """The volunteer says it is done: a pending credit, and the citizen is asked to confirm."""
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id, out)
    if req is None:
        return out
    due = now + timedelta(seconds=cfg.auto_confirm_s)
    minutes = credit_minutes(req.assigned_at or now, now, cfg.max_credit_minutes)
    if not await move(
        session,
        req,
        RequestStatus.COMPLETED,
        now=now,
        kind=AuditKind.DONE,
        actor_id=volunteer_id,
        detail={"minutes": minutes},
        from_status=lifecycle.ACTIVE_JOB,
        extra_where=[HelpRequest.volunteer_id == volunteer_id],
        done_at=now,
        next_timer_at=due,
    ):
        out.result = Result.ALREADY if req.status == RequestStatus.COMPLETED else Result.CLOSED
        return out
    out.timers[request_id] = due
    await requests.free_volunteer(session, volunteer_id, request_id)
    await end_approach(session, request_id, out, requester_id=req.requester_id)
    await requests.add_credit(
        session,
        HourCredit(
            volunteer_id=volunteer_id, request_id=request_id, minutes=minutes, created_at=now
        ),
    )
    volunteer = await people.get_person(session, volunteer_id)
    await tell(session, out, req.requester_id, ConfirmDone(request_id, name_of(volunteer)))
    await tell(session, out, volunteer_id, JobDoneAck(request_id, minutes))
    return out


async def confirm(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    requester_id: int | None,
    solved: bool,
    now: datetime,
) -> Outcome:
    """The citizen answers 'was it solved?'. ``requester_id=None`` is the auto-confirm timer."""
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or (requester_id is not None and req.requester_id != requester_id):
        out.result = Result.NOT_YOURS
        return out
    to_status = RequestStatus.CONFIRMED if solved else RequestStatus.DISPUTED
    if requester_id is None:
        kind = AuditKind.AUTO_CONFIRMED if solved else AuditKind.AUTO_DISPUTED
    else:
        kind = AuditKind.CONFIRMED if solved else AuditKind.DISPUTED
    if not await move(
        session,
        req,
        to_status,
        now=now,
        kind=kind,
        actor_id=requester_id,
        from_status=[RequestStatus.COMPLETED],
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = Result.ALREADY
        return out
    out.timers[request_id] = None
    credit_status = CreditStatus.CONFIRMED if solved else CreditStatus.DISPUTED
    await requests.decide_credit(
        session, request_id, status=credit_status, decided_by=requester_id, at=now
    )
    if req.volunteer_id is not None:
        if solved:
            total, jobs = await requests.credited_minutes(session, req.volunteer_id)
            credit = await requests.credit_of(session, request_id)
            credited = HoursCredited(request_id, credit, total, jobs)
            await tell(session, out, req.volunteer_id, credited)
        else:
            await tell(session, out, req.volunteer_id, CreditDisputed(request_id))
            if requester_id is not None:  # the citizen said no: a dispute someone decides
                await dispute_opened(session, cfg, out, req)
    if requester_id is None:
        await tell(session, out, req.requester_id, AutoConfirmed(request_id))
    elif solved:
        await tell(session, out, req.requester_id, Thanks(request_id, req.incident))
    else:
        await tell(session, out, req.requester_id, DisputeAck(request_id, req.incident))
    return out


async def release(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    """The volunteer can't continue: the request goes back to dispatching and the ladder restarts."""
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id, out)
    if req is None:
        return out
    if (
        await unassign(
            session, req, now=now, kind=AuditKind.RELEASED, actor_id=volunteer_id, out=out
        )
        is None
    ):
        out.result = Result.CLOSED
        return out
    await tell(session, out, volunteer_id, JobReleasedAck(request_id))
    alerted = await advance(session, cfg, req, now, out)
    if alerted:
        await tell(session, out, req.requester_id, VolunteerReleased(request_id, alerted))
    out.timers.setdefault(request_id, None)
    return out


async def unassign(
    session: AsyncSession,
    req: HelpRequest,
    *,
    now: datetime,
    kind: AuditKind,
    actor_id: int | None,
    out: Outcome,
    extra_where: Sequence[Any] = (),
    detail: Detail | None = None,
) -> int | None:
    """Take the job from its volunteer: back to dispatching, the ladder from its first wave.

    The volunteer is freed for other alerts and never alerted for this request again (their
    alert is 'released'). The caller tells whom it must and calls ``advance``. Returns the
    former volunteer's id, or None when the request had moved on (another writer won).
    """
    volunteer_id = req.volunteer_id
    assert req.id is not None
    if volunteer_id is None or not await move(
        session,
        req,
        RequestStatus.DISPATCHING,
        now=now,
        kind=kind,
        actor_id=actor_id,
        detail=detail,
        from_status=lifecycle.ACTIVE_JOB,
        extra_where=[HelpRequest.volunteer_id == volunteer_id, *extra_where],
        volunteer_id=None,
        assigned_at=None,
        arrived_at=None,
        wave=0,
        next_timer_at=None,
    ):
        return None
    await requests.free_volunteer(session, volunteer_id, req.id)
    await end_approach(session, req.id, out, requester_id=req.requester_id)
    await requests.set_offer_status(
        session,
        request_id=req.id,
        volunteer_id=volunteer_id,
        status=OfferStatus.RELEASED,
        at=now,
    )
    return volunteer_id


async def cancel(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, requester_id: int, now: datetime
) -> Outcome:
    """The citizen cancels (any time before Done, or after an escalation the command centre
    has not acted on): alerts withdrawn, the volunteer told and freed, the command centre
    told when it had the request."""
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or req.requester_id != requester_id:
        out.result = Result.NOT_YOURS
        return out
    was = RequestStatus(req.status)
    if was not in lifecycle.CANCELLABLE or not await move(
        session,
        req,
        RequestStatus.CANCELLED,
        now=now,
        kind=AuditKind.CANCELLED,
        actor_id=requester_id,
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = Result.CLOSED
        return out
    out.timers[request_id] = None
    await close_offers(session, req, OfferStatus.WITHDRAWN, now, out)
    if req.volunteer_id is not None:
        await requests.free_volunteer(session, req.volunteer_id, request_id)
        await end_approach(session, request_id, out, requester_id=requester_id)
        await tell(session, out, req.volunteer_id, JobCancelled(request_id, req.incident))
    await tell(session, out, requester_id, RequestCancelled(request_id))
    # Other citizens' reports linked to it may still need help: the oldest is dispatched.
    await relink.hand_over(session, cfg, req, now, out)
    if was == RequestStatus.ESCALATED and cfg.ops_chat_id:
        ops = Recipient(None, cfg.ops_chat_id, cfg.ops_language)
        out.tell(Notice(ops, OpsCancelled(request_id, req.incident)))
    return out
