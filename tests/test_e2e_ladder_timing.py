"""The ladder on short real timers, each test with a sandbox of its own: no one accepts and the
command centre takes over (and the citizen can still cancel), and a restart mid-ladder.

These tests build their sandbox themselves (other settings, a second Application), so they
live apart from test_e2e_rules.py, whose every test runs on ``box``: an unused ``box`` would be
a second bot claiming the due timers from the database (fleet mode) and sending the waves to an
emulator that has none of the chats. Each calls the privacy scan itself.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.devtools.sandbox import start_app, stop_app
from domain.enums import RequestStatus
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import add_volunteers, alert_of, e2e_sandbox, request_help, status_of
from tests.privacy import assert_private

OPS = -100777


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
