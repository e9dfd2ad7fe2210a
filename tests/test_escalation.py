"""An operator's answers to an escalation, on real SQLite and PostgreSQL with no Telegram:
wider, a named volunteer, official services, false alarm; applied once when two operators
press at once; every copy of the escalation edited; the citizen told."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.services import dispatch
from bot.services.config import DispatchConfig
from bot.services.delivery import enqueue
from bot.services.dispatch import escalation
from bot.services.notices import Event, Outcome, Result
from bot.services.notices.escalation import Decision, EscalationDecided
from domain.enums import AuditKind, OfferStatus, RequestStatus, VolunteerStatus
from domain.incidents import IncidentType
from storage import outbox, requests
from storage.db import Database
from storage.models import AuditEvent, OutboxMessage
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import events, payload, request_id_of

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HERE = (RIYADH.lat, RIYADH.lon)
OPS, OPS2 = 900, 901
CITIZEN = 1
OPS_CHAT = -1001
# Ladder: 1 km, then wider to 20 km; the escalation's wider search reaches 40 km.
CFG = DispatchConfig(
    radius_km=20,
    first_wave=1,
    wave_timeout_s=60,
    ops_chat_id=OPS_CHAT,
    operator_ids=frozenset({OPS, OPS2}),
)


def told(out: Outcome, event: Event) -> list[int | None]:
    return [n.to.person_id for n in events(out, event)]


async def escalated(db: Database) -> int:
    """A fire nobody could be alerted for: escalated at once, its notice sent (message 77)."""
    for pid in (CITIZEN, OPS, OPS2):
        await person(db, pid, name=f"P{pid}")
    async with db.session() as s:
        out = await dispatch.create_request(
            s, CFG, requester_id=CITIZEN, incident=IncidentType.FIRE, lat=HERE[0], lon=HERE[1],
            description=None, now=NOW,
        )  # fmt: skip
        await enqueue(s, out.notices, now=NOW, request_id=out.request_id)
    rid = request_id_of(out)
    await _mark_sent(db, 77)
    return rid


async def _mark_sent(db: Database, message_id: int) -> None:
    """The sender's part: every escalation row still pending said, as ``message_id``."""
    async with db.session() as s:
        stmt = select(OutboxMessage).where(
            OutboxMessage.event == "ops_escalation", OutboxMessage.status == outbox.PENDING
        )
        for row in (await s.exec(stmt)).all():
            assert row.id is not None
            await outbox.finish(s, row.id, status=outbox.SENT, at=NOW, message_id=message_id)


async def answer(db: Database, use_case: Callable[..., Awaitable[Outcome]], **kw: Any) -> Outcome:
    """One operator's answer in its own unit of work, its notices written to the outbox."""
    async with db.session() as s:
        out = await use_case(s, CFG, now=kw.pop("now", NOW), **kw)
        await enqueue(s, out.notices, now=NOW, request_id=out.request_id)
        return out


def edited(out: Outcome) -> list[tuple[int | None, int | None, EscalationDecided]]:
    return [
        (n.edit.chat_id if n.edit else None, n.edit.message_id if n.edit else None,
         payload(n, EscalationDecided))
        for n in events(out, Event.ESCALATION_DECIDED)
    ]  # fmt: skip


async def status_of(db: Database, rid: int) -> RequestStatus:
    async with db.session() as s:
        req = await requests.get_request(s, rid)
    assert req is not None
    return RequestStatus(req.status)


@pytest.mark.parametrize("decision", [Decision.OFFICIALS, Decision.FALSE_ALARM])
async def test_closing_answers_tell_the_citizen_and_edit_the_copy(
    db: Database, decision: Decision
) -> None:
    rid = await escalated(db)
    out = await answer(db, escalation.close, request_id=rid, operator_id=OPS, decision=decision)
    assert out.result == Result.OK
    event = (
        Event.HANDED_TO_OFFICIALS if decision is Decision.OFFICIALS else Event.FALSE_ALARM_CLOSED
    )
    assert told(out, event) == [CITIZEN]
    [(chat, message, decided)] = edited(out)
    assert (chat, message, decided.decision, decided.by) == (OPS_CHAT, 77, decision, "P900")
    assert decided.escalation.request_id == rid
    assert await status_of(db, rid) == RequestStatus.CANCELLED
    kind = (
        AuditKind.HANDED_TO_OFFICIALS if decision is Decision.OFFICIALS else AuditKind.FALSE_ALARM
    )
    async with db.session() as s:
        last = (await s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()))).first()
    assert last is not None and (last.kind, last.actor_id) == (kind, OPS)


