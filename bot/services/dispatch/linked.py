"""Linked reports: several citizens reporting the same incident start one dispatch, not several.

A new report of the same incident type within LINK_RADIUS_M of an open request (searching,
assigned or on scene) made at most LINK_WINDOW_MIN after
it is stored as ``linked`` to that request (``help_request.linked_to``): no alert goes out
for it, its citizen is told that help is already on the way, and from then on hears how that
request gets on (a volunteer accepted, arrived, finished; the command centre has it), told
from the request's moves themselves (``follow_moves``), whichever use case made them.
Nothing personal crosses: the linked citizen hears the stage, never the volunteer's name or
the other citizen's point or words. When the request closes, its linked reports close with it
(``closed_at``). Operators link and unlink by hand, and a request cancelled by its own
citizen hands its linked reports over (bot/services/dispatch/relink.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import MOVES, recipient
from bot.services.notices import Notice, Outcome, Result
from bot.services.notices.links import LinkedProgress, LinkedToRequest, LinkStage
from domain import lifecycle
from domain.enums import AuditKind, RequestStatus
from domain.incidents import IncidentType
from domain.matching.geo import distance_m
from storage import links
from storage.audit import Detail, audit
from storage.models import HelpRequest

# The stage a linked report's citizen is told of, for each status the request moves to.
_STAGE_OF: dict[RequestStatus, LinkStage] = {
    RequestStatus.DISPATCHING: LinkStage.SEARCHING,
    RequestStatus.ASSIGNED: LinkStage.ACCEPTED,
    RequestStatus.ON_SCENE: LinkStage.ARRIVED,
    RequestStatus.COMPLETED: LinkStage.DONE,
    RequestStatus.ESCALATED: LinkStage.ESCALATED,
    RequestStatus.UNANSWERED: LinkStage.UNANSWERED,
    RequestStatus.CANCELLED: LinkStage.CLOSED,
}
# The request is closed for its linked reports: they close too.
_CLOSING = frozenset({LinkStage.DONE, LinkStage.OFFICIALS, LinkStage.CLOSED})


def stage_of(status: str) -> LinkStage:
    """How far a request has got, as its linked reports' citizens are told."""
    return _STAGE_OF.get(RequestStatus(status), LinkStage.SEARCHING)


async def open_request_near(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    requester_id: int,
    incident: IncidentType,
    lat: float,
    lon: float,
    now: datetime,
) -> HelpRequest | None:
    """The open request a new report of ``incident`` here and now is linked to, if any: the
    nearest within LINK_RADIUS_M made in the last LINK_WINDOW_MIN (another citizen's).

    Takes the per-type lock first (storage/links.py), so two reports at once never both
    start a dispatch: the second one looks after the first is committed.
    """
    if cfg.link_radius_m <= 0 or cfg.link_window_s <= 0:
        return None
    await links.serialise_reports(session, str(incident))
    found = await links.candidates_near(
        session,
        incident=str(incident),
        lat=lat,
        lon=lon,
        radius_m=cfg.link_radius_m,
        statuses=lifecycle.LINK_TARGETS,
        since=now - timedelta(seconds=cfg.link_window_s),
        exclude_requester=requester_id,
    )
    near = [(distance_m(lat, lon, r.lat, r.lon), r.id or 0, r) for r in found]
    near = [n for n in near if n[0] <= cfg.link_radius_m]
    return min(near)[2] if near else None


async def file_linked(
    session: AsyncSession, *, primary: HelpRequest, report: HelpRequest, now: datetime
) -> Outcome:
    """A report stored linked to ``primary`` (made and stored by ladder.create_request: no
    alert) is audited as linked and its citizen told: LINKED."""
    assert primary.id is not None and report.id is not None
    detail: Detail = {"linked_to": primary.id, "after": str(RequestStatus.LINKED), "automatic": 1}
    await audit(session, kind=AuditKind.LINKED, at=now, request_id=report.id, detail=detail)
    out = Outcome(result=Result.LINKED, request_id=report.id)
    await tell_linked(session, out, report, primary)
    return out


async def tell_linked(
    session: AsyncSession, out: Outcome, report: HelpRequest, primary: HelpRequest
) -> None:
    assert report.id is not None and primary.id is not None
    who = await recipient(session, report.requester_id)
    if who is not None:
        told = LinkedToRequest(report.id, primary.id, report.incident, stage_of(primary.status))
        out.tell(Notice(who, told))


async def follow_moves(session: AsyncSession, now: datetime) -> list[Notice]:
    """What the linked reports' citizens must hear of the moves this transaction made.

    Called where a unit of work writes its notices (bot/services/delivery.py), so every
    move of a request with linked reports, from any use case or timer, reaches them once,
    in the same transaction. A move that closes the request closes its linked reports
    (``closed_at``, audited ``link_closed``).
    """
    moves = session.info.pop(MOVES, [])
    if not moves:
        return []
    followers = await links.follower_ids(session, {m[0] for m in moves})
    notices: list[Notice] = []
    for request_id, _before, after, kind in moves:
        if request_id not in followers or RequestStatus(after) == RequestStatus.LINKED:
            continue
        stage = _STAGE_OF.get(RequestStatus(after))
        if kind == AuditKind.HANDED_TO_OFFICIALS:
            stage = LinkStage.OFFICIALS
        if stage is None:
            continue
        notices.extend(await _tell_followers(session, request_id, stage, now))
    return notices


async def _tell_followers(
    session: AsyncSession, request_id: int, stage: LinkStage, now: datetime
) -> list[Notice]:
    notices = []
    reports = await links.followers(session, request_id)
    for report in reports:
        assert report.id is not None
        who = await recipient(session, report.requester_id)
        if who is not None:
            told = LinkedProgress(report.id, request_id, report.incident, stage)
            notices.append(Notice(who, told))
    if stage in _CLOSING:
        for rid in await links.close_followers(session, request_id, at=now):
            detail: Detail = {"linked_to": request_id, "stage": str(stage)}
            await audit(session, kind=AuditKind.LINK_CLOSED, at=now, request_id=rid, detail=detail)
    return notices
