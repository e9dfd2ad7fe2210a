"""Volunteer onboarding a real programme would trust, through the real Application and the emulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.devtools.sandbox import Sandbox, register_volunteer
from bot.handlers.availability import check_stale_positions
from domain.enums import VolunteerStatus
from domain.incidents import Equipment, IncidentType
from storage import requests
from storage import volunteers as vstore
from storage.models import HelpRequest, HourCredit
from storage.types import utcnow
from tests.e2e_helpers import HERE, alerted, e2e_sandbox, request_help, vol_row
from tests.factories import offset, person, row_id, volunteer

OPERATOR = 900

pytestmark = pytest.mark.sandbox(operator_ids=frozenset({OPERATOR}))


async def test_conduct_first_pending_gets_nothing_until_operator_approves(box: Sandbox) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await operator.send("/start")
    await box.settle()
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await v.send("/volunteer")
    await box.settle()
    assert "code of conduct" in (v.last.text or "").lower() and "discrimination" in (
        v.last.text or ""
    )
    with pytest.raises(AssertionError):  # nothing but the conduct is offered before acceptance
        await v.press("skill:fire")
    await box.emu.idle()
    await v.press("conduct:ok")
    await box.settle()
    assert (await vol_row(box, 10)).conduct_accepted_at is not None
    for data in ("skill:fire", "skill:ok", f"equip:{int(Equipment.EXTINGUISHER)}", "equip:ok"):
        await v.press(data)
        await box.settle()
    await v.send_location(*offset(*HERE, 0.5))
    await box.settle()
    await v.send("Skip")
    await box.settle()
    assert "waiting for verification" in (v.last.text or "") or any(
        "verification" in (m.text or "") for m in v.messages
    )
    notice = await operator.wait_for(lambda m: "vet:ok:10" in m.button_data)
    assert "Khalid" in (notice.text or "") and "Fire extinguisher" in (notice.text or "")

    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    assert alerted(box) == []  # pending: no alert
    async with box.db.session() as s:
        await requests.transition(
            s, 1, from_status=["dispatching"], to_status="cancelled", next_timer_at=None
        )

    stranger = box.emu.user(11, first_name="Eve", language_code="en")
    await stranger.send("/start")
    await box.settle()
    cq = await stranger.press_data(stranger.last.message_id, "vet:ok:10")  # forged
    await box.settle()
    assert "operators" in box.emu.callback_answers[cq].get("text", "")
    assert (await vol_row(box, 10)).status == VolunteerStatus.PENDING

    await operator.press("vet:ok:10")
    await box.settle()
    assert (await vol_row(box, 10)).status == VolunteerStatus.VERIFIED
    assert "You are verified" in (v.last.text or "")
    await v.send("/duty on")
    await box.settle()
    assert "You are on duty" in (v.last.text or "")
    citizen2 = box.emu.user(2, first_name="Huda", language_code="en")
    await request_help(box, citizen2)
    assert alerted(box) == [10]

    # A second acceptance of the code of conduct from the old message is answered, not recorded again.
    first = (await vol_row(box, 10)).conduct_accepted_at
    conduct_msg = next(
        m
        for m in v.messages
        if "conduct:ok" in "".join(h or "" for h in m.history)
        or "code of conduct" in (m.text or "").lower()
    )
    cq = await v.press_data(conduct_msg.message_id, "conduct:ok")
    await box.settle()
    assert "already accepted" in box.emu.callback_answers[cq].get("text", "")
    assert (await vol_row(box, 10)).conduct_accepted_at == first


async def test_reject_command_and_pending_list(box: Sandbox) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await register_volunteer(box, v, skills=["fire"], equipment=[], at=offset(*HERE, 0.5))
    await operator.send("/pending")
    await box.settle()
    assert "/approve 10" in (operator.last.text or "")
    await v.send("/approve 10")  # not an operator
    await box.settle()
    assert "Only operators" in (v.last.text or "")
    await operator.send("/reject 10")
    await box.settle()
    assert (await vol_row(box, 10)).status == VolunteerStatus.REJECTED
    assert "not approved" in (v.last.text or "")
    await operator.send("/approve 10")
    await box.settle()
    assert "already decided" in (operator.last.text or "")


async def test_live_location_moves_volunteer_and_nearer_one_is_alerted(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, auto_verify_volunteers=True, volunteers_per_alert=1) as box:
        a = box.emu.user(10, first_name="A", language_code="en")
        b = box.emu.user(11, first_name="B", language_code="en")
        await register_volunteer(
            box, a, skills=["fire"], equipment=[int(Equipment.EXTINGUISHER)], at=offset(*HERE, 4.0)
        )
        await register_volunteer(
            box, b, skills=["fire"], equipment=[int(Equipment.EXTINGUISHER)], at=offset(*HERE, 2.0)
        )
        live = await a.send_location(*offset(*HERE, 3.5), live_period=3600)
        await box.settle()
        await a.edit_live_location(live, *offset(*HERE, 0.3))  # A drives towards the centre
        await box.settle()
        v = await vol_row(box, 10)
        assert v.lat is not None
        assert abs(v.lat - offset(*HERE, 0.3)[0]) < 1e-9 and v.live_until is not None
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await request_help(box, citizen)
        assert alerted(box) == [10]


async def test_stale_position_stops_alerts_and_says_why(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="K", language_code="en")
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow() - timedelta(hours=3))
    await check_stale_positions(box.app)  # the job's callback reads bot_data and bot like a context
    await box.settle()
    assert "not received your location" in (v.last.text or "")
    await check_stale_positions(box.app)  # told once
    await box.settle()
    assert len(v.messages) == 1
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    assert alerted(box) == []


async def test_quiet_hours_cap_and_equipment_are_respected(box: Sandbox) -> None:
    now = utcnow()
    local = (now + timedelta(hours=3)).hour * 60 + (
        now + timedelta(hours=3)
    ).minute  # Asia/Riyadh is UTC+3
    for pid in (10, 11, 12, 13):
        box.emu.user(pid, first_name=f"V{pid}", language_code="en")
    await volunteer(
        box.db,
        10,
        offset(*HERE, 0.3),
        now,
        quiet_start_min=(local - 60) % 1440,
        quiet_end_min=(local + 60) % 1440,
    )
    await volunteer(box.db, 11, offset(*HERE, 0.4), now, max_alerts_per_hour=1)
    await volunteer(box.db, 12, offset(*HERE, 0.5), now, equipment=Equipment.TOOLS)  # no 4x4
    await volunteer(box.db, 13, offset(*HERE, 0.6), now)
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(
        box, citizen, "lost_desert"
    )  # needs a 4x4: 12 is skipped, 10 is in quiet hours
    assert sorted(alerted(box)) == [11, 13]
    await citizen.press("req:cancel:1")
    await box.settle()
    citizen2 = box.emu.user(2, first_name="Huda", language_code="en")
    await request_help(box, citizen2, "lost_desert")
    assert alerted(box)[2:] == [13]  # 11 reached its cap of one alert an hour


async def test_profile_changes_and_leave_keeps_hours(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="K", language_code="en")
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    await person(box.db, 1)
    async with box.db.session() as s:
        req = await requests.add_request(
            s,
            HelpRequest(
                requester_id=1, incident="fire", lat=HERE[0], lon=HERE[1], status="confirmed"
            ),
        )
        await requests.add_credit(
            s, HourCredit(volunteer_id=10, request_id=row_id(req), minutes=42, status="confirmed")
        )
    await v.send("/profile")
    await box.settle()
    text = v.last.text or ""
    assert "Skills:" in text and "42 minutes" in text and "Quiet hours: off" in text
    for data in (
        "prof:radius",
        "prad:5",
        "prof:quiet",
        "pquiet:1320-360",
        "prof:cap",
        "pcap:2",
        "pduty:off",
    ):
        await v.press(data)
        await box.settle()
    row = await vol_row(box, 10)
    assert (
        row.radius_km,
        row.quiet_start_min,
        row.quiet_end_min,
        row.max_alerts_per_hour,
        row.on_duty,
    ) == (5.0, 1320, 360, 2, False)
    assert "22:00–06:00" in (v.last.text or "")
    await v.press("prof:skills")
    await box.settle()
    await v.press("pskill:flood")
    await box.settle()
    assert not (await vol_row(box, 10)).skills & IncidentType.FLOOD.bit
    await v.send("/leave")
    await box.settle()
    await v.press("pleave:yes")
    await box.settle()
    row = await vol_row(box, 10)
    assert (
        row.status == VolunteerStatus.LEFT
        and row.lat is None
        and row.position_at is None
        and not row.on_duty
    )
    async with box.db.session() as s:
        assert await requests.credited_minutes(s, 10) == (42, 1)


async def test_phone_consent_foreign_contact_and_sea(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    await v.share_contact("+966500000001", user_id=777)  # somebody else's card
    await box.settle()
    assert "your own phone number" in (v.last.text or "")
    await v.share_contact("+966500000000")
    await box.settle()
    row = await vol_row(box, 10)
    assert row.phone == "+966500000000" and not row.share_phone  # the contact alone is no consent
    assert "Share this number" in (v.last.text or "")
    await v.press("pconsent:yes")
    await box.settle()
    assert (await vol_row(box, 10)).share_phone
    await v.send_location(21.5, 38.5)  # the Red Sea, inside the bounding box
    await box.settle()
    assert "outside the area" in (v.last.text or "")
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    await v.press(lambda d: d.startswith("offer:acc:"))
    await box.settle()
    assert any("+966500000000" in (m.text or "") for m in citizen.messages)


async def test_leave_is_not_undone_by_a_live_location(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="K", language_code="en")
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    live = await v.send_location(*offset(*HERE, 0.6), live_period=3600)
    await box.settle()
    await v.send("/leave")
    await box.settle()
    await v.press("pleave:yes")
    await box.settle()
    assert (await vol_row(box, 10)).status == VolunteerStatus.LEFT
    await v.edit_live_location(live, *offset(*HERE, 0.7))  # the live location keeps running
    await box.settle()
    row = await vol_row(box, 10)
    assert row.lat is None and row.cell is None and row.position_at is None
    async with box.db.session() as s:  # the bulk path ignores them too
        await vstore.set_positions(s, [vstore.PositionUpdate(10, *offset(*HERE, 0.8), at=utcnow())])
    assert (await vol_row(box, 10)).position_at is None
    await v.send_location(*offset(*HERE, 0.9))  # a plain location: not a volunteer any more
    await box.settle()
    assert "Request help" in (v.last.text or "")
    assert (await vol_row(box, 10)).position_at is None


async def test_signup_phone_needs_explicit_consent(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, auto_verify_volunteers=True) as box:
        v = box.emu.user(10, first_name="Khalid", language_code="en")
        await v.send("/volunteer")
        await box.settle()
        for data in ("conduct:ok", "skill:fire", "skill:ok", "equip:8", "equip:ok"):
            await v.press(data)
            await box.settle()
        await v.send_location(*offset(*HERE, 0.5))
        await box.settle()
        await v.share_contact("+966500000000")
        await box.settle()
        assert "Share this number with the person whose request you accept?" in (v.last.text or "")
        await v.send("whatever")  # only the buttons answer the question
        await box.settle()
        assert "Share this number" in (v.last.text or "")
        await v.press("pconsent:no")
        await box.settle()
        row = await vol_row(box, 10)
        assert row.phone == "+966500000000" and not row.share_phone
        assert row.status == VolunteerStatus.VERIFIED and row.on_duty  # sign-up went on
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await request_help(box, citizen)
        await v.press(lambda d: d.startswith("offer:acc:"))
        await box.settle()
        assert any("Khalid" in (m.text or "") for m in citizen.messages)
        assert not any("+966500000000" in (m.text or "") for m in citizen.messages)


async def test_profile_adds_and_deletes_phone_and_shows_verification(box: Sandbox) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await operator.send("/start")
    await box.settle()
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await register_volunteer(box, v, skills=["fire"], equipment=[8], at=offset(*HERE, 0.5))
    await v.send("/profile")
    await box.settle()
    assert "Verified: not yet" in (v.last.text or "")
    await operator.send("/approve 10")
    await box.settle()
    await v.send("/profile")
    await box.settle()
    text = v.last.text or ""
    assert "Verified: on " in text and "by Ops" in text and "Phone number: none" in text
    await v.press("pphone:add")
    await box.settle()
    assert any(b.startswith("📞") for b in v.last.reply_buttons)
    await v.share_contact("+966500000002")
    await box.settle()
    await v.press("pconsent:yes")
    await box.settle()
    row = await vol_row(box, 10)
    assert row.phone == "+966500000002" and row.share_phone
    assert "Phone shared with people you help: yes" in (v.last.text or "")
    await v.press("pphone:off")
    await box.settle()
    row = await vol_row(box, 10)
    assert row.phone is None and not row.share_phone
    assert "Phone number: none" in (v.last.text or "")


async def test_forged_skill_before_conduct_is_refused_and_nothing_stored(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await v.send("/volunteer")
    await box.settle()
    conduct = v.last
    # Accept or decline (issue 18): nothing else is offered before the code of conduct.
    assert conduct is not None and conduct.button_data == ["conduct:ok", "conduct:no"]
    cq = await v.press_data(conduct.message_id, "skill:fire")  # raw, forged press
    await box.settle()
    assert "Accept the code of conduct first" in box.emu.callback_answers[cq].get("text", "")
    async with box.db.session() as s:
        assert await vstore.get_volunteer(s, 10) is None  # nothing stored
    await v.press("conduct:ok")  # the real flow still works afterwards
    await box.settle()
    await v.press("skill:fire")
    await box.settle()
    row = await vol_row(box, 10)
    assert row.conduct_accepted_at is not None and row.skills == 0  # written on Continue only


async def test_reject_by_button_and_approve_by_command(box: Sandbox) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    await operator.send("/start")
    await box.settle()
    a = box.emu.user(10, first_name="Khalid", language_code="en")
    b = box.emu.user(11, first_name="Sara", language_code="en")
    await register_volunteer(box, a, skills=["fire"], equipment=[8], at=offset(*HERE, 0.5))
    await register_volunteer(box, b, skills=["fire"], equipment=[8], at=offset(*HERE, 0.6))
    await operator.press("vet:no:10")
    await box.settle()
    assert (await vol_row(box, 10)).status == VolunteerStatus.REJECTED
    assert "not approved" in (a.last.text or "")
    await operator.send("/approve 11")
    await box.settle()
    row = await vol_row(box, 11)
    assert row.status == VolunteerStatus.VERIFIED and row.verified_by == OPERATOR
    assert "You are verified" in (b.last.text or "")
    assert "Done: the volunteer is verified." in (operator.last.text or "")


@pytest.mark.parametrize("area", [None, (20.0, 36.0, 28.0, 50.0)])
async def test_signup_location_in_the_sea_is_refused(
    tmp_path: Path, area: tuple[float, float, float, float] | None
) -> None:
    extra = {"service_area": area} if area else {}
    async with e2e_sandbox(tmp_path, **extra) as box:
        v = box.emu.user(10, first_name="Khalid", language_code="en")
        for step in ("/volunteer", "conduct:ok", "skill:fire", "skill:ok", "equip:ok"):
            await (v.send(step) if step.startswith("/") else v.press(step))
            await box.settle()
        # The Red Sea off Jeddah (default outline), or north of the custom box.
        await v.send_location(*((21.5, 38.5) if area is None else (29.0, 45.0)))
        await box.settle()
        text = v.last.text or ""
        assert "outside the area Musaada serves" in text and "Saudi Arabia" not in text
        assert (await vol_row(box, 10)).position_at is None
        await v.send_location(*offset(*HERE, 0.5))  # still asked for a location: land works
        await box.settle()
        assert (await vol_row(box, 10)).position_at is not None
        assert "phone" in (v.last.text or "")


async def test_old_signup_keyboard_after_signup_gets_a_clear_answer(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await register_volunteer(box, v, skills=["fire"], equipment=[8], at=offset(*HERE, 0.5))
    before = await vol_row(box, 10)
    skills_msg = next(
        m for m in v.messages if any("Which kinds of help" in (h or "") for h in m.history)
    )
    for data in ("skill:flood", "equip:1", "skill:ok"):
        cq = await v.press_data(skills_msg.message_id, data)
        await box.settle()
        assert "sign-up is complete" in box.emu.callback_answers[cq].get("text", "")
    after = await vol_row(box, 10)
    assert (after.skills, after.equipment) == (before.skills, before.equipment)


async def test_alerts_resume_after_a_stale_position_is_refreshed(box: Sandbox) -> None:
    v = box.emu.user(10, first_name="K", language_code="en")
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow() - timedelta(hours=3))
    await check_stale_positions(box.app)
    await box.settle()
    assert "not received your location" in (v.last.text or "")
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    assert alerted(box) == []  # nobody to alert: the request is closed as unanswered
    await v.send_location(*offset(*HERE, 0.4))  # the volunteer shares a fresh position
    await box.settle()
    assert "Location updated" in (v.last.text or "")
    citizen2 = box.emu.user(2, first_name="Huda", language_code="en")
    await request_help(box, citizen2)
    assert alerted(box) == [10]
