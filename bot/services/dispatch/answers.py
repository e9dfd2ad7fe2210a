"""A volunteer's answer to an alert (accept, decline), and alerts Telegram could not deliver.

Each takes the request's row first (``lock_request``: FOR UPDATE on PostgreSQL), then the
volunteer's, then the alerts', as every use case on a request does: answers to one
request queue in one order, and no two use cases wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.approach import coming_view
from bot.services.dispatch.common import (
    close_offers,
    move,
    name_of,
    offer_ref,
    recipient,
    relay_request_media,
    tell,
)
from bot.services.dispatch.ladder import widen
from bot.services.notices import (
    AlertClosed,
    Event,
    ExactLocation,
    JobAssigned,
    MessageRef,
    Outcome,
    Result,
)
from domain import lifecycle
from domain.enums import AuditKind, OfferStatus, RequestStatus
from storage import facts, outbox, people, requests, volunteers
from storage.audit import audit
from storage.facts import Fact, FactKind
from storage.models import HelpRequest, Offer
from storage.types import utcnow


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
    if req is not None and req.id is not None:
        delivered = await facts.offers_where(session, req.id, col(Offer.message_id).is_not(None))
        if delivered == 1:  # under the request's lock: one worker sees the first
            since = (utcnow() - req.created_at).total_seconds()
            facts.note(session, Fact(FactKind.FIRST_ALERT, req.incident, seconds=since))
    offer = await requests.get_offer(session, offer_id)
    if offer is None or offer.status == OfferStatus.SENT or req is None:
        return out
    out.request_id = req.id
    closed = AlertClosed(req.incident, OfferStatus(offer.status))
    await tell(session, out, offer.volunteer_id, closed, edit=MessageRef(chat_id, message_id))
    return out


async def alerts_delivered(
    session: AsyncSession, landed: Sequence[tuple[int, int, int, int, datetime]]
) -> Outcome:
    """``alert_delivered`` for a batch of alerts ``(request id, offer id, chat id, message
    id, when Telegram answered)``: their requests locked first (as every use case on a
    request does), the message ids recorded in one statement, then one read of those already
    closed, each edited at once."""
    out = Outcome()
    if not landed:
        return out
    by_offer = {o: (c, m) for _r, o, c, m, _at in landed}
    reqs = await requests.lock_requests(session, {r for r, *_ in landed})
    await requests.record_offer_messages(session, [(o, c, m) for _r, o, c, m, _at in landed])
    for locked in reqs.values():
        mine = [at for r, *_, at in landed if r == locked.id]
        await _first_alert_fact(session, locked, len(mine), min(mine))
    for offer in await requests.get_offers(session, by_offer):
        req = reqs.get(offer.request_id)
        if offer.status == OfferStatus.SENT or req is None or offer.id is None:
            continue
        chat_id, message_id = by_offer[offer.id]
        closed = AlertClosed(req.incident, OfferStatus(offer.status))
        await tell(session, out, offer.volunteer_id, closed, edit=MessageRef(chat_id, message_id))
    return out


async def _first_alert_fact(
    session: AsyncSession, req: HelpRequest, landed_now: int, first_at: datetime
) -> None:
    """Note the request's first alert for /metrics when this batch delivered it (at
    ``first_at``, its earliest answer): under the request's lock, the delivered alerts are
    exactly this batch's (one worker counts it)."""
    assert req.id is not None
    delivered = await facts.offers_where(session, req.id, col(Offer.message_id).is_not(None))
    if delivered == landed_now:
        since = (first_at - req.created_at).total_seconds()
        facts.note(session, Fact(FactKind.FIRST_ALERT, req.incident, seconds=since))


