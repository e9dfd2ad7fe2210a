"""Major-incident mode: an area declared by an operator, for a period, where the usual pace
gives way to reach more people faster (a city-wide flood, a large fire).

While an area is active (``major_incident``: not ended, period not over):

- a request made there gets a wider first wave (``domain.matching.ladder.wider_first``:
  MAJOR_WAVE_FACTOR times the volunteers, out to the ladder's second radius);
- its alerts reach the volunteers who opted in to emergency call-outs even in their quiet
  hours and past their hourly cap (``MatchQuery.emergency``);
- its escalations are not sent one by one: the area's timer gathers them into one summary
  every MAJOR_SUMMARY_S to the operations chat (Telegram lets a bot send a group 20 messages
  a minute; one area sends one), each with the exact point and its number for /request;
- ``/broadcast`` sends an operator's call-out to every verified volunteer whose last position
  is in the area, once each, through the outbox (which keeps Telegram's limits, alerts first);
- with PAID_BROADCAST on, the area's alerts and call-outs go with ``allow_paid_broadcast``.

Everything is read from the rows at the moment it matters, so ending the mode (an operator,
or the area's timer when its period runs out, claimed like a request's) restores the usual
behaviour at once: nothing else to undo. Every action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import area, recipient
from bot.services.notices import Notice, Outcome, Recipient, Result
from bot.services.notices.links import (
    CallOut,
    CallOutSent,
    MajorArea,
    MajorDeclared,
    MajorEnded,
    MajorList,
    MajorSummary,
    SummaryRow,
)
from domain.enums import AuditKind
from domain.matching.geo import city_by_name, distance_m
from domain.matching.ladder import Wave, wider_first
from storage import major as store
from storage import people, timers
from storage.audit import audit
from storage.command_models import MajorIncident
from storage.models import HelpRequest

MAX_HOURS = 72.0
MAX_RADIUS_KM = 200.0
MAX_SUMMARY_ROWS = 40  # more are counted, not listed: /open shows them all


@dataclass(frozen=True)
class Conditions:
    """What an active area changes for one request's search."""

    major_id: int | None = None
    paid_broadcast: bool = False

    @property
    def active(self) -> bool:
        return self.major_id is not None


def _contains(row: MajorIncident, lat: float, lon: float) -> bool:
    return distance_m(lat, lon, row.lat, row.lon) <= row.radius_km * 1000.0


async def area_at(
    session: AsyncSession, lat: float, lon: float, now: datetime
) -> MajorIncident | None:
    """The active area this point is in (the first declared when several overlap)."""
    return next((r for r in await store.active(session, now) if _contains(r, lat, lon)), None)


async def conditions(session: AsyncSession, req: HelpRequest, now: datetime) -> Conditions:
    """The mode's effect on a request's search now: none unless its area is still active."""
    if req.major_id is None:
        return Conditions()
    row = await store.get(session, req.major_id)
    if row is None or row.ended_at is not None or row.ends_at <= now:
        return Conditions()
    return Conditions(row.id, row.paid_broadcast)


def ladder(
    cfg: DispatchConfig, incident: str, found: Conditions, *, backlog: int = 0
) -> tuple[Wave, ...]:
    """The request's waves; in an active area the first is wider (under load, the shrunk
    first wave of ``DispatchConfig.ladder`` made wider)."""
    waves = cfg.ladder(incident, backlog=backlog)
    return wider_first(waves, cfg.major_wave_factor) if found.active else waves


async def batch_escalation(
    session: AsyncSession, cfg: DispatchConfig, req: HelpRequest, now: datetime
) -> bool:
    """An escalation in an active area waits for the area's next summary: True when it does
    (the caller then sends nothing to the operations chat itself)."""
    row = await store.get(session, req.major_id) if req.major_id is not None else None
    if row is None or row.ended_at is not None or row.ends_at <= now:
        row = await area_at(session, req.lat, req.lon, now)
    if row is None or row.id is None:
        return False
    req.major_id = row.id
    session.add(req)
    due = max(now, row.summarised_until + timedelta(seconds=cfg.major_summary_s))
    await store.summary_due(session, row.id, at=due)
    return True


def _view(row: MajorIncident) -> MajorArea:
    assert row.id is not None
    return MajorArea(
        row.id, row.city, row.lat, row.lon, row.radius_km, row.ends_at, row.paid_broadcast
    )


def _ops(cfg: DispatchConfig) -> Recipient | None:
    return Recipient(None, cfg.ops_chat_id, cfg.ops_language) if cfg.ops_chat_id else None


async def _name(session: AsyncSession, person_id: int | None) -> str:
    person = await people.get_person(session, person_id) if person_id else None
    return person.first_name if person else ""


async def start(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    city: str | None,
    lat: float | None,
    lon: float | None,
    radius_km: float | None,
    hours: float,
    now: datetime,
) -> Outcome:
    """Declare an area (a city by its English name, or a point and radius) for ``hours``.
    The operations chat and the operator are told. Results: NOT_OPERATOR, UNKNOWN (no such
    city, or a point, radius or period out of bounds)."""
    act = await roles.as_operator(session, cfg, operator_id, now)
    if act is None:
        return Outcome(Result.NOT_OPERATOR)
    found = city_by_name(city) if city else None
    if city and found is not None:
        lat, lon, radius_km = found.lat, found.lon, cfg.major_city_radius_km
    if lat is None or lon is None or radius_km is None or (city and found is None):
        return Outcome(Result.UNKNOWN)
    if not (0 < radius_km <= MAX_RADIUS_KM and 0 < hours <= MAX_HOURS):
        return Outcome(Result.UNKNOWN)
    ends = now + timedelta(hours=hours)
    row = await store.add(
        session,
        MajorIncident(
            city=found.name_en if found else "",
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            declared_by=operator_id,
            started_at=now,
            ends_at=ends,
            paid_broadcast=cfg.paid_broadcast,
            summarised_until=now,
            next_timer_at=ends,
        ),
    )
    await act.audit(
        AuditKind.MAJOR_STARTED,
        major_id=row.id or 0,
        city=row.city,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        hours=hours,
        paid_broadcast=int(row.paid_broadcast),
    )
    out = Outcome()
    told = MajorDeclared(_view(row), await _name(session, operator_id))
    await _tell_ops_and(session, cfg, out, operator_id, told)
    return out


