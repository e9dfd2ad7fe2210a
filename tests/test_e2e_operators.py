"""The command centre through the real Application and the emulator: every operator command and
button refuses an ordinary user and a volunteer (the refusal recorded), by command and by
forged button, before any argument is read; an operator reads and acts."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from domain.enums import AuditKind, RequestStatus, VolunteerStatus
from storage import requests
from storage import volunteers as vstore
from storage.models import AuditEvent
from storage.types import utcnow
from tests.e2e_helpers import HERE, request_help
from tests.factories import offset, volunteer

OPERATOR = 900
# The ladder never moves on its own here: a loaded machine can stretch a test past the default
# waves (40 s each), and an escalation arriving mid-test is not what these tests read.
pytestmark = pytest.mark.sandbox(
    operator_ids=frozenset({OPERATOR}), ops_chat_id=-100500, wave_timeout_s=3600
)
# Every operator command, bare and with arguments: the refusal is the same either way.
COMMANDS = [
    "/ops",
    "/open",
    "/request 1",
    "/audit",
    "/audit 1",
    "/who",
    "/who 10",
    "/promote 11",
    "/demote 900",
    "/suspend",
    "/suspend 10 reason",
    "/reinstate 10",
    "/block 1 pranks",
    "/unblock 1",
    "/stats",
    "/stats week Riyadh",
    "/pending",
    "/approve",
    "/approve 10",
    "/reject 10",
    "/assign 1 10",
    "/disputes",
    "/decide 1 credit fine",
    "/correct 1 30 left early",
    "/revoke ABCD",
]
BUTTONS = [
    "ovr:page:1",
    "ovr:view:1",
    "ovr:cancel:1",
    "ovr:redo:1",
    "ovr:reas:1",
    "vet:ok:10",
    "vet:no:10",
    "esc:off:1",
    "esc:to:1:10",
]


async def refused(box: Sandbox) -> list[tuple[int | None, str]]:
    async with box.db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.kind == AuditKind.REFUSED)
        return [(e.actor_id, e.detail) for e in (await s.exec(stmt)).all()]


async def open_request(box: Sandbox) -> EmuUser:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    return citizen


@pytest.mark.parametrize("who", ["citizen", "volunteer"])
async def test_every_command_refuses_a_non_operator_first(box: Sandbox, who: str) -> None:
    await open_request(box)
    uid = 1 if who == "citizen" else 10
    user = box.emu.user(uid, first_name="X", language_code="en")
    for command in COMMANDS:
        await user.send(command)
        await box.settle()
        text = user.last.text or ""
        assert text.startswith("Only operators can do this."), (command, text)
    hint = [m.text for m in user.messages if "send /request without a number" in (m.text or "")]
    assert len(hint) == 1  # /request 1: a citizen is told how to ask for help
    assert [a for a, _ in await refused(box)] == [uid] * len(COMMANDS)
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
        vol = await vstore.get_volunteer(s, 10)
    assert req is not None and req.status == RequestStatus.DISPATCHING  # nothing was done
    assert vol is not None and vol.status == VolunteerStatus.VERIFIED


@pytest.mark.parametrize("who", ["citizen", "volunteer"])
async def test_every_forged_button_refuses_a_non_operator(box: Sandbox, who: str) -> None:
    await open_request(box)
    user = box.emu.user(1 if who == "citizen" else 10, first_name="X", language_code="en")
    await user.send("/start")
    await box.settle()
    for data in BUTTONS:
        cq = await user.press_data(user.last.message_id, data)
        await box.settle()
        answer = box.emu.callback_answers[cq]
        assert answer.get("text", "").startswith("Only operators"), (data, answer)
        assert answer.get("show_alert") is True
    assert [d for _, d in await refused(box)] == [
        f'{{"action": "button {data}"}}' for data in BUTTONS
    ]
    # Data no button carries is stale for anyone (buttons.py parses it to nothing).
    cq = await user.press_data(user.last.message_id, "ovr:zzz:1")
    await box.settle()
    assert box.emu.callback_answers[cq]["text"].startswith("This button is not for you")
    assert len(await refused(box)) == len(BUTTONS)
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.status == RequestStatus.DISPATCHING


async def test_an_operator_reads_the_request_and_cancels_it(box: Sandbox) -> None:
    citizen = await open_request(box)
    ops = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await ops.send("/open")
    await box.settle()
    assert "Active requests: 1" in (ops.last.text or "") and "#1" in (ops.last.text or "")
    assert ops.last.button_data == ["ovr:view:1"]
    await ops.press("ovr:view:1")
    await box.settle()
    view = ops.last.text or ""
    assert "Request #1: Fire" in view and "Requester: Noura" in view
    assert "Wave 1: 1 volunteer alerted" in view and "alerted: P10" in view
    assert ops.last.button_data == ["ovr:cancel:1", "ovr:redo:1", "ovr:view:1"]
    await ops.send("/request 1")  # the same view by command, not the citizen's flow
    await box.settle()
    assert (ops.last.text or "").startswith("🔎 Request #1")
    await ops.press("ovr:cancel:1")
    await box.settle()
    assert "closed your request #1" in (citizen.last.text or "")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert "Status: cancelled" in (ops.last.text or "")  # the view was edited in place
    assert ops.last.button_data == ["ovr:view:1"]
    await ops.send("/audit 1")
    await box.settle()
    audit = ops.last.text or ""
    assert "Closed by the command centre" in audit and "searching → cancelled" in audit


async def test_an_operator_suspends_blocks_and_promotes(box: Sandbox) -> None:
    citizen = await open_request(box)
    vol = box.emu.user(10, first_name="Khalid", language_code="en")
    ops = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await ops.send("/suspend 10")  # no reason
    await box.settle()
    assert "Usage: /suspend ID reason." in (ops.last.text or "")
    await ops.send("/suspend 10 missed two jobs")
    await box.settle()
    assert ops.last.text == "Done."
    assert "suspended your volunteering: missed two jobs" in (vol.last.text or "")
    await ops.send("/who 10")
    await box.settle()
    assert "Volunteer: suspended" in (ops.last.text or "")
    await vol.send("/duty on")
    await box.settle()
    assert "suspended by the command centre" in (vol.last.text or "")
    await vol.send("/volunteer")  # signing up again would undo the suspension
    await box.settle()
    assert "suspended by the command centre" in (vol.last.text or "")
    await ops.send("/block 1 prank calls")
    await box.settle()
    assert "closed your request #1" in (citizen.last.text or "")
    await citizen.send("/request")
    await box.settle()
    assert "cannot take requests from you" in (citizen.last.text or "")
    assert "911" in (citizen.last.text or "")  # never without the official numbers
    await ops.send("/promote 10")
    await box.settle()
    assert "made you an operator" in (vol.last.text or "")
    await vol.send("/pending")  # a promoted operator verifies volunteers too
    await box.settle()
    assert vol.last.text == "No volunteer is waiting for verification."
    await vol.send("/stats today")
    await box.settle()
    assert "Figures for today: all cities" in (vol.last.text or "")


async def test_a_rejected_volunteer_is_told_when_they_may_apply_again(box: Sandbox) -> None:
    await volunteer(box.db, 10, HERE, utcnow(), status=VolunteerStatus.PENDING)
    vol = box.emu.user(10, first_name="Khalid", language_code="en")
    ops = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await ops.send("/reject 10")
    await box.settle()
    assert ops.last.text == "Done: the volunteer is not approved."
    await vol.send("/volunteer")
    await box.settle()
    assert (vol.last.text or "").startswith("You may apply again from ")
    assert vol.last.button_data == []  # no code of conduct to accept
