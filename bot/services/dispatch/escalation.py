"""An operator's answer to an escalation: the four buttons on the operations chat's notice.

- **Wider**: one wave beyond the ladder's widest (``WIDEN_FACTOR`` × its radius and its
  count), those who declined left out. Nobody new there: nothing changes (NOBODY), the
  escalation stays open for another answer.
- **Named**: one volunteer the operator names (a button of the nearest, or ``/assign``) is
  alerted, even off duty or far away: the operator knows them. Their Accept is the
  assignment, so nobody is given a job they did not take.
- **Officials** and **false alarm**: the request is closed (``cancelled``, with the reason
  in the audit record), the citizen told, with the official numbers.

Each is a conditional move out of ``escalated``/``unanswered`` under the request's lock,
so of two operators pressing at once exactly one decides; the other learns it has moved on
(CLOSED). Whatever was decided, every copy of the escalation Telegram took is edited to say
who decided what, its buttons gone. Either search that finds nobody to accept it escalates
again after its wait: a new notice with fresh buttons.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import area, close_offers, move, name_of, tell
from bot.services.dispatch.ladder import alert_wave, escalation_view
from bot.services.notices import AlertOffer, MessageRef, Notice, Outcome, Recipient, Result
from bot.services.notices.escalation import (
    Decision,
    EscalationDecided,
    FalseAlarmClosed,
    HandedToOfficials,
)
from bot.services.notices.ops import SearchRestarted
from domain import lifecycle
from domain.enums import AuditKind, OfferStatus, RequestStatus, VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.eligibility import Match, MatchQuery
from domain.matching.geo import distance_m
from storage import escalation, people, requests, volunteers
from storage.models import HelpRequest, Person
from storage.volunteer_search import nearest_eligible

WIDEN_FACTOR = 2
# The volunteers offered as buttons under "Assign a volunteer".
CANDIDATES = 5
_CLOSING = {
    Decision.OFFICIALS: AuditKind.HANDED_TO_OFFICIALS,
    Decision.FALSE_ALARM: AuditKind.FALSE_ALARM,
}


async def _escalated(
    session: AsyncSession, cfg: DispatchConfig, request_id: int, operator_id: int, out: Outcome
) -> HelpRequest | None:
    """The request, locked, while it still waits for an operator's answer (else a result)."""
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return None
    req = await requests.lock_request(session, request_id)
    if req is None:
        out.result = Result.UNKNOWN
        return None
    if RequestStatus(req.status) not in lifecycle.UNANSWERED_ENDS:
        out.result = Result.CLOSED  # another operator answered first, or the citizen cancelled
        return None
    return req


def _wider_query(
    cfg: DispatchConfig, req: HelpRequest, now: datetime, exclude: frozenset[int]
) -> MatchQuery:
    last = cfg.ladder(req.incident)[-1]
    return MatchQuery(
        lat=req.lat,
        lon=req.lon,
        incident=IncidentType(req.incident),
        radius_m=last.radius_m * WIDEN_FACTOR,
        k=last.count * WIDEN_FACTOR,
        now=now,
        exclude=exclude,
        max_position_age_s=cfg.position_max_age_s,
    )


async def _search_again(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    *,
    kind: AuditKind,
    operator_id: int,
    detail: dict[str, int | str],
    now: datetime,
) -> bool:
    """Back to dispatching, past the ladder's last wave: when its wait is over with no
    accept, the ladder has nothing left and escalates again (ladder.advance)."""
    waves = cfg.ladder(req.incident)
    due = now + timedelta(seconds=waves[-1].timeout_s)
    return await move(
        session,
        req,
        RequestStatus.DISPATCHING,
        now=now,
        kind=kind,
        actor_id=operator_id,
        detail=detail,
        from_status=lifecycle.UNANSWERED_ENDS,
        wave=len(waves) + 1,
        next_timer_at=due,
        closed_at=None,
    )


