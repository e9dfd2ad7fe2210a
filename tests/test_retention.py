"""Retention on real SQLite and PostgreSQL: closed requests older than RETENTION_DAYS lose their
point, details and message references; the area and the statistics stay; a second run changes
nothing. Requests are made through the dispatch services with fixed clocks in the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlmodel import select

from bot.devtools.sandbox import sandbox
from bot.handlers import retention as retention_job
from bot.services import dispatch
from bot.services.config import DispatchConfig
from bot.services.notices import Event
from bot.services.retention import redact_closed
from domain.enums import CreditStatus, RequestStatus
from domain.incidents import IncidentType
from storage import outbox, requests, volunteers
from storage.audit import timeline
from storage.db import Database
from storage.models import HelpRequest, HourCredit, Offer, OutboxMessage
from storage.types import utcnow
from tests.factories import RIYADH, offset, person, volunteer

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POINT = offset(RIYADH.lat, RIYADH.lon, 3.2, -1.7)
CFG = DispatchConfig(first_wave=1, ops_chat_id=-1001)


async def create(db: Database, at: datetime, who: int) -> int:
    await person(db, who)
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            CFG,
            requester_id=who,
            incident=IncidentType.FIRE,
            lat=POINT[0],
            lon=POINT[1],
            description="Villa 12, the blue gate; my son is inside",
            now=at,
        )
    assert out.request_id is not None
    return out.request_id


async def confirmed(db: Database, at: datetime) -> int:
    """Created, alerted (the alert's message recorded), accepted, done and confirmed at ``at``."""
    rid = await create(db, at, 1)
    async with db.session() as s:
        [offer] = await requests.offers_for(s, rid)
        await dispatch.alert_delivered(s, offer_id=offer.id, chat_id=10, message_id=500)  # type: ignore[arg-type]
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer.id, volunteer_id=10, now=at)  # type: ignore[arg-type]
    async with db.session() as s:
        await dispatch.done(s, CFG, request_id=rid, volunteer_id=10, now=at + timedelta(minutes=40))
    async with db.session() as s:
        c = await dispatch.confirm(
            s, CFG, request_id=rid, requester_id=1, solved=True, now=at + timedelta(hours=1)
        )
    assert Event.HOURS_CREDITED in [n.event for n in c.notices]
    return rid


async def rows(db: Database) -> dict[int, HelpRequest]:
    async with db.session() as s:
        return {r.id: r for r in (await s.exec(select(HelpRequest))).all()}  # type: ignore[misc]


async def test_old_closed_requests_lose_point_details_and_message_ids(db: Database) -> None:
    escalated = await create(db, NOW - timedelta(days=45), 3)  # nobody yet: escalated at once
    await volunteer(db, 10, offset(*POINT, 0.4), NOW - timedelta(days=31))
    old = await confirmed(db, NOW - timedelta(days=31))
    recent = await create(db, NOW - timedelta(days=29, hours=2), 2)
    async with db.session() as s:
        await dispatch.cancel(
            s, CFG, request_id=recent, requester_id=2, now=NOW - timedelta(days=29)
        )
        await volunteers.set_position(
            s, person_id=10, lat=POINT[0], lon=POINT[1], at=NOW - timedelta(hours=1)
        )
    still_open = await create(db, NOW - timedelta(hours=1), 4)  # alerted, never closed
    before = await rows(db)
    assert before[escalated].status == RequestStatus.ESCALATED
    assert before[still_open].status == RequestStatus.DISPATCHING
    async with db.session() as s:
        old_timeline = await timeline(s, old)

    async with db.session() as s:
        assert await redact_closed(s, retention_days=30, now=NOW, limit=1) == 1  # in batches
    async with db.session() as s:
        assert await redact_closed(s, retention_days=30, now=NOW) == 1
    after = await rows(db)
    riyadh = (RIYADH.lat, RIYADH.lon)
    for rid in (old, escalated):
        was, now = before[rid], after[rid]
        assert (now.lat, now.lon) == riyadh and now.description is None
        assert now.redacted_at == NOW
        # The statistics stay: area, incident, status, every time, waves.
        keep = ("area", "incident", "status", "wave", "volunteer_id", "requester_id")
        times = ("created_at", "assigned_at", "arrived_at", "done_at", "closed_at")
        assert all(getattr(now, k) == getattr(was, k) for k in keep + times)
        assert now.area == "Riyadh"
    for rid in (recent, still_open):  # closed 29 days ago, and never closed
        assert after[rid] == before[rid] and after[rid].redacted_at is None
        assert after[rid].description and (after[rid].lat, after[rid].lon) == POINT
    async with db.session() as s:
        offers = {o.request_id: o for o in (await s.exec(select(Offer))).all()}
        credit = (await s.exec(select(HourCredit).where(HourCredit.request_id == old))).one()
        assert await timeline(s, old) == old_timeline
    assert offers[old].chat_id is None and offers[old].message_id is None
    assert offers[old].distance_m > 0 and offers[old].status == "accepted"
    assert credit.minutes == 40 and credit.status == CreditStatus.CONFIRMED

    async with db.session() as s:  # idempotent: nothing left, nothing changed
        assert await redact_closed(s, retention_days=30, now=NOW + timedelta(hours=1)) == 0
    assert await rows(db) == after


async def test_the_job_is_scheduled_and_redacts_through_the_app(tmp_path) -> None:
    async with sandbox(f"sqlite:///{tmp_path}/retention.db", retention_days=1) as box:
        assert box.app.job_queue is not None
        [job] = box.app.job_queue.get_jobs_by_name(retention_job.JOB_NAME)
        assert job.job.misfire_grace_time is None
        rid = await create(box.db, utcnow() - timedelta(days=2), 7)  # escalated at once
        context = SimpleNamespace(bot_data=box.app.bot_data)
        assert await retention_job.run_retention(context) == 1
        assert await retention_job.run_retention(context) == 0
        async with box.db.session() as s:
            req = await requests.get_request(s, rid)
        assert req is not None and req.redacted_at is not None and req.description is None


async def test_notices_said_about_a_redacted_request_are_forgotten(db: Database) -> None:
    """The outbox's payloads carry the point and the details too: once said, they go with it."""
    old = await create(db, NOW - timedelta(days=45), 3)  # escalated at once: closed
    recent = await create(db, NOW - timedelta(days=1), 4)
    async with db.session() as s:
        said = await outbox.add(
            s,
            [
                OutboxMessage(
                    request_id=rid, chat_id=9, language="en", event="job_assigned", payload="{}"
                )
                for rid in (old, old, recent)
            ],
        )
        [waiting] = await outbox.add(
            s,
            [OutboxMessage(request_id=old, chat_id=9, language="en", event="x", payload="{}")],
        )
        for rid in said:
            await outbox.finish(s, rid, status=outbox.SENT, at=NOW - timedelta(days=40))
    async with db.session() as s:
        await redact_closed(s, retention_days=30, now=NOW)
    async with db.session() as s:
        left = {r.id: r.request_id for r in (await s.exec(select(OutboxMessage))).all()}
    assert left == {said[2]: recent, waiting: old}  # the recent one, and the one not said yet
