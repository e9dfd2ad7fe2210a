"""Rough edges a volunteer and an operator meet, and junk that must never raise (issues 10, 18).

Through the real Application and the Bot API emulator. Every test also checks that the
error handler was never reached: junk gets a clear answer, not "Something went wrong".
"""

from __future__ import annotations

import logging

import pytest

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox, register_volunteer
from domain.enums import VolunteerStatus
from storage import volunteers as vstore
from storage.models import Volunteer
from storage.types import utcnow
from tests.e2e_helpers import HERE, say
from tests.factories import offset, volunteer

OPERATOR = 900
STALE = "This button is not for you, or it is no longer valid."

pytestmark = pytest.mark.sandbox(operator_ids=frozenset({OPERATOR}))


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Log records at ERROR and above, from anywhere in the bot."""
    caplog.set_level(logging.ERROR)
    return caplog


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert bad == [], [r.getMessage() for r in bad]


async def press_raw(box: Sandbox, user: EmuUser, data: str) -> str:
    """A press with any data on the user's newest bot message: what the answer said."""
    last = user.last
    assert last is not None, user.dump()
    cq = await user.press_data(last.message_id, data)
    await box.settle()
    return str(box.emu.callback_answers[cq].get("text", ""))


async def vol_row(box: Sandbox, pid: int) -> Volunteer | None:
    async with box.db.session() as s:
        return await vstore.get_volunteer(s, pid)


# --- issue 10 item 9: junk input never raises -----------------------------------------------


async def test_operator_commands_check_the_role_first_and_refuse_junk_ids(
    any_box: Sandbox, errors: pytest.LogCaptureFixture
) -> None:
    box = any_box
    stranger = box.emu.user(11, first_name="Eve", language_code="en")
    for text in ("/approve", "/approve ²", "/reject 99999999999999999999999999", "/pending"):
        assert "Only operators" in await say(box, stranger, text), text
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    for text in ("/approve", "/approve ²", "/approve abc"):
        assert "Usage: /approve ID" in await say(box, operator, text), text
    for text in (
        "/approve 99999999999999999999999999",
        "/reject 9223372036854775808",
        "/approve 0",
    ):
        assert "No such volunteer" in await say(box, operator, text), text
    assert "No such volunteer" in await say(box, operator, "/approve 4503599627370496")  # 2^52
    assert_no_errors(errors)


async def test_junk_ids_in_arabic_get_an_arabic_answer(
    box: Sandbox, errors: pytest.LogCaptureFixture
) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="ar")
    assert "طريقة الاستخدام" in await say(box, operator, "/approve ²")
    assert_no_errors(errors)


async def test_forged_and_truncated_buttons_get_the_stale_answer(
    any_box: Sandbox, errors: pytest.LogCaptureFixture
) -> None:
    box = any_box
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await say(box, v, "/profile")
    before = await vol_row(box, 10)
    for data in (
        "pquiet:abc",
        "pquiet:",
        "pquiet:1-2-3",
        "prad:²",
        "prad:",
        "pcap:99",
        "pskill:nope",
        "pequip:3",
        "prof:",
        "offer:acc:123456789012345678",
        "offer:dec:123456789012345678",
        "job:arr:123456789012345678",
        "job:done:2147483648",
        "req:cancel:123456789012345678",
        "vet:ok:99999999999999999999",
        "vet:ok:0",
        "lang:xx",
        "conduct:maybe",
    ):
        assert await press_raw(box, v, data) == STALE, data
    after = await vol_row(box, 10)
    assert before is not None and after is not None
    assert (after.quiet_start_min, after.radius_km, after.max_alerts_per_hour, after.skills) == (
        before.quiet_start_min,
        before.radius_km,
        before.max_alerts_per_hour,
        before.skills,
    )
    assert_no_errors(errors)


# --- issue 10 item 10 -----------------------------------------------------------------------


async def test_double_taps_on_profile_and_language_buttons_are_not_errors(
    box: Sandbox, errors: pytest.LogCaptureFixture
) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await say(box, v, "/profile")
    await v.press("prof:radius")
    await box.settle()
    picker = v.last
    assert picker is not None
    for _ in range(2):  # the second tap shows exactly what is shown: "not modified"
        cq = await v.press_data(picker.message_id, "prad:5")
        await box.settle()
        assert "went wrong" not in str(box.emu.callback_answers[cq].get("text", ""))
    row = await vol_row(box, 10)
    assert row is not None and row.radius_km == 5.0
    assert_no_errors(errors)
    await say(box, v, "/language")
    picker = v.last
    assert picker is not None
    for _ in range(2):
        cq = await v.press_data(picker.message_id, "lang:ar")
        await box.settle()
        assert "went wrong" not in str(box.emu.callback_answers[cq].get("text", ""))
    assert [m.text for m in v.messages[-2:]] == ["القائمة الرئيسية:", "القائمة الرئيسية:"]
    assert_no_errors(errors)


async def test_duty_with_a_junk_argument_gets_the_usage_and_changes_nothing(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow(), on_duty=True)
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    for text in ("/duty maybe", "/duty on off"):
        assert "Usage: /duty" in await say(box, v, text)
        row = await vol_row(box, 10)
        assert row is not None and row.on_duty
    assert "You are off duty" in await say(box, v, "/duty OFF")


