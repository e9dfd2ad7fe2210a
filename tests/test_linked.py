"""Linked reports on SQLite and PostgreSQL: several citizens reporting one incident start one
dispatch; the others are linked, kept informed of its progress (through the outbox, in their
language) and never told who helps; operators link and unlink by hand; the KPIs count them.

Each step runs as a unit of work does (bot/handlers/outbox.py): the use case and its notices
written to the outbox in one transaction, so what linked citizens hear (added where the
notices are written) is read back from the outbox rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.services import delivery, kpis
from bot.services.config import DispatchConfig
from bot.services.dispatch import accept, arrived, cancel, create_request, done, relink
from bot.services.dispatch.escalation import close as decide
from bot.services.notices import AlertOffer, Event, JobAssigned, Notice, Outcome, Result
from bot.services.notices.escalation import Decision
from bot.services.notices.links import LinkedProgress, LinkedToRequest, LinkStage
from bot.services.notices.relay import Relayed
from domain.enums import AuditKind, RequestStatus
from domain.incidents import IncidentType
from storage import media, requests
from storage.db import Database
from storage.models import AuditEvent, HelpRequest, Offer, OutboxMessage
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import events, offer_id_of, payload, request_id_of

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HERE = (RIYADH.lat, RIYADH.lon)
OPS = 900
CFG = DispatchConfig(first_wave=2, ops_chat_id=-1001, operator_ids=frozenset({OPS}))


async def unit(db: Database, use_case: Callable[..., Awaitable[Outcome]], **kw: Any) -> Outcome:
    """The use case and its notices in one transaction, as ``unit_of_work`` runs them; the
    outcome's notices are replaced by everything written to the outbox (linked ones too)."""
    async with db.session() as s:
        out = await use_case(s, CFG, **kw)
        ids = await delivery.enqueue(s, out.notices, now=kw["now"], request_id=out.request_id)
        rows = (await s.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))).all()
        out.notices = [delivery.notice_of(r) for r in sorted(rows, key=lambda r: r.id or 0)]
    return out


async def report(
    db: Database,
    citizen: int,
    at: tuple[float, float] = HERE,
    when: datetime = NOW,
    incident: IncidentType = IncidentType.FIRE,
    lang: str = "en",
) -> Outcome:
    await person(db, citizen, lang=lang)
    return await unit(
        db,
        create_request,
        requester_id=citizen,
        incident=incident,
        lat=at[0],
        lon=at[1],
        description=f"details of {citizen}",
        now=when,
    )


async def stored(db: Database, rid: int) -> HelpRequest:
    async with db.session() as s:
        req = await requests.get_request(s, rid)
    assert req is not None
    return req


async def offers(db: Database) -> list[Offer]:
    async with db.session() as s:
        return list((await s.exec(select(Offer).order_by(col(Offer.id)))).all())


def to(out: Outcome, person_id: int) -> list[Notice]:
    return [n for n in out.notices if n.to.person_id == person_id]


def stages(out: Outcome, person_id: int) -> list[LinkStage]:
    return [payload(n, LinkedProgress).stage for n in events(out, Event.LINKED_PROGRESS) if n.to.person_id == person_id]  # fmt: skip


async def volunteers(db: Database) -> None:
    for vid, km in ((10, 0.5), (11, 0.8), (12, 1.1)):
        await volunteer(db, vid, offset(*HERE, km), NOW)


async def test_three_citizens_at_one_spot_start_one_dispatch(db: Database) -> None:
    await volunteers(db)
    first = await report(db, 1)
    assert first.result == Result.OK and len(events(first, Event.OFFER)) == 2
    second = await report(db, 2, offset(*HERE, 0.1), NOW + timedelta(minutes=3), lang="ar")
    third = await report(db, 3, offset(*HERE, 0, 0.15), NOW + timedelta(minutes=9))
    for out, citizen in ((second, 2), (third, 3)):
        assert out.result == Result.LINKED and not events(out, Event.OFFER)
        [told] = to(out, citizen)
        linked = payload(told, LinkedToRequest)
        assert linked.primary_id == request_id_of(first) and linked.stage == LinkStage.SEARCHING
    assert to(second, 2)[0].to.language == "ar"  # in the citizen's language
    assert [o.request_id for o in await offers(db)] == [1, 1]  # one dispatch, one set of alerts
    for rid in (2, 3):  # both follow the first request, never each other
        req = await stored(db, rid)
        assert (req.status, req.linked_to, req.closed_at) == (RequestStatus.LINKED, 1, None)
    async with db.session() as s:
        still = await requests.open_request_of(s, 3)
    assert still is not None and still.id == 3  # the linked report is the citizen's open one


