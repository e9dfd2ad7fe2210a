"""Surge-aware alerting: what leaves first when the send budget is the bottleneck.

On both databases: the outbox's claims order first alerts of life-threatening types before
others, then the request that has waited longest, then nearest first within a request, and
keep a share for status notices however many alerts wait; the first wave shrinks past the
backlog threshold and not under it. Without a database: the send budget (bot/budget.py)
hands its slots out in the same order and never starves the status notices.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseRateLimiter, ExtBot

from bot.budget import PriorityLimiter, Urgency, _Gate
from bot.devtools.emulator import BotApiEmulator
from bot.handlers.outbox import say
from bot.services import delivery, dispatch
from bot.services.config import DispatchConfig
from bot.services.notices import AlertOffer, Area, Notice, Recipient, RequestCreated
from bot.settings import Settings
from domain.incidents import IncidentType
from storage import outbox
from storage.db import Database
from storage.models import Offer, OutboxMessage
from storage.types import utcnow
from tests.factories import RIYADH, offset, person, volunteer

AREA = Area("Riyadh", "الرياض", 2.0)


def alert(request_id: int, incident: str, volunteer_id: int, *, wave: int = 1) -> Notice:
    to = Recipient(volunteer_id, volunteer_id, "en")
    offer_id = request_id * 100 + volunteer_id
    payload = AlertOffer(request_id, incident, offer_id, volunteer_id * 10, AREA, wave)
    return Notice(to, payload, offer_id=offer_id)


def status(request_id: int, citizen: int) -> Notice:
    return Notice(Recipient(citizen, citizen, "en"), RequestCreated(request_id, "fire", 3))


async def write(db: Database, notices: list[Notice], request_id: int | None = None) -> list[int]:
    async with db.session() as s:
        return await delivery.enqueue(s, notices, now=utcnow(), request_id=request_id)


async def claim_all(db: Database, limit: int = 100) -> list[tuple[int | None, int, str]]:
    async with db.session() as s:
        rows = await outbox.claim(s, now=utcnow() + timedelta(seconds=1), lease_s=60, limit=limit)
    return [(r.request_id, r.chat_id, r.event) for r in rows]


async def test_claims_put_life_threatening_first_then_the_oldest_request_then_the_nearest(
    db: Database,
) -> None:
    # Written in the worst order: a breakdown first, then a fire's later wave, then two fires'
    # first waves, the newer request (9) before the older (4), each wave nearest first.
    await write(db, [alert(2, "breakdown", v) for v in (21, 22)])
    await write(db, [alert(1, "fire", v, wave=2) for v in (11, 12)])
    await write(db, [alert(9, "fire", v) for v in (91, 92, 93)])
    await write(db, [alert(4, "rescue", v) for v in (41, 42)])
    order = [(rid, chat) for rid, chat, _e in await claim_all(db)]
    assert order == [
        (4, 41), (4, 42),  # life-threatening first alerts, the older request first
        (9, 91), (9, 92), (9, 93),  # nearest first within the request
        (2, 21), (2, 22),  # a breakdown's first alerts
        (1, 11), (1, 12),  # a later wave, even of a fire
    ]  # fmt: skip


async def test_the_rows_a_unit_of_work_wrote_are_claimed_in_the_same_order(db: Database) -> None:
    ids = await write(db, [alert(2, "breakdown", 21), alert(3, "fire", 31), status(3, 7)])
    async with db.session() as s:
        rows = await outbox.claim(s, now=utcnow() + timedelta(seconds=1), lease_s=60, ids=ids)
    assert [r.chat_id for r in rows] == [31, 21, 7]


async def test_a_status_notice_is_claimed_within_one_claim_while_alerts_keep_coming(
    db: Database,
) -> None:
    await write(db, [alert(1, "fire", v) for v in range(100, 130)])
    await write(db, [status(1, 7)])
    claims_until_said = None
    for claim_number in range(1, 6):
        await write(db, [alert(1 + claim_number, "fire", v) for v in range(200, 230)])
        said = await claim_all(db, limit=10)
        assert len(said) == 10
        if any(chat == 7 for _r, chat, _e in said):
            claims_until_said = claim_number
            break
    assert claims_until_said == 1  # one slot in five (at least one) of each claim is theirs


async def test_alerts_fill_a_claim_when_no_status_notice_waits(db: Database) -> None:
    await write(db, [alert(1, "fire", v) for v in range(100, 110)])
    said = await claim_all(db, limit=4)
    assert [chat for _r, chat, _e in said] == [100, 101, 102, 103]


def test_the_first_wave_shrinks_past_the_backlog_threshold_and_not_under_it() -> None:
    cfg = DispatchConfig(first_wave=5, surge_backlog=60, surge_first_wave=2)
    calm, busy = cfg.ladder("fire", backlog=59), cfg.ladder("fire", backlog=60)
    assert calm[0].count == 5 and busy[0].count == 2
    assert calm[1:] == busy[1:]  # later waves keep their shape
    assert calm[0].radius_m == busy[0].radius_m


async def test_under_load_a_new_request_alerts_fewer_volunteers_nearest_first(
    db: Database,
) -> None:
    now = utcnow()
    for i, km in enumerate((0.5, 1.0, 1.5, 2.0, 2.5, 3.0)):
        await volunteer(db, 500 + i, offset(RIYADH.lat, RIYADH.lon, km), now)
    # Two reports at one spot would be linked (bot/services/dispatch/linked.py): not here.
    cfg = DispatchConfig(first_wave=5, surge_backlog=60, surge_first_wave=2, link_radius_m=0.0)
    alerted = {}
    for citizen, backlog in ((1, 0), (2, 60)):
        await person(db, citizen)
        async with db.session() as s:
            out = await dispatch.create_request(
                s,
                cfg,
                requester_id=citizen,
                incident=IncidentType.FIRE,
                lat=RIYADH.lat,
                lon=RIYADH.lon,
                description=None,
                now=now,
                backlog=backlog,
            )
        alerts = [n.payload for n in out.notices if isinstance(n.payload, AlertOffer)]
        alerted[backlog] = [a.distance_m for a in alerts]
    assert len(alerted[0]) == 5
    assert alerted[60] == alerted[0][:2]  # the two nearest


async def test_a_waves_alerts_are_stored_with_their_ids_in_order(db: Database) -> None:
    now = utcnow()
    for i in range(4):
        await volunteer(db, 600 + i, offset(RIYADH.lat, RIYADH.lon, 0.5 * (i + 1)), now)
    await person(db, 3)
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            DispatchConfig(),
            requester_id=3,
            incident=IncidentType.BREAKDOWN,
            lat=RIYADH.lat,
            lon=RIYADH.lon,
            description=None,
            now=now,
        )
    alerts = [n.payload for n in out.notices if isinstance(n.payload, AlertOffer)]
    async with db.session() as s:
        for a in alerts:
            stored = await s.get(Offer, a.offer_id)
            assert stored is not None and stored.distance_m == a.distance_m
    assert [a.offer_id for a in alerts] == sorted(a.offer_id for a in alerts)


async def test_the_send_budget_hands_slots_out_by_urgency_and_keeps_the_status_share() -> None:
    gate = _Gate(rate=200.0, status_share=0.25)
    order: list[str] = []
    await gate.admit((3, 0, 0))  # takes the one free slot: everything after it waits

    async def wait(key: tuple[int, int, int], name: str) -> None:
        await gate.admit(key)
        order.append(name)

    waiters = [wait((3, 0, 1), "status-a"), wait((3, 0, 2), "status-b")]
    waiters += [wait((1, 7, 10 + i), f"breakdown-{i}") for i in range(4)]
    waiters += [wait((0, 9, 20 + i), f"fire-{i}") for i in range(4)]
    await asyncio.gather(*waiters)
    fires = [n for n in order if n.startswith("fire")]
    assert fires == ["fire-0", "fire-1", "fire-2", "fire-3"]
    assert order.index("fire-3") < order.index("breakdown-0")  # life-threatening first
    # One slot in four goes to the status notices while alerts wait: never starved.
    assert order.index("status-a") < 4 and order.index("status-b") < 8
    assert order.index("status-a") < order.index("status-b")


class Through(BaseRateLimiter[Any]):
    """The limiter behind the budget, passing every call straight on (Telegram's other limits
    are the emulator's business in the end-to-end tests)."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback: Any, args: Any, kwargs: Any, *_rest: Any) -> Any:
        return await callback(*args, **kwargs)


async def test_paid_broadcasts_take_their_slots_from_a_budget_of_their_own() -> None:
    assert Settings.model_fields["paid_broadcast"].default is False  # off unless paid for
    limiter = PriorityLimiter(Through(), rate=1.0, paid_rate=500.0, status_share=0.2)
    said: list[str] = []

    async def send(name: str) -> str:
        said.append(name)
        return name

    def call(name: str, paid: bool) -> Any:
        data: dict[str, Any] = {"chat_id": 5, **({"allow_paid_broadcast": True} if paid else {})}
        return limiter.process_request(send, (name,), {}, "sendMessage", data, Urgency(1, 1))

    await call("ordinary-0", False)  # the ordinary budget's one slot: the next waits a second
    later = asyncio.ensure_future(call("ordinary-1", False))
    await asyncio.gather(*(call(f"paid-{i}", True) for i in range(20)))
    assert said == ["ordinary-0", *(f"paid-{i}" for i in range(20))]  # none waited behind it
    await later
    assert said[-1] == "ordinary-1"


async def test_a_paid_notice_goes_with_allow_paid_broadcast_and_an_ordinary_one_without() -> None:
    async with BotApiEmulator() as emu:
        emu.user(41)
        bot = ExtBot(
            emu.token, base_url=emu.base_url, rate_limiter=PriorityLimiter(Through(), rate=50.0)
        )
        await bot.initialize()
        try:
            for paid in (True, False):
                notice = alert(1, "fire", 41)
                await say(bot, replace(notice, paid_broadcast=paid), urgency=Urgency(0, 1))
        finally:
            await bot.shutdown()
        sent = emu.calls_for("sendMessage")
    assert [c.params.get("allow_paid_broadcast") for c in sent] == [True, None]


async def test_a_handlers_reply_goes_after_first_alerts_and_before_status_notices() -> None:
    limiter = PriorityLimiter(Through(), rate=200.0, status_share=0.01)
    said: list[str] = []

    async def send(name: str) -> str:
        said.append(name)
        return name

    def call(name: str, urgency: Urgency | None) -> Any:
        data = {"chat_id": len(said) + 1}
        return limiter.process_request(send, (name,), {}, "sendMessage", data, urgency)

    await call("first", None)  # takes the free slot: the others queue
    await asyncio.gather(
        call("status", Urgency(3, 5)),
        call("reply", None),
        call("later-wave", Urgency(2, 9)),
        call("alert", Urgency(1, 7)),
    )
    assert said[1:3] == ["alert", "reply"]
    assert said[-1] == "status"


async def test_a_batch_is_recorded_with_each_rows_own_answer_time(db: Database) -> None:
    """The sender records a batch when it is done; each row keeps the time Telegram answered
    it (what the queue delays and the first-alert figure are measured on), not the batch's."""
    ids = await write(db, [alert(1, "fire", 11), alert(1, "fire", 12)])
    async with db.session() as s:
        await outbox.claim(s, now=utcnow() + timedelta(seconds=1), lease_s=60, ids=ids)
    early = utcnow()
    late = early + timedelta(seconds=3)
    async with db.session() as s:
        await outbox.finish_sent(s, [(ids[0], 501, early), (ids[1], 502, late)])
    async with db.session() as s:
        rows = [await s.get(OutboxMessage, i) for i in ids]
    assert [(r.status, r.message_id) for r in rows if r] == [("sent", 501), ("sent", 502)]
    times = [r.sent_at for r in rows if r and r.sent_at]
    assert len(times) == 2 and (times[1] - times[0]).total_seconds() == 3.0


async def test_a_reply_in_a_life_threatening_flow_goes_before_other_first_alerts() -> None:
    limiter = PriorityLimiter(Through(), rate=50.0, status_share=0.2)
    limiter.urgent_chat = lambda chat_id: chat_id == 7  # chat 7 picked a fire (urgency.py)
    said: list[str] = []

    async def send(name: str) -> None:
        said.append(name)

    def call(name: str, chat_id: int, urgency: Urgency | None) -> Any:
        data = {"chat_id": chat_id}
        return limiter.process_request(send, (name,), {}, "sendMessage", data, urgency)

    await call("first", 1, None)  # takes the free slot: the rest queue
    await asyncio.gather(
        call("reply-breakdown-citizen", 8, None),
        call("breakdown-alert", 20, Urgency(1, 9)),
        call("reply-fire-citizen", 7, None),
        call("fire-alert", 21, Urgency(0, 10)),
    )
    assert said == [
        "first",
        "fire-alert",
        "reply-fire-citizen",
        "breakdown-alert",
        "reply-breakdown-citizen",
    ]


def test_the_bot_wires_the_budget_to_the_update_processors_memory_of_urgent_chats() -> None:
    from bot.app import build_application

    settings = Settings(
        telegram_bot_token="1:T", database_url="sqlite:///:memory:", update_concurrency=4
    )
    app = build_application(settings, token="1:T")
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, PriorityLimiter) and limiter.urgent_chat is not None
    urgency = app.update_processor.urgency  # type: ignore[attr-defined]
    assert limiter.urgent_chat == urgency.urgent
    shown = {"message_id": 9, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "?"}
    fire = {"id": "q", "from": {"id": 7, "is_bot": False, "first_name": "C"}, "chat_instance": "c"}
    press = {"update_id": 1, "callback_query": {**fire, "data": "inc:fire", "message": shown}}
    urgency.allowance(Update.de_json(press, None))  # chat 7 picks a fire
    assert limiter.urgent_chat(7) and not limiter.urgent_chat(8)
