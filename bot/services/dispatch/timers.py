"""What a request's due timer does, as its row says: next wave, reminder or auto-confirm."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import move, name_of, tell
from bot.services.dispatch.job import confirm
from bot.services.dispatch.ladder import widen
from bot.services.notices import ArrivalReminder, Outcome, Result, StatusUpdate
from domain.enums import AuditKind, RequestStatus
from storage import people, requests
from storage.audit import audit
from storage.models import HelpRequest


async def on_timer(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, now: datetime
) -> Outcome:
    """A request's timer fired: next wave, arrival reminder or auto-confirm, as the row says.

    The row's ``next_timer_at`` is claimed with a conditional update first, so a
    duplicate or stale firing does nothing; a timer that fires early is re-armed.
    """
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or req.next_timer_at is None:
        out.result = Result.IDLE
        out.timers[request_id] = None
        return out
    if req.next_timer_at > now:
        out.result = Result.EARLY
        out.timers[request_id] = req.next_timer_at
        return out
    status = RequestStatus(req.status)
    if status == RequestStatus.DISPATCHING:
        await widen(session, cfg, req, now, out)
        return out
    if status == RequestStatus.COMPLETED:
        return await confirm(
            session, cfg, request_id=request_id, requester_id=None, solved=True, now=now
        )
    out.timers[request_id] = None
    if not await move(
        session,
        req,
        status,
        now=now,
        kind=None,
        extra_where=[HelpRequest.next_timer_at == req.next_timer_at],
        next_timer_at=None,
    ):
        out.result = Result.IDLE
        return out
    if status == RequestStatus.ASSIGNED and req.volunteer_id is not None:
        await _remind(session, req, now, out)
    return out


async def _remind(session: AsyncSession, req: HelpRequest, now: datetime, out: Outcome) -> None:
    """Assigned, not arrived: ask the volunteer for an update and tell the citizen."""
    assert req.id is not None and req.volunteer_id is not None
    await audit(session, kind=AuditKind.ARRIVAL_REMINDER, at=now, request_id=req.id)
    await tell(session, out, req.volunteer_id, ArrivalReminder(req.id, req.incident))
    volunteer = await people.get_person(session, req.volunteer_id)
    await tell(session, out, req.requester_id, StatusUpdate(req.id, name_of(volunteer)))


async def pending_timers(session: AsyncSession) -> dict[int, datetime]:
    """Every request timer the database holds, for rebuilding the job queue after a restart."""
    return {
        r.id: r.next_timer_at
        for r in await requests.requests_with_timers(session)
        if r.id is not None and r.next_timer_at is not None
    }
