"""The volunteer approaching, live: their position to this job's citizen alone, while it lasts.

After accepting, the volunteer is invited (the job's message) to share a live location in
the chat with the bot; the message says who sees it and until when, and sharing one during
the job is their consent. Its first message starts the approach (``shared``): the citizen
gets a live location of their own, moved as fixes arrive (``fixes``, once per batch the
position writer stores) and stopped when the volunteer arrives, finishes or lets go, or the
request ends (``end``), or the sharing stops (``sharing_stopped``); the status message says
the distance now and an arrival time. A static location during the job is used once for the
distance, and the volunteer told how to share a live one. A fix that jumps impossibly far is
ignored (domain/approach.py). Nobody but the requester ever gets the position, and the
``approach`` row that holds it is deleted when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import recipient, tell
from bot.services.notices import (
    Event,
    MessageRef,
    Notice,
    Outcome,
    Result,
    VolunteerComing,
)
from bot.services.notices.citizen import (
    ApproachAck,
    Approaching,
    CitizenUnreachable,
    LiveLocation,
    LiveMoved,
    LiveStopped,
)
from domain import lifecycle
from domain.approach import closing_kmh, eta_minutes, plausible
from domain.enums import RequestStatus
from domain.matching.geo import distance_m
from storage import approach as rows
from storage import outbox, people, requests, volunteers
from storage.models import Approach, HelpRequest
from storage.volunteers import PositionUpdate

log = logging.getLogger(__name__)

# Telegram's live locations last 60 s to 24 h (or "until stopped": 0x7FFFFFFF).
MIN_LIVE_S, MAX_LIVE_S = 60, 86400


async def coming_view(
    session: AsyncSession,
    req: HelpRequest,
    now: datetime,
    *,
    row: Approach | None = None,
    edit: bool = True,
    **flags: bool,
) -> VolunteerComing:
    """The citizen's status once a volunteer accepted: who, how far then and now, when.

    ``edit``: the view as an edit of the status message (``Approaching``), else the new
    message that says a volunteer accepted (``VolunteerComing``).
    """
    assert req.id is not None and req.volunteer_id is not None
    person = await people.get_person(session, req.volunteer_id)
    profile = await volunteers.get_volunteer(session, req.volunteer_id)
    phone = profile.phone if profile and profile.share_phone and profile.phone else ""
    offers = await requests.offers_for(session, req.id)
    at_accept = next((o.distance_m for o in offers if o.volunteer_id == req.volunteer_id), 0)
    closing = None
    now_m = None
    if row is not None:
        now_m = row.distance_m
        closing = closing_kmh(row.prev_distance_m, row.prev_at, row.distance_m, row.fix_at)
    eta = eta_minutes(req.incident, float(now_m if now_m is not None else at_accept), closing)
    cls = Approaching if edit else VolunteerComing
    return cls(
        req.id,
        person.first_name if person else "",
        at_accept,
        phone,
        incident=req.incident,
        accepted_at=req.assigned_at,
        eta_min=eta,
        as_of=now,
        now_m=now_m,
        fix_at=row.fix_at if row is not None else None,
        for_other=req.for_other,
        **flags,
    )


async def _assigned_job(session: AsyncSession, volunteer_id: int) -> HelpRequest | None:
    req = await requests.latest_job_of(session, volunteer_id)
    if req is None or req.volunteer_id != volunteer_id or req.status != RequestStatus.ASSIGNED:
        return None
    return req


def _fix(req: HelpRequest, volunteer_id: int, lat: float, lon: float, now: datetime) -> Approach:
    """A fix of the volunteer on their way to ``req`` (a row to save, or a one-off)."""
    assert req.id is not None
    distance = round(distance_m(lat, lon, req.lat, req.lon))
    return Approach(
        request_id=req.id,
        volunteer_id=volunteer_id,
        lat=lat,
        lon=lon,
        fix_at=now,
        distance_m=distance,
        until=now,
        relayed_at=now,
    )


async def shared(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    volunteer_id: int,
    lat: float,
    lon: float,
    live_period_s: int | None,
    now: datetime,
) -> Outcome:
    """A location the volunteer sent (not a live fix) while on their way. ``out.result``:
    IDLE when they have no job on the way (an ordinary position), else OK (a jump too far to
    be true is ignored: nothing said)."""
    req = await _assigned_job(session, volunteer_id)
    if req is None or req.id is None:
        return Outcome(result=Result.IDLE)
    out = Outcome(request_id=req.id)
    citizen = await recipient(session, req.requester_id)
    old = await rows.of_request(session, req.id)
    if not plausible((old.lat, old.lon, old.fix_at) if old else None, lat, lon, now):
        log.info("request %s: a shared location jumps too far; ignored", req.id)
        return out
    fix = _fix(req, volunteer_id, lat, lon, now)
    if not live_period_s:  # a one-off position: used once for the distance, never kept
        if citizen is not None:
            out.tell(Notice(citizen, await coming_view(session, req, now, row=fix, live=bool(old))))
        await tell(session, out, volunteer_id, ApproachAck(req.id, live=False))
        return out
    period = max(MIN_LIVE_S, min(MAX_LIVE_S, live_period_s))
    if old is not None and old.message_id is not None and citizen is not None:
        ref = MessageRef(citizen.chat_id, old.message_id)  # a second live location replaces it
        out.tell(Notice(citizen, LiveStopped(req.id), edit=ref))
    fix.until = now + timedelta(seconds=period)
    row = await rows.save(session, fix)
    if citizen is not None:
        out.tell(Notice(citizen, LiveLocation(req.id, lat, lon, period)))
        out.tell(Notice(citizen, await coming_view(session, req, now, row=row, live=True)))
    await tell(session, out, volunteer_id, ApproachAck(req.id, live=True))
    return out


async def fixes(
    session: AsyncSession, cfg: DispatchConfig, *, batch: Sequence[PositionUpdate], now: datetime
) -> Outcome:
    """A batch of live fixes was stored: those of volunteers approaching a citizen move the
    citizen's copy and the status (at most once per APPROACH_UPDATE_S each). One query for
    the batch finds them; everyone else's fix costs nothing more."""
    out = Outcome()
    newest = {fix.person_id: fix for fix in batch}
    for row, req in await rows.live_for(session, list(newest), now=now):
        fix = newest[row.volunteer_id]
        if not plausible((row.lat, row.lon, row.fix_at), fix.lat, fix.lon, fix.at):
            log.info("request %s: a live fix jumps too far; the last good one is kept", req.id)
            continue
        due = row.relayed_at is None or (
            (fix.at - row.relayed_at).total_seconds() >= cfg.approach_update_s
        )
        distance = round(distance_m(fix.lat, fix.lon, req.lat, req.lon))
        if due:
            row.prev_distance_m, row.prev_at = row.distance_m, row.fix_at
            row.relayed_at = fix.at
        row.lat, row.lon, row.fix_at, row.distance_m = fix.lat, fix.lon, fix.at, distance
        session.add(row)
        if not due:
            continue
        citizen = await recipient(session, req.requester_id)
        if citizen is None or req.id is None:
            continue
        if row.message_id is not None:
            ref = MessageRef(citizen.chat_id, row.message_id)
            out.tell(Notice(citizen, LiveMoved(req.id, fix.lat, fix.lon), edit=ref))
        out.tell(Notice(citizen, await coming_view(session, req, now, row=row, live=True)))
    await session.flush()
    return out


