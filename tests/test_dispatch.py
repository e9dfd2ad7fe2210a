"""Dispatch rules through the services on real SQLite and PostgreSQL, with no Telegram at all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import ParamSpec, TypeVar

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import dispatch
from bot.services.config import DispatchConfig
from bot.services.notices import (
    AlertClosed,
    AlertOffer,
    Event,
    HoursCredited,
    JobAssigned,
    MessageRef,
    NoVolunteer,
    OpsEscalation,
    Outcome,
    RequestCreated,
    Result,
)
from domain.enums import CreditStatus, OfferStatus, RequestStatus
from domain.incidents import Equipment, IncidentType
from storage import requests
from storage.db import Database
from storage.models import HelpRequest, HourCredit, Person, Volunteer
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import (
    events,
    offer_id_of,
    offers_by_person,
    payload,
    request_id_of,
    timer_of,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HERE = (RIYADH.lat, RIYADH.lon)
CFG = DispatchConfig(
    radius_km=20,
    first_wave=3,
    wave_timeout_s=60,
    arrival_reminder_s=600,
    auto_confirm_s=3600,
    ops_chat_id=-1001,
)
CITIZEN = 1

P = ParamSpec("P")
T = TypeVar("T")


def when_both_got_here(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """``fn`` for two concurrent units of work: the first waits for the second to get here too.

    At most 1 s: a unit of work queued behind the other's row lock never gets here first,
    and that is the point of the lock. Makes a race as likely as it can be on PostgreSQL.
    """
    arrived, both = 0, asyncio.Event()

    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        nonlocal arrived
        arrived += 1
        if arrived == 2:
            both.set()
        try:
            await asyncio.wait_for(both.wait(), 1.0)
        except TimeoutError:
            pass
        return await fn(*args, **kwargs)

    return wrapper


async def create(
    db: Database, incident: IncidentType = IncidentType.FIRE, now: datetime = NOW
) -> Outcome:
    await person(db, CITIZEN, lang="ar")
    async with db.session() as s:
        return await dispatch.create_request(
            s,
            CFG,
            requester_id=CITIZEN,
            incident=incident,
            lat=HERE[0],
            lon=HERE[1],
            description="3rd floor",
            now=now,
        )


async def test_the_last_step_handled_twice_after_an_escalation_makes_no_second_request(
    db: Database,
) -> None:
    """Nobody near: the request escalates at once and is no longer open. The flow's last
    step handled again (a worker killed after the commit, Telegram posting the update
    again) must not make a second request; a report elsewhere, or later, is a new one."""
    first = await create(db)
    assert first.result == Result.OK and events(first, Event.OPS_ESCALATION)
    again = await create(db, now=NOW + timedelta(seconds=5))
    assert again.result == Result.ALREADY and again.request_id == first.request_id
    assert not events(again, Event.OPS_ESCALATION)  # the command centre is not told twice
    later = await create(db, now=NOW + timedelta(minutes=11))
    async with db.session() as s:
        stored = (
            await s.exec(select(HelpRequest).where(HelpRequest.requester_id == CITIZEN))
        ).all()
    assert later.result == Result.OK and len(stored) == 2


async def test_first_wave_alerts_nearest_eligible_only(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 1.0), NOW)
    await volunteer(db, 12, offset(*HERE, 1.2), NOW, on_duty=False)
    await volunteer(db, 13, offset(*HERE, 0.3), NOW, skills=(IncidentType.FLOOD,))
    await volunteer(db, 14, offset(*HERE, 0.4), NOW, busy_request_id=999)
    await volunteer(db, 15, offset(*HERE, 80.0), NOW)  # too far for any wave
    await volunteer(
        db, 16, offset(*HERE, 0.2), NOW, equipment=Equipment(0)
    )  # a fire needs an extinguisher
    await volunteer(db, 17, offset(*HERE, 0.6), NOW, position_at=None)
    async with db.session() as s:  # stale position: last seen three hours ago
        from storage import volunteers as vs

        await vs.set_position(
            s, person_id=17, lat=offset(*HERE, 0.6)[0], lon=HERE[1], at=NOW - timedelta(hours=3)
        )
    await volunteer(db, 18, offset(*HERE, 2.0), NOW)
    await volunteer(db, 19, offset(*HERE, 3.0), NOW)

    out = await create(db)
    offers = events(out, Event.OFFER)
    assert [n.to.person_id for n in offers] == [10, 11, 18]  # nearest first, wave 1 = 3
    created = events(out, Event.REQUEST_CREATED)[0]
    assert payload(created, RequestCreated).alerted == 3 and created.to.person_id == CITIZEN
    for n in offers:  # privacy: the alert carries distance and area, never the point
        assert not hasattr(n.payload, "lat") and not hasattr(n.payload, "lon")
        assert payload(n, AlertOffer).area.city_en == "Riyadh"
    assert out.timers[request_id_of(out)] == NOW + timedelta(seconds=60)


async def test_two_simultaneous_accepts_exactly_one_wins(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 0.6), NOW)
    out = await create(db)
    offer_ids = offers_by_person(out)
    if not db.is_sqlite:
        # Make the race as real as it can be: each accept waits, once it has read its alert,
        # until the other has too (or 1 s passed: an accept waiting for the request's row
        # lock never will). SQLite takes its write lock at BEGIN, so there whole units of
        # work queue and the wait would only stall.
        monkeypatch.setattr(requests, "lock_request", when_both_got_here(requests.lock_request))

    async def tap(vid: int) -> Outcome:
        async with db.session() as s:  # one session each, as two handler calls would have
            return await dispatch.accept(
                s,
                CFG,
                offer_id=offer_ids[vid],
                volunteer_id=vid,
                now=NOW,
                source=MessageRef(vid, 500 + vid),
            )

    results = await asyncio.gather(tap(10), tap(11))
    assert sorted(r.result for r in results) == ["ok", "taken"]
    winner = 10 if results[0].result == "ok" else 11
    lost = results[1] if results[0].result == "ok" else results[0]
    # The loser's alert is edited to say it was taken, not that it expired: the reason is
    # decided from the request as it is after the failed update, not as it was before.
    closed = events(lost, Event.OFFER_CLOSED)
    assert [(n.to.person_id, n.edit, payload(n, AlertClosed).reason) for n in closed] == [
        (21 - winner, MessageRef(21 - winner, 521 - winner), "taken")
    ]
    async with db.session() as s:
        req = await requests.get_request(s, request_id_of(out))
        assert (
            req is not None and req.status == RequestStatus.ASSIGNED and req.volunteer_id == winner
        )
        statuses = {
            o.volunteer_id: o.status for o in await requests.offers_for(s, request_id_of(out))
        }
        assert (
            statuses[winner] == OfferStatus.ACCEPTED and statuses[21 - winner] == OfferStatus.TAKEN
        )
        busy = await s.get(Volunteer, winner)
        assert busy is not None and busy.busy_request_id == req.id
    win = results[0] if results[0].result == "ok" else results[1]
    job = events(win, Event.JOB_ASSIGNED)[0]
    assert (
        job.to.person_id == winner and payload(job, JobAssigned).lat == HERE[0]
    )  # exact point only to the winner
    assert events(win, Event.VOLUNTEER_COMING)[0].to.person_id == CITIZEN


async def test_accept_racing_a_cancel_is_told_withdrawn(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The accept read its alert as open; the cancel commits before it gets the request's lock."""
    if db.is_sqlite:
        pytest.skip("SQLite takes its write lock at BEGIN: the two units of work cannot interleave")
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    out = await create(db)
    oid = offer_id_of(events(out, Event.OFFER)[0])
    lock = requests.lock_request

    async def citizen_cancels_first(session: AsyncSession, request_id: int) -> HelpRequest | None:
        monkeypatch.setattr(requests, "lock_request", lock)  # once: the cancel locks as usual
        async with db.session() as other:
            c = await dispatch.cancel(
                other, CFG, request_id=request_id_of(out), requester_id=CITIZEN, now=NOW
            )
        assert c.result == "ok"
        return await lock(session, request_id)

    monkeypatch.setattr(requests, "lock_request", citizen_cancels_first)
    async with db.session() as s:
        a = await dispatch.accept(
            s, CFG, offer_id=oid, volunteer_id=10, now=NOW, source=MessageRef(10, 510)
        )
    assert a.result == "closed"  # not assigned to a cancelled request
    assert [payload(n, AlertClosed).reason for n in events(a, Event.OFFER_CLOSED)] == ["withdrawn"]
    async with db.session() as s:
        v = await s.get(Volunteer, 10)
        assert v is not None and v.busy_request_id is None
        req = await requests.get_request(s, request_id_of(out))
        assert req is not None and req.status == RequestStatus.CANCELLED


