"""The transactional outbox: claims on both databases, and nothing lost when Telegram fails.

Issue 10 item 1: a message that fails to send is retried until it lands; a notice committed
before a crash is said after the restart; a wave's alerts leave nearest first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.devtools.emulator import EmuUser
from bot.devtools.emulator.faults import Fault, FaultKind
from bot.devtools.sandbox import Sandbox, sandbox, start_app, stop_app
from bot.handlers.outbox import Batch, Lease, Sender
from bot.services import delivery
from bot.services.notices import Notice, Recipient, RequestCancelled
from domain.enums import OfferStatus, RequestStatus
from storage import outbox, requests
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.factories import RIYADH, offset, person, volunteer

HERE = (RIYADH.lat, RIYADH.lon)
FAST = {"outbox_sweep_s": 0.2, "outbox_retry_base_s": 0.1}


def row(chat_id: int, priority: int = 1) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id,
        language="en",
        event="request_cancelled",
        payload='{"event": "request_cancelled", "request_id": 1}',
        priority=priority,
    )


# --- claims ----------------------------------------------------------------------------------


async def test_claims_go_by_priority_then_order_and_hold_a_lease(db: Database) -> None:
    async with db.session() as s:
        ids = await outbox.add(s, [row(1), row(2, priority=0), row(3)])
    now = utcnow()
    async with db.session() as s:
        first = await outbox.claim(s, now=now, lease_s=30)
    assert [r.chat_id for r in first] == [2, 1, 3]
    assert all(r.attempts == 1 for r in first)
    async with db.session() as s:  # held: nobody else gets them
        assert await outbox.claim(s, now=now, lease_s=30) == []
    async with db.session() as s:  # the holder died: after the lease, claimable again
        again = await outbox.claim(s, now=now + timedelta(seconds=31), lease_s=30, ids=ids[:1])
    assert [r.id for r in again] == ids[:1] and again[0].attempts == 2
    async with db.session() as s:
        assert await outbox.finish(s, ids[0], status=outbox.SENT, at=now, message_id=7)
        assert not await outbox.finish(s, ids[0], status=outbox.SENT, at=now)  # once
        await outbox.retry_later(s, ids[1], at=now + timedelta(seconds=5), error="502")
        assert await outbox.depth(s) == 2
    async with db.session() as s:
        later = now + timedelta(seconds=40)
        assert [r.id for r in await outbox.claim(s, now=later, lease_s=30)] == ids[1:]


async def test_two_senders_never_claim_one_row(db: Database) -> None:
    async with db.session() as s:
        await outbox.add(s, [row(i) for i in range(40)])
    now = utcnow()

    async def take() -> list[int]:
        async with db.session() as s:
            return [r.id for r in await outbox.claim(s, now=now, lease_s=30, limit=25) if r.id]

    a, b = await asyncio.gather(take(), take())
    assert not set(a) & set(b)
    assert len(a) + len(b) == 40


async def test_a_notice_round_trips_through_its_row(db: Database) -> None:
    notice = Notice(Recipient(5, 5, "ar"), RequestCancelled(9))
    async with db.session() as s:
        [rid] = await delivery.enqueue(s, [notice], now=utcnow(), request_id=9)
    async with db.session() as s:
        [claimed] = await outbox.claim(s, now=utcnow(), lease_s=30, ids=[rid])
    assert delivery.notice_of(claimed) == notice and claimed.request_id == 9


# --- through Telegram ------------------------------------------------------------------------


@pytest.fixture
async def box(tmp_path) -> AsyncIterator[Sandbox]:
    async with sandbox(f"sqlite:///{tmp_path}/outbox.db", **FAST) as b:
        yield b


async def help_requested(box: Sandbox, citizen: EmuUser) -> None:
    await citizen.send("/request")
    await box.settle()
    await citizen.press("inc:fire")
    await box.settle()
    await citizen.send_location(*HERE)
    await box.settle()
    await citizen.send("Skip")
    await box.settle()


def job_messages(box: Sandbox, chat_id: int) -> list[object]:
    return [
        c
        for c in box.emu.applied("sendMessage", chat_id)
        if "assigned to request" in str(c.params.get("text", ""))
    ]


async def unsent(db: Database) -> int:
    async with db.session() as s:
        return await outbox.depth(s)


async def test_a_failed_job_message_is_sent_again_once(box: Sandbox) -> None:
    """Defect 1: the winner's job message failed and was gone; now it is retried."""
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    v = box.emu.user(10, first_name="V10", language_code="en")
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await help_requested(box, citizen)
    alert = next(m for m in v.messages if m.button_data)
    box.emu.inject(Fault(FaultKind.BAD_GATEWAY), methods=["sendMessage"], chat_id=10, times=2)
    await v.press(alert.button_data[0])
    await v.wait_for(lambda m: "assigned to request" in (m.text or ""))
    await box.settle()
    assert len(box.emu.faults_for("sendMessage", 10)) == 2
    assert len(job_messages(box, 10)) == 1
    assert len(box.emu.applied("sendLocation", 10)) == 1
    assert await unsent(box.db) == 0