async def test_two_operators_at_once_decide_once(db: Database) -> None:
    rid = await escalated(db)
    first, second = await asyncio.gather(
        answer(db, escalation.close, request_id=rid, operator_id=OPS, decision=Decision.OFFICIALS),
        answer(db, escalation.close, request_id=rid, operator_id=OPS2, decision=Decision.FALSE_ALARM),
    )  # fmt: skip
    results = sorted([first.result, second.result])
    assert results == sorted([Result.OK, Result.CLOSED])
    winner = first if first.result == Result.OK else second
    loser = second if winner is first else first
    assert len(edited(winner)) == 1 and loser.notices == []
    closings = [Event.HANDED_TO_OFFICIALS, Event.FALSE_ALARM_CLOSED]
    assert sum(len(told(o, e)) for o in (first, second) for e in closings) == 1
    async with db.session() as s:
        kinds = [e.kind for e in (await s.exec(select(AuditEvent))).all()]
    assert kinds.count(AuditKind.HANDED_TO_OFFICIALS) + kinds.count(AuditKind.FALSE_ALARM) == 1


async def test_wider_reaches_past_the_ladder_and_escalates_again_with_new_buttons(
    db: Database,
) -> None:
    rid = await escalated(db)
    refused = await answer(db, escalation.widen, request_id=rid, operator_id=CITIZEN)
    assert refused.result == Result.NOT_OPERATOR
    nobody = await answer(db, escalation.widen, request_id=rid, operator_id=OPS)
    assert nobody.result == Result.NOBODY and nobody.notices == []
    assert await status_of(db, rid) == RequestStatus.ESCALATED  # still waiting for an answer
    await volunteer(db, 10, offset(*HERE, 30.0), NOW)  # beyond the ladder's 20 km
    out = await answer(db, escalation.widen, request_id=rid, operator_id=OPS)
    assert out.result == Result.OK and told(out, Event.OFFER) == [10]
    assert told(out, Event.SEARCH_RESTARTED) == [CITIZEN]
    [(_, _, decided)] = edited(out)
    assert (decided.decision, decided.alerted, decided.radius_m) == (Decision.WIDER, 1, 40000)
    assert await status_of(db, rid) == RequestStatus.DISPATCHING
    # Nobody accepts: after its wait the request is escalated again, a new notice.
    later = NOW + timedelta(minutes=5)
    async with db.session() as s:
        again = await dispatch.on_timer(s, CFG, request_id=rid, now=later)
        await enqueue(s, again.notices, now=later, request_id=rid)
    assert told(again, Event.OPS_ESCALATION) == [None]
    assert await status_of(db, rid) == RequestStatus.ESCALATED
    await _mark_sent(db, 78)
    closed = await answer(
        db, escalation.close, request_id=rid, operator_id=OPS2, decision=Decision.FALSE_ALARM
    )
    assert [(chat, message) for chat, message, _ in edited(closed)] == [
        (OPS_CHAT, 77),
        (OPS_CHAT, 78),
    ]  # both copies say who decided, neither keeps a button


async def test_a_named_volunteer_is_alerted_even_off_duty_and_far(db: Database) -> None:
    rid = await escalated(db)
    await volunteer(db, 10, offset(*HERE, 150.0), NOW, on_duty=False)
    await volunteer(db, 11, offset(*HERE, 1.0), NOW, status=VolunteerStatus.SUSPENDED)
    await volunteer(db, 12, offset(*HERE, 1.0), NOW, busy_request_id=999)
    for vid, result in ((11, Result.NOT_YOURS), (12, Result.BUSY), (13, Result.UNKNOWN)):
        out = await answer(
            db, escalation.name_volunteer, request_id=rid, operator_id=OPS, volunteer_id=vid
        )
        assert out.result == result, vid
    out = await answer(
        db, escalation.name_volunteer, request_id=rid, operator_id=OPS, volunteer_id=10
    )
    assert out.result == Result.OK and told(out, Event.OFFER) == [10]
    assert told(out, Event.SEARCH_RESTARTED) == [CITIZEN]
    [(_, _, decided)] = edited(out)
    assert decided.decision is Decision.NAMED and decided.volunteer == "P10"
    async with db.session() as s:
        [offer] = await requests.offers_for(s, rid)
    assert (offer.volunteer_id, offer.status) == (10, OfferStatus.SENT)
    assert 149_000 < offer.distance_m < 151_000
    # Their Accept is the assignment.
    async with db.session() as s:
        taken = await dispatch.accept(s, CFG, offer_id=offer.id or 0, volunteer_id=10, now=NOW)
    assert taken.result == Result.OK and await status_of(db, rid) == RequestStatus.ASSIGNED


async def test_answers_after_the_citizen_cancelled_change_nothing(db: Database) -> None:
    rid = await escalated(db)
    async with db.session() as s:
        await dispatch.cancel(s, CFG, request_id=rid, requester_id=CITIZEN, now=NOW)
    out = await answer(db, escalation.widen, request_id=rid, operator_id=OPS)
    assert out.result == Result.CLOSED and out.notices == []


async def test_candidates_are_the_nearest_the_wider_search_reaches(db: Database) -> None:
    rid = await escalated(db)
    for pid, km in ((10, 25.0), (11, 35.0), (12, 45.0)):
        await volunteer(db, pid, offset(*HERE, km), NOW)
    async with db.session() as s:
        found = await escalation.candidates(s, CFG, request_id=rid, now=NOW)
    assert [p.id for p, _ in found] == [10, 11]  # 45 km is beyond the wider 40 km