async def test_accept_and_cancel_at_once_stay_consistent(db: Database) -> None:
    """Whichever gets the request first, the other sees it: never assigned and cancelled both."""
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    out = await create(db)
    oid = offer_id_of(events(out, Event.OFFER)[0])

    async def tap() -> Outcome:
        async with db.session() as s:
            return await dispatch.accept(s, CFG, offer_id=oid, volunteer_id=10, now=NOW)

    async def cancel() -> Outcome:
        async with db.session() as s:
            return await dispatch.cancel(
                s, CFG, request_id=request_id_of(out), requester_id=CITIZEN, now=NOW
            )

    a, c = await asyncio.gather(tap(), cancel())
    assert c.result == "ok"  # the citizen can cancel until Done, assigned or not
    async with db.session() as s:
        req = await requests.get_request(s, request_id_of(out))
        v = await s.get(Volunteer, 10)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert v is not None and v.busy_request_id is None  # freed either way
    assert a.result in ("ok", "closed")


async def test_two_declines_at_once_widen_exactly_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last two open alerts declined at the same moment: one of the two widens, never neither."""
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 0.6), NOW)
    out = await create(db)
    offer_ids = offers_by_person(out)
    assert set(offer_ids) == {10, 11}
    await volunteer(db, 12, offset(*HERE, 0.7), NOW)  # came on duty after wave 1
    if not db.is_sqlite:
        # Hold each decline, after its own alert is marked declined, until the other one has
        # got as far (or 1 s passed: a decline waiting for the request's row lock never will).
        monkeypatch.setattr(requests, "offers_for", when_both_got_here(requests.offers_for))

    async def no(vid: int) -> Outcome:
        async with db.session() as s:
            return await dispatch.decline(
                s, CFG, offer_id=offer_ids[vid], volunteer_id=vid, now=NOW
            )

    results = await asyncio.gather(no(10), no(11))
    assert [n.to.person_id for r in results for n in events(r, Event.OFFER)] == [12]
    async with db.session() as s:
        req = await requests.get_request(s, request_id_of(out))
        assert req is not None and req.wave == 2


async def test_an_alert_closed_on_its_way_is_edited_once_it_lands(db: Database) -> None:
    """Volunteer 10 accepts before the bot has recorded where 11's alert landed."""
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 0.6), NOW)
    out = await create(db)
    offer_ids = offers_by_person(out)
    async with db.session() as s:
        landed = await dispatch.alert_delivered(
            s, offer_id=offer_ids[10], chat_id=10, message_id=510
        )
    assert landed.notices == []  # still open: nothing to edit
    async with db.session() as s:
        won = await dispatch.accept(s, CFG, offer_id=offer_ids[10], volunteer_id=10, now=NOW)
    assert won.result == "ok"
    assert [n.to.person_id for n in events(won, Event.OFFER_CLOSED)] == [10]  # 11's: no message yet
    async with db.session() as s:
        late = await dispatch.alert_delivered(s, offer_id=offer_ids[11], chat_id=11, message_id=511)
    assert [(n.to.person_id, n.edit, payload(n, AlertClosed).reason) for n in late.notices] == [
        (11, MessageRef(11, 511), "taken")
    ]
    async with db.session() as s:
        offer = await requests.get_offer(s, offer_ids[11])
        assert offer is not None and (offer.chat_id, offer.message_id) == (11, 511)


