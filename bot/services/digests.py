"""The leaders' digests: what the team did, who is ready, what is stuck — without asking.

Scheduling is derived from the database, never from a job queue's memory: at any moment
the due digests are, for every leader of every team, the latest daily period (the last
``DIGEST_TIME`` passed, local time) and the latest weekly one (``DIGEST_WEEKDAY`` at that
time), each named by a deterministic key ``kind:team:leader:local date``. ``due`` lists those
with no record yet; ``queue`` inserts the record (one worker wins), builds the digest and
writes it to the outbox, all in one transaction; the outbox's sender says it (with retries)
and ``said`` records what became of it. Two workers, or one restarted, never send a period
twice, and a period claimed is never lost.

A daily digest covers the 24 hours before its time; the weekly one seven local days, the
last up to its time. Figures come only from the rows (storage/digests.py).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.notices import Notice, Outcome, Recipient, Result
from bot.services.notices.teams import (
    DailyDigest,
    DayFigures,
    HandledLine,
    MemberMinutes,
    Readiness,
    RegionLine,
    WeeklyDigest,
)
from bot.services.teams import authorize
from bot.settings import Settings
from domain.enums import AuditKind, DigestKind, DigestStatus, RequestStatus, VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.eligibility import position_fresh
from domain.matching.geo import haversine_m
from storage import digests as store
from storage import people
from storage import teams as team_store
from storage.audit import audit
from storage.models import HelpRequest, Person, Volunteer
from storage.team_models import Team


@dataclass(frozen=True)
class DigestConfig:
    at: time = time(20, 0)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Riyadh"))
    weekday: int = 3  # Thursday (Monday is 0): the end of the Saudi working week

    @classmethod
    def from_settings(cls, s: Settings) -> DigestConfig:
        hour, minute = (int(part) for part in s.digest_time.split(":"))
        return cls(time(hour, minute), ZoneInfo(s.digest_timezone), s.digest_weekday)


@dataclass(frozen=True)
class DueDigest:
    key: str
    kind: DigestKind
    team_id: int
    leader_id: int
    period_end: datetime


def period_end(kind: DigestKind, now: datetime, dcfg: DigestConfig) -> datetime:
    """The latest moment at or before ``now`` a digest of this kind was due (UTC)."""
    local = now.astimezone(dcfg.tz)
    day = local.date()
    if kind is DigestKind.WEEKLY:
        day -= timedelta(days=(day.weekday() - dcfg.weekday) % 7)
    step = 7 if kind is DigestKind.WEEKLY else 1
    moment = datetime.combine(day, dcfg.at, dcfg.tz)
    if moment > local:
        moment = datetime.combine(day - timedelta(days=step), dcfg.at, dcfg.tz)
    return moment.astimezone(now.tzinfo)


def digest_key(
    kind: DigestKind, team_id: int, leader_id: int, end: datetime, dcfg: DigestConfig
) -> str:
    return f"{kind}:{team_id}:{leader_id}:{end.astimezone(dcfg.tz).date().isoformat()}"


async def due(session: AsyncSession, dcfg: DigestConfig, *, now: datetime) -> list[DueDigest]:
    """Every digest whose time has come and that nobody has claimed yet.

    A leader named after a period's time gets the next one, not a digest of a day before them.
    """
    wanted: list[DueDigest] = []
    for leader, team in await team_store.all_leaderships(session):
        assert team.id is not None
        for kind in DigestKind:
            end = period_end(kind, now, dcfg)
            if end < leader.named_at:
                continue
            key = digest_key(kind, team.id, leader.person_id, end, dcfg)
            wanted.append(DueDigest(key, kind, team.id, leader.person_id, end))
    known = await store.records(session, [d.key for d in wanted])
    return [d for d in wanted if d.key not in known]


async def claim(session: AsyncSession, d: DueDigest, *, now: datetime) -> bool:
    return await store.claim(
        session,
        key=d.key,
        kind=str(d.kind),
        team_id=d.team_id,
        leader_id=d.leader_id,
        period_end=d.period_end,
        now=now,
    )


async def queue(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, dcfg: DigestConfig, due: DueDigest
) -> Outcome:
    """Claim one due digest and, in the same transaction, build it for the outbox.

    ALREADY when another worker (or an earlier run) has it; UNKNOWN, recorded as
    ``not_leader``, when its leader was removed or its team is gone by now.
    """
    out = Outcome()
    if not await claim(session, due, now=now):
        out.result = Result.ALREADY
        return out
    notice = await build(session, cfg, dcfg, due, now=now)
    # Checked again after building: a leader removed meanwhile gets nothing.
    if notice is None or not await still_leader(session, due):
        await store.finish(
            session, key=due.key, status=DigestStatus.NOT_LEADER, now=now, messages=0, chars=0
        )
        out.result = Result.UNKNOWN
        return out
    out.tell(notice)
    return out


async def said(
    session: AsyncSession,
    notice: Notice,
    *,
    status: DigestStatus,
    messages: int,
    chars: int,
    now: datetime,
) -> None:
    """The outbox's hook: what became of a scheduled digest (sent, blocked or failed) goes on
    its record, in the transaction that marks its outbox row. Other notices are not ours."""
    p = notice.payload
    if isinstance(p, DailyDigest | WeeklyDigest) and p.key:
        await store.finish(
            session, key=p.key, status=status, now=now, messages=messages, chars=chars
        )


async def still_leader(session: AsyncSession, d: DueDigest) -> bool:
    """Checked after building: a leader removed meanwhile gets nothing."""
    return await team_store.is_leader(session, team_id=d.team_id, person_id=d.leader_id)


async def build(
    session: AsyncSession, cfg: DispatchConfig, dcfg: DigestConfig, d: DueDigest, *, now: datetime
) -> Notice | None:
    """The digest for a claimed period, or None when its leader or team is gone."""
    team = await team_store.get_team(session, d.team_id)
    leader = await people.get_person(session, d.leader_id)
    if team is None or leader is None or not await still_leader(session, d):
        return None
    payload: DailyDigest | WeeklyDigest = (
        await weekly(session, dcfg, team, until=d.period_end)
        if d.kind is DigestKind.WEEKLY
        else await daily(session, cfg, team, until=d.period_end, now=now)
    )
    return Notice(Recipient.of(leader), dataclasses.replace(payload, key=d.key))


async def on_demand(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    dcfg: DigestConfig,
    actor_id: int,
    team_id: int,
    kind: DigestKind,
) -> Outcome:
    """/digest and /digest week: up to now, for a leader of this team (or an operator)."""
    out = Outcome()
    out.result = await authorize(
        session, cfg, actor_id=actor_id, team_id=team_id, action=f"digest_{kind}", now=now
    )
    team = await team_store.get_team(session, team_id)
    actor = await people.get_person(session, actor_id)
    if out.result is not Result.OK or team is None or actor is None:
        return out
    await audit(
        session,
        kind=AuditKind.DIGEST_REQUESTED,
        at=now,
        actor_id=actor_id,
        detail={"team_id": team_id, "kind": str(kind)},
    )
    payload = (
        await weekly(session, dcfg, team, until=now)
        if kind is DigestKind.WEEKLY
        else await daily(session, cfg, team, until=now, now=now)
    )
    out.tell(Notice(Recipient.of(actor), payload))
    return out


# --- the figures -----------------------------------------------------------------------------


def _in_region(team: Team, r: HelpRequest) -> bool:
    return haversine_m(team.lat, team.lon, r.lat, r.lon) <= team.radius_km * 1000.0


def _ladder_s(cfg: DispatchConfig, incident: str) -> float:
    return sum(w.timeout_s for w in cfg.ladder(incident))


def _region_line(
    cfg: DispatchConfig, r: HelpRequest, start: datetime, now: datetime
) -> RegionLine | None:
    assert r.id is not None
    if r.status in (RequestStatus.UNANSWERED, RequestStatus.ESCALATED) and r.created_at >= start:
        return RegionLine(r.id, r.incident, str(r.status), r.created_at)
    if r.status == RequestStatus.DISPATCHING and (now - r.created_at).total_seconds() > _ladder_s(
        cfg, r.incident
    ):
        return RegionLine(r.id, r.incident, "stalled_dispatch", r.created_at)
    if (
        r.status == RequestStatus.ASSIGNED
        and r.assigned_at is not None
        and (now - r.assigned_at).total_seconds() > cfg.arrival_reminder_s
    ):
        return RegionLine(r.id, r.incident, "stalled_arrival", r.assigned_at)
    return None


def _ready(cfg: DispatchConfig, vol: Volunteer, now: datetime) -> bool:
    return (
        vol.status == VolunteerStatus.VERIFIED
        and vol.on_duty
        and position_fresh(vol.position_at, now, cfg.position_max_age_s)
    )


async def daily(
    session: AsyncSession, cfg: DispatchConfig, team: Team, *, until: datetime, now: datetime
) -> DailyDigest:
    """The 24 hours before ``until``; what is open or stalled is as of ``now``."""
    assert team.id is not None
    start = until - timedelta(days=1)
    crew: list[tuple[Person, Volunteer]] = await team_store.member_volunteers(session, team.id)
    names = {p.id: p.first_name for p, _ in crew}
    handled = [
        HandledLine(
            request_id=r.id,  # type: ignore[arg-type]
            incident=r.incident,
            member=names.get(r.volunteer_id, str(r.volunteer_id)),  # type: ignore[arg-type]
            accept_s=int((r.assigned_at - r.created_at).total_seconds()),  # type: ignore[operator]
            arrive_s=int((r.arrived_at - r.assigned_at).total_seconds()) if r.arrived_at else None,  # type: ignore[operator]
            status=str(r.status),
        )
        for r in await store.handled_by(session, names.keys(), start, until)
    ]
    minutes: Counter[int] = Counter()
    for vid, _, m in await store.credited_to(session, names.keys(), start, until):
        minutes[vid] += m
    credited = tuple(
        MemberMinutes(names[vid], m)
        for vid, m in sorted(minutes.items(), key=lambda x: (-x[1], names[x[0]]))
    )
    week_start = now - timedelta(days=7)
    nearby = [
        r
        for r in await store.near(
            session,
            lat=team.lat,
            lon=team.lon,
            radius_km=team.radius_km,
            since=min(start, week_start),
        )
        if _in_region(team, r)
    ]
    region = [line for r in nearby if (line := _region_line(cfg, r, start, now)) is not None]
    flagged = {line.request_id for line in region}
    open_now = sum(1 for r in nearby if r.status in store.OPEN and r.id not in flagged)
    seen = Counter(r.incident for r in nearby if r.created_at >= week_start)
    ready = [v for _, v in crew if _ready(cfg, v, now)]
    readiness = tuple(
        Readiness(str(kind), n_ready, seen.get(str(kind), 0))
        for kind in IncidentType
        if (n_ready := sum(1 for v in ready if v.skills & kind.bit)) or seen.get(str(kind))
    )
    pending = tuple(
        p.first_name for p, v in crew if v.status == VolunteerStatus.PENDING and v.submitted_at
    )
    stale = tuple(
        p.first_name
        for p, v in crew
        if v.status == VolunteerStatus.VERIFIED
        and v.on_duty
        and not position_fresh(v.position_at, now, cfg.position_max_age_s)
    )
    return DailyDigest(
        team=team.name,
        until=until,
        members=await team_store.member_count(session, team.id),
        on_duty=len(ready),
        handled=tuple(handled),
        credited=credited,
        region=tuple(region),
        open_in_region=open_now,
        pending=pending,
        stale=stale,
        readiness=readiness,
    )


async def weekly(
    session: AsyncSession, dcfg: DigestConfig, team: Team, *, until: datetime
) -> WeeklyDigest:
    """Seven local days ending with the day of ``until`` (that day up to ``until``)."""
    assert team.id is not None
    last: date = until.astimezone(dcfg.tz).date()
    days = [last - timedelta(days=back) for back in range(6, -1, -1)]
    start = datetime.combine(days[0], time(0), dcfg.tz).astimezone(until.tzinfo)
    crew = await team_store.member_volunteers(session, team.id)
    ids = [p.id for p, _ in crew]
    minutes: Counter[date] = Counter()
    for _, at, m in await store.credited_to(session, ids, start, until):
        minutes[at.astimezone(dcfg.tz).date()] += m
    handled: Counter[date] = Counter(
        r.assigned_at.astimezone(dcfg.tz).date()  # type: ignore[union-attr]
        for r in await store.handled_by(session, ids, start, until)
    )
    nearby = [
        r
        for r in await store.near(
            session, lat=team.lat, lon=team.lon, radius_km=team.radius_km, since=start
        )
        if _in_region(team, r) and start <= r.created_at < until
    ]
    return WeeklyDigest(
        team=team.name,
        until=until,
        members=await team_store.member_count(session, team.id),
        days=tuple(DayFigures(d.isoformat(), minutes.get(d, 0), handled.get(d, 0)) for d in days),
        unanswered=sum(1 for r in nearby if r.status == RequestStatus.UNANSWERED),
        escalated=sum(1 for r in nearby if r.status == RequestStatus.ESCALATED),
    )