async def test_a_linked_citizen_follows_the_request_to_the_end_without_private_data(
    db: Database,
) -> None:
    await volunteers(db)
    first = await report(db, 1)
    await report(db, 2, when=NOW + timedelta(minutes=1))
    alert = events(first, Event.OFFER)[0]
    accepted = await unit(
        db, accept, offer_id=offer_id_of(alert), volunteer_id=10, now=NOW + timedelta(minutes=2)
    )
    assert stages(accepted, 2) == [LinkStage.ACCEPTED]
    came = await unit(db, arrived, request_id=1, volunteer_id=10, now=NOW + timedelta(minutes=9))
    assert stages(came, 2) == [LinkStage.ARRIVED]
    finished = await unit(db, done, request_id=1, volunteer_id=10, now=NOW + timedelta(minutes=30))
    assert stages(finished, 2) == [LinkStage.DONE]
    # Nothing the linked citizen got names the volunteer, their phone or the other citizen.
    for out in (accepted, came, finished):
        for n in to(out, 2):
            words = str(n.payload)
            assert "P10" not in words and "details of 1" not in words and "lat" not in words
    linked = await stored(db, 2)
    assert linked.status == RequestStatus.LINKED and linked.closed_at is not None
    async with db.session() as s:
        assert await requests.open_request_of(s, 2) is None  # free to ask again
        kinds = (await s.exec(select(AuditEvent.kind).where(AuditEvent.request_id == 2))).all()
    assert list(kinds) == [AuditKind.CREATED, AuditKind.LINKED, AuditKind.LINK_CLOSED]


async def test_different_types_far_points_and_late_reports_are_not_linked(db: Database) -> None:
    await volunteers(db)
    await report(db, 1)
    flood = await report(db, 2, incident=IncidentType.FLOOD, when=NOW + timedelta(minutes=1))
    far = await report(db, 3, offset(*HERE, 0.35), NOW + timedelta(minutes=2))  # 350 m > 300 m
    late = await report(db, 4, when=NOW + timedelta(minutes=10, seconds=1))  # window is 10 min
    for out in (flood, far, late):
        assert out.result == Result.OK and out.request_id is not None
        assert (await stored(db, out.request_id)).linked_to is None
    assert {o.request_id for o in await offers(db)} == {1, 2, 3, 4}


async def test_asking_again_shows_the_open_request(db: Database) -> None:
    await volunteers(db)
    await report(db, 1)
    await report(db, 2, when=NOW + timedelta(minutes=1))
    again = await report(db, 2, when=NOW + timedelta(minutes=2))
    assert again.result == Result.ALREADY and again.request_id == 2
    [shown] = to(again, 2)
    assert shown.event == Event.REQUEST_STILL_OPEN
    assert getattr(shown.payload, "linked_to", None) == 1
    async with db.session() as s:
        count = len((await s.exec(select(HelpRequest))).all())
    assert count == 2  # nothing new stored


async def test_cancelling_the_request_hands_its_linked_reports_over(db: Database) -> None:
    await volunteers(db)
    await report(db, 1)
    await report(db, 2, when=NOW + timedelta(minutes=1))
    await report(db, 3, when=NOW + timedelta(minutes=2))
    gone = await unit(db, cancel, request_id=1, requester_id=1, now=NOW + timedelta(minutes=3))
    heir, follower = await stored(db, 2), await stored(db, 3)
    assert heir.status == RequestStatus.DISPATCHING and heir.linked_to is None
    assert follower.status == RequestStatus.LINKED and follower.linked_to == 2
    assert events(gone, Event.SEARCH_RESTARTED)[0].to.person_id == 2
    assert [o.request_id for o in await offers(db)][-2:] == [2, 2]  # the heir's own alerts
    assert stages(gone, 3) == [LinkStage.SEARCHING]


async def test_an_operator_links_and_unlinks_by_hand(db: Database) -> None:
    await volunteers(db)
    await person(db, OPS)
    await report(db, 1)
    other = await report(db, 2, offset(*HERE, 0.6), NOW + timedelta(minutes=1))  # 600 m: apart
    assert other.result == Result.OK and len(events(other, Event.OFFER)) == 2
    for who in (1, 10):  # a citizen and a volunteer are refused by the use case itself
        refused = await unit(db, relink.link, request_id=2, primary_id=1, operator_id=who, now=NOW)
        assert refused.result == Result.NOT_OPERATOR
    when = NOW + timedelta(minutes=2)
    linked = await unit(db, relink.link, request_id=2, primary_id=1, operator_id=OPS, now=when)
    assert linked.result == Result.OK
    assert [o.status for o in await offers(db) if o.request_id == 2] == ["withdrawn"] * 2
    assert payload(to(linked, 2)[0], LinkedToRequest).primary_id == 1
    assert events(linked, Event.OPS_LINK_DONE)[0].to.person_id == OPS
    assert (await stored(db, 2)).status == RequestStatus.LINKED
    again = await unit(db, relink.link, request_id=2, primary_id=1, operator_id=OPS, now=when)
    assert again.result == Result.ALREADY
    self_link = await unit(db, relink.link, request_id=1, primary_id=1, operator_id=OPS, now=when)
    assert self_link.result == Result.CLOSED
    apart = await unit(db, relink.unlink, request_id=2, operator_id=OPS, now=when)
    assert apart.result == Result.OK
    req = await stored(db, 2)
    assert (req.status, req.linked_to) == (RequestStatus.DISPATCHING, None)
    assert events(apart, Event.SEARCH_RESTARTED)[0].to.person_id == 2  # its dispatch started
    assert events(apart, Event.OFFER)  # the volunteers whose alerts were withdrawn are free again
    not_linked = await unit(db, relink.unlink, request_id=1, operator_id=OPS, now=when)
    assert not_linked.result == Result.NOT_LINKED