async def test_a_volunteer_told_to_retry_after_gets_it_after(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    v = box.emu.user(10, first_name="V10", language_code="en")
    # More 429s than PTB's rate limiter retries by itself: the outbox waits and tries again.
    box.emu.inject(Fault(FaultKind.RETRY_AFTER, retry_after=1), methods=["sendMessage"], chat_id=10, times=5)  # fmt: skip
    await help_requested(box, box.emu.user(1, first_name="Noura", language_code="en"))
    await v.wait_for(lambda m: bool(m.button_data))
    await box.settle()
    alerts = [c for c in box.emu.applied("sendMessage", 10) if "offer:acc" in str(c.params)]
    assert len(alerts) == 1


async def test_notices_committed_before_a_crash_are_said_after_the_restart(tmp_path) -> None:
    async with sandbox(f"sqlite:///{tmp_path}/crash.db", **FAST) as box:
        await person(box.db, 1)
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await stop_app(box.app)  # down: what is committed now waits in the outbox
        async with box.db.session() as s:
            await delivery.enqueue(
                s, [Notice(Recipient(1, 1, "en"), RequestCancelled(4))], now=utcnow()
            )
        box.app = await start_app(box.settings, box.db)
        await citizen.wait_for(lambda m: "request #4 is cancelled" in (m.text or ""))
        await box.settle()
        assert len(box.emu.applied("sendMessage", 1)) == 1
        assert await unsent(box.db) == 0


async def test_a_wave_leaves_nearest_first(box: Sandbox) -> None:
    for pid, km in ((12, 1.2), (10, 0.4), (11, 0.8)):
        box.emu.user(pid, first_name=f"V{pid}", language_code="en")
        await volunteer(box.db, pid, offset(*HERE, km), utcnow())
    await help_requested(box, box.emu.user(1, first_name="Noura", language_code="en"))
    alerts = [
        c.params["chat_id"]
        for c in box.emu.calls_for("sendMessage")
        if "offer:acc" in str(c.params.get("reply_markup", ""))
    ]
    assert alerts == [10, 11, 12]


async def test_failing_sends_to_volunteers_lose_nothing(tmp_path) -> None:
    """A quarter of what the outbox says to volunteers fails (alerts, jobs, the edits of
    taken alerts): every citizen is told, every winner gets the job, every taken alert is
    closed. (The citizen's own flow replies are the handlers' business: tests/test_e2e_*.)"""
    async with sandbox(f"sqlite:///{tmp_path}/faults.db", **FAST) as box:
        citizens = [box.emu.user(100 + i, first_name=f"C{i}", language_code="en") for i in range(4)]
        for i in range(4):
            for j in range(2):
                pid = 10 + 2 * i + j
                box.emu.user(pid, first_name=f"V{pid}", language_code="en")
                at = offset(*offset(*HERE, 30.0 * i), 0.3 + 0.2 * j)
                await volunteer(box.db, pid, at, utcnow())
        for pid in range(10, 18):
            box.emu.inject(
                Fault(FaultKind.BAD_GATEWAY),
                methods=["sendMessage", "sendLocation", "editMessageText"],
                chat_id=pid,
                share=0.25,
                seed=pid,
            )
        for i, citizen in enumerate(citizens):
            await citizen.send("/request")
            await box.settle()
            await citizen.press("inc:fire")
            await box.settle()
            await citizen.send_location(*offset(*HERE, 30.0 * i))
            await box.settle()
            await citizen.send("Skip")
            await box.settle()
        for i in range(4):
            first = box.emu.user(10 + 2 * i)
            await first.wait_for(lambda m: any(d.startswith("offer:acc:") for d in m.button_data))  # fmt: skip
            alert = next(m for m in first.messages if any(d.startswith("offer:acc:") for d in m.button_data))  # fmt: skip
            await first.press(alert.button_data[0])
            await box.settle()
        for _ in range(100):  # retries come every 0.2 s; give them a few seconds at most
            if await unsent(box.db) == 0:
                break
            await asyncio.sleep(0.1)
        await box.settle()
        assert box.emu.faults_injected, "the test injected nothing"
        assert await unsent(box.db) == 0
        async with box.db.session() as s:
            for rid in range(1, 5):
                req = await requests.get_request(s, rid)
                assert req is not None and req.status == RequestStatus.ASSIGNED
                assert req.volunteer_id is not None
                assert len(job_messages(box, req.volunteer_id)) == 1
                for offer in await requests.offers_for(s, rid):
                    assert offer.status in (OfferStatus.ACCEPTED, OfferStatus.TAKEN)
        for c in citizens:
            assert any("was received" in (m.text or "") for m in c.messages)
            assert any("accepted your request" in (m.text or "") for m in c.messages)
        for i in range(4):  # the runner-up's alert lost its buttons
            second = box.emu.user(11 + 2 * i)
            assert not any(any(d.startswith("offer:acc:") for d in m.button_data) for m in second.messages)  # fmt: skip


async def test_the_winner_tapping_accept_again_gets_a_job_that_was_given_up(tmp_path) -> None:
    """Defect 1: 'Already done' and never the location. A job message the sender gave up on
    is sent again when the winner taps Accept again; one that was sent is not."""
    async with sandbox(f"sqlite:///{tmp_path}/again.db", outbox_max_attempts=1, **FAST) as box:
        v = box.emu.user(10, first_name="V10", language_code="en")
        await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
        await help_requested(box, box.emu.user(1, first_name="Noura", language_code="en"))
        alert = next(m for m in v.messages if m.button_data)
        accept = alert.button_data[0]
        box.emu.inject(Fault(FaultKind.BAD_GATEWAY), methods=["sendMessage"], chat_id=10, times=1)
        await v.press(accept)
        await box.settle()
        assert job_messages(box, 10) == []  # given up after its one attempt
        await v.press_data(alert.message_id, accept)
        await v.wait_for(lambda m: "assigned to request" in (m.text or ""))
        await box.settle()
        await v.press_data(alert.message_id, accept)  # and now a double tap changes nothing
        await box.settle()
        assert len(job_messages(box, 10)) == 1


async def test_a_sender_starved_past_its_lease_leaves_the_rows_to_the_next_claim(
    tmp_path: Path,
) -> None:
    """Issue 11, exactly once across workers: a sender whose lease lapsed while it was starved
    (no renewal ran) says nothing more of the batch, since another sender may hold it by now;
    the rows stay due, and the next claim says each once, in order."""
    async with sandbox(f"sqlite:///{tmp_path}/lease.db", outbox_sweep_s=3600) as box:
        await _starved_sender(box)


async def _starved_sender(box: Sandbox) -> None:
    box.emu.user(5, language_code="en")
    notices = [Notice(Recipient(5, 5, "en"), RequestCancelled(n)) for n in (1, 2)]
    async with box.db.session() as s:
        ids = await delivery.enqueue(s, notices, now=utcnow())
    lease_s = 30.0
    async with box.db.session() as s:
        rows = await outbox.claim(s, now=utcnow(), lease_s=lease_s, ids=ids)
    sender: Sender = box.app.bot_data["sender"]
    lease = Lease(rows)
    lease.until = utcnow() + timedelta(seconds=lease_s / 20)  # less than a tenth left
    said = Batch()
    await sender._in_order(rows, lease, said)
    assert said == [] and box.emu.applied("sendMessage", 5) == []
    assert await unsent(box.db) == 2
    async with box.db.session() as s:  # once the lease has passed, the next claim has them
        again = await outbox.claim(s, now=utcnow() + timedelta(seconds=lease_s), lease_s=lease_s)
    assert [r.id for r in again] == ids
    lease, said = Lease(again), Batch()
    await sender._in_order(again, lease, said)
    await sender._record(said, lease.book)
    said = [c.params["text"] for c in box.emu.applied("sendMessage", 5)]
    assert len(said) == 2 and "#1" in said[0] and "#2" in said[1]
    assert await unsent(box.db) == 0


# --- one chat's notices in order, a failure's retry included ---------------------------------


async def test_a_status_notice_waits_behind_an_earlier_one_that_is_due_later(
    db: Database,
) -> None:
    async with db.session() as s:
        first, second, alert, other = await outbox.add(
            s, [row(5, outbox.STATUS), row(5, outbox.STATUS), row(5, 0), row(6, outbox.STATUS)]
        )
        await s.commit()
    now = utcnow()
    async with db.session() as s:  # the first failed a moment ago: due again in a second
        await outbox.retry_later(s, first, at=now + timedelta(seconds=1), error="502")
        await s.commit()
    async with db.session() as s:  # the unit of work that wrote the second cannot say it yet
        assert await outbox.claim(s, now=now, lease_s=30, ids=[second]) == []
    async with db.session() as s:  # nor can a sweep; the alert and another chat's row can go
        swept = await outbox.claim(s, now=now, lease_s=30)
    assert sorted(int(r.id or 0) for r in swept) == sorted([alert, other])
    later = now + timedelta(seconds=2)
    async with db.session() as s:  # once the first is due, both go, in the order written
        both = await outbox.claim(s, now=later, lease_s=30)
    assert [r.id for r in both] == [first, second]


async def test_a_unit_of_works_own_notices_to_one_chat_are_claimed_together(
    db: Database,
) -> None:
    async with db.session() as s:
        ids = await outbox.add(s, [row(5, outbox.STATUS), row(5, outbox.STATUS)])
        await s.commit()
    async with db.session() as s:
        claimed = await outbox.claim(s, now=utcnow(), lease_s=30, ids=ids)
    assert [r.id for r in claimed] == ids  # the earlier one, unclaimed before, holds nothing up


async def test_a_failed_notice_holds_back_the_rest_of_its_chats_batch(tmp_path: Path) -> None:
    async with sandbox(f"sqlite:///{tmp_path}/order.db", **FAST) as box:
        citizen = box.emu.user(100, first_name="C", language_code="en")
        box.emu.fail_next("sendMessage", error_code=502, retry_after=None, chat_id=100)
        notices = [
            Notice(Recipient(100, 100, "en"), RequestCancelled(request_id=i)) for i in (1, 2, 3)
        ]
        async with box.db.session() as s:
            ids = await delivery.enqueue(s, notices, now=utcnow())
            await s.commit()
        sender: Sender = box.app.bot_data["sender"]
        await sender.send(ids)
        async with box.db.session() as s:
            rows = [await s.get(OutboxMessage, i) for i in ids]
        assert all(r is not None and r.status == outbox.PENDING for r in rows)
        assert all(r is not None and r.attempts == a for r, a in zip(rows, (1, 0, 0), strict=True))
        due = [r.next_attempt_at for r in rows if r is not None]
        assert due[1] == due[0] and due[2] == due[0]  # the rest wait with the failed one
        for _ in range(100):
            if await unsent(box.db) == 0:
                break
            await asyncio.sleep(0.05)
        await box.settle()
        said = [m.text or "" for m in citizen.messages]
        assert len(said) == 3 and said == sorted(
            said, key=lambda t: ["#1" in t, "#2" in t, "#3" in t].index(True)
        )