async def test_forged_and_double_taps_change_nothing(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    out = await create(db)
    oid = offer_id_of(events(out, Event.OFFER)[0])
    async with db.session() as s:
        assert (
            await dispatch.accept(s, CFG, offer_id=oid, volunteer_id=99, now=NOW)
        ).result == "not_yours"
        assert (
            await dispatch.accept(s, CFG, offer_id=123456, volunteer_id=10, now=NOW)
        ).result == "not_yours"
        assert (
            await dispatch.accept(s, CFG, offer_id=oid, volunteer_id=10, now=NOW)
        ).result == "ok"
    async with db.session() as s:
        assert (
            await dispatch.accept(s, CFG, offer_id=oid, volunteer_id=10, now=NOW)
        ).result == "already"
        assert (
            await dispatch.cancel(s, CFG, request_id=request_id_of(out), requester_id=10, now=NOW)
        ).result == "not_yours"
        assert (
            await dispatch.done(
                s, CFG, request_id=request_id_of(out), volunteer_id=CITIZEN, now=NOW
            )
        ).result == "not_yours"


async def test_decline_never_realerts_and_all_declined_widens_now(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 8.0), NOW)  # only in wave 2 (radius 10 km)
    out = await create(db)
    assert [n.to.person_id for n in events(out, Event.OFFER)] == [10]
    async with db.session() as s:
        d = await dispatch.decline(
            s, CFG, offer_id=offer_id_of(events(out, Event.OFFER)[0]), volunteer_id=10, now=NOW
        )
    assert [n.to.person_id for n in events(d, Event.OFFER)] == [11]
    assert events(d, Event.SEARCH_WIDENED)[0].to.person_id == CITIZEN
    async with db.session() as s:
        req = await requests.get_request(s, request_id_of(out))
        assert req is not None and req.wave == 2
        assert await requests.offered_volunteer_ids(s, request_id_of(out)) == {10, 11}