async def test_kpis_count_linked_reports_and_the_centres_closings_apart(db: Database) -> None:
    await report(db, 1)  # nobody on duty: escalated
    await report(db, 2, offset(*HERE, 5), when=NOW + timedelta(minutes=1))  # escalated
    await volunteers(db)
    await report(db, 3, offset(*HERE, 10), when=NOW + timedelta(minutes=2))  # searching
    await report(db, 4, offset(*HERE, 10), when=NOW + timedelta(minutes=3))  # linked to 3
    await report(db, 5, when=NOW + timedelta(minutes=4))  # 1 is escalated: dispatched anew
    when = NOW + timedelta(minutes=5)
    for rid, decision in ((1, Decision.OFFICIALS), (2, Decision.FALSE_ALARM)):
        out = await unit(db, decide, request_id=rid, operator_id=OPS, decision=decision, now=when)
        assert out.result == Result.OK
    await unit(db, cancel, request_id=5, requester_id=5, now=when)
    async with db.session() as s:
        figures = await kpis.stats(s, CFG, period=kpis.Period.TODAY, city=None, now=when)
    outcomes = {(r.incident, r.outcome): r.n for r in figures.by_type}
    assert outcomes == {
        ("fire", "handed_to_officials"): 1,
        ("fire", "false_alarm"): 1,
        ("fire", "dispatching"): 1,
        ("fire", "linked"): 1,
        ("fire", "cancelled"): 1,
    }
    assert figures.linked == 1 and figures.total == 5


async def test_a_linked_report_keeps_its_pin_number_and_media_for_its_own_dispatch(
    db: Database,
) -> None:
    """A report linked on arrival is stored as any request is (ladder.create_request): when the
    request it follows is cancelled and it is dispatched on its own, whoever accepts gets
    the scene's number and the media sent with it."""
    await volunteers(db)
    await report(db, 1)
    await person(db, 2)
    linked = await unit(
        db,
        create_request,
        requester_id=2,
        incident=IncidentType.FIRE,
        lat=HERE[0],
        lon=HERE[1],
        description=None,
        now=NOW + timedelta(minutes=1),
        for_other=True,
        scene_phone="0501234567",
        media_items=[("voice", "v-2"), ("photo", "p-2")],
    )
    assert linked.result == Result.LINKED
    req = await stored(db, 2)
    assert (req.for_other, req.scene_phone, req.linked_to) == (True, "0501234567", 1)
    async with db.session() as s:
        kept = [(m.kind, m.file_id) for m in await media.media_of(s, 2)]
        created = (
            await s.exec(
                select(AuditEvent).where(
                    AuditEvent.request_id == 2, AuditEvent.kind == AuditKind.CREATED
                )
            )
        ).one()
    assert kept == [("voice", "v-2"), ("photo", "p-2")]
    assert created.detail == '{"media": 2}'
    gone = await unit(db, cancel, request_id=1, requester_id=1, now=NOW + timedelta(minutes=2))
    alert = next(n for n in events(gone, Event.OFFER) if payload(n, AlertOffer).request_id == 2)
    when = NOW + timedelta(minutes=3)
    accepted = await unit(
        db, accept, offer_id=offer_id_of(alert), volunteer_id=alert.to.person_id or 0, now=when
    )
    job = payload(events(accepted, Event.JOB_ASSIGNED)[0], JobAssigned)
    assert (job.request_id, job.for_other, job.scene_phone) == (2, True, "0501234567")
    relayed = [payload(n, Relayed) for n in events(accepted, Event.RELAYED)]
    assert [(r.kind, r.file_id) for r in relayed] == [("voice", "v-2"), ("photo", "p-2")]
    assert {n.to.person_id for n in events(accepted, Event.RELAYED)} == {alert.to.person_id}