async def test_hours_and_leave_for_someone_who_is_no_volunteer(box: Sandbox) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    assert "not registered as a volunteer" in await say(box, citizen, "/hours")
    assert "not registered as a volunteer" in await say(box, citizen, "/leave")
    assert citizen.last is not None and citizen.last.button_data == []  # no leave prompt
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    assert "You have no volunteer hours yet" in await say(box, v, "/hours")
    assert "Are you sure?" in await say(box, v, "/leave")


# --- issue 18 -------------------------------------------------------------------------------


async def test_declining_the_code_of_conduct_says_what_it_means_and_ends_the_sign_up(
    box: Sandbox,
) -> None:
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await say(box, v, "/volunteer")
    conduct = v.last
    assert conduct is not None and conduct.buttons[-1] == "❌ I do not accept"
    await v.press("conduct:no")
    await box.settle()
    text = v.last.text or "" if v.last else ""
    assert "did not accept the code of conduct" in text and "come back any time" in text
    assert v.message(conduct.message_id).button_data == []  # the choice is spent
    assert await vol_row(box, 10) is None  # nothing stored
    # The sign-up is over: a location is a location again, not an answer to the sign-up.
    await v.send_location(*offset(*HERE, 0.5))
    await box.settle()
    assert "Request help" in (v.last.text or "" if v.last else "")
    # Coming back works.
    assert "code of conduct" in (await say(box, v, "/volunteer")).lower()


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_each_sign_up_step_answers_what_it_expects(box: Sandbox, lang: str) -> None:
    v = box.emu.user(10, first_name="Khalid", language_code=lang)
    await say(box, v, "/volunteer")
    expected = {
        "en": ("code of conduct above", "Choose your skills", "Choose your equipment"),
        "ar": ("الميثاق الأخلاقي في الأعلى", "اختر تخصصاتك", "اختر معداتك"),
    }[lang]
    await v.send_location(*offset(*HERE, 0.5))  # while the code of conduct is on screen
    await box.settle()
    assert expected[0] in (v.last.text or "" if v.last else ""), v.dump()
    assert expected[0] in await say(box, v, "hello")
    await v.press("conduct:ok")
    await box.settle()
    await v.send_location(*offset(*HERE, 0.5))
    await box.settle()
    assert expected[1] in (v.last.text or "" if v.last else ""), v.dump()
    for data in ("skill:fire", "skill:ok"):
        await v.press(data)
        await box.settle()
    assert expected[2] in await say(box, v, "a boat")
    row = await vol_row(box, 10)
    assert row is not None and row.position_at is None  # no step took the location


async def test_a_rejected_volunteer_is_told_it_was_not_approved(box: Sandbox) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code="en")
    v = box.emu.user(10, first_name="Khalid", language_code="en")
    await register_volunteer(box, v, skills=["fire"], equipment=[8], at=offset(*HERE, 0.5))
    assert "waiting for verification" in await say(box, v, "/duty on")
    await say(box, operator, "/reject 10")
    assert "was not approved" in await say(box, v, "/duty on")
    await say(box, v, "/profile")
    await v.press("pduty:on")
    await box.settle()
    assert "was not approved" in (v.last.text or "" if v.last else "")
    row = await vol_row(box, 10)
    assert row is not None and row.status == VolunteerStatus.REJECTED and not row.on_duty


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_phone_consent_says_truthfully_who_sees_the_number(box: Sandbox, lang: str) -> None:
    operator = box.emu.user(OPERATOR, first_name="Ops", language_code=lang)
    await say(box, operator, "/start")
    v = box.emu.user(10, first_name="Khalid", language_code=lang)
    for step in ("/volunteer", "conduct:ok", "skill:fire", "skill:ok", "equip:ok"):
        await (v.send(step) if step.startswith("/") else v.press(step))
        await box.settle()
    await v.send_location(*offset(*HERE, 0.5))
    await box.settle()
    operators = {"en": "operators who verify", "ar": "المشرفون الذين يتحققون"}[lang]
    assert operators in (v.last.text or "" if v.last else "")  # the phone step says it
    await v.share_contact("+966500000000")
    await box.settle()
    await v.press("pconsent:no")
    await box.settle()
    question = {"en": "Share this number", "ar": "هل نشارك هذا الرقم"}[lang]
    asked = next(m for m in v.messages if any(question in (h or "") for h in m.history))
    assert operators in (asked.text or ""), v.dump()  # the question, now the answer
    # What the code does: the operators' approval notice shows the number the volunteer kept.
    notice = await operator.wait_for(lambda m: "vet:ok:10" in m.button_data)
    assert "+966500000000" in (notice.text or "")
    row = await vol_row(box, 10)
    assert row is not None and row.phone == "+966500000000" and not row.share_phone


async def test_profile_lists_use_the_readers_list_format(box: Sandbox) -> None:
    from domain.incidents import Equipment, IncidentType

    await volunteer(
        box.db,
        10,
        offset(*HERE, 0.5),
        utcnow(),
        skills=(IncidentType.FIRE, IncidentType.FLOOD, IncidentType.RESCUE),
        equipment=Equipment.BOAT | Equipment.TOOLS,
        lang="ar",
    )
    v = box.emu.user(10, first_name="Khalid", language_code="ar")
    text = await say(box, v, "/profile")
    assert ", " not in text, text  # no Latin comma joins an Arabic list
    assert "حريق" in text and " و" in text  # "أ، ب و ج"
