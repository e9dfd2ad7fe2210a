"""The command centre's use cases on real SQLite and PostgreSQL, with no Telegram at all:
roles, operator cancel / re-dispatch / reassign, suspension, blocking, the cool-down, the
timeline and the audit records."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import col, select

from bot.services import dispatch, oversight, roles, standing, volunteering
from bot.services.config import DispatchConfig
from bot.services.dispatch import operator
from bot.services.notices import Event, Outcome, Result, VolunteerRejected
from bot.services.notices.ops import VolunteerSuspended
from domain.enums import AuditKind, OfferStatus, RequestStatus, VolunteerStatus
from domain.incidents import IncidentType
from storage import requests, volunteers
from storage.audit import timeline
from storage.db import Database
from storage.models import AuditEvent
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import events, offer_id_of, payload, request_id_of

T = TypeVar("T")

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HERE = (RIYADH.lat, RIYADH.lon)
OPS = 900  # in OPERATOR_IDS
CITIZEN = 1
CFG = DispatchConfig(
    first_wave=1, wave_timeout_s=60, ops_chat_id=-1001, operator_ids=frozenset({OPS})
)


def told(out: Outcome, event: Event) -> list[int | None]:
    return [n.to.person_id for n in out.notices if n.event == event]


async def call(db: Database, fn: Callable[..., Awaitable[T]], /, **kw: Any) -> T:
    """One use case in its own committed unit of work, at NOW unless told."""
    async with db.session() as s:
        return await fn(s, CFG, now=kw.pop("now", NOW), **kw)


async def new_request(db: Database, incident: IncidentType = IncidentType.FIRE) -> Outcome:
    await person(db, CITIZEN)
    return await call(
        db,
        dispatch.create_request,
        requester_id=CITIZEN,
        incident=incident,
        lat=HERE[0],
        lon=HERE[1],
        description=None,
    )


async def refusals(db: Database) -> list[tuple[int | None, str]]:
    async with db.session() as s:
        rows = (await s.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.REFUSED))).all()
    return [(r.actor_id, r.detail) for r in rows]


async def test_the_role_check_refuses_and_records_anyone_but_an_operator(db: Database) -> None:
    await person(db, OPS)
    await person(db, 5)
    await volunteer(db, 10, HERE, NOW)
    assert (await call(db, roles.check, person_id=OPS, action="open")).result == Result.OK
    for stranger in (5, 10):  # an ordinary user, a volunteer
        out = await call(db, roles.check, person_id=stranger, action="open")
        assert out.result == Result.NOT_OPERATOR
    assert [(a, '{"action": "open"}') for a in (5, 10)] == await refusals(db)


async def test_promote_and_demote(db: Database) -> None:
    await person(db, OPS)
    await person(db, 5)
    out = await call(db, roles.promote, operator_id=5, person_id=5)
    assert out.result == Result.NOT_OPERATOR  # nobody promotes themselves
    out = await call(db, roles.promote, operator_id=OPS, person_id=5)
    assert out.result == Result.OK and told(out, Event.OPERATOR_PROMOTED) == [5]
    assert (await call(db, roles.promote, operator_id=OPS, person_id=5)).result == Result.ALREADY
    assert (await call(db, roles.check, person_id=5, action="open")).result == Result.OK
    assert (await call(db, roles.promote, operator_id=5, person_id=777)).result == Result.UNKNOWN
    out = await call(db, roles.demote, operator_id=5, person_id=OPS)
    assert out.result == Result.SETTING  # OPERATOR_IDS is the deployment's
    out = await call(db, roles.demote, operator_id=OPS, person_id=5)
    assert out.result == Result.OK and told(out, Event.OPERATOR_DEMOTED) == [5]
    assert (await call(db, roles.check, person_id=5, action="open")).result == Result.NOT_OPERATOR
    async with db.session() as s:
        kinds = [(e.kind, e.actor_id) for e in (await s.exec(select(AuditEvent))).all()]
    assert (AuditKind.OPERATOR_PROMOTED, OPS) in kinds and (
        AuditKind.OPERATOR_DEMOTED,
        OPS,
    ) in kinds


async def test_a_promoted_operator_gets_new_volunteers_to_verify_and_may_approve(
    db: Database,
) -> None:
    await person(db, OPS)
    await person(db, 5)
    await call(db, roles.promote, operator_id=OPS, person_id=5)
    await volunteer(db, 10, HERE, NOW, status=VolunteerStatus.PENDING)
    out = await call(db, volunteering.submit, person_id=10)
    assert set(told(out, Event.OPS_VERIFY)) == {5, OPS}
    out = await call(db, volunteering.decide, operator_id=5, volunteer_id=10, approve=True)
    assert out.result == Result.OK


async def test_operator_cancel_frees_the_volunteer_and_tells_everyone(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    created = await new_request(db)
    rid = request_id_of(created)
    offer = next(n for n in created.notices if n.event == Event.OFFER)
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_id_of(offer), volunteer_id=10, now=NOW)
    refused = await call(db, operator.cancel, request_id=rid, operator_id=10)
    assert refused.result == Result.NOT_OPERATOR
    out = await call(db, operator.cancel, request_id=rid, operator_id=OPS)
    assert out.result == Result.OK
    assert told(out, Event.JOB_CANCELLED) == [10]
    assert told(out, Event.REQUEST_CLOSED_BY_OPS) == [CITIZEN]
    again = await call(db, operator.cancel, request_id=rid, operator_id=OPS)
    assert again.result == Result.CLOSED
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        vol = await volunteers.get_volunteer(s, 10)
        events = await timeline(s, rid)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert vol is not None and vol.busy_request_id is None
    last = events[-1]
    assert last.kind == AuditKind.OPS_CANCELLED
    assert last.detail == {"before": "assigned", "after": "cancelled"}


async def test_redispatch_an_escalated_request_from_the_first_wave(db: Database) -> None:
    created = await new_request(db)  # nobody on duty: escalated at once
    rid = request_id_of(created)
    assert told(created, Event.OPS_ESCALATION) == [None]
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)  # someone comes on duty
    later = NOW + timedelta(minutes=5)
    out = await call(db, operator.redispatch, request_id=rid, operator_id=OPS, now=later)
    assert out.result == Result.OK
    assert told(out, Event.OFFER) == [10]
    assert told(out, Event.SEARCH_RESTARTED) == [CITIZEN]
    async with db.session() as s:
        req = await requests.get_request(s, rid)
    assert req is not None and req.status == RequestStatus.DISPATCHING and req.wave == 1
    assert req.closed_at is None


async def test_reassign_releases_the_volunteer_and_alerts_another(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 0.8), NOW)
    created = await new_request(db)
    rid = request_id_of(created)
    offer = next(n for n in created.notices if n.event == Event.OFFER)
    assert offer.to.person_id == 10
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_id_of(offer), volunteer_id=10, now=NOW)
    redo = await call(db, operator.redispatch, request_id=rid, operator_id=OPS)
    assert redo.result == Result.BUSY  # a volunteer has it: reassign, not re-dispatch
    out = await call(db, operator.reassign, request_id=rid, operator_id=OPS)
    assert out.result == Result.OK
    assert told(out, Event.JOB_REASSIGNED) == [10]
    assert told(out, Event.OFFER) == [11]
    assert told(out, Event.VOLUNTEER_REPLACED) == [CITIZEN]
    async with db.session() as s:
        vol = await volunteers.get_volunteer(s, 10)
        statuses = {o.volunteer_id: o.status for o in await requests.offers_for(s, rid)}
    assert vol is not None and vol.busy_request_id is None
    assert statuses == {10: OfferStatus.RELEASED, 11: OfferStatus.SENT}


async def test_suspension_releases_the_job_withdraws_alerts_and_stops_matching(
    db: Database,
) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 0.8), NOW)
    created = await new_request(db)
    rid = request_id_of(created)
    offer = next(n for n in created.notices if n.event == Event.OFFER)
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_id_of(offer), volunteer_id=10, now=NOW)
    out = await call(db, standing.suspend, operator_id=OPS, volunteer_id=10, reason="no-show twice")
    assert out.result == Result.OK
    suspended = [
        (n.to.person_id, payload(n, VolunteerSuspended))
        for n in events(out, Event.VOLUNTEER_SUSPENDED)
    ]
    assert [(pid, p.reason, p.released_request_id) for pid, p in suspended] == [
        (10, "no-show twice", rid)
    ]
    assert told(out, Event.OFFER) == [11]  # the job is dispatched again, to someone else
    assert told(out, Event.JOB_REASSIGNED) == []  # the suspension notice says it all
    async with db.session() as s:
        vol = await volunteers.get_volunteer(s, 10)
    assert vol is not None and vol.status == VolunteerStatus.SUSPENDED and not vol.on_duty
    # Matching: a new request reaches 11 (busy? no: 11 only has an open alert) but never 10.
    await call(db, volunteering.set_duty, person_id=10, on=True)  # may not come back on duty
    async with db.session() as s:
        vol = await volunteers.get_volunteer(s, 10)
    assert vol is not None and not vol.on_duty
    await person(db, 2)
    async with db.session() as s:
        await volunteers.update_fields(s, person_id=10, on_duty=True)  # even if it were on duty
    second = await call(
        db,
        dispatch.create_request,
        requester_id=2,
        incident=IncidentType.FIRE,
        lat=HERE[0],
        lon=HERE[1],
        description=None,
    )
    assert 10 not in told(second, Event.OFFER)
    assert (
        await call(db, standing.suspend, operator_id=OPS, volunteer_id=10, reason="x")
    ).result == (Result.ALREADY)
    back = await call(db, standing.reinstate, operator_id=OPS, volunteer_id=10)
    assert back.result == Result.OK and told(back, Event.VOLUNTEER_REINSTATED) == [10]
    async with db.session() as s:
        vol = await volunteers.get_volunteer(s, 10)
    assert vol is not None and vol.status == VolunteerStatus.VERIFIED


async def test_suspension_withdraws_an_open_alert_so_it_cannot_be_accepted(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    created = await new_request(db)
    offer = next(n for n in created.notices if n.event == Event.OFFER)
    await call(db, standing.suspend, operator_id=OPS, volunteer_id=10, reason="checks")
    async with db.session() as s:
        late = await dispatch.accept(s, CFG, offer_id=offer_id_of(offer), volunteer_id=10, now=NOW)
    assert late.result == Result.CLOSED


async def test_a_blocked_citizen_is_refused_and_their_requests_closed(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    created = await new_request(db)
    rid = request_id_of(created)
    refused = await call(db, standing.block, operator_id=10, person_id=CITIZEN, reason="pranks")
    assert refused.result == Result.NOT_OPERATOR
    await person(db, OPS)
    assert (await call(db, standing.block, operator_id=OPS, person_id=OPS, reason="x")).result == (
        Result.SETTING
    )
    out = await call(db, standing.block, operator_id=OPS, person_id=CITIZEN, reason="pranks")
    assert out.result == Result.OK
    assert told(out, Event.REQUEST_CLOSED_BY_OPS) == [CITIZEN]
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        alerts = await requests.offers_for(s, rid)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert [(o.volunteer_id, o.status) for o in alerts] == [(10, OfferStatus.WITHDRAWN)]
    again = await new_request(db)
    assert again.result == Result.BLOCKED and again.request_id is None
    assert told(again, Event.REQUEST_BLOCKED) == [CITIZEN]  # told politely, with the numbers
    assert told(again, Event.OFFER) == []
    assert (
        await call(db, standing.unblock, operator_id=OPS, person_id=CITIZEN)
    ).result == Result.OK
    assert (await new_request(db)).result == Result.OK


async def test_the_block_and_the_hourly_limit_coexist(db: Database) -> None:
    """A blocked citizen hears they are blocked, never "wait an hour" (waiting would not
    help); a refused request is not stored, so it never counts towards the limit."""
    cfg = DispatchConfig(first_wave=1, operator_ids=frozenset({OPS}), max_requests_per_hour=1)
    await person(db, OPS)

    async def ask(now: datetime) -> Outcome:
        async with db.session() as s:
            return await dispatch.create_request(
                s, cfg, requester_id=CITIZEN, incident=IncidentType.FIRE, lat=HERE[0],
                lon=HERE[1], description=None, now=now,
            )  # fmt: skip

    first = await new_request(db)  # the one request this hour (escalated: nobody on duty)
    await call(db, standing.block, operator_id=OPS, person_id=CITIZEN, reason="pranks")
    for minutes in (1, 61):  # inside the hour and after it: blocked either way
        out = await ask(NOW + timedelta(minutes=minutes))
        assert out.result == Result.BLOCKED and told(out, Event.REQUEST_BLOCKED) == [CITIZEN]
        assert told(out, Event.REQUEST_LIMITED) == []
    await call(db, standing.unblock, operator_id=OPS, person_id=CITIZEN)
    limited = await ask(NOW + timedelta(minutes=2))
    assert limited.result == Result.LIMITED and told(limited, Event.REQUEST_BLOCKED) == []
    assert (await ask(NOW + timedelta(minutes=61))).result == Result.OK
    async with db.session() as s:
        rows = (await s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()
    refused = [json.loads(r.detail) for r in rows if r.kind == AuditKind.REFUSED]
    assert refused == [{"action": "request", "reason": "blocked", "incident": "fire"}] * 2
    assert [r.kind for r in rows].count(AuditKind.RATE_LIMITED) == 1
    assert request_id_of(first) == 1


async def test_a_rejected_volunteer_waits_for_the_cool_down(db: Database) -> None:
    await volunteer(db, 10, HERE, NOW, status=VolunteerStatus.PENDING)
    out = await call(db, volunteering.decide, operator_id=OPS, volunteer_id=10, approve=False)
    again_at = NOW + timedelta(seconds=CFG.reapply_cooldown_s)
    rejected = [payload(n, VolunteerRejected) for n in events(out, Event.VOLUNTEER_REJECTED)]
    assert [p.again_at for p in rejected] == [again_at]
    early = NOW + timedelta(days=1)
    async with db.session() as s:
        assert await volunteering.may_apply(s, CFG, person_id=10, now=early) == (
            Result.COOLDOWN,
            again_at,
        )
        tried = await volunteering.accept_conduct(s, person_id=10, now=early, cfg=CFG)
        assert tried.result == Result.COOLDOWN
        assert await volunteering.may_apply(s, CFG, person_id=10, now=again_at) == (Result.OK, None)
        too_soon = await volunteering.submit(s, CFG, person_id=10, now=early)
        assert too_soon.result == Result.COOLDOWN and too_soon.notices == []
        await volunteering.accept_conduct(s, person_id=10, now=again_at, cfg=CFG)
        applied = await volunteering.submit(s, CFG, person_id=10, now=again_at)
        assert applied.result == Result.PENDING
        vol = await volunteers.get_volunteer(s, 10)
    assert vol is not None and vol.status == VolunteerStatus.PENDING


async def test_the_timeline_names_each_step_to_the_second(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await person(db, 10, name="Khalid")
    created = await new_request(db)
    rid = request_id_of(created)
    offer = next(n for n in created.notices if n.event == Event.OFFER)
    t = [NOW + timedelta(seconds=s) for s in (12, 300, 1500)]
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_id_of(offer), volunteer_id=10, now=t[0])
    async with db.session() as s:
        await dispatch.arrived(s, CFG, request_id=rid, volunteer_id=10, now=t[1])
    async with db.session() as s:
        await dispatch.done(s, CFG, request_id=rid, volunteer_id=10, now=t[2])
    async with db.session() as s:
        await dispatch.confirm(s, CFG, request_id=rid, requester_id=CITIZEN, solved=True, now=t[2])
    async with db.session() as s:
        view = await oversight.request_view(s, request_id=rid)
    assert view is not None
    steps = [(i.kind, i.at, i.actor, i.people) for i in view.timeline]
    assert steps == [
        (AuditKind.CREATED, NOW, "P1", ()),
        (AuditKind.WAVE, NOW, "", ("Khalid",)),
        (AuditKind.ACCEPTED, t[0], "Khalid", ()),
        (AuditKind.ARRIVED, t[1], "Khalid", ()),
        (AuditKind.DONE, t[2], "Khalid", ()),
        (AuditKind.CONFIRMED, t[2], "P1", ()),
    ]
    assert view.timeline[4].detail == {"before": "on_scene", "after": "completed", "minutes": 25}
    assert (view.credit_minutes, view.credit_status) == (25, "confirmed")
    assert not (view.can_cancel or view.can_redispatch or view.can_reassign)
    async with db.session() as s:
        audit = await oversight.audit_view(s, request_id=rid)
        page = await oversight.open_requests(s, page=0, now=t[2])
    assert audit is not None and [e.kind for e in audit.entries] == [k for k, *_ in steps]
    assert page.total == 0 and page.rows == ()


async def test_open_lists_active_requests_oldest_first_in_pages(db: Database) -> None:
    for i in range(10):  # nobody on duty: each one escalated, still active for the centre
        await person(db, 100 + i)
        await call(
            db,
            dispatch.create_request,
            requester_id=100 + i,
            incident=IncidentType.FLOOD,
            lat=HERE[0],
            lon=HERE[1],
            description=None,
            now=NOW + timedelta(minutes=i),
        )
    async with db.session() as s:
        first = await oversight.open_requests(s, page=0, now=NOW + timedelta(hours=1))
        second = await oversight.open_requests(s, page=1, now=NOW + timedelta(hours=1))
        beyond = await oversight.open_requests(s, page=9, now=NOW + timedelta(hours=1))
    assert (first.total, first.pages) == (10, 2)
    assert [r.request_id for r in first.rows] == list(range(1, 9))
    assert [r.request_id for r in second.rows] == [9, 10] and beyond.page == 1
    assert {r.status for r in first.rows} == {RequestStatus.ESCALATED}
    assert first.rows[0].area.city_en == "Riyadh"


async def test_who_finds_people_by_id_and_username(db: Database) -> None:
    from storage import people

    await volunteer(db, 10, HERE, NOW)
    async with db.session() as s:
        await people.upsert_person(
            s,
            person_id=10,
            chat_id=10,
            first_name="Khalid",
            username="Khalid_K",
            telegram_language="ar",
        )
    async with db.session() as s:
        by_name = await standing.who(s, CFG, who="@khalid_k")
        by_id = await standing.who(s, CFG, who="10")
        nobody = await standing.who(s, CFG, who="@nobody")
    assert by_name == by_id and by_name is not None and nobody is None
    assert by_name.volunteer is not None and by_name.volunteer.status == VolunteerStatus.VERIFIED
    assert not by_name.operator and not by_name.blocked
