"""Bad input, races, faults and timers through the real Application and the emulator.

Volunteers are written straight into the (real) database with the storage
functions, so each scenario starts fast; the citizen side always goes through Telegram.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.devtools.sandbox import Sandbox, start_app, stop_app
from domain.enums import OfferStatus, RequestStatus
from domain.incidents import IncidentType
from storage import requests
from storage.models import Person, Volunteer
from storage.types import utcnow
from tests.e2e_helpers import (
    HERE,
    accept_alert,
    add_volunteers,
    alert_of,
    e2e_sandbox,
    request_help,
    status_of,
)
from tests.privacy import assert_private

OPS = -100777

pytestmark = pytest.mark.sandbox(wave_timeout_s=30, ops_chat_id=OPS)


@pytest.fixture
async def box(box: Sandbox) -> AsyncIterator[Sandbox]:
    """conftest's box with the command centre's group chat, and the privacy scan over it at
    the end (as conftest's ``privacy``; the tests with a sandbox of their own call it, and
    start no box they do not use)."""
    box.emu.group(OPS, "Command centre")
    yield box
    await assert_private(box)


async def test_concurrent_accepts_through_telegram(box: Sandbox) -> None:
    a, b = await add_volunteers(box, (10, 0.5), (11, 0.7))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    data_a, data_b = alert_of(a).button_data[0], alert_of(b).button_data[0]
    await asyncio.gather(
        a.press(data_a), b.press(data_b)
    )  # both taps queued before the bot answers
    await box.settle()
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
        offers = {o.volunteer_id: o.status for o in await requests.offers_for(s, 1)}
    assert req is not None and req.status == RequestStatus.ASSIGNED
    loser = 11 if req.volunteer_id == 10 else 10
    assert req.volunteer_id is not None
    assert offers[req.volunteer_id] == OfferStatus.ACCEPTED and offers[loser] == OfferStatus.TAKEN
    locations = box.emu.calls_for("sendLocation")
    assert [c.params["chat_id"] for c in locations] == [req.volunteer_id]
    loser_alert = next(m for m in box.emu.user(loser).messages if m.edits)
    assert "already taken" in (loser_alert.text or "") and not loser_alert.button_data


async def test_text_instead_of_location_and_outside_area(box: Sandbox) -> None:
    await add_volunteers(box, (10, 0.5))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await citizen.send("/request")
    await box.settle()
    await citizen.press("inc:fire")
    await box.settle()
    await citizen.send("I am at the mall near the big mosque")
    await box.settle()
    assert "I need your location" in (citizen.last.text or "")
    assert "Share my location" in citizen.last.reply_buttons[0]
    await citizen.send_location(51.5, -0.12)  # London: outside the service area
    await box.settle()
    assert "outside the area" in (citizen.last.text or "") and "998" in (citizen.last.text or "")
    async with box.db.session() as s:
        assert await requests.get_request(s, 1) is None  # nothing created yet, nothing lost
    await citizen.send_location(*HERE)  # still in the flow: the real location goes through
    await box.settle()
    await citizen.send("Skip")
    await box.settle()
    assert await status_of(box) == RequestStatus.DISPATCHING


async def test_life_threatening_shows_numbers_before_location(box: Sandbox) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await citizen.send("/request")
    await box.settle()
    await citizen.press("inc:first_aid")
    await box.settle()
    prompt = citizen.last.text or ""
    assert "997" in prompt and "911" in prompt and "do not replace" in prompt


async def test_forged_and_foreign_buttons(box: Sandbox) -> None:
    a, b = await add_volunteers(box, (10, 0.5), (11, 0.7))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    alert = alert_of(a)
    other = alert_of(b).button_data[0]  # b's offer id, pressed by a: a foreign button
    cq = await a.press_data(alert.message_id, other)
    await box.settle()
    assert "not for you" in box.emu.callback_answers[cq].get("text", "")
    cq = await a.press_data(alert.message_id, "job:done:1")  # a job a is not on
    await box.settle()
    assert "not for you" in box.emu.callback_answers[cq].get("text", "")
    cq = await a.press_data(alert.message_id, "offer:acc:99999999999999999999999")  # garbage
    await box.settle()
    assert "not for you" in box.emu.callback_answers[cq].get("text", "")
    cq = await citizen.press_data(citizen.last.message_id, "req:yes:1")  # confirm before done
    await box.settle()
    assert await status_of(box) == RequestStatus.DISPATCHING
    accept = alert.button_data[0]
    await a.press(accept)
    await box.settle()
    assert not alert.button_data  # the alert's keyboard is gone once accepted
    cq = await a.press_data(alert.message_id, accept)  # a double tap arriving late
    await box.settle()
    assert "Already done" in box.emu.callback_answers[cq].get("text", "")
    assert await status_of(box) == RequestStatus.ASSIGNED
    assert len(box.emu.calls_for("sendLocation")) == 1


async def test_cancel_edits_alerts_and_tells_volunteer(box: Sandbox) -> None:
    a, _b = await add_volunteers(box, (10, 0.5), (11, 0.7))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    await accept_alert(box, a)
    await citizen.press("req:cancel:1")
    await box.settle()
    assert await status_of(box) == RequestStatus.CANCELLED
    assert "cancelled request" in (a.last.text or "")
    assert "cancelled" in (citizen.last.text or "")
    async with box.db.session() as s:
        vol = await s.get(Volunteer, 10)
        assert vol is not None and vol.busy_request_id is None


async def test_cant_continue_redispatches(box: Sandbox) -> None:
    a, _b, _c = await add_volunteers(box, (10, 0.5), (11, 0.7), (12, 0.9))
    await add_volunteers(box, (13, 1.1), (14, 1.3), (15, 1.5))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)  # wave 1 = 5 nearest: 10..14
    assert not any(box.emu.user(15).messages)
    await accept_alert(box, a)
    await a.press("job:rel:1")
    await box.settle()
    assert await status_of(box) == RequestStatus.DISPATCHING
    assert alert_of(box.emu.user(15))  # the next volunteer is alerted
    assert "could not continue" in (citizen.last.text or "") or any(
        "could not continue" in (m.text or "") for m in citizen.messages
    )


async def test_not_alerted_off_duty_wrong_skill_too_far_busy(box: Sandbox) -> None:
    await add_volunteers(box, (10, 0.5), on_duty=False)
    await add_volunteers(box, (11, 0.5), skills=(IncidentType.FLOOD,))
    await add_volunteers(box, (12, 90.0))
    await add_volunteers(box, (13, 0.5), busy_request_id=77)
    await add_volunteers(box, (14, 0.9))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    assert [
        c.params["chat_id"]
        for c in box.emu.calls_for("sendMessage")
        if str(c.params.get("reply_markup", "")).find("offer:acc") >= 0
    ] == [14]


async def test_blocked_volunteer_and_429(box: Sandbox) -> None:
    _a, b = await add_volunteers(box, (10, 0.5), (11, 0.7))
    box.emu.block(10)
    box.emu.fail_next("sendMessage", times=1, error_code=429, retry_after=1, chat_id=11)
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    await b.wait_for(lambda m: bool(m.button_data))  # delivered after the retry
    async with box.db.session() as s:
        offers = {o.volunteer_id: o.status for o in await requests.offers_for(s, 1)}
        blocked = await s.get(Person, 10)
        vol = await s.get(Volunteer, 10)
    assert offers == {10: OfferStatus.FAILED, 11: OfferStatus.SENT}
    assert blocked is not None and blocked.blocked and vol is not None and not vol.on_duty
    failed_429 = [
        c for c in box.emu.calls_for("sendMessage") if not c.ok and c.params["chat_id"] == 11
    ]
    assert len(failed_429) == 1


async def test_wave_of_blocked_volunteers_widens_at_once(box: Sandbox) -> None:
    """Every alert of wave 1 answered 403: wave 2 goes out now, not after the 30 s timeout."""
    _a, far = await add_volunteers(box, (10, 0.5), (11, 7.0))  # 11 only in wave 2 (10 km)
    box.emu.block(10)
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    await far.wait_for(lambda m: bool(m.button_data))
    async with box.db.session() as s:
        offers = {o.volunteer_id: o.status for o in await requests.offers_for(s, 1)}
        req = await requests.get_request(s, 1)
        vol = await s.get(Volunteer, 10)
    assert offers == {10: OfferStatus.FAILED, 11: OfferStatus.SENT}
    assert req is not None and req.wave == 2 and vol is not None and not vol.on_duty
    assert "widened the search" in (citizen.last.text or "")
    assert box.app.job_queue is not None
    jobs = box.app.job_queue.get_jobs_by_name("request:1")
    assert len(jobs) == 1  # wave 2's timer is armed (and wave 1's replaced)


async def test_no_one_accepts_escalates_to_ops(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, wave_timeout_s=0.3, ops_chat_id=OPS, ops_language="en") as box:
        ops = box.emu.group(OPS, "Command centre")
        await add_volunteers(box, (10, 0.5), (11, 7.0))
        citizen = box.emu.user(1, first_name="Noura", language_code="en", username="noura_k")
        await request_help(box, citizen)
        msg = await ops.wait_for(lambda m: "Noura" in (m.text or ""))
        text = msg.text or ""
        assert "Unanswered request #1" in text and "Noura" in text and "24.71360" in text
        assert (
            "Request created" in text
            and "Wave 1: 1 volunteer alerted within 5.0 km" in text
            and "Wave 2" in text
        )
        await box.settle()
        assert any(
            "no volunteer is available" in (m.text or "") and "998" in (m.text or "")
            for m in citizen.messages
        )
        assert await status_of(box) == RequestStatus.ESCALATED
        for pid in (10, 11):  # open alerts are edited to expired
            assert any("expired" in (m.text or "") and m.edits for m in box.emu.user(pid).messages)
        waves = [
            c
            for c in box.emu.calls_for("sendMessage")
            if "offer:acc" in str(c.params.get("reply_markup", ""))
        ]
        assert [c.params["chat_id"] for c in waves] == [10, 11]  # the ladder widened in order
        assert await assert_private(box) == 1  # the point and @noura_k went to the ops chat only


async def test_an_escalated_request_can_be_cancelled_and_ops_are_told(tmp_path: Path) -> None:
    """Issue 18.5: after an escalation the citizen reads what happens next first, and the
    cancel button on that message still works; the command centre is told."""
    async with e2e_sandbox(tmp_path, wave_timeout_s=0.3, ops_chat_id=OPS, ops_language="en") as box:
        ops = box.emu.group(OPS, "Command centre")
        await add_volunteers(box, (10, 0.5))
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await request_help(box, citizen)
        await ops.wait_for(lambda m: "Unanswered request #1" in (m.text or ""))
        await box.settle()
        sorry = next(m for m in citizen.messages if "no volunteer is available" in (m.text or ""))
        assert (sorry.text or "").startswith("The command centre is following up your request #1")
        assert "We received your request" not in (sorry.text or "")
        assert "req:cancel:1" in sorry.button_data
        cq = await citizen.press_data(sorry.message_id, "req:cancel:1")
        await box.settle()
        assert "moved on" not in box.emu.callback_answers[cq].get("text", "")
        assert await status_of(box) == RequestStatus.CANCELLED
        assert "Your request #1 is cancelled" in (citizen.last.text or "")
        assert any("cancelled request #1" in (m.text or "") for m in ops.messages)
        await assert_private(box)


async def test_restart_mid_ladder_fires_next_wave_once(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, wave_timeout_s=1.0) as box:
        await add_volunteers(box, (10, 0.5), (11, 7.0))
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await request_help(box, citizen)
        assert alert_of(box.emu.user(10))
        await stop_app(box.app)  # the bot goes down mid-ladder
        async with box.db.session() as s:
            req = await requests.get_request(s, 1)
            assert req is not None and req.wave == 1 and req.next_timer_at is not None
            due = req.next_timer_at
        # The wave timer comes due while the bot is down.
        await asyncio.sleep((due + timedelta(seconds=0.3) - utcnow()).total_seconds())
        box.app = await start_app(box.settings, box.db)  # a new Application on the same database
        await box.emu.user(11).wait_for(lambda m: bool(m.button_data))
        await asyncio.sleep(1.5)
        await box.settle()
        alerts_to_11 = [
            c
            for c in box.emu.calls_for("sendMessage")
            if c.params["chat_id"] == 11 and "offer:acc" in str(c.params.get("reply_markup", ""))
        ]
        assert len(alerts_to_11) == 1
        async with box.db.session() as s:
            req = await requests.get_request(s, 1)
            assert req is not None and req.wave >= 2
