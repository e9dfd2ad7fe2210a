"""Every open state has a next timer: reminders, the citizen asked whether help came, the job
taken back and re-dispatched or escalated. Through the services on real SQLite and PostgreSQL,
with fixed clocks; tests/test_e2e_timers.py runs the same schedule through the JobQueue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services import dispatch
from bot.services.config import DispatchConfig
from bot.services.notices import Event, Outcome, RequestLimited
from domain import lifecycle
from domain.enums import OfferStatus, RequestStatus
from domain.incidents import IncidentType
from storage import requests
from storage.audit import timeline
from storage.db import Database
from storage.models import HelpRequest, Volunteer
from tests.factories import RIYADH, offset, person, volunteer

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HERE = (RIYADH.lat, RIYADH.lon)
CFG = DispatchConfig(
    radius_km=20,
    first_wave=1,
    wave_timeout_s=60,
    arrival_reminder_s=600,
    arrival_reminders=2,
    on_scene_reminder_s=1800,
    on_scene_reminders=1,
    help_check_wait_s=300,
    auto_confirm_s=3600,
    ops_chat_id=-1001,
)
CITIZEN = 1


def events(out: Outcome, event: Event) -> list:
    return [n for n in out.notices if n.event == event]


def to(out: Outcome, event: Event) -> list[int | None]:
    return [n.to.person_id for n in events(out, event)]


async def row(db: Database, rid: int) -> HelpRequest:
    async with db.session() as s:
        req = await requests.get_request(s, rid)
    assert req is not None
    return req


async def kinds(db: Database, rid: int) -> list[str]:
    async with db.session() as s:
        return [e.kind for e in await timeline(s, rid)]


async def fire(db: Database, rid: int) -> Outcome:
    """Fire the request's timer exactly when the row says it is due; the row always has one."""
    req = await row(db, rid)
    assert req.status in lifecycle.OPEN | {RequestStatus.COMPLETED}, req.status
    assert req.next_timer_at is not None, f"{req.status} has no next timer"
    async with db.session() as s:
        out = await dispatch.on_timer(s, CFG, request_id=rid, now=req.next_timer_at)
    async with db.session() as s:  # a duplicate firing at the same moment does nothing
        dup = await dispatch.on_timer(s, CFG, request_id=rid, now=req.next_timer_at)
    assert dup.result in ("early", "idle") and not dup.notices
    return out


async def assigned(db: Database, *others: tuple[int, float]) -> int:
    """Volunteer 10 (0.5 km) accepts a fire request; ``others`` are further volunteers."""
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    for pid, km in others:
        await volunteer(db, pid, offset(*HERE, km), NOW)
    await person(db, CITIZEN, lang="ar")
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            CFG,
            requester_id=CITIZEN,
            incident=IncidentType.FIRE,
            lat=HERE[0],
            lon=HERE[1],
            description="3rd floor",
            now=NOW,
        )
    offer = events(out, Event.OFFER)[0]
    assert offer.to.person_id == 10
    async with db.session() as s:
        a = await dispatch.accept(s, CFG, offer_id=offer.offer_id, volunteer_id=10, now=NOW)
    assert a.result == "ok" and out.request_id is not None
    return out.request_id


async def answer(db: Database, rid: int, *, came: bool, who: int = CITIZEN) -> Outcome:
    async with db.session() as s:
        return await dispatch.help_came(
            s,
            CFG,
            request_id=rid,
            requester_id=who,
            came=came,
            now=(await row(db, rid)).next_timer_at or NOW,
        )