async def sharing_stopped(
    session: AsyncSession, cfg: DispatchConfig, *, volunteer_id: int, now: datetime
) -> Outcome:
    """The volunteer stopped sharing before arriving: the citizen's copy stops, and the
    status keeps the last distance with its time."""
    out = Outcome()
    for old in await rows.of_volunteer(session, volunteer_id):
        req = await requests.get_request(session, old.request_id)
        await end(session, old.request_id, out, requester_id=req.requester_id if req else None)
        if req is not None and req.status == RequestStatus.ASSIGNED:
            out.request_id = req.id
            view = await coming_view(session, req, now, row=old, sharing_ended=True)
            await tell(session, out, req.requester_id, view)
    return out


async def end(
    session: AsyncSession, request_id: int, out: Outcome, *, requester_id: int | None
) -> None:
    """The approach of this request is over (arrived, done, released, the request ended):
    the row holding the volunteer's position goes, and the citizen's copy stops."""
    old = await rows.end(session, request_id)
    if old is None or old.message_id is None or requester_id is None:
        return
    citizen = await recipient(session, requester_id)
    if citizen is not None:
        ref = MessageRef(citizen.chat_id, old.message_id)
        out.tell(Notice(citizen, LiveStopped(request_id), edit=ref))


async def said(session: AsyncSession, notice: Notice, *, message_id: int | None) -> list[Notice]:
    """The citizen's live copy was sent: remember it to move it; stop it at once if the
    approach ended while it was on its way (a live location must never outlive the job)."""
    if not isinstance(notice.payload, LiveLocation) or message_id is None:
        return []
    request_id = notice.payload.request_id
    if await rows.of_request(session, request_id) is not None:
        await rows.set_message(session, request_id, message_id)
        return []
    stop = LiveStopped(request_id)
    return [Notice(notice.to, stop, edit=MessageRef(notice.to.chat_id, message_id))]


async def citizen_unreachable(session: AsyncSession, notice: Notice) -> Outcome:
    """A notice to a requester whose job is on could not be delivered (they blocked the bot):
    their copy of the volunteer's position stops, and the volunteer is told once."""
    out = Outcome()
    request_id = getattr(notice.payload, "request_id", None)
    if not isinstance(request_id, int) or notice.to.person_id is None:
        return out
    req = await requests.get_request(session, request_id)
    if req is None or req.requester_id != notice.to.person_id or req.volunteer_id is None:
        return out
    if RequestStatus(req.status) not in lifecycle.ACTIVE_JOB:
        return out
    await rows.end(session, request_id)
    volunteer = await recipient(session, req.volunteer_id)
    if volunteer is None or await outbox.on_its_way(
        session,
        request_id=request_id,
        chat_id=volunteer.chat_id,
        event=str(Event.CITIZEN_UNREACHABLE),
    ):
        return out
    out.request_id = request_id
    out.tell(Notice(volunteer, CitizenUnreachable(request_id)))
    return out
