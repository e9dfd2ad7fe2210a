"""An escalation's buttons in the operations chat, through the real Application and the
emulator: a member who is no operator is refused; an operator's answer is applied once,
the notice is edited for everyone, and the citizen is told."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from domain.enums import RequestStatus
from tests.e2e_helpers import add_volunteers, request_help, status_of

OPERATORS = (900, 901)
OPS = -100777
pytestmark = pytest.mark.sandbox(
    operator_ids=frozenset(OPERATORS), ops_chat_id=OPS, ops_language="en"
)
ANSWERS = ["esc:wide:1", "esc:who:1", "esc:off:1", "esc:false:1"]


async def test_the_escalation_carries_the_four_answers_and_one_applies(box: Sandbox) -> None:
    ops = box.emu.group(OPS, "Command centre")
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    first, second = (box.emu.user(pid, first_name=f"Op{pid}") for pid in OPERATORS)
    stranger = box.emu.user(5, first_name="Guest")
    await request_help(box, citizen)  # nobody on duty: escalated at once
    notice = await ops.wait_for("Unanswered request #1")
    assert notice.button_data == ANSWERS
    # A member of the operations chat who is not an operator changes nothing.
    cq = await ops.press_data(notice.message_id, "esc:off:1", by=stranger)
    await box.settle()
    assert box.emu.callback_answers[cq]["text"] == "Only operators can do this."
    assert await status_of(box) == RequestStatus.ESCALATED
    # Two operators: the first press decides, the second is told it was answered.
    await ops.press_data(notice.message_id, "esc:off:1", by=first)
    late = await ops.press_data(notice.message_id, "esc:false:1", by=second)
    await box.settle()
    assert await status_of(box) == RequestStatus.CANCELLED
    assert box.emu.callback_answers[late]["text"].startswith("Already answered")
    edited = await ops.wait_for("handed it to the official services")
    assert edited.message_id == notice.message_id and edited.button_data == []
    assert "Op900" in (edited.text or "") and "Unanswered request #1" in (edited.text or "")
    assert "passed your request #1" in (citizen.last.text or "")
    assert "998" in (citizen.last.text or "")  # with the official numbers


async def test_assign_shows_the_nearest_and_alerts_the_one_chosen(box: Sandbox) -> None:
    ops = box.emu.group(OPS, "Command centre")
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    operator = box.emu.user(OPERATORS[0], first_name="Op")
    await request_help(box, citizen)
    notice = await ops.wait_for("Unanswered request #1")
    cq = await ops.press_data(notice.message_id, "esc:who:1", by=operator)
    await box.settle()
    assert box.emu.callback_answers[cq]["text"].startswith("Nobody the wider search would reach")
    [far] = await add_volunteers(box, (10, 30.0))  # beyond the ladder's 20 km, inside 40 km
    await ops.press_data(notice.message_id, "esc:who:1", by=operator)
    await box.settle()
    listed = await ops.wait_for(lambda m: "esc:to:1:10" in m.button_data)
    assert listed.button_data == ["esc:to:1:10", "esc:back:1"]
    await ops.press_data(notice.message_id, "esc:to:1:10", by=operator)
    await box.settle()
    alert = far.last
    assert alert is not None and "offer:acc:1" in alert.button_data
    assert "Op alerted P10." in ((await ops.wait_for("alerted P10")).text or "")
    assert await status_of(box) == RequestStatus.DISPATCHING