async def test_assigned_reminders_then_the_check_then_the_job_goes_to_another(
    db: Database,
) -> None:
    rid = await assigned(db, (11, 2.0))
    for n in (1, 2):  # ARRIVAL_REMINDERS = 2, every 600 s
        r = await fire(db, rid)
        # The citizen's status message is edited to say we asked (dispatch/approach.py).
        assert to(r, Event.ARRIVAL_REMINDER) == [10] and to(r, Event.APPROACHING) == [CITIZEN]
        req = await row(db, rid)
        assert req.timer_step == n and req.next_timer_at == NOW + timedelta(seconds=600 * (n + 1))
    check = await fire(db, rid)
    asked = events(check, Event.HELP_CHECK)
    assert [n.to.person_id for n in asked] == [CITIZEN] and asked[0].payload.on_scene is False
    last = events(check, Event.JOB_LAST_CALL)
    assert [n.to.person_id for n in last] == [10] and last[0].payload.wait_s == 300
    req = await row(db, rid)
    assert req.status == RequestStatus.ASSIGNED
    assert req.next_timer_at == NOW + timedelta(seconds=1800 + 300)
    gone = await fire(db, rid)  # nobody answered the check
    back = events(gone, Event.JOB_TAKEN_BACK)
    assert [n.to.person_id for n in back] == [10] and back[0].payload.no_show is False
    assert to(gone, Event.OFFER) == [11]  # the ladder again, from its first wave
    assert [n.payload.alerted for n in events(gone, Event.REDISPATCHED)] == [1]
    req = await row(db, rid)
    assert req.status == RequestStatus.DISPATCHING and req.volunteer_id is None
    assert req.wave == 1 and req.timer_step == 0 and req.next_timer_at is not None
    async with db.session() as s:
        v10 = await s.get(Volunteer, 10)
        statuses = {o.volunteer_id: o.status for o in await requests.offers_for(s, rid)}
    assert v10 is not None and v10.busy_request_id is None  # free for other alerts
    assert statuses == {10: OfferStatus.RELEASED, 11: OfferStatus.SENT}  # never 10 again
    assert (await kinds(db, rid))[-5:] == [
        "arrival_reminder",
        "arrival_reminder",
        "help_check",
        "job_timed_out",
        "wave",
    ]


async def test_silence_with_nobody_else_escalates_to_the_command_centre(db: Database) -> None:
    rid = await assigned(db)
    for _ in range(3):  # two reminders and the check
        await fire(db, rid)
    esc = await fire(db, rid)
    assert to(esc, Event.JOB_TAKEN_BACK) == [10]
    ops = events(esc, Event.OPS_ESCALATION)
    assert len(ops) == 1 and ops[0].to.chat_id == -1001
    assert [k for _, k, _ in ops[0].payload.timeline][-3:] == [
        "help_check",
        "job_timed_out",
        "escalated",
    ]
    assert to(esc, Event.NO_VOLUNTEER) == [CITIZEN] and not events(esc, Event.REDISPATCHED)
    req = await row(db, rid)
    assert req.status == RequestStatus.ESCALATED and req.next_timer_at is None


async def test_on_scene_has_reminders_and_its_own_check(db: Database) -> None:
    rid = await assigned(db)
    async with db.session() as s:
        a = await dispatch.arrived(
            s, CFG, request_id=rid, volunteer_id=10, now=NOW + timedelta(minutes=5)
        )
    due = NOW + timedelta(minutes=5, seconds=1800)
    assert a.timers[rid] == due
    req = await row(db, rid)
    assert req.status == RequestStatus.ON_SCENE and req.timer_step == 0 and req.next_timer_at == due
    r = await fire(db, rid)  # ON_SCENE_REMINDERS = 1
    assert to(r, Event.ON_SCENE_REMINDER) == [10] and not events(r, Event.APPROACHING)
    check = await fire(db, rid)
    assert [n.payload.on_scene for n in events(check, Event.HELP_CHECK)] == [True]
    assert [n.payload.on_scene for n in events(check, Event.JOB_LAST_CALL)] == [True]
    # "Yes, it is being handled": the job stays, the on-scene reminders start again.
    yes = await answer(db, rid, came=True)
    assert yes.result == "ok" and to(yes, Event.HELP_CAME_ACK) == [CITIZEN]
    assert not events(yes, Event.JOB_ON_SCENE)  # the volunteer already said they arrived
    req = await row(db, rid)
    assert req.status == RequestStatus.ON_SCENE and req.timer_step == 0
    assert req.arrived_at == NOW + timedelta(minutes=5)  # the volunteer's own word stays
    again = await answer(db, rid, came=True)  # a second tap: the question is closed
    assert again.result == "closed" and not again.notices
    assert to(await fire(db, rid), Event.ON_SCENE_REMINDER) == [10]
    assert (await kinds(db, rid))[-4:] == [
        "on_scene_reminder",
        "help_check",
        "help_came",
        "on_scene_reminder",
    ]


async def test_yes_while_assigned_puts_the_volunteer_on_scene(db: Database) -> None:
    rid = await assigned(db)
    for _ in range(3):
        await fire(db, rid)
    yes = await answer(db, rid, came=True)
    assert to(yes, Event.JOB_ON_SCENE) == [10]  # their next button is Done
    req = await row(db, rid)
    assert req.status == RequestStatus.ON_SCENE and req.arrived_at is not None
    assert req.next_timer_at == req.arrived_at + timedelta(seconds=1800)


