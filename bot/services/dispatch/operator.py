"""What an operator may do to a request (/request's buttons) and to a volunteer's jobs.

Cancel, re-dispatch (the ladder from its first wave again) and reassign (the volunteer
released, the ladder restarted) take the request's row first like every dispatch use case,
then move it conditionally (``common.move``), so an operator's press that raced a
volunteer's Accept or the citizen's Cancel does nothing and says so (CLOSED). Every use case
here checks the role again (``roles.is_operator``): the handler's check is the one that
refuses and records, this one keeps a use case safe when it is called from anywhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import close_offers, move, offer_ref, tell
from bot.services.dispatch.job import unassign
from bot.services.dispatch.ladder import advance, widen
from bot.services.notices import AlertClosed, JobCancelled, Outcome, Result
from bot.services.notices.ops import (
    JobReassigned,
    RequestClosedByOps,
    SearchRestarted,
    VolunteerReplaced,
)
from domain import lifecycle
from domain.enums import AuditKind, OfferStatus, RequestStatus
from storage import oversight, requests
from storage.models import HelpRequest

# What an operator may do to a request in each status (the buttons /request shows).
CANCELLABLE = lifecycle.CANCELLABLE
REDISPATCHABLE = frozenset({RequestStatus.DISPATCHING, *lifecycle.UNANSWERED_ENDS})
REASSIGNABLE = lifecycle.ACTIVE_JOB


async def _locked(
    session: AsyncSession, cfg: DispatchConfig, request_id: int, operator_id: int, out: Outcome
) -> HelpRequest | None:
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return None
    req = await requests.lock_request(session, request_id)
    if req is None:
        out.result = Result.UNKNOWN
    return req


async def cancel(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    operator_id: int,
    now: datetime,
    reason: str = "",
) -> Outcome:
    """The command centre closes a request: alerts withdrawn, the volunteer freed and told,
    the citizen told. Results: NOT_OPERATOR, UNKNOWN, CLOSED (nothing left to cancel)."""
    out = Outcome(request_id=request_id)
    req = await _locked(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    await close_request(session, req, operator_id=operator_id, reason=reason, now=now, out=out)
    return out


async def close_request(
    session: AsyncSession,
    req: HelpRequest,
    *,
    operator_id: int,
    reason: str,
    now: datetime,
    out: Outcome,
) -> bool:
    """Cancel one locked request for the command centre (also used when a citizen is blocked)."""
    assert req.id is not None
    if RequestStatus(req.status) not in CANCELLABLE or not await move(
        session,
        req,
        RequestStatus.CANCELLED,
        now=now,
        kind=AuditKind.OPS_CANCELLED,
        actor_id=operator_id,
        detail={"reason": reason} if reason else None,
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = Result.CLOSED
        return False
    out.timers[req.id] = None
    await close_offers(session, req, OfferStatus.WITHDRAWN, now, out)
    if req.volunteer_id is not None:
        await requests.free_volunteer(session, req.volunteer_id, req.id)
        await tell(session, out, req.volunteer_id, JobCancelled(req.id, req.incident))
    await tell(session, out, req.requester_id, RequestClosedByOps(req.id, req.incident))
    return True


async def redispatch(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, operator_id: int, now: datetime
) -> Outcome:
    """Send a request that is still being searched for, or that nobody took, down the ladder
    again from its first wave. Those who declined are not alerted again. Results:
    NOT_OPERATOR, UNKNOWN, BUSY (a volunteer has it: reassign instead), CLOSED."""
    out = Outcome(request_id=request_id)
    req = await _locked(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    status = RequestStatus(req.status)
    if status not in REDISPATCHABLE:
        out.result = Result.BUSY if status in REASSIGNABLE else Result.CLOSED
        return out
    if not await move(
        session,
        req,
        RequestStatus.DISPATCHING,
        now=now,
        kind=AuditKind.REDISPATCHED,
        actor_id=operator_id,
        detail={"wave_before": req.wave},
        wave=0,
        next_timer_at=None,
        closed_at=None,
    ):
        out.result = Result.CLOSED
        return out
    alerted = await advance(session, cfg, req, now, out)
    if alerted:
        await tell(session, out, req.requester_id, SearchRestarted(request_id, alerted))
    out.timers.setdefault(request_id, None)
    return out


async def reassign(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, operator_id: int, now: datetime
) -> Outcome:
    """Take the job from its volunteer (told, freed) and dispatch it again from the first wave.
    Results: NOT_OPERATOR, UNKNOWN, CLOSED (nobody has it)."""
    out = Outcome(request_id=request_id)
    req = await _locked(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    if not await release_job(
        session, cfg, req, operator_id=operator_id, kind=AuditKind.REASSIGNED, now=now, out=out
    ):
        out.result = Result.CLOSED
    return out


async def release_job(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    *,
    operator_id: int,
    kind: AuditKind,
    now: datetime,
    out: Outcome,
    reason: str = "",
    tell_volunteer: bool = True,
) -> bool:
    """Release the assigned volunteer of a locked request and restart its ladder; False if
    nobody has it. ``job.unassign`` frees them and marks their alert released (the new waves
    skip them), as a volunteer's own release and a job taken back by the timers do."""
    assert req.id is not None
    vid = req.volunteer_id
    if vid is None or RequestStatus(req.status) not in REASSIGNABLE:
        return False
    detail: dict[str, int | str] = {"volunteer_id": vid}
    if reason:
        detail["reason"] = reason
    if (
        await unassign(session, req, now=now, kind=kind, actor_id=operator_id, detail=detail)
        is None
    ):
        return False
    if tell_volunteer:
        await tell(session, out, vid, JobReassigned(req.id, req.incident))
    alerted = await advance(session, cfg, req, now, out)
    if alerted:
        await tell(session, out, req.requester_id, VolunteerReplaced(req.id, alerted))
    out.timers.setdefault(req.id, None)
    return True


async def withdraw_alerts(
    session: AsyncSession, cfg: DispatchConfig, *, volunteer_id: int, now: datetime, out: Outcome
) -> None:
    """Close a volunteer's unanswered alerts (they were suspended) and edit each to say so.

    Request by request, each row locked first (ascending ids, one order for everyone), so an
    Accept pressed at the same moment either lands before (then the job is released by the
    caller) or finds its alert closed. A wave left with no open alert widens at once.
    """
    for offer in await oversight.open_offers_of(session, volunteer_id):
        req = await requests.lock_request(session, offer.request_id)
        if req is None or offer.id is None:
            continue
        if not await requests.answer_offer(
            session,
            offer.id,
            from_status=[OfferStatus.SENT],
            to_status=OfferStatus.WITHDRAWN,
            at=now,
        ):
            continue
        ref = offer_ref(offer)
        if ref:
            closed = AlertClosed(req.incident, OfferStatus.WITHDRAWN)
            await tell(session, out, volunteer_id, closed, edit=ref)
        if req.status == RequestStatus.DISPATCHING and not await requests.offers_for(
            session, offer.request_id, [OfferStatus.SENT]
        ):
            await widen(session, cfg, req, now, out)