async def test_blocked_alerts_widen_only_when_the_whole_wave_failed(db: Database) -> None:
    for vid, km in ((10, 0.5), (11, 1.0), (12, 8.0)):  # 12 only in wave 2 (10 km)
        await volunteer(db, vid, offset(*HERE, km), NOW)
    out = await create(db)
    first = offers_by_person(out)
    assert set(first) == {10, 11}
    async with db.session() as s:
        one = await dispatch.recipient_unreachable(
            s, CFG, person_id=10, offer_id=first[10], now=NOW
        )
    assert not events(one, Event.OFFER)  # 11 may still answer
    async with db.session() as s:
        both = await dispatch.recipient_unreachable(
            s, CFG, person_id=11, offer_id=first[11], now=NOW
        )
    assert [n.to.person_id for n in events(both, Event.OFFER)] == [12]
    assert events(both, Event.SEARCH_WIDENED)[0].to.person_id == CITIZEN
    assert both.timers[request_id_of(out)] == NOW + timedelta(seconds=60)
    async with db.session() as s:
        statuses = {
            o.volunteer_id: o.status for o in await requests.offers_for(s, request_id_of(out))
        }
        v10, p10 = await s.get(Volunteer, 10), await s.get(Person, 10)
        again = await dispatch.recipient_unreachable(  # a repeat changes nothing
            s, CFG, person_id=11, offer_id=first[11], now=NOW
        )
    assert statuses == {10: OfferStatus.FAILED, 11: OfferStatus.FAILED, 12: OfferStatus.SENT}
    assert v10 is not None and not v10.on_duty and p10 is not None and p10.blocked
    assert not again.notices


async def test_release_redispatches_to_others(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 1.0), NOW)
    await volunteer(db, 12, offset(*HERE, 1.5), NOW)
    await volunteer(db, 13, offset(*HERE, 1.7), NOW)
    out = await create(db)
    first = offers_by_person(out)
    assert set(first) == {10, 11, 12}
    rid = request_id_of(out)
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=first[10], volunteer_id=10, now=NOW)
    async with db.session() as s:
        rel = await dispatch.release(
            s, CFG, request_id=rid, volunteer_id=10, now=NOW + timedelta(minutes=2)
        )
    assert rel.result == "ok"
    # 11 and 12 were only told 'taken': they may help now. 10 released it; 13 is fourth nearest.
    again = offers_by_person(rel)
    assert list(again) == [11, 12, 13]
    assert again[11] == first[11]  # the old alert row is reused: one row per volunteer and request
    assert events(rel, Event.VOLUNTEER_RELEASED)[0].to.person_id == CITIZEN
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        assert (
            req is not None and req.status == RequestStatus.DISPATCHING and req.volunteer_id is None
        )
        v = await s.get(Volunteer, 10)
        assert v is not None and v.busy_request_id is None
        statuses = {o.volunteer_id: o.status for o in await requests.offers_for(s, rid)}
        assert statuses == {
            10: OfferStatus.RELEASED,
            11: OfferStatus.SENT,
            12: OfferStatus.SENT,
            13: OfferStatus.SENT,
        }
    async with db.session() as s:  # the re-sent alert works like any other
        ok = await dispatch.accept(
            s, CFG, offer_id=again[12], volunteer_id=12, now=NOW + timedelta(minutes=3)
        )
    assert ok.result == "ok"


