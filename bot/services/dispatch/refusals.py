"""Why a citizen's report is not made: blocked, over the hourly limit, or one already open
(shown again as the citizen's status message). Each refusal is audited and the citizen told."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import tell
from bot.services.limits import over_limit
from bot.services.notices import Outcome, RequestLimited, Result
from bot.services.notices.links import RequestStillOpen
from bot.services.notices.ops import RequestBlocked
from domain.enums import AuditKind
from domain.incidents import IncidentType
from storage import requests, standing
from storage.audit import Detail, audit
from storage.models import HelpRequest

# The flow's last step handled again (a worker killed after the commit): how long after its
# request the same type at the same point is taken for that request, not a new one.
AGAIN_S = 600.0


async def refusal(
    session: AsyncSession,
    cfg: DispatchConfig,
    requester_id: int,
    incident: IncidentType,
    lat: float,
    lon: float,
    now: datetime,
) -> Outcome | None:
    """Why this report is not made, if it is not (None: it is).

    Refused, nothing stored and the citizen told with the official numbers: BLOCKED when an
    operator blocked the person (checked here, at the end of the flow, so a citizen blocked
    half-way through it gets nothing out), else LIMITED when they already made
    MAX_REQUESTS_PER_HOUR requests in the last hour (services/limits.py). Both are audited.

    ALREADY, nothing stored and the open request shown, when the person has one: one at a
    time, as /request says at its start; checked here too because the flow's last answer can
    be handled twice. The process dies after this commit and before the flow's step is written
    back, Telegram posts the update again, and the flow, still at its last step, would create
    the request again: a second request, its alerts, and the command centre told of it. A
    request escalated at once (nobody near) is no longer open by then, so the same type at
    the same point made in the last AGAIN_S counts as that request too.
    """
    if await standing.block_of(session, requester_id) is not None:
        return await _blocked(session, requester_id, incident, now)
    if await over_limit(session, cfg, requester_id=requester_id, now=now):
        return await _limited(session, cfg, requester_id, incident, now)
    again = (str(incident), lat, lon, now - timedelta(seconds=AGAIN_S))
    if (existing := await requests.open_request_of(session, requester_id, again=again)) is not None:
        return await _still_open(session, existing)
    return None


async def show_open_request(
    session: AsyncSession, cfg: DispatchConfig, *, requester_id: int, now: datetime
) -> Outcome:
    """A citizen with an open request asked for help again: it is shown (ALREADY) as its new
    status message, which takes the Cancel button and the edits to come (bot/services/status.py).
    OK and nothing said when none is open (any more)."""
    existing = await requests.open_request_of(session, requester_id)
    return Outcome() if existing is None else await _still_open(session, existing)


async def _still_open(session: AsyncSession, existing: HelpRequest) -> Outcome:
    """One open request at a time: the citizen is shown the one they have (ALREADY)."""
    assert existing.id is not None
    out = Outcome(result=Result.ALREADY, request_id=existing.id)
    shown = RequestStillOpen(existing.id, existing.incident, existing.status, existing.linked_to)
    await tell(session, out, existing.requester_id, shown)
    return out


async def _blocked(
    session: AsyncSession, requester_id: int, incident: IncidentType, now: datetime
) -> Outcome:
    out = Outcome(result=Result.BLOCKED)
    detail: Detail = {"action": "request", "reason": "blocked", "incident": str(incident)}
    await audit(session, kind=AuditKind.REFUSED, at=now, actor_id=requester_id, detail=detail)
    await tell(session, out, requester_id, RequestBlocked(str(incident)))
    return out


async def _limited(
    session: AsyncSession,
    cfg: DispatchConfig,
    requester_id: int,
    incident: IncidentType,
    now: datetime,
) -> Outcome:
    out = Outcome(result=Result.LIMITED)
    limit = cfg.max_requests_per_hour
    detail: Detail = {"incident": str(incident), "limit": limit}
    await audit(session, kind=AuditKind.RATE_LIMITED, at=now, actor_id=requester_id, detail=detail)
    await tell(session, out, requester_id, RequestLimited(str(incident), limit))
    return out
