"""Major-incident mode on SQLite and PostgreSQL: a wider first wave, quiet hours and caps giving
way for the volunteers who opted in, escalations batched into one summary a minute, a call-out
reaching each verified volunteer of the area once in their language, paid sends, and the end
(by an operator or by the period's timer) restoring everything."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.services import delivery, major
from bot.services.config import DispatchConfig
from bot.services.dispatch import create_request
from bot.services.notices import Event, Outcome, Result
from bot.services.notices.links import CallOut, CallOutSent, MajorSummary
from domain.enums import AuditKind, VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.geo import city_by_name
from storage import major as store
from storage import volunteers as vstore
from storage.db import Database
from storage.models import AuditEvent, OutboxMessage
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import events, payload

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # noon in Riyadh
HERE = (RIYADH.lat, RIYADH.lon)
OPS, OPS_CHAT = 900, -1001
CFG = DispatchConfig(
    first_wave=2, ops_chat_id=OPS_CHAT, operator_ids=frozenset({OPS}), major_wave_factor=3.0
)
_JEDDAH = city_by_name("Jeddah")
assert _JEDDAH is not None
JED = (_JEDDAH.lat, _JEDDAH.lon)


async def declare(db: Database, cfg: DispatchConfig = CFG, hours: float = 6.0, **area: object) -> Outcome:  # fmt: skip
    where = {"city": "Riyadh", "lat": None, "lon": None, "radius_km": None, **area}
    async with db.session() as s:
        return await major.start(s, cfg, operator_id=OPS, hours=hours, now=NOW, **where)  # type: ignore[arg-type]


async def ask(
    db: Database,
    citizen: int,
    incident: IncidentType,
    when: datetime = NOW,
    at: tuple[float, float] = HERE,
    cfg: DispatchConfig = CFG,
) -> Outcome:
    await person(db, citizen)
    async with db.session() as s:
        return await create_request(
            s,
            cfg,
            requester_id=citizen,
            incident=incident,
            lat=at[0],
            lon=at[1],
            description=None,
            now=when,
        )


async def fire(db: Database, when: datetime, cfg: DispatchConfig = CFG) -> Outcome | None:
    async with db.session() as s:
        return await major.fire_due(s, cfg, now=when, skip=set())


def alerted(out: Outcome) -> set[int | None]:
    return {n.to.person_id for n in events(out, Event.OFFER)}


async def test_the_area_gets_a_wider_first_wave_until_the_mode_ends(db: Database) -> None:
    await person(db, OPS)
    for i in range(8):  # 1 to 8 km north: the ordinary first wave reaches 5 km
        await volunteer(db, 10 + i, offset(*HERE, 1.0 + i), NOW)
    before = await ask(db, 1, IncidentType.FIRE)
    assert len(alerted(before)) == 2
    started = await declare(db)
    assert started.result == Result.OK
    assert {n.to.chat_id for n in events(started, Event.MAJOR_DECLARED)} == {OPS_CHAT, OPS}
    during = await ask(db, 2, IncidentType.RESCUE)
    # Three times the volunteers (2 → 6), out to the second wave's 10 km (the first's is 5 km).
    assert alerted(before) == {10, 11}
    assert alerted(during) == set(range(10, 16))
    async with db.session() as s:
        ended = await major.end(s, CFG, operator_id=OPS, major_id=None, now=NOW)
    assert ended.result == Result.OK and events(ended, Event.MAJOR_ENDED)
    after = await ask(db, 3, IncidentType.ENTRAPMENT)
    assert alerted(after) == {10, 11}  # the usual ladder again


async def test_quiet_hours_and_caps_give_way_only_for_those_who_opted_in(db: Database) -> None:
    quiet: dict[str, Any] = {"quiet_start_min": 0, "quiet_end_min": 1439}  # all day, local
    await volunteer(db, 20, offset(*HERE, 0.5), NOW, emergency_callouts=True, **quiet)
    await volunteer(db, 21, offset(*HERE, 0.6), NOW, **quiet)
    await volunteer(db, 22, offset(*HERE, 0.7), NOW, emergency_callouts=True, max_alerts_per_hour=0)  # fmt: skip
    await volunteer(db, 23, offset(*HERE, 0.8), NOW, max_alerts_per_hour=0)
    outside = await ask(db, 1, IncidentType.FIRE)
    assert alerted(outside) == set() and events(outside, Event.OPS_ESCALATION)
    await declare(db)
    inside = await ask(db, 2, IncidentType.FLOOD)
    assert alerted(inside) == {20, 22}


async def test_escalations_in_the_area_come_as_one_summary_a_minute(db: Database) -> None:
    await declare(db)
    made = [
        await ask(db, c, incident, NOW + timedelta(seconds=5 * c))
        for c, incident in ((1, IncidentType.FIRE), (2, IncidentType.FLOOD), (3, IncidentType.RESCUE))
    ]  # fmt: skip
    for out in made:  # nobody on duty: escalated, the citizen told, the ops chat not yet
        assert events(out, Event.NO_VOLUNTEER) and not events(out, Event.OPS_ESCALATION)
        assert not events(out, Event.EXACT_LOCATION)
    assert await fire(db, NOW + timedelta(seconds=59)) is None  # not a minute yet
    first = await fire(db, NOW + timedelta(seconds=60))
    assert first is not None
    [summary] = first.notices
    assert summary.to.chat_id == OPS_CHAT and summary.event == Event.MAJOR_SUMMARY
    sent = payload(summary, MajorSummary)
    assert [r.request_id for r in sent.rows] == [1, 2, 3] and sent.total == 3
    assert await fire(db, NOW + timedelta(seconds=61)) is None  # nothing new: no message
    late = await ask(db, 4, IncidentType.FIRE, NOW + timedelta(seconds=70), offset(*HERE, 2))
    assert not events(late, Event.OPS_ESCALATION)
    assert await fire(db, NOW + timedelta(seconds=100)) is None  # a minute after the last one
    second = await fire(db, NOW + timedelta(seconds=120))
    assert second is not None and len(second.notices) == 1
    assert [r.request_id for r in payload(second.notices[0], MajorSummary).rows] == [4]
    # Outside the area an escalation reaches the ops chat at once, as always.
    away = await ask(db, 5, IncidentType.FIRE, NOW + timedelta(seconds=130), JED)  # fmt: skip
    assert events(away, Event.OPS_ESCALATION) and events(away, Event.EXACT_LOCATION)


async def test_a_call_out_reaches_each_verified_volunteer_of_the_area_once(db: Database) -> None:
    await person(db, OPS)
    await volunteer(db, 30, offset(*HERE, 3), NOW, lang="en")
    await volunteer(db, 31, offset(*HERE, 5), NOW, lang="ar", on_duty=False)
    await volunteer(db, 32, offset(*HERE, 1), NOW, status=VolunteerStatus.PENDING)
    await volunteer(db, 33, JED, NOW)
    async with db.session() as s:
        nothing = await major.broadcast(s, CFG, operator_id=OPS, text="Come", now=NOW)
    assert nothing.result == Result.UNKNOWN and not events(nothing, Event.CALL_OUT)
    await declare(db)
    await declare(db, city=None, lat=HERE[0], lon=HERE[1], radius_km=10.0)  # overlapping areas
    async with db.session() as s:
        out = await major.broadcast(s, CFG, operator_id=OPS, text="Floods: go on duty", now=NOW)
        ids = await delivery.enqueue(s, out.notices, now=NOW)
    calls = events(out, Event.CALL_OUT)
    assert sorted((n.to.person_id, n.to.language) for n in calls) == [(30, "en"), (31, "ar")]
    assert all(payload(n, CallOut).text == "Floods: go on duty" for n in calls)
    [sent] = events(out, Event.CALL_OUT_SENT)
    assert sent.to.person_id == OPS and payload(sent, CallOutSent) == CallOutSent(2, 2)
    assert len(ids) == 3  # through the outbox: the sender keeps Telegram's limits
    async with db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.kind == AuditKind.BROADCAST)
        records = (await s.exec(stmt.order_by(col(AuditEvent.id)))).all()
    assert [r.actor_id for r in records] == [OPS, OPS]  # the refused one is recorded too
    assert '"reached": 0' in records[0].detail and '"reached": 2' in records[1].detail


async def test_paid_broadcast_marks_the_areas_alerts(db: Database) -> None:
    paid = replace(CFG, paid_broadcast=True)
    await volunteer(db, 40, offset(*HERE, 1), NOW)
    await declare(db, paid)
    out = await ask(db, 1, IncidentType.FIRE, cfg=paid)
    [alert] = events(out, Event.OFFER)
    assert alert.paid_broadcast
    async with db.session() as s:
        [row_id] = await delivery.enqueue(s, [alert], now=NOW)
        row = (await s.exec(select(OutboxMessage).where(col(OutboxMessage.id) == row_id))).one()
        assert row.paid_broadcast and delivery.notice_of(row).paid_broadcast
    outside = await ask(db, 2, IncidentType.FIRE, at=JED, cfg=paid)
    assert not any(n.paid_broadcast for n in outside.notices)


async def test_the_period_running_out_ends_it_and_flushes_the_last_escalations(
    db: Database,
) -> None:
    await declare(db, hours=1.0)
    await ask(db, 1, IncidentType.FIRE, NOW + timedelta(minutes=59, seconds=30))
    end = NOW + timedelta(hours=1)
    done = await fire(db, end + timedelta(seconds=1))
    assert done is not None
    assert [n.event for n in done.notices] == [Event.MAJOR_SUMMARY, Event.MAJOR_ENDED]
    assert await fire(db, end + timedelta(minutes=5)) is None  # ended once
    async with db.session() as s:
        assert await store.active(s, end) == []
        [row] = (await s.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.MAJOR_ENDED))).all()  # fmt: skip
    assert row.actor_id is None  # the timer ended it
    after = await ask(db, 2, IncidentType.FLOOD, end + timedelta(minutes=1))
    assert events(after, Event.OPS_ESCALATION)  # escalations go to the ops chat at once again


async def test_only_operators_declare_end_and_broadcast(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 1), NOW)
    for who in (1, 10):
        await person(db, who)
        async with db.session() as s:
            starts = await major.start(
                s, CFG, operator_id=who, city="Riyadh", lat=None, lon=None, radius_km=None,
                hours=2, now=NOW,
            )  # fmt: skip
            ends = await major.end(s, CFG, operator_id=who, major_id=None, now=NOW)
            calls = await major.broadcast(s, CFG, operator_id=who, text="x", now=NOW)
        assert {starts.result, ends.result, calls.result} == {Result.NOT_OPERATOR}
    async with db.session() as s:
        assert await store.active(s, NOW) == []
        bad = await major.start(
            s, CFG, operator_id=OPS, city="Atlantis", lat=None, lon=None, radius_km=None,
            hours=2, now=NOW,
        )  # fmt: skip
    assert bad.result == Result.UNKNOWN


async def test_opting_in_is_stored_and_audited(db: Database) -> None:
    from bot.services import volunteering

    await volunteer(db, 10, offset(*HERE, 1), NOW)
    async with db.session() as s:
        assert await volunteering.set_callouts(s, person_id=10, on=True, now=NOW)
        assert not await volunteering.set_callouts(s, person_id=10, on=True, now=NOW)
    async with db.session() as s:
        vol = await vstore.get_volunteer(s, 10)
        kinds = (await s.exec(select(AuditEvent.kind).where(AuditEvent.actor_id == 10))).all()
    assert vol is not None and vol.emergency_callouts
    assert list(kinds) == [AuditKind.EMERGENCY_CALLOUTS]