async def test_release_never_realerts_who_declined_released_or_blocked(db: Database) -> None:
    for vid, km in ((10, 0.5), (11, 1.0), (12, 1.5)):
        await volunteer(db, vid, offset(*HERE, km), NOW)
    cfg = DispatchConfig(radius_km=20, first_wave=2, wave_timeout_s=60, ops_chat_id=-1001)
    await person(db, CITIZEN)
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            cfg,
            requester_id=CITIZEN,
            incident=IncidentType.FIRE,
            lat=HERE[0],
            lon=HERE[1],
            description=None,
            now=NOW,
        )
    first = offers_by_person(out)
    assert set(first) == {10, 11}
    rid = request_id_of(out)
    async with db.session() as s:  # 11's alert could not be delivered (blocked the bot)
        await requests.answer_offer(
            s, first[11], from_status=[OfferStatus.SENT], to_status=OfferStatus.FAILED, at=NOW
        )
        await dispatch.accept(s, cfg, offer_id=first[10], volunteer_id=10, now=NOW)
    async with db.session() as s:
        rel = await dispatch.release(s, cfg, request_id=rid, volunteer_id=10, now=NOW)
    assert [n.to.person_id for n in events(rel, Event.OFFER)] == [12]


async def test_cancel_withdraws_alerts_and_frees_volunteer(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    await volunteer(db, 11, offset(*HERE, 1.0), NOW)
    out = await create(db)
    first = offers_by_person(out)
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=first[10], volunteer_id=10, now=NOW)
    async with db.session() as s:
        c = await dispatch.cancel(
            s, CFG, request_id=request_id_of(out), requester_id=CITIZEN, now=NOW
        )
    assert c.result == "ok" and events(c, Event.JOB_CANCELLED)[0].to.person_id == 10
    async with db.session() as s:
        v = await s.get(Volunteer, 10)
        assert v is not None and v.busy_request_id is None
        again = await dispatch.cancel(
            s, CFG, request_id=request_id_of(out), requester_id=CITIZEN, now=NOW
        )
        assert again.result == "closed"


@pytest.mark.parametrize(
    ("minutes_taken", "solved", "credited"),
    [(12.2, True, 13), (0.1, True, 1), (900, True, 480), (20, False, None)],
)
async def test_done_confirm_credits_minutes(
    db: Database, minutes_taken: float, solved: bool, credited: int | None
) -> None:
    await volunteer(db, 10, offset(*HERE, 0.5), NOW)
    out = await create(db)
    rid = request_id_of(out)
    async with db.session() as s:
        await dispatch.accept(
            s, CFG, offer_id=offer_id_of(events(out, Event.OFFER)[0]), volunteer_id=10, now=NOW
        )
    async with db.session() as s:
        assert (
            await dispatch.arrived(
                s, CFG, request_id=rid, volunteer_id=10, now=NOW + timedelta(minutes=1)
            )
        ).result == "ok"
    done_at = NOW + timedelta(minutes=minutes_taken)
    async with db.session() as s:
        d = await dispatch.done(s, CFG, request_id=rid, volunteer_id=10, now=done_at)
    assert events(d, Event.CONFIRM_DONE)[0].to.person_id == CITIZEN
    async with db.session() as s:
        c = await dispatch.confirm(
            s, CFG, request_id=rid, requester_id=CITIZEN, solved=solved, now=done_at
        )
    async with db.session() as s:
        credit = await s.get(HourCredit, 1)
        total, jobs = await requests.credited_minutes(s, 10)
    assert credit is not None
    if solved:
        assert (
            credit.status == CreditStatus.CONFIRMED
            and credit.minutes == credited
            and total == credited
            and jobs == 1
        )
        assert payload(events(c, Event.HOURS_CREDITED)[0], HoursCredited).total_minutes == credited
    else:
        assert credit.status == CreditStatus.DISPUTED and total == 0
        assert events(c, Event.CREDIT_DISPUTED)


