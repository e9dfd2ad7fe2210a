"""Linked reports and major-incident mode through the real Application and the emulator: every
new command and button refuses a citizen, a volunteer and a team leader (by command and by
forged button) and records it; a second citizen at the same spot is told help is on the way,
follows the request without learning who helps, and is separated by an operator's button; an
operator declares an area, the operations chat gets its escalations as summaries, a call-out
reaches each volunteer of the area once in their language, and the end restores the usual."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from domain.enums import AuditKind, RequestStatus
from storage.command_models import MajorIncident
from storage.models import AuditEvent
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, offers_to, request_help, status_of
from tests.factories import offset
from tests.privacy import assert_private, plain
from tests.team_helpers import hello, make_team

OPERATOR, LEADER = 900, 800
OPS = -100500
pytestmark = pytest.mark.sandbox(
    operator_ids=frozenset({OPERATOR}),
    ops_chat_id=OPS,
    ops_language="en",
    major_summary_s=3.0,
)
COMMANDS = [
    "/link",
    "/link 2 1",
    "/unlink",
    "/unlink 2",
    "/major",
    "/major start Riyadh 2",
    "/major end",
    "/broadcast Come now",
]
BUTTONS = ["lnk:2:1", "unl:2"]


async def refusals(box: Sandbox) -> list[tuple[int | None, str]]:
    async with box.db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.kind == AuditKind.REFUSED)
        return [(e.actor_id, e.detail) for e in (await s.exec(stmt)).all()]


async def someone(box: Sandbox, who: str) -> EmuUser:
    """A citizen, a verified volunteer or a team leader: none of them is an operator."""
    if who == "volunteer":
        [vol] = await add_volunteers(box, (10, 0.5))
        return vol
    if who == "leader":
        leader = await hello(box, LEADER, "Huda")
        await make_team(box, "Falcons", LEADER)
        return leader
    return await hello(box, 1, "Noura")


@pytest.mark.parametrize("who", ["citizen", "volunteer", "leader"])
async def test_every_new_command_and_button_refuses_a_non_operator(box: Sandbox, who: str) -> None:
    user = await someone(box, who)
    for command in COMMANDS:
        await user.send(command)
        await box.settle()
        assert (user.last.text or "").startswith("Only operators can do this."), command
    await user.send("/start")
    await box.settle()
    for data in BUTTONS:
        cq = await user.press_data(user.last.message_id, data)
        await box.settle()
        answer = box.emu.callback_answers[cq]
        assert answer.get("text", "").startswith("Only operators") and answer.get("show_alert")
    recorded = await refusals(box)
    assert [a for a, _ in recorded] == [user.id] * (len(COMMANDS) + len(BUTTONS))
    assert [d for _, d in recorded][-2:] == [f'{{"action": "button {d}"}}' for d in BUTTONS]
    async with box.db.session() as s:
        assert (await s.exec(select(MajorIncident))).all() == []  # nothing was declared


async def test_a_second_citizen_is_linked_kept_informed_and_unlinked(box: Sandbox) -> None:
    [vol, _free] = await add_volunteers(box, (10, 0.5), (11, 0.9))
    first = box.emu.user(1, first_name="Noura", language_code="en")
    second = box.emu.user(2, first_name="Sami", language_code="ar")
    third = box.emu.user(3, first_name="Lina", language_code="en")
    await request_help(box, first)
    alerts = len(offers_to(box.emu, 10))
    await request_help(box, second, at=offset(*HERE, 0.05))
    await request_help(box, third, at=offset(*HERE, 0, 0.1))
    assert "رُبط بلاغك رقم 2 بالبلاغ رقم 1" in plain(second.last.text)  # in their language
    assert "998" in (second.last.text or "")  # a fire: the official numbers still shown
    assert len(offers_to(box.emu, 10)) == alerts  # no second dispatch to the same volunteers
    await accept_alert(box, vol)
    told = third.last.text or ""
    assert "A volunteer accepted request #1 and is on the way." in told
    assert "V10" not in told  # never who helps
    # Nothing of the first citizen's (point, details) nor the volunteer's reached the others.
    await assert_private(box)
    # The operator separates the third report: it is dispatched on its own.
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await operator.send("/request 3")
    await box.settle()
    view = operator.last
    assert "Linked to request #1." in (view.text or "") and "unl:3" in view.button_data
    await operator.press("unl:3")
    await box.settle()
    assert await status_of(box, 3) == RequestStatus.DISPATCHING
    assert offers_to(box.emu, 11)  # the free volunteer is alerted for it
    assert any("is on its own again" in (m.text or "") for m in operator.messages)


async def test_major_incident_mode_on_and_off(box: Sandbox) -> None:
    ops = box.emu.group(OPS, "Command centre")
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    volunteers = {
        pid: box.emu.user(pid, first_name=f"V{pid}", language_code=lang)
        for pid, lang in ((20, "en"), (21, "ar"))
    }
    await operator.send("/start")
    await box.settle()
    await operator.send("/major start Riyadh 2")
    await box.settle()
    declared = await ops.wait_for("Major-incident mode #1")
    assert "Riyadh" in (declared.text or "") and "Declared by Ops" in (declared.text or "")
    # Nobody on duty: both requests are escalated, and the ops chat gets them as summaries.
    for cid, incident in ((1, "fire"), (2, "flood")):
        await request_help(box, box.emu.user(cid, language_code="en"), incident)
    await ops.wait_for(lambda m: "#2 " in (m.text or "") and "Major incident #1" in (m.text or ""), timeout=20)  # fmt: skip
    summaries = [m for m in ops.messages if "Major incident #1" in (m.text or "")]
    assert not [m for m in ops.messages if "Unanswered request #" in (m.text or "")]
    assert 1 <= len(summaries) <= 2 and all("/request ID" in (m.text or "") for m in summaries)
    assert "#1 " in "".join(m.text or "" for m in summaries)
    # A call-out reaches each verified volunteer of the area once, in their language.
    for pid, lang in ((20, "en"), (21, "ar")):
        await add_volunteers(box, (pid, 2.0), on_duty=False, lang=lang)
    await operator.send("/broadcast Floods in the south: go on duty")
    await box.settle()
    got = {pid: [m for m in u.messages if "📣" in (m.text or "")] for pid, u in volunteers.items()}
    assert [len(v) for v in got.values()] == [1, 1]
    assert (got[20][0].text or "").startswith("📣 Call-out from the command centre")
    assert (got[21][0].text or "").startswith("📣 نداء من مركز القيادة والسيطرة")
    assert "Call-out queued for 2 verified volunteers" in "".join(m.text or "" for m in operator.messages)  # fmt: skip
    await operator.send("/major end")
    await box.settle()
    await ops.wait_for("has ended")
    await request_help(box, box.emu.user(3, language_code="en"), "rescue", offset(*HERE, 3))
    await ops.wait_for("Unanswered request #3")  # one by one again


async def test_a_volunteer_opts_in_to_emergency_call_outs(box: Sandbox) -> None:
    [vol] = await add_volunteers(box, (10, 0.5))
    await vol.send("/profile")
    await box.settle()
    assert "Emergency call-outs (major incidents, even in quiet hours): no" in (vol.last.text or "")
    await vol.press("pemg:on")
    await box.settle()
    assert "Emergency call-outs (major incidents, even in quiet hours): yes" in (vol.last.text or "")  # fmt: skip
    assert "pemg:off" in vol.last.button_data
    async with box.db.session() as s:
        kinds = (await s.exec(select(AuditEvent.kind).where(AuditEvent.actor_id == 10))).all()
    assert AuditKind.EMERGENCY_CALLOUTS in kinds