async def _answering(
    session: AsyncSession, offer_id: int, volunteer_id: int, out: Outcome
) -> tuple[Offer, HelpRequest] | None:
    """The alert and its request, locked, if this volunteer may answer it (else NOT_YOURS)."""
    offer = await requests.get_offer(session, offer_id)
    if offer is None or offer.volunteer_id != volunteer_id:
        out.result = Result.NOT_YOURS
        return None
    out.request_id = offer.request_id
    req = await requests.lock_request(session, offer.request_id)
    offer = await requests.get_offer(session, offer_id) or offer  # as it is now, under the lock
    if req is None or await people.get_person(session, volunteer_id) is None:
        out.result = Result.NOT_YOURS
        return None
    return offer, req


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

    Results: NOT_YOURS (a forged or foreign button), ALREADY (a double tap; the job is
    sent again if its message was given up on), TAKEN
    (someone was faster), CLOSED (the request moved on), BUSY (on another job).
    """
    out = Outcome()
    found = await _answering(session, offer_id, volunteer_id, out)
    if found is None:
        return out
    offer, req = found
    assert req.id is not None
    ref = source or offer_ref(offer)
    if offer.status == OfferStatus.ACCEPTED:
        out.result = Result.ALREADY
        if await _job_lost(session, req, volunteer_id):
            await _send_job(session, req, offer, out)
        return out
    if offer.status != OfferStatus.SENT:
        out.result = Result.TAKEN if offer.status == OfferStatus.TAKEN else Result.CLOSED
        if ref:
            closed = AlertClosed(req.incident, OfferStatus(offer.status))
            await tell(session, out, volunteer_id, closed, edit=ref)
        return out
    if not await requests.claim_volunteer(session, volunteer_id, req.id):
        out.result = Result.BUSY
        return out
    reminder = now + timedelta(seconds=cfg.arrival_reminder_s)
    if not await move(
        session,
        req,
        RequestStatus.ASSIGNED,
        now=now,
        kind=AuditKind.ACCEPTED,
        actor_id=volunteer_id,
        from_status=[RequestStatus.DISPATCHING],
        volunteer_id=volunteer_id,
        assigned_at=now,
        next_timer_at=reminder,
    ):
        await _lost(session, req.id, offer, volunteer_id, ref, now, out)
        return out
    out.timers[req.id] = reminder
    await _won(session, req, offer, ref, now, out)
    return out


async def _won(
    session: AsyncSession,
    req: HelpRequest,
    offer: Offer,
    ref: MessageRef | None,
    now: datetime,
    out: Outcome,
) -> None:
    """The request is this volunteer's: the others' alerts close, the job goes out, the
    citizen is told who is coming (with the volunteer's phone only if they consented)."""
    assert req.id is not None and offer.id is not None
    volunteer_id = offer.volunteer_id
    await requests.answer_offer(
        session, offer.id, from_status=[OfferStatus.SENT], to_status=OfferStatus.ACCEPTED, at=now
    )
    if await facts.offers_where(session, req.id, Offer.status == OfferStatus.ACCEPTED) == 1:
        since = (now - req.created_at).total_seconds()
        facts.note(session, Fact(FactKind.FIRST_ACCEPT, req.incident, seconds=since))
    await close_offers(session, req, OfferStatus.TAKEN, now, out)
    if ref:
        accepted = AlertClosed(req.incident, OfferStatus.ACCEPTED)
        await tell(session, out, volunteer_id, accepted, edit=ref)
    await _send_job(session, req, offer, out)
    coming = await coming_view(session, req, now, edit=False)
    await tell(session, out, req.requester_id, coming)


async def _lost(
    session: AsyncSession,
    request_id: int,
    offer: Offer,
    volunteer_id: int,
    ref: MessageRef | None,
    now: datetime,
    out: Outcome,
) -> None:
    """Someone else won the race for this request: free the volunteer and say why."""
    await requests.free_volunteer(session, volunteer_id, request_id)
    # Re-read: the row read before predates the winner's commit (on PostgreSQL the failed
    # UPDATE waited for it), so its status would say 'dispatching'.
    req = await requests.get_request(session, request_id)
    assert req is not None and offer.id is not None
    status = RequestStatus(req.status)
    if status == RequestStatus.CANCELLED:
        reason = OfferStatus.WITHDRAWN
    elif status in (*lifecycle.ACTIVE_JOB, RequestStatus.COMPLETED):
        reason = OfferStatus.TAKEN
    else:
        reason = OfferStatus.EXPIRED
    await requests.answer_offer(
        session, offer.id, from_status=[OfferStatus.SENT], to_status=reason, at=now
    )
    out.result = Result.TAKEN
    if ref:
        await tell(session, out, volunteer_id, AlertClosed(req.incident, reason), edit=ref)


async def _job_lost(session: AsyncSession, req: HelpRequest, volunteer_id: int) -> bool:
    """The winner taps Accept again and their job message was never said (given up on):
    they get it again. Sent or still being tried: a double tap changes nothing."""
    assert req.id is not None
    return (
        req.volunteer_id == volunteer_id
        and RequestStatus(req.status) in lifecycle.ACTIVE_JOB
        and not await outbox.on_its_way(
            session, request_id=req.id, chat_id=volunteer_id, event=str(Event.JOB_ASSIGNED)
        )
    )


async def _send_job(session: AsyncSession, req: HelpRequest, offer: Offer, out: Outcome) -> None:
    """The job with the exact point, to the assigned volunteer only."""
    assert req.id is not None
    requester = await people.get_person(session, req.requester_id)
    job = JobAssigned(
        request_id=req.id,
        incident=req.incident,
        lat=req.lat,
        lon=req.lon,
        requester=name_of(requester),
        requester_id=req.requester_id,
        distance_m=offer.distance_m,
        description=req.description or "",
        for_other=req.for_other,
        scene_phone=req.scene_phone or "",
    )
    await tell(session, out, offer.volunteer_id, ExactLocation(req.id, req.lat, req.lon))
    await tell(session, out, offer.volunteer_id, job)
    await relay_request_media(session, req, await recipient(session, offer.volunteer_id), out)


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
    found = await _answering(session, offer_id, volunteer_id, out)
    if found is None:
        return out
    offer, req = found
    assert req.id is not None
    ref = source or offer_ref(offer)
    if not await requests.answer_offer(
        session, offer_id, from_status=[OfferStatus.SENT], to_status=OfferStatus.DECLINED, at=now
    ):
        out.result = Result.ALREADY if offer.status == OfferStatus.DECLINED else Result.CLOSED
        if ref and offer.status != OfferStatus.DECLINED:
            closed = AlertClosed(req.incident, OfferStatus(offer.status))
            await tell(session, out, volunteer_id, closed, edit=ref)
        return out
    await audit(session, kind=AuditKind.DECLINED, at=now, request_id=req.id, actor_id=volunteer_id)
    if ref:
        declined = AlertClosed(req.incident, OfferStatus.DECLINED)
        await tell(session, out, volunteer_id, declined, edit=ref)
    if req.status == RequestStatus.DISPATCHING and not await requests.offers_for(
        session, req.id, [OfferStatus.SENT]
    ):
        await widen(session, cfg, req, now, out)
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
        # As decline: one answer at a time per request, and the request's row first.
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
    await audit(
        session,
        kind=AuditKind.ALERT_FAILED,
        at=now,
        request_id=offer.request_id,
        actor_id=person_id,
    )
    if req is None or req.status != RequestStatus.DISPATCHING or offer.wave != req.wave:
        return out
    still_open = await requests.offers_for(session, req.id or 0, [OfferStatus.SENT])
    if not [o for o in still_open if o.wave == req.wave]:
        await widen(session, cfg, req, now, out)
    return out
