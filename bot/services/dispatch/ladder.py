"""Creating a request and widening its search: waves, the final wait, the escalation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import major
from bot.services.config import DispatchConfig
from bot.services.dispatch import linked
from bot.services.dispatch.common import (
    area,
    close_offers,
    move,
    name_of,
    recipient,
    relay_request_media,
    tell,
)
from bot.services.dispatch.refusals import refusal
from bot.services.notices import (
    AlertOffer,
    ExactLocation,
    Notice,
    NoVolunteer,
    OpsEscalation,
    Outcome,
    Recipient,
    RequestCreated,
    SearchWidened,
    TimelineLine,
)
from domain.enums import AuditKind, OfferStatus, RequestStatus
from domain.incidents import IncidentType
from domain.matching.eligibility import Match, MatchQuery
from domain.matching.geo import area_of
from storage import facts, media, people, requests
from storage.audit import Detail, audit, timeline
from storage.facts import Fact, FactKind
from storage.models import HelpRequest, Offer
from storage.volunteer_search import nearest_eligible


async def create_request(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    requester_id: int,
    incident: IncidentType,
    lat: float,
    lon: float,
    description: str | None,
    now: datetime,
    for_other: bool = False,
    scene_phone: str | None = None,
    media_items: Sequence[tuple[str, str]] = (),
    backlog: int = 0,
) -> Outcome:
    """Store the request and alert the first wave; the citizen is told how many were alerted.

    ``for_other``: the point is a pin the citizen dropped for someone else, and
    ``scene_phone`` a number for the person there (for the assigned volunteer only).
    ``media_items``: ``(kind, file_id)`` of the voice notes, photos and videos sent at the
    details step, stored (ids, never bytes) for whoever accepts.

    LINKED, no alert, when another citizen reported the same here minutes ago: the report is
    stored all the same (its pin, scene number and media kept for the day it is dispatched
    on its own) and joins that request (bot/services/dispatch/linked.py). ``backlog``: the
    notices the sender has not said yet; past ``cfg.surge_backlog`` the first wave is smaller.

    Refused (BLOCKED, LIMITED, or ALREADY with the open request shown): ``_refusal``.
    """
    refused = await refusal(session, cfg, requester_id, incident, lat, lon, now)
    if refused is not None:
        return refused
    # The one place a citizen's report becomes a row, whether it is dispatched or joins
    # another citizen's request (bot/services/dispatch/linked.py).
    report = HelpRequest(
        requester_id=requester_id,
        incident=str(incident),
        lat=lat,
        lon=lon,
        area=area_of(lat, lon).city.name_en,
        description=(description or None),
        for_other=for_other,
        scene_phone=(scene_phone or None),
        status=RequestStatus.DISPATCHING,
        created_at=now,
    )
    primary = await linked.open_request_near(
        session, cfg, requester_id=requester_id, incident=incident, lat=lat, lon=lon, now=now
    )
    if primary is not None:  # another citizen reported it here minutes ago: no second dispatch
        report.status, report.linked_to = RequestStatus.LINKED, primary.id
        req = await _store(session, report, media_items, now)
        return await linked.file_linked(session, primary=primary, report=req, now=now)
    return await _dispatched(session, cfg, report, media_items, now, backlog)


async def _dispatched(
    session: AsyncSession,
    cfg: DispatchConfig,
    report: HelpRequest,
    media_items: Sequence[tuple[str, str]],
    now: datetime,
    backlog: int,
) -> Outcome:
    """The report stored in its own right (in a major-incident area when there is one) and its
    first wave alerted; the citizen told how many first."""
    in_major = await major.area_at(session, report.lat, report.lon, now)
    report.major_id = in_major.id if in_major else None
    req = await _store(session, report, media_items, now)
    assert req.id is not None
    requester = await people.get_person(session, req.requester_id)  # held: told at the end
    facts.note(session, Fact(FactKind.CREATED, req.incident))
    out = Outcome(request_id=req.id)
    alerted = await advance(session, cfg, req, now, out, backlog=backlog, fresh=True)
    citizen = await recipient(session, req.requester_id)
    if citizen and alerted:  # when nobody could be alerted, the escalation notice says so
        out.notices.insert(0, Notice(citizen, RequestCreated(req.id, req.incident, alerted)))
    del requester
    return out


async def _store(
    session: AsyncSession,
    report: HelpRequest,
    media_items: Sequence[tuple[str, str]],
    now: datetime,
) -> HelpRequest:
    """The report stored with its media (file ids, for whoever accepts, even once a linked
    report is dispatched on its own) and its creation audited."""
    req = await requests.add_request(session, report)
    assert req.id is not None
    await media.add_media(session, req.id, media_items, at=now)
    detail: Detail | None = {"media": len(media_items)} if media_items else None
    await audit(
        session,
        kind=AuditKind.CREATED,
        at=now,
        request_id=req.id,
        actor_id=req.requester_id,
        detail=detail,
    )
    return req


async def advance(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    now: datetime,
    out: Outcome,
    *,
    backlog: int = 0,
    fresh: bool = False,
) -> int:
    """Alert the next wave that finds anyone; when no wave finds anyone new, wait out the
    ladder's final wait for the alerts still open, then escalate (at once if none is open).

    Returns how many volunteers were alerted (0 when the request was escalated or
    another process advanced the ladder first).
    """
    assert req.id is not None
    mode = await major.conditions(session, req, now)
    waves = major.ladder(cfg, req.incident, mode, backlog=backlog)
    # A request created in this transaction has alerted nobody: nobody to leave out but its
    # requester (and no earlier alert to reuse).
    alerted = frozenset() if fresh else await requests.excluded_volunteer_ids(session, req.id)
    exclude = frozenset(alerted | {req.requester_id})
    for wave_index in range(req.wave, len(waves)):
        wave = waves[wave_index]
        query = MatchQuery(
            lat=req.lat,
            lon=req.lon,
            incident=IncidentType(req.incident),
            radius_m=wave.radius_m,
            k=wave.count,
            now=now,
            exclude=exclude,
            max_position_age_s=cfg.position_max_age_s,
            emergency=mode.active,
        )
        matches = await nearest_eligible(session, query)
        if not matches:
            continue
        due = now + timedelta(seconds=wave.timeout_s)
        if not await _move_to_wave(session, req, wave_index + 1, due, now):
            return 0
        out.timers[req.id] = due
        paid, number = mode.paid_broadcast, wave_index + 1
        return await alert_wave(
            session, req, matches, number, wave.radius_m, now, out, paid_broadcast=paid, fresh=fresh
        )
    if req.wave < len(waves) and await requests.offers_for(session, req.id, [OfferStatus.SENT]):
        # Nobody new is left to alert, but earlier alerts are still open: give them the
        # ladder's final wait (the last wave's timeout) before the command centre is told,
        # as if the last wave had been sent. Escalate at once only when no alert is open.
        due = now + timedelta(seconds=waves[-1].timeout_s)
        if await _move_to_wave(session, req, len(waves), due, now, final=True):
            out.timers[req.id] = due
        return 0
    await escalate(session, cfg, req, now, out)
    return 0


async def alert_wave(
    session: AsyncSession,
    req: HelpRequest,
    matches: Sequence[Match],
    wave: int,
    radius_m: float,
    now: datetime,
    out: Outcome,
    *,
    paid_broadcast: bool = False,
    fresh: bool = False,
) -> int:
    """Alert these volunteers as wave ``wave`` of the request (the request already moved to
    it): their alerts stored and told nearest first, the wave audited with who was alerted.
    ``paid_broadcast``: a major-incident area's alerts with PAID_BROADCAST on; ``fresh``: the
    request was created in this transaction (no earlier alert to reuse)."""
    assert req.id is not None
    offers = await requests.add_offers(
        session,
        [
            Offer(
                request_id=req.id,
                volunteer_id=m.person_id,
                wave=wave,
                distance_m=round(m.distance_m),
                sent_at=now,
            )
            for m in matches
        ],
        fresh=fresh,
    )
    await audit(
        session,
        kind=AuditKind.WAVE,
        at=now,
        request_id=req.id,
        detail={
            "wave": wave,
            "radius_m": round(radius_m),
            "alerted": len(offers),
            # Who was alerted, nearest first: the timeline and /audit name them.
            "volunteers": ",".join(str(o.volunteer_id) for o in offers),
        },
    )
    where = area(req)
    # Everyone told in one read, not one per volunteer (held here: the session holds its rows
    # weakly, and ``tell`` finds each in it).
    told = await people.load_people(session, [o.volunteer_id for o in offers])
    for offer in offers:  # nearest first: the order the search returned them in
        assert offer.id is not None
        alert = AlertOffer(req.id, req.incident, offer.id, offer.distance_m, where, wave)
        await tell(
            session,
            out,
            offer.volunteer_id,
            alert,
            offer_id=offer.id,
            paid_broadcast=paid_broadcast,
        )
    del told
    return len(offers)


async def _move_to_wave(
    session: AsyncSession,
    req: HelpRequest,
    wave_index: int,
    due: datetime,
    now: datetime,
    *,
    final: bool = False,
) -> bool:
    """Claim the move from the request's current wave to ``wave_index``, due at ``due``.

    Conditional on the wave it is in now, so a duplicate timer or a racing decline that
    already moved it does nothing. False when someone else moved it first.
    """
    return await move(
        session,
        req,
        RequestStatus.DISPATCHING,
        now=now,
        kind=AuditKind.FINAL_WAIT if final else None,
        detail={"wave": wave_index} if final else None,
        from_status=[RequestStatus.DISPATCHING],
        extra_where=[HelpRequest.wave == req.wave],
        wave=wave_index,
        next_timer_at=due,
    )


async def widen(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime, out: Outcome
) -> None:
    """The next wave now; the citizen is told how many more were alerted."""
    alerted = await advance(session, cfg, req, now, out)
    if alerted:
        assert req.id is not None
        await tell(session, out, req.requester_id, SearchWidened(req.id, alerted, req.incident))


async def escalate(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime, out: Outcome
) -> None:
    """Nobody accepted after the last wave: expire the alerts, tell the citizen and the command centre."""
    assert req.id is not None
    to_status = RequestStatus.ESCALATED if cfg.ops_chat_id else RequestStatus.UNANSWERED
    if not await move(
        session,
        req,
        to_status,
        now=now,
        kind=AuditKind(str(to_status)),
        from_status=[RequestStatus.DISPATCHING],
        extra_where=[HelpRequest.wave == req.wave],
        next_timer_at=None,
        closed_at=now,
    ):
        return
    out.timers[req.id] = None
    await close_offers(session, req, OfferStatus.EXPIRED, now, out)
    told = bool(cfg.ops_chat_id)
    await tell(session, out, req.requester_id, NoVolunteer(req.id, req.incident, told))
    # In a major-incident area the command centre reads it in the area's next summary.
    if cfg.ops_chat_id and not await major.batch_escalation(session, cfg, req, now):
        ops = Recipient(None, cfg.ops_chat_id, cfg.ops_language)
        out.tell(Notice(ops, ExactLocation(req.id, req.lat, req.lon)))
        out.tell(Notice(ops, await escalation_view(session, req)))
        await relay_request_media(session, req, ops, out)


async def escalation_view(session: AsyncSession, req: HelpRequest) -> OpsEscalation:
    """The request as the command centre reads it: where, who asked, whom we alerted, when."""
    assert req.id is not None
    requester = await people.get_person(session, req.requester_id)
    offers = await requests.offers_for(session, req.id)
    return OpsEscalation(
        request_id=req.id,
        incident=req.incident,
        lat=req.lat,
        lon=req.lon,
        requester=name_of(requester),
        requester_id=req.requester_id,
        created_at=req.created_at,
        alerted=len(offers),
        declined=sum(o.status == OfferStatus.DECLINED for o in offers),
        area=area(req),
        timeline=tuple(TimelineLine(*e) for e in await timeline(session, req.id)),
        description=req.description or "",
        username=(requester.username or "") if requester else "",
    )