async def test_ladder_widens_then_escalates_exactly_once(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 1.0), NOW)
    await volunteer(db, 11, offset(*HERE, 7.0), NOW)
    await volunteer(db, 12, offset(*HERE, 15.0), NOW)
    out = await create(db)
    rid = request_id_of(out)
    assert [n.to.person_id for n in events(out, Event.OFFER)] == [10]
    t = NOW
    alerted = []
    for _ in range(2):
        t += timedelta(seconds=61)
        async with db.session() as s:
            o = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
        alerted.append([n.to.person_id for n in events(o, Event.OFFER)])
        async with db.session() as s:  # a duplicate firing at the same moment does nothing
            dup = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
        assert dup.result == "early" and not dup.notices
    assert alerted == [[11], [12]]
    t += timedelta(seconds=61)
    async with db.session() as s:  # wave 4 finds nobody new: the open alerts get the final wait
        wait = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
    assert not wait.notices and wait.timers[rid] == t + timedelta(seconds=120)
    t += timedelta(seconds=121)
    async with db.session() as s:
        esc = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
    ops = events(esc, Event.OPS_ESCALATION)
    assert (
        len(ops) == 1 and ops[0].to.chat_id == -1001 and payload(ops[0], OpsEscalation).alerted == 3
    )
    kinds = [k for _, k, _ in payload(ops[0], OpsEscalation).timeline]
    assert kinds == ["created", "wave", "wave", "wave", "final_wait", "escalated"]
    assert events(esc, Event.NO_VOLUNTEER)[0].to.person_id == CITIZEN
    assert len(events(esc, Event.OFFER_CLOSED)) == 0  # no alert message ids recorded in this test
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        assert (
            req is not None and req.status == RequestStatus.ESCALATED and req.next_timer_at is None
        )
        statuses = {o.status for o in await requests.offers_for(s, rid)}
        assert statuses == {OfferStatus.EXPIRED}
        again = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
    assert again.result == "idle" and not again.notices


async def test_lone_volunteer_gets_the_final_wait_before_escalation(db: Database) -> None:
    """Later waves find nobody new: the one open alert is not expired after wave 1's timeout."""
    await volunteer(db, 10, offset(*HERE, 1.0), NOW)
    out = await create(db)
    rid = request_id_of(out)
    offer_id = offer_id_of(events(out, Event.OFFER)[0])
    t = NOW + timedelta(seconds=61)
    async with db.session() as s:
        wait = await dispatch.on_timer(s, CFG, request_id=rid, now=t)
    assert not wait.notices  # no escalation, no expired alert, nothing to the citizen
    assert wait.timers[rid] == t + timedelta(seconds=120)  # last wave's
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        assert req is not None and req.status == RequestStatus.DISPATCHING and req.wave == 4
        early = await dispatch.on_timer(s, CFG, request_id=rid, now=t + timedelta(seconds=60))
    assert early.result == "early" and not early.notices
    async with db.session() as s:  # the lone volunteer can still answer
        a = await dispatch.accept(
            s, CFG, offer_id=offer_id, volunteer_id=10, now=t + timedelta(seconds=90)
        )
    assert a.result == "ok" and events(a, Event.VOLUNTEER_COMING)


async def test_final_wait_escalates_at_its_end_or_when_the_last_open_alert_is_declined(
    db: Database,
) -> None:
    await volunteer(db, 10, offset(*HERE, 1.0), NOW)
    await volunteer(db, 11, offset(*HERE, 1.5), NOW)
    out = await create(db)
    rid = request_id_of(out)
    offers = offers_by_person(out)
    t = NOW + timedelta(seconds=61)
    async with db.session() as s:
        await dispatch.on_timer(s, CFG, request_id=rid, now=t)
        d = await dispatch.decline(s, CFG, offer_id=offers[10], volunteer_id=10, now=t)
    assert not events(d, Event.OPS_ESCALATION)  # 11's alert is still open
    async with db.session() as s:
        d = await dispatch.decline(s, CFG, offer_id=offers[11], volunteer_id=11, now=t)
    assert len(events(d, Event.OPS_ESCALATION)) == 1  # nobody left waiting: at once
    assert events(d, Event.NO_VOLUNTEER)[0].to.person_id == CITIZEN


