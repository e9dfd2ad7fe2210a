"""Linking by hand and unlinking: /link, /unlink and the request view's buttons, and the hand-over
when the request that linked reports follow is cancelled by its own citizen.

Each takes the rows it changes first (ascending ids, the order every use case locks in), then
moves them conditionally (``common.move``), so a press that raced an Accept or a cancel does
nothing and says so. The role is checked again here (the handler's check refuses and records).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import close_offers, move, tell
from bot.services.dispatch.ladder import advance
from bot.services.dispatch.linked import tell_linked
from bot.services.notices import Outcome, Result
from bot.services.notices.links import OpsLinkDone
from bot.services.notices.ops import SearchRestarted
from domain import lifecycle
from domain.enums import AuditKind, OfferStatus, RequestStatus
from storage import links, requests
from storage.audit import Detail
from storage.models import HelpRequest


async def _operator(session: AsyncSession, cfg: DispatchConfig, operator_id: int) -> bool:
    return await roles.is_operator(session, cfg, operator_id)


async def link(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    primary_id: int,
    operator_id: int,
    now: datetime,
) -> Outcome:
    """Link request ``request_id`` (nobody has taken it) to ``primary_id``: its alerts are
    withdrawn, its search stops, its citizen is told help is on the way and follows the
    primary from then on; its own linked reports follow the primary too.

    A primary that is itself a linked report is replaced by the request it follows. Results:
    NOT_OPERATOR, UNKNOWN, ALREADY (linked there already), BUSY (a volunteer has it),
    CLOSED (either has moved on, or they are the same request).
    """
    out = Outcome(request_id=request_id)
    if not await _operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    locked = {
        rid: await requests.lock_request(session, rid) for rid in sorted({request_id, primary_id})
    }
    report, primary = locked.get(request_id), locked.get(primary_id)
    if report is None or primary is None:
        out.result = Result.UNKNOWN
        return out
    if primary.status == RequestStatus.LINKED and primary.linked_to is not None:
        primary = await requests.lock_request(session, primary.linked_to) or primary
    out.result = _linkable(report, primary)
    if out.result != Result.OK:
        return out
    assert report.id is not None and primary.id is not None
    if not await move(
        session,
        report,
        RequestStatus.LINKED,
        now=now,
        kind=AuditKind.LINKED,
        actor_id=operator_id,
        detail={"linked_to": primary.id},
        linked_to=primary.id,
        next_timer_at=None,
        closed_at=None,
    ):
        out.result = Result.CLOSED
        return out
    out.timers[report.id] = None
    await close_offers(session, report, OfferStatus.WITHDRAWN, now, out)
    await links.relink(session, from_id=report.id, to_id=primary.id)
    await tell_linked(session, out, report, primary)
    await tell(session, out, operator_id, OpsLinkDone(report.id, primary.id, linked=True))
    return out


def _linkable(report: HelpRequest, primary: HelpRequest) -> Result:
    if report.id == primary.id:
        return Result.CLOSED
    if report.status == RequestStatus.LINKED and report.linked_to == primary.id:
        return Result.ALREADY
    status = RequestStatus(report.status)
    if status in lifecycle.ACTIVE_JOB:
        return Result.BUSY
    if status not in lifecycle.LINKABLE or primary.status not in lifecycle.ACTIVE:
        return Result.CLOSED
    return Result.OK


async def unlink(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    operator_id: int,
    now: datetime,
) -> Outcome:
    """Separate a linked report: it is dispatched on its own from the first wave, its citizen
    told how many were alerted (or, when nobody could be, the escalation says so).
    Results: NOT_OPERATOR, UNKNOWN, NOT_LINKED (not linked, or the request it followed closed)."""
    out = Outcome(request_id=request_id)
    if not await _operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    req = await requests.lock_request(session, request_id)
    if req is None:
        out.result = Result.UNKNOWN
        return out
    primary_id = req.linked_to
    alerted = await dispatch_alone(
        session, cfg, req, now=now, actor_id=operator_id, reason="operator", out=out
    )
    if alerted is None:
        out.result = Result.NOT_LINKED
        return out
    await tell(session, out, operator_id, OpsLinkDone(request_id, primary_id, False, alerted))
    return out


async def dispatch_alone(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    *,
    now: datetime,
    actor_id: int | None,
    reason: str,
    out: Outcome,
) -> int | None:
    """A locked, open linked report dispatched on its own; how many were alerted (None when it
    was not an open linked report)."""
    assert req.id is not None
    if req.status != RequestStatus.LINKED or req.closed_at is not None:
        return None
    detail: Detail = {"linked_to": req.linked_to or 0, "reason": reason}
    if not await move(
        session,
        req,
        RequestStatus.DISPATCHING,
        now=now,
        kind=AuditKind.UNLINKED,
        actor_id=actor_id,
        detail=detail,
        linked_to=None,
        wave=0,
        next_timer_at=None,
    ):
        return None
    alerted = await advance(session, cfg, req, now, out)
    if alerted:
        await tell(session, out, req.requester_id, SearchRestarted(req.id, alerted, req.incident))
    out.timers.setdefault(req.id, None)
    return alerted


async def hand_over(
    session: AsyncSession, cfg: DispatchConfig, primary: HelpRequest, now: datetime, out: Outcome
) -> None:
    """The request linked reports followed was cancelled by its own citizen: the others may
    still need help. The oldest linked report is dispatched on its own and the rest follow it."""
    assert primary.id is not None
    reports = await links.followers(session, primary.id)
    if not reports:
        return
    heir = await requests.lock_request(session, reports[0].id or 0)
    if heir is None or heir.id is None:
        return
    if (
        await dispatch_alone(
            session, cfg, heir, now=now, actor_id=None, reason="request_cancelled", out=out
        )
        is not None
    ):
        await links.relink(session, from_id=primary.id, to_id=heir.id)
