"""The life of a help request, from creation to credited hours.

Every state change is a conditional UPDATE (storage.requests.transition) inside
the caller's one transaction; the row count decides who won. Timers are not
kept in memory: each step writes ``next_timer_at`` on the row, returns it in
the Outcome, and ``on_timer`` re-checks the row before acting, so a timer that
fires twice, late, or after a restart does the right thing exactly once.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.notices import Event, MessageRef, Notice, Outcome, Recipient
from domain.enums import CreditStatus, OfferStatus, RequestStatus
from domain.incidents import IncidentType, rule_for
from domain.matching.eligibility import MatchQuery
from domain.matching.geo import area_of
from domain.matching.ladder import Wave
from storage import people, requests, volunteers
from storage.models import HelpRequest, HourCredit, Offer
from storage.volunteer_search import nearest_eligible

ACTIVE = (RequestStatus.ASSIGNED, RequestStatus.ON_SCENE)
CANCELLABLE = (RequestStatus.DISPATCHING, RequestStatus.ASSIGNED, RequestStatus.ON_SCENE)


def _area_params(req: HelpRequest) -> dict[str, object]:
    area = area_of(req.lat, req.lon)
    return {"city_en": area.city.name_en, "city_ar": area.city.name_ar, "km": area.km_from_centre}


async def _recipient(session: AsyncSession, person_id: int) -> Recipient | None:
    person = await people.get_person(session, person_id)
    return Recipient.of(person) if person else None


def _offer_ref(offer: Offer) -> MessageRef | None:
    if offer.chat_id is None or offer.message_id is None:
        return None
    return MessageRef(offer.chat_id, offer.message_id)


async def _close_offers(
    session: AsyncSession, req: HelpRequest, reason: OfferStatus, now: datetime, out: Outcome
) -> None:
    """Close every open alert of a request and edit each alert message to say why."""
    for offer in await requests.close_open_offers(session, req.id or 0, to_status=reason, at=now):
        ref = _offer_ref(offer)
        who = await _recipient(session, offer.volunteer_id)
        if ref and who:
            out.tell(
                Notice(
                    who,
                    Event.OFFER_CLOSED,
                    {"reason": str(reason), "incident": req.incident},
                    edit=ref,
                )
            )


async def alert_delivered(
    session: AsyncSession, *, offer_id: int, chat_id: int, message_id: int
) -> Outcome:
    """Remember where an alert landed, so that closing it later can edit it.

    An alert can be closed while it is on its way (another volunteer accepted, the
    citizen cancelled, the ladder expired): the closing found no message to edit,
    so the alert is edited here instead of keeping live buttons.
    """
    out = Outcome()
    offer = await requests.get_offer(session, offer_id)
    if offer is None:
        return out
    # Under the request's lock: whoever closes its alerts (accept, cancel, the ladder) holds
    # it too, so they either see this message id or have closed the alert before we look.
    req = await requests.lock_request(session, offer.request_id)
    await requests.record_offer_message(session, offer_id, chat_id=chat_id, message_id=message_id)
    offer = await requests.get_offer(session, offer_id)
    if offer is None or offer.status == OfferStatus.SENT:
        return out
    who = await _recipient(session, offer.volunteer_id)
    if req is not None and who is not None:
        out.request_id = req.id
        out.tell(
            Notice(
                who,
                Event.OFFER_CLOSED,
                {"reason": str(offer.status), "incident": req.incident},
                edit=MessageRef(chat_id, message_id),
            )
        )
    return out


# --- creation and waves ---------------------------------------------------------------------


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
) -> Outcome:
    """Store the request and alert the first wave; the citizen is told how many were alerted."""
    area = area_of(lat, lon)
    req = await requests.add_request(
        session,
        HelpRequest(
            requester_id=requester_id,
            incident=str(incident),
            lat=lat,
            lon=lon,
            area=area.city.name_en,
            description=(description or None),
            status=RequestStatus.DISPATCHING,
            created_at=now,
        ),
    )
    assert req.id is not None
    await requests.audit(session, kind="created", at=now, request_id=req.id, actor_id=requester_id)
    out = Outcome(request_id=req.id)
    alerted = await _advance_ladder(session, cfg, req, now, out)
    citizen = await _recipient(session, requester_id)
    if citizen and alerted:  # when nobody could be alerted, the escalation notice says so
        out.notices.insert(
            0,
            Notice(
                citizen,
                Event.REQUEST_CREATED,
                {"request_id": req.id, "incident": req.incident, "alerted": alerted},
            ),
        )
    return out


async def _advance_ladder(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime, out: Outcome
) -> int:
    """Alert the next wave that finds anyone; when no wave finds anyone new, wait out the
    ladder's final wait for the alerts still open, then escalate (at once if none is open).

    Returns how many volunteers were alerted (0 when the request was escalated or
    another process advanced the ladder first).
    """
    assert req.id is not None
    waves = cfg.ladder(req.incident)
    exclude = await requests.excluded_volunteer_ids(session, req.id) | {req.requester_id}
    wave_index = req.wave
    while wave_index < len(waves):
        wave = waves[wave_index]
        matches = await nearest_eligible(
            session,
            MatchQuery(
                lat=req.lat,
                lon=req.lon,
                incident=IncidentType(req.incident),
                radius_m=wave.radius_m,
                k=wave.count,
                now=now,
                exclude=frozenset(exclude),
                max_position_age_s=cfg.position_max_age_s,
            ),
        )
        wave_index += 1
        if not matches:
            continue
        due = now + timedelta(seconds=wave.timeout_s)
        if not await _move_to_wave(session, req, wave_index, due):
            return 0
        offers = await requests.add_offers(
            session,
            [
                Offer(
                    request_id=req.id,
                    volunteer_id=m.person_id,
                    wave=wave_index,
                    distance_m=round(m.distance_m),
                    sent_at=now,
                )
                for m in matches
            ],
        )
        await requests.audit(
            session,
            kind="wave",
            at=now,
            request_id=req.id,
            detail=f"wave={wave_index} radius_m={wave.radius_m:.0f} alerted={len(offers)}",
        )
        params = {"request_id": req.id, "incident": req.incident, **_area_params(req)}
        for offer in offers:
            who = await _recipient(session, offer.volunteer_id)
            if who:
                out.tell(
                    Notice(
                        who,
                        Event.OFFER,
                        {**params, "distance_m": offer.distance_m, "offer_id": offer.id},
                        offer_id=offer.id,
                    )
                )
        out.timers[req.id] = due
        return len(offers)
    if req.wave < len(waves) and await requests.offers_for(session, req.id, [OfferStatus.SENT]):
        # Nobody new is left to alert, but earlier alerts are still open: give them the
        # ladder's final wait (the last wave's timeout) before the command centre is told,
        # as if the last wave had been sent. Escalate at once only when no alert is open.
        await _final_wait(session, req, waves[-1], len(waves), now, out)
        return 0
    await _escalate(session, cfg, req, now, out)
    return 0


async def _move_to_wave(
    session: AsyncSession, req: HelpRequest, wave_index: int, due: datetime
) -> bool:
    """Claim the move from the request's current wave to ``wave_index``, due at ``due``.

    Conditional on the wave it is in now, so a duplicate timer or a racing decline that
    already moved it does nothing. False when someone else moved it first.
    """
    assert req.id is not None
    if not await requests.transition(
        session,
        req.id,
        from_status=[RequestStatus.DISPATCHING],
        to_status=RequestStatus.DISPATCHING,
        extra_where=[HelpRequest.wave == req.wave],
        wave=wave_index,
        next_timer_at=due,
    ):
        return False
    req.wave, req.next_timer_at = wave_index, due
    return True


async def _final_wait(
    session: AsyncSession,
    req: HelpRequest,
    last: Wave,
    wave_index: int,
    now: datetime,
    out: Outcome,
) -> None:
    assert req.id is not None
    due = now + timedelta(seconds=last.timeout_s)
    if not await _move_to_wave(session, req, wave_index, due):
        return
    await requests.audit(
        session, kind="final_wait", at=now, request_id=req.id, detail=f"wave={wave_index}"
    )
    out.timers[req.id] = due


async def _escalate(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime, out: Outcome
) -> None:
    """Nobody accepted after the last wave: expire the alerts, tell the citizen and the command centre."""
    assert req.id is not None
    to_status = RequestStatus.ESCALATED if cfg.ops_chat_id else RequestStatus.UNANSWERED
    if not await requests.transition(
        session,
        req.id,
        from_status=[RequestStatus.DISPATCHING],
        to_status=to_status,
        extra_where=[HelpRequest.wave == req.wave],
        next_timer_at=None,
        closed_at=now,
    ):
        return
    req.status = to_status
    out.timers[req.id] = None
    await _close_offers(session, req, OfferStatus.EXPIRED, now, out)
    await requests.audit(session, kind=str(to_status), at=now, request_id=req.id)
    citizen = await _recipient(session, req.requester_id)
    if citizen:
        out.tell(
            Notice(
                citizen,
                Event.NO_VOLUNTEER,
                {"request_id": req.id, "incident": req.incident, "ops_told": bool(cfg.ops_chat_id)},
            )
        )
    if cfg.ops_chat_id:
        requester = await people.get_person(session, req.requester_id)
        events = await requests.timeline(session, req.id)
        offers = await requests.offers_for(session, req.id)
        out.tell(
            Notice(
                Recipient(None, cfg.ops_chat_id, cfg.ops_language),
                Event.OPS_ESCALATION,
                {
                    "request_id": req.id,
                    "incident": req.incident,
                    "lat": req.lat,
                    "lon": req.lon,
                    "description": req.description or "",
                    "requester": requester.first_name if requester else "",
                    "username": (requester.username or "") if requester else "",
                    "requester_id": req.requester_id,
                    "created_at": req.created_at,
                    "alerted": len(offers),
                    "declined": sum(o.status == OfferStatus.DECLINED for o in offers),
                    "timeline": [(e.at, e.kind, e.detail) for e in events],
                    **_area_params(req),
                },
            )
        )


# --- a volunteer answers an alert ------------------------------------------------------------


async def accept(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    offer_id: int,
    volunteer_id: int,
    now: datetime,
    source: MessageRef | None = None,
) -> Outcome:
    """First Accept wins, atomically; everyone else's alert is edited to 'taken'.

    Results: ok, not_yours (a forged or foreign button), already (double tap),
    taken (someone was faster), closed (the request moved on), busy (this
    volunteer is on another job).
    """
    out = Outcome()
    offer = await requests.get_offer(session, offer_id)
    if offer is None or offer.volunteer_id != volunteer_id:
        out.result = "not_yours"
        return out
    out.request_id = offer.request_id
    # The request's row first, as every use case takes it (then the volunteer's, then the
    # alerts): answers to one request queue, and no two use cases wait on each other in a
    # circle. The alert is read again under the lock.
    req = await requests.lock_request(session, offer.request_id)
    offer = await requests.get_offer(session, offer_id) or offer
    if offer.status == OfferStatus.ACCEPTED:
        out.result = "already"
        return out
    me = await _recipient(session, volunteer_id)
    if req is None or me is None:
        out.result = "not_yours"
        return out
    ref = source or _offer_ref(offer)
    if offer.status != OfferStatus.SENT:
        out.result = "taken" if offer.status == OfferStatus.TAKEN else "closed"
        if ref:
            out.tell(
                Notice(
                    me,
                    Event.OFFER_CLOSED,
                    {"reason": offer.status, "incident": req.incident},
                    edit=ref,
                )
            )
        return out
    if not await requests.claim_volunteer(session, volunteer_id, req.id or 0):
        out.result = "busy"
        return out
    won = await requests.transition(
        session,
        offer.request_id,
        from_status=[RequestStatus.DISPATCHING],
        to_status=RequestStatus.ASSIGNED,
        volunteer_id=volunteer_id,
        assigned_at=now,
        next_timer_at=now + timedelta(seconds=cfg.arrival_reminder_s),
    )
    if not won:
        await requests.free_volunteer(session, volunteer_id, req.id or 0)
        # Re-read: the row read above predates the winner's commit (on PostgreSQL the
        # failed UPDATE waited for it), so its status would say 'dispatching'.
        req = await requests.get_request(session, offer.request_id) or req
        reason = (
            OfferStatus.TAKEN
            if req.status in (*ACTIVE, RequestStatus.COMPLETED)
            else OfferStatus.EXPIRED
        )
        if req.status == RequestStatus.CANCELLED:
            reason = OfferStatus.WITHDRAWN
        await requests.answer_offer(
            session, offer_id, from_status=[OfferStatus.SENT], to_status=reason, at=now
        )
        out.result = "taken"
        if ref:
            out.tell(
                Notice(
                    me,
                    Event.OFFER_CLOSED,
                    {"reason": str(reason), "incident": req.incident},
                    edit=ref,
                )
            )
        return out
    await requests.answer_offer(
        session, offer_id, from_status=[OfferStatus.SENT], to_status=OfferStatus.ACCEPTED, at=now
    )
    await requests.audit(session, kind="accepted", at=now, request_id=req.id, actor_id=volunteer_id)
    assert req.id is not None
    out.timers[req.id] = now + timedelta(seconds=cfg.arrival_reminder_s)
    await _close_offers(session, req, OfferStatus.TAKEN, now, out)
    if ref:
        out.tell(
            Notice(
                me, Event.OFFER_CLOSED, {"reason": "accepted", "incident": req.incident}, edit=ref
            )
        )
    requester = await people.get_person(session, req.requester_id)
    out.tell(
        Notice(
            me,
            Event.JOB_ASSIGNED,
            {
                "request_id": req.id,
                "incident": req.incident,
                "lat": req.lat,
                "lon": req.lon,
                "description": req.description or "",
                "requester": requester.first_name if requester else "",
                "requester_id": req.requester_id,
                "username": (requester.username or "") if requester else "",
                "distance_m": offer.distance_m,
            },
        )
    )
    volunteer = await people.get_person(session, volunteer_id)
    profile = await volunteers.get_volunteer(session, volunteer_id)
    if requester:
        out.tell(
            Notice(
                Recipient.of(requester),
                Event.VOLUNTEER_COMING,
                {
                    "request_id": req.id,
                    "volunteer": volunteer.first_name if volunteer else "",
                    "distance_m": offer.distance_m,
                    # Only with the volunteer's consent, given when they shared it.
                    "phone": profile.phone if profile and profile.share_phone else "",
                },
            )
        )
    return out


async def decline(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    offer_id: int,
    volunteer_id: int,
    now: datetime,
    source: MessageRef | None = None,
) -> Outcome:
    """The volunteer is never alerted again for this request; if everyone in the wave said no, widen now."""
    out = Outcome()
    offer = await requests.get_offer(session, offer_id)
    if offer is None or offer.volunteer_id != volunteer_id:
        out.result = "not_yours"
        return out
    out.request_id = offer.request_id
    req = await requests.lock_request(session, offer.request_id)  # answers queue per request
    offer = await requests.get_offer(session, offer_id) or offer  # as it is now, under the lock
    me = await _recipient(session, volunteer_id)
    if req is None or me is None:
        out.result = "not_yours"
        return out
    ref = source or _offer_ref(offer)
    if not await requests.answer_offer(
        session, offer_id, from_status=[OfferStatus.SENT], to_status=OfferStatus.DECLINED, at=now
    ):
        out.result = "already" if offer.status == OfferStatus.DECLINED else "closed"
        if ref and offer.status != OfferStatus.DECLINED:
            out.tell(
                Notice(
                    me,
                    Event.OFFER_CLOSED,
                    {"reason": offer.status, "incident": req.incident},
                    edit=ref,
                )
            )
        return out
    await requests.audit(session, kind="declined", at=now, request_id=req.id, actor_id=volunteer_id)
    if ref:
        out.tell(
            Notice(
                me, Event.OFFER_CLOSED, {"reason": "declined", "incident": req.incident}, edit=ref
            )
        )
    if req.status == RequestStatus.DISPATCHING and not await requests.offers_for(
        session, req.id or 0, [OfferStatus.SENT]
    ):
        await _widen(session, cfg, req, now, out)
    return out


async def recipient_unreachable(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    person_id: int,
    offer_id: int | None,
    now: datetime,
) -> Outcome:
    """Telegram refused delivery to this person (they blocked the bot).

    They are marked blocked and taken off duty, so nobody alerts them until they
    write again. If the notice was an alert, it is marked failed; when that leaves
    the current wave with no alert anyone can answer, the ladder widens now, as
    it does when the whole wave declined, instead of waiting for the wave timeout.
    """
    out = Outcome()
    offer = await requests.get_offer(session, offer_id) if offer_id is not None else None
    req = None
    if offer is not None and offer.volunteer_id == person_id:
        # As decline: one answer at a time per request, and the request's row before the
        # volunteer's (the order every use case takes them in, see accept).
        req = await requests.lock_request(session, offer.request_id)
    await people.mark_blocked(session, person_id=person_id)
    await volunteers.set_duty(session, person_id=person_id, on_duty=False)
    if offer is None or offer_id is None or offer.volunteer_id != person_id:
        return out
    out.request_id = offer.request_id
    if not await requests.answer_offer(
        session, offer_id, from_status=[OfferStatus.SENT], to_status=OfferStatus.FAILED, at=now
    ):
        return out
    await requests.audit(
        session, kind="alert_failed", at=now, request_id=offer.request_id, actor_id=person_id
    )
    if (
        req is not None
        and req.status == RequestStatus.DISPATCHING
        and offer.wave == req.wave
        and not [
            o
            for o in await requests.offers_for(session, req.id or 0, [OfferStatus.SENT])
            if o.wave == req.wave
        ]
    ):
        await _widen(session, cfg, req, now, out)
    return out


async def _widen(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime, out: Outcome
) -> None:
    alerted = await _advance_ladder(session, cfg, req, now, out)
    if alerted:
        citizen = await _recipient(session, req.requester_id)
        if citizen:
            out.tell(
                Notice(citizen, Event.SEARCH_WIDENED, {"request_id": req.id, "alerted": alerted})
            )


# --- on the job -------------------------------------------------------------------------------


async def _my_active_job(
    session: AsyncSession, request_id: int, volunteer_id: int
) -> HelpRequest | None:
    req = await requests.lock_request(session, request_id)
    if req is None or req.volunteer_id != volunteer_id:
        return None
    return req


async def arrived(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id)
    if req is None:
        out.result = "not_yours"
        return out
    if not await requests.transition(
        session,
        request_id,
        from_status=[RequestStatus.ASSIGNED],
        to_status=RequestStatus.ON_SCENE,
        extra_where=[HelpRequest.volunteer_id == volunteer_id],
        arrived_at=now,
        next_timer_at=None,
    ):
        out.result = "already" if req.status == RequestStatus.ON_SCENE else "closed"
        return out
    out.timers[request_id] = None
    await requests.audit(
        session, kind="arrived", at=now, request_id=request_id, actor_id=volunteer_id
    )
    volunteer = await people.get_person(session, volunteer_id)
    citizen = await _recipient(session, req.requester_id)
    if citizen:
        out.tell(
            Notice(
                citizen,
                Event.VOLUNTEER_ARRIVED,
                {"request_id": request_id, "volunteer": volunteer.first_name if volunteer else ""},
            )
        )
    me = await _recipient(session, volunteer_id)
    if me:
        out.tell(Notice(me, Event.JOB_ON_SCENE, {"request_id": request_id}))
    return out


def credit_minutes(assigned_at: datetime, done_at: datetime, cap: int) -> int:
    """Whole minutes from accept to done, rounded up, at least 1, at most the cap."""
    seconds = max(0.0, (done_at - assigned_at).total_seconds())
    return max(1, min(cap, math.ceil(seconds / 60.0)))


async def done(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    """The volunteer says it is done: a pending credit, and the citizen is asked to confirm."""
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id)
    if req is None:
        out.result = "not_yours"
        return out
    due = now + timedelta(seconds=cfg.auto_confirm_s)
    if not await requests.transition(
        session,
        request_id,
        from_status=ACTIVE,
        to_status=RequestStatus.COMPLETED,
        extra_where=[HelpRequest.volunteer_id == volunteer_id],
        done_at=now,
        next_timer_at=due,
    ):
        out.result = "already" if req.status == RequestStatus.COMPLETED else "closed"
        return out
    out.timers[request_id] = due
    await requests.free_volunteer(session, volunteer_id, request_id)
    minutes = credit_minutes(req.assigned_at or now, now, cfg.max_credit_minutes)
    await requests.add_credit(
        session,
        HourCredit(
            volunteer_id=volunteer_id, request_id=request_id, minutes=minutes, created_at=now
        ),
    )
    await requests.audit(
        session,
        kind="done",
        at=now,
        request_id=request_id,
        actor_id=volunteer_id,
        detail=f"minutes={minutes}",
    )
    volunteer = await people.get_person(session, volunteer_id)
    citizen = await _recipient(session, req.requester_id)
    if citizen:
        out.tell(
            Notice(
                citizen,
                Event.CONFIRM_DONE,
                {"request_id": request_id, "volunteer": volunteer.first_name if volunteer else ""},
            )
        )
    me = await _recipient(session, volunteer_id)
    if me:
        out.tell(Notice(me, Event.JOB_DONE_ACK, {"request_id": request_id, "minutes": minutes}))
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
        out.result = "not_yours"
        return out
    to_status = RequestStatus.CONFIRMED if solved else RequestStatus.DISPUTED
    if not await requests.transition(
        session,
        request_id,
        from_status=[RequestStatus.COMPLETED],
        to_status=to_status,
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = "already"
        return out
    out.timers[request_id] = None
    credit_status = CreditStatus.CONFIRMED if solved else CreditStatus.DISPUTED
    await requests.decide_credit(
        session, request_id, status=credit_status, decided_by=requester_id, at=now
    )
    kind = "confirmed" if solved else "disputed"
    await requests.audit(
        session,
        kind=kind if requester_id else f"auto_{kind}",
        at=now,
        request_id=request_id,
        actor_id=requester_id,
    )
    citizen = await _recipient(session, req.requester_id)
    if req.volunteer_id is not None:
        me = await _recipient(session, req.volunteer_id)
        if me:
            if solved:
                total, jobs = await requests.credited_minutes(session, req.volunteer_id)
                credit = await requests.credit_of(session, request_id)
                out.tell(
                    Notice(
                        me,
                        Event.HOURS_CREDITED,
                        {
                            "request_id": request_id,
                            "minutes": credit,
                            "total_minutes": total,
                            "jobs": jobs,
                        },
                    )
                )
            else:
                out.tell(Notice(me, Event.CREDIT_DISPUTED, {"request_id": request_id}))
    if citizen:
        if requester_id is None:
            out.tell(Notice(citizen, Event.AUTO_CONFIRMED, {"request_id": request_id}))
        else:
            out.tell(
                Notice(
                    citizen,
                    Event.THANKS if solved else Event.DISPUTE_ACK,
                    {"request_id": request_id, "incident": req.incident},
                )
            )
    return out


async def release(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, volunteer_id: int, now: datetime
) -> Outcome:
    """The volunteer can't continue: the request goes back to dispatching and the ladder restarts."""
    out = Outcome(request_id=request_id)
    req = await _my_active_job(session, request_id, volunteer_id)
    if req is None:
        out.result = "not_yours"
        return out
    if not await requests.transition(
        session,
        request_id,
        from_status=ACTIVE,
        to_status=RequestStatus.DISPATCHING,
        extra_where=[HelpRequest.volunteer_id == volunteer_id],
        volunteer_id=None,
        assigned_at=None,
        arrived_at=None,
        wave=0,
        next_timer_at=None,
    ):
        out.result = "closed"
        return out
    await requests.free_volunteer(session, volunteer_id, request_id)
    await requests.set_offer_status(
        session,
        request_id=request_id,
        volunteer_id=volunteer_id,
        status=OfferStatus.RELEASED,
        at=now,
    )
    await requests.audit(
        session, kind="released", at=now, request_id=request_id, actor_id=volunteer_id
    )
    me = await _recipient(session, volunteer_id)
    if me:
        out.tell(Notice(me, Event.JOB_RELEASED_ACK, {"request_id": request_id}))
    req = await requests.lock_request(session, request_id)
    assert req is not None
    citizen = await _recipient(session, req.requester_id)
    alerted = await _advance_ladder(session, cfg, req, now, out)
    if citizen and alerted:
        out.tell(
            Notice(
                citizen, Event.VOLUNTEER_RELEASED, {"request_id": request_id, "alerted": alerted}
            )
        )
    if request_id not in out.timers:
        out.timers[request_id] = None
    return out