async def widen(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, operator_id: int, now: datetime
) -> Outcome:
    """Dispatch again, wider than the ladder. Results: NOT_OPERATOR, UNKNOWN, CLOSED, NOBODY."""
    out = Outcome(request_id=request_id)
    req = await _escalated(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    assert req.id is not None
    exclude = frozenset(await requests.excluded_volunteer_ids(session, req.id) | {req.requester_id})
    query = _wider_query(cfg, req, now, exclude)
    matches = await nearest_eligible(session, query)
    if not matches:
        out.result = Result.NOBODY
        return out
    radius = round(query.radius_m)
    detail: dict[str, int | str] = {"radius_m": radius}
    if not await _search_again(
        session,
        cfg,
        req,
        kind=AuditKind.WIDER_SEARCH,
        operator_id=operator_id,
        detail=detail,
        now=now,
    ):
        out.result = Result.CLOSED
        return out
    out.timers[req.id] = req.next_timer_at
    alerted = await alert_wave(session, req, matches, req.wave, query.radius_m, now, out)
    await tell(session, out, req.requester_id, SearchRestarted(req.id, alerted))
    await _edit_copies(session, cfg, req, Decision.WIDER, operator_id, out, alerted, radius)
    return out


async def name_volunteer(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    operator_id: int,
    volunteer_id: int,
    now: datetime,
) -> Outcome:
    """Alert one volunteer the operator chose. Results: NOT_OPERATOR, UNKNOWN (no such request
    or volunteer), CLOSED, BUSY (on another job), NOT_YOURS (not verified: pending, suspended,
    left; or the requester themselves)."""
    out = Outcome(request_id=request_id)
    req = await _escalated(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    assert req.id is not None
    vol = await volunteers.get_volunteer(session, volunteer_id)
    if vol is None:
        out.result = Result.UNKNOWN
        return out
    if vol.status != VolunteerStatus.VERIFIED or volunteer_id == req.requester_id:
        out.result = Result.NOT_YOURS
        return out
    if vol.busy_request_id is not None:
        out.result = Result.BUSY
        return out
    detail: dict[str, int | str] = {"volunteer_id": volunteer_id}
    if not await _search_again(
        session,
        cfg,
        req,
        kind=AuditKind.VOLUNTEER_NAMED,
        operator_id=operator_id,
        detail=detail,
        now=now,
    ):
        out.result = Result.CLOSED
        return out
    out.timers[req.id] = req.next_timer_at
    far = (
        distance_m(req.lat, req.lon, vol.lat, vol.lon)
        if vol.lat is not None and vol.lon is not None
        else 0.0
    )
    offer = await escalation.alert_named(
        session,
        request_id=req.id,
        volunteer_id=volunteer_id,
        wave=req.wave,
        distance_m=round(far),
        at=now,
    )
    assert offer.id is not None
    alert = AlertOffer(req.id, req.incident, offer.id, offer.distance_m, area(req))
    await tell(session, out, volunteer_id, alert, offer_id=offer.id)
    await tell(session, out, req.requester_id, SearchRestarted(req.id, 1))
    named = name_of(await people.get_person(session, volunteer_id))
    await _edit_copies(session, cfg, req, Decision.NAMED, operator_id, out, volunteer=named)
    return out


async def close(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    operator_id: int,
    decision: Decision,
    now: datetime,
) -> Outcome:
    """Officials or false alarm: the request closed, the citizen told. Results: NOT_OPERATOR,
    UNKNOWN, CLOSED."""
    out = Outcome(request_id=request_id)
    req = await _escalated(session, cfg, request_id, operator_id, out)
    if req is None:
        return out
    assert req.id is not None
    if not await move(
        session,
        req,
        RequestStatus.CANCELLED,
        now=now,
        kind=_CLOSING[decision],
        actor_id=operator_id,
        from_status=lifecycle.UNANSWERED_ENDS,
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = Result.CLOSED
        return out
    out.timers[req.id] = None
    await close_offers(session, req, OfferStatus.WITHDRAWN, now, out)
    told = (
        HandedToOfficials(req.id, req.incident)
        if decision is Decision.OFFICIALS
        else FalseAlarmClosed(req.id, req.incident)
    )
    await tell(session, out, req.requester_id, told)
    await _edit_copies(session, cfg, req, decision, operator_id, out)
    return out


async def candidates(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, now: datetime
) -> list[tuple[Person, Match]]:
    """The nearest volunteers the wider search would reach, for "Assign a volunteer"'s buttons
    (those who declined left out). Anyone else is named with /assign."""
    req = await requests.get_request(session, request_id)
    if req is None or req.id is None:
        return []
    exclude = frozenset(await requests.excluded_volunteer_ids(session, req.id) | {req.requester_id})
    query = _wider_query(cfg, req, now, exclude)
    found = await nearest_eligible(session, replace(query, k=CANDIDATES))
    named = []
    for match in found:
        person = await people.get_person(session, match.person_id)
        if person is not None:
            named.append((person, match))
    return named


async def _edit_copies(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    decision: Decision,
    operator_id: int,
    out: Outcome,
    alerted: int = 0,
    radius_m: int = 0,
    volunteer: str = "",
) -> None:
    """Every copy of the escalation Telegram took now shows the request as it is, and who
    decided what, without buttons."""
    assert req.id is not None
    copies = await escalation.escalation_copies(session, req.id)
    if not copies:
        return
    by = name_of(await people.get_person(session, operator_id))
    view = await escalation_view(session, req)
    decided = EscalationDecided(view, decision, by, alerted, radius_m, volunteer)
    for chat_id, message_id in copies:
        to = Recipient(None, chat_id, cfg.ops_language)
        out.tell(Notice(to, decided, edit=MessageRef(chat_id, message_id)))