async def test_no_takes_the_job_back_at_once(db: Database) -> None:
    rid = await assigned(db, (11, 2.0))
    early = await answer(db, rid, came=False)  # no question asked yet: nothing changes
    assert early.result == "closed" and not early.notices
    for _ in range(3):
        await fire(db, rid)
    await person(db, 99)
    foreign = await answer(db, rid, came=False, who=99)
    assert foreign.result == "not_yours" and not foreign.notices
    no = await answer(db, rid, came=False)
    assert no.result == "ok"
    assert [n.payload.no_show for n in events(no, Event.JOB_TAKEN_BACK)] == [True]
    assert to(no, Event.OFFER) == [11] and to(no, Event.REDISPATCHED) == [CITIZEN]
    assert (await kinds(db, rid))[-2:] == ["no_show", "wave"]
    async with db.session() as s:  # the taken-back volunteer's buttons do nothing now
        late = await dispatch.arrived(s, CFG, request_id=rid, volunteer_id=10, now=NOW)
    assert late.result == "not_yours"
    twice = await answer(db, rid, came=False)
    assert twice.result == "closed" and not twice.notices


async def test_the_volunteer_answering_the_last_call_closes_the_check(db: Database) -> None:
    rid = await assigned(db)
    for _ in range(3):
        await fire(db, rid)
    async with db.session() as s:
        a = await dispatch.arrived(s, CFG, request_id=rid, volunteer_id=10, now=NOW)
    assert a.result == "ok"
    stale = await answer(db, rid, came=False)  # the citizen's check is no longer open
    assert stale.result == "closed"
    req = await row(db, rid)
    assert req.status == RequestStatus.ON_SCENE and req.volunteer_id == 10
    assert req.timer_step == 0 and req.next_timer_at is not None


async def test_the_hourly_limit_refuses_the_next_request_with_the_numbers(db: Database) -> None:
    cfg = DispatchConfig(max_requests_per_hour=2, ops_chat_id=-1001)
    await person(db, CITIZEN)
    await person(db, 2)

    async def ask(who: int, at: datetime, incident: IncidentType = IncidentType.FIRE) -> Outcome:
        async with db.session() as s:
            return await dispatch.create_request(
                s,
                cfg,
                requester_id=who,
                incident=incident,
                lat=HERE[0],
                lon=HERE[1],
                description=None,
                now=at,
            )

    made = [await ask(CITIZEN, NOW), await ask(CITIZEN, NOW + timedelta(minutes=20))]
    assert all(o.result == "ok" and o.request_id for o in made)
    refused = await ask(CITIZEN, NOW + timedelta(minutes=59), IncidentType.BREAKDOWN)
    assert refused.result == "limited" and refused.request_id is None and not refused.timers
    [told] = refused.notices
    assert told.to.person_id == CITIZEN and told.event == Event.REQUEST_LIMITED
    assert told.payload == RequestLimited("breakdown", 2)
    assert not events(refused, Event.OPS_ESCALATION)  # nothing stored, nobody alerted
    assert (await ask(2, NOW + timedelta(minutes=59))).result == "ok"  # per person
    # An hour after the first, one more is allowed.
    assert (await ask(CITIZEN, NOW + timedelta(minutes=60))).result == "ok"
    async with db.session() as s:
        from sqlmodel import func, select

        from storage.models import AuditEvent

        stored = (await s.exec(select(func.count()).select_from(HelpRequest))).one()
        limited = (await s.exec(select(AuditEvent).where(AuditEvent.kind == "rate_limited"))).all()
    assert stored == 4
    assert [(e.actor_id, e.request_id) for e in limited] == [(CITIZEN, None)]


def test_the_limit_answer_keeps_the_emergency_numbers() -> None:
    from bot.handlers.render import render
    from bot.services.notices import Notice, Recipient

    for lang in ("en", "ar"):
        fire = render(Notice(Recipient(1, 1, lang), RequestLimited("fire", 5))).text
        breakdown = render(Notice(Recipient(1, 1, lang), RequestLimited("breakdown", 5))).text
        assert "998" in fire and "911" in fire
        assert "998" not in breakdown and "5" in breakdown