async def cancel(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, requester_id: int, now: datetime
) -> Outcome:
    """The citizen cancels (any time before Done): alerts withdrawn, the volunteer told and freed."""
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or req.requester_id != requester_id:
        out.result = "not_yours"
        return out
    if not await requests.transition(
        session,
        request_id,
        from_status=CANCELLABLE,
        to_status=RequestStatus.CANCELLED,
        next_timer_at=None,
        closed_at=now,
    ):
        out.result = "closed"
        return out
    out.timers[request_id] = None
    await _close_offers(session, req, OfferStatus.WITHDRAWN, now, out)
    await requests.audit(
        session, kind="cancelled", at=now, request_id=request_id, actor_id=requester_id
    )
    if req.volunteer_id is not None:
        await requests.free_volunteer(session, req.volunteer_id, request_id)
        me = await _recipient(session, req.volunteer_id)
        if me:
            out.tell(
                Notice(
                    me, Event.JOB_CANCELLED, {"request_id": request_id, "incident": req.incident}
                )
            )
    citizen = await _recipient(session, requester_id)
    if citizen:
        out.tell(Notice(citizen, Event.REQUEST_CANCELLED, {"request_id": request_id}))
    return out


# --- timers -----------------------------------------------------------------------------------


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
        out.result = "idle"
        out.timers[request_id] = None
        return out
    if req.next_timer_at > now:
        out.result = "early"
        out.timers[request_id] = req.next_timer_at
        return out
    status = RequestStatus(req.status)
    if status == RequestStatus.DISPATCHING:
        await _widen(session, cfg, req, now, out)
        return out
    if status == RequestStatus.COMPLETED:
        return await confirm(
            session, cfg, request_id=request_id, requester_id=None, solved=True, now=now
        )
    claimed = await requests.transition(
        session,
        request_id,
        from_status=[status],
        to_status=status,
        extra_where=[HelpRequest.next_timer_at == req.next_timer_at],
        next_timer_at=None,
    )
    out.timers[request_id] = None
    if not claimed:
        out.result = "idle"
        return out
    if status == RequestStatus.ASSIGNED and req.volunteer_id is not None:
        await requests.audit(session, kind="arrival_reminder", at=now, request_id=request_id)
        me = await _recipient(session, req.volunteer_id)
        if me:
            out.tell(
                Notice(
                    me, Event.ARRIVAL_REMINDER, {"request_id": request_id, "incident": req.incident}
                )
            )
        citizen = await _recipient(session, req.requester_id)
        volunteer = await people.get_person(session, req.volunteer_id)
        if citizen:
            out.tell(
                Notice(
                    citizen,
                    Event.STATUS_UPDATE,
                    {
                        "request_id": request_id,
                        "volunteer": volunteer.first_name if volunteer else "",
                    },
                )
            )
    return out


async def pending_timers(session: AsyncSession) -> dict[int, datetime]:
    """Every request timer the database holds, for rebuilding the job queue after a restart."""
    return {
        r.id: r.next_timer_at
        for r in await requests.requests_with_timers(session)
        if r.id is not None and r.next_timer_at is not None
    }


def life_threatening(incident: str) -> bool:
    return rule_for(incident).life_threatening