async def test_accept_in_wave_two_stops_the_ladder(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 1.0), NOW)
    await volunteer(db, 11, offset(*HERE, 7.0), NOW)
    await volunteer(db, 12, offset(*HERE, 15.0), NOW)
    out = await create(db)
    rid = request_id_of(out)
    async with db.session() as s:
        w2 = await dispatch.on_timer(s, CFG, request_id=rid, now=NOW + timedelta(seconds=61))
    async with db.session() as s:
        a = await dispatch.accept(
            s,
            CFG,
            offer_id=offer_id_of(events(w2, Event.OFFER)[0]),
            volunteer_id=11,
            now=NOW + timedelta(seconds=70),
        )
    assert a.result == "ok" and a.timers[rid] == NOW + timedelta(seconds=670)
    async with db.session() as s:  # the old wave timer fires late: it is no longer due for a wave
        late = await dispatch.on_timer(s, CFG, request_id=rid, now=NOW + timedelta(seconds=125))
    assert late.result == "early" and not late.notices


async def test_arrival_reminder_and_auto_confirm(db: Database) -> None:
    await volunteer(db, 10, offset(*HERE, 1.0), NOW)
    out = await create(db)
    rid = request_id_of(out)
    async with db.session() as s:
        await dispatch.accept(
            s, CFG, offer_id=offer_id_of(events(out, Event.OFFER)[0]), volunteer_id=10, now=NOW
        )
    async with db.session() as s:
        r = await dispatch.on_timer(s, CFG, request_id=rid, now=NOW + timedelta(seconds=601))
    assert events(r, Event.ARRIVAL_REMINDER)[0].to.person_id == 10
    # The citizen's status message, edited: still on the way (we asked), since when.
    update = events(r, Event.APPROACHING)[0]
    assert update.to.person_id == CITIZEN and update.payload.reminded  # type: ignore[attr-defined]
    async with db.session() as s:
        d = await dispatch.done(
            s, CFG, request_id=rid, volunteer_id=10, now=NOW + timedelta(minutes=30)
        )
    due = timer_of(d, rid)
    assert due == NOW + timedelta(minutes=30, seconds=3600)
    async with db.session() as s:
        auto = await dispatch.on_timer(s, CFG, request_id=rid, now=due)
    assert payload(events(auto, Event.HOURS_CREDITED)[0], HoursCredited).minutes == 30
    assert events(auto, Event.AUTO_CONFIRMED)
    async with db.session() as s:
        assert await requests.credited_minutes(s, 10) == (30, 1)
        assert await dispatch.pending_timers(s) == {}


@pytest.mark.parametrize("ops_chat", [-1001, None])
async def test_nobody_nearby_tells_the_citizen_once(db: Database, ops_chat: int | None) -> None:
    await volunteer(db, 10, offset(*HERE, 300.0), NOW)  # far beyond every wave
    cfg = DispatchConfig(radius_km=20, first_wave=3, ops_chat_id=ops_chat)
    await person(db, CITIZEN)
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            cfg,
            requester_id=CITIZEN,
            incident=IncidentType.FIRE,
            lat=HERE[0],
            lon=HERE[1],
            description=None,
            now=NOW,
        )
    to_citizen = [n for n in out.notices if n.to.person_id == CITIZEN]
    assert [n.event for n in to_citizen] == [Event.NO_VOLUNTEER]
    assert payload(to_citizen[0], NoVolunteer).ops_told is (ops_chat is not None)
    assert len(events(out, Event.OPS_ESCALATION)) == (1 if ops_chat else 0)
    async with db.session() as s:
        req = await requests.get_request(s, request_id_of(out))
    expected = RequestStatus.ESCALATED if ops_chat else RequestStatus.UNANSWERED
    assert req is not None and req.status == expected and req.next_timer_at is None