async def _tell_ops_and(
    session: AsyncSession,
    cfg: DispatchConfig,
    out: Outcome,
    operator_id: int | None,
    payload: MajorDeclared | MajorEnded,
) -> None:
    ops = _ops(cfg)
    if ops is not None:
        out.tell(Notice(ops, payload))
    if operator_id is not None:
        me = await recipient(session, operator_id)
        if me is not None:
            out.tell(Notice(me, payload))


async def end(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    major_id: int | None,
    now: datetime,
) -> Outcome:
    """End one area (``major_id``) or every active one. Results: NOT_OPERATOR, UNKNOWN
    (nothing active by that number)."""
    if not await roles.is_operator(session, cfg, operator_id):
        return Outcome(Result.NOT_OPERATOR)
    out = Outcome()
    rows = [r for r in await store.active(session, now) if major_id in (None, r.id)]
    ended = 0
    for row in rows:
        locked = await store.lock(session, row.id or 0)
        if locked is not None and await _finish(session, cfg, locked, operator_id, now, out):
            ended += 1
    if not ended:
        out.result = Result.UNKNOWN
    return out


async def _finish(
    session: AsyncSession,
    cfg: DispatchConfig,
    row: MajorIncident,
    operator_id: int | None,
    now: datetime,
    out: Outcome,
) -> bool:
    """End a locked area once: the escalations still waiting are summarised first."""
    assert row.id is not None
    await _summarise(session, cfg, row, now, out)
    if not await store.end(session, row.id, at=min(now, row.ends_at), by=operator_id):
        return False
    detail = {"major_id": row.id, "by_timer": int(operator_id is None)}
    await audit(session, kind=AuditKind.MAJOR_ENDED, at=now, actor_id=operator_id, detail=detail)
    told = MajorEnded(_view(row), await _name(session, operator_id))
    await _tell_ops_and(session, cfg, out, operator_id, told)
    return True


async def listing(session: AsyncSession, *, now: datetime) -> MajorList:
    return MajorList(tuple(_view(r) for r in await store.active(session, now)))


async def fire_due(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, skip: set[int]
) -> Outcome | None:
    """Claim one area whose timer is due and run it: the summary of its escalations, or its
    end when the period is over. None when no area is due."""
    row = await timers.claim_due_major(session, now=now, skip=skip)
    if row is None or row.id is None:
        return None
    skip.add(row.id)
    out = Outcome()
    if now >= row.ends_at:
        await _finish(session, cfg, row, None, now, out)
        return out
    await _summarise(session, cfg, row, now, out)
    row.next_timer_at = row.ends_at
    session.add(row)
    return out


async def _summarise(
    session: AsyncSession, cfg: DispatchConfig, row: MajorIncident, now: datetime, out: Outcome
) -> None:
    """One message to the operations chat with the area's escalations since the last one."""
    assert row.id is not None
    since = row.summarised_until
    found = await store.escalated_between(session, row.id, since=since, until=now)
    row.summarised_until = now
    session.add(row)
    ops = _ops(cfg)
    if not found or ops is None:
        return
    rows = tuple(
        SummaryRow(r.id or 0, r.incident, r.lat, r.lon, area(r), r.closed_at or now)
        for r in found[:MAX_SUMMARY_ROWS]
    )
    out.tell(Notice(ops, MajorSummary(_view(row), since, now, rows, total=len(found))))


async def broadcast(
    session: AsyncSession, cfg: DispatchConfig, *, operator_id: int, text: str, now: datetime
) -> Outcome:
    """The operator's call-out to every verified volunteer in the active areas, once each, in
    their language. Results: NOT_OPERATOR, UNKNOWN (no area active)."""
    act = await roles.as_operator(session, cfg, operator_id, now)
    if act is None:
        return Outcome(Result.NOT_OPERATOR)
    out = Outcome()
    areas = await store.active(session, now)
    reached: set[int] = set()
    for row in areas:
        for vol, person in await store.volunteers_in_box(
            session, lat=row.lat, lon=row.lon, radius_m=row.radius_km * 1000.0
        ):
            if vol.lat is None or vol.lon is None or person.id in reached:
                continue
            if not _contains(row, vol.lat, vol.lon) or person.id == operator_id:
                continue
            reached.add(person.id)
            call = CallOut(row.city, text)
            out.tell(Notice(Recipient.of(person), call, paid_broadcast=row.paid_broadcast))
    areas_ids = ",".join(str(r.id) for r in areas)
    await act.audit(AuditKind.BROADCAST, areas=areas_ids, reached=len(reached), chars=len(text))
    if not areas:
        out.result = Result.UNKNOWN
    me = await recipient(session, operator_id)
    if me is not None:
        out.tell(Notice(me, CallOutSent(len(reached), len(areas))))
    return out
