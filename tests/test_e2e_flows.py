"""A flow never traps anyone: menu buttons and commands end it, and it closes itself when left.

Through the real Application and the emulator: a citizen or a volunteer in the middle of
/request or /volunteer taps a main-menu button or sends another command; it must do its own
job, never be taken as an answer (a description, a location, a phone number).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.sandbox import Sandbox
from bot.services import volunteering
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import HERE, MENU, e2e_sandbox, no_request, said, step
from tests.factories import offset, volunteer

pytestmark = pytest.mark.sandbox(auto_verify_volunteers=True)


@pytest.fixture
async def box(box: Sandbox) -> Sandbox:
    """conftest's box with volunteer 10 on duty nearby, so a request would alert someone."""
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    return box


def test_menu_texts_are_the_catalogs() -> None:
    """The literal labels in e2e_helpers.MENU are what the keyboards show (tests tap real buttons)."""
    from bot.handlers.words import menu_language, menu_numbers, menu_request, menu_volunteer
    from bot.i18n import use_locale

    for lang, labels in MENU.items():
        with use_locale(lang):
            assert [menu_request(), menu_volunteer(), menu_numbers(), menu_language()] == list(
                labels.values()
            )


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_start_then_menu_tap_at_details_is_not_a_description(box: Sandbox, lang: str) -> None:
    """The audit's reproduction: /start, then ☎️ at the details step, created a request."""
    citizen = box.emu.user(1, first_name="Noura", language_code=lang)
    for action in ("/request", "inc:breakdown", HERE):
        await step(box, citizen, action)
    before = len(citizen.messages)
    await step(box, citizen, "/start")
    assert MENU[lang]["numbers"] in citizen.last.reply_buttons  # the main menu
    await step(box, citizen, MENU[lang]["numbers"])
    assert "998" in (citizen.last.text or "")
    await step(box, citizen, "A description typed after the flow ended")
    await no_request(box)
    assert len(citizen.messages) - before == 3  # welcome, numbers, "did not understand"


@pytest.mark.parametrize("button", ["volunteer", "numbers", "language"])
async def test_menu_tap_at_location_step_does_its_job(box: Sandbox, button: str) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:fire"):
        await step(box, citizen, action)
    await step(box, citizen, MENU["en"][button])
    last = citizen.last
    assert last is not None and "I need your location" not in (last.text or "")
    expected = {
        "volunteer": "code of conduct",
        "numbers": "998",
        "language": "Choose your language",
    }[button]
    assert expected in "\n".join(m.text or "" for m in citizen.messages[-2:])
    # The request flow is over: a location now is not a request's location.
    await step(box, citizen, HERE)
    await no_request(box)


async def test_other_language_button_and_commands_end_the_flow(box: Sandbox) -> None:
    """A keyboard left in the other language still works, and so do /help and /language."""
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:fire", HERE):
        await step(box, citizen, action)
    await step(box, citizen, MENU["ar"]["numbers"])
    assert "998" in (citizen.last.text or "")
    for action in ("/request", "inc:fire"):
        await step(box, citizen, action)
    await step(box, citizen, "/help")
    assert "How Musaada works" in (citizen.last.text or "")
    await step(box, citizen, HERE)
    await no_request(box)
    for action in ("/request", "inc:fire", HERE, "/language"):
        await step(box, citizen, action)
    assert "Choose your language" in (citizen.last.text or "")
    await step(box, citizen, "stuck near the exit")
    await no_request(box)


async def test_volunteer_command_mid_request_starts_signup_only(box: Sandbox) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:fire", HERE, "/volunteer"):
        await step(box, citizen, action)
    assert "code of conduct" in (citizen.last.text or "")
    await step(box, citizen, "my car is white")
    await no_request(box)


async def test_request_mid_signup_ends_signup(box: Sandbox) -> None:
    """/request at the sign-up's location step: the location then belongs to the request."""
    user = box.emu.user(2, first_name="Sami", language_code="en")
    for action in ("/volunteer", "conduct:ok", "skill:fire", "skill:ok", "equip:ok"):
        await step(box, user, action)
    assert "Now share your location" in (user.last.text or "")
    await step(box, user, MENU["en"]["request"])
    assert "What happened?" in (user.last.text or "")
    for answer in ("inc:fire", HERE):
        await step(box, user, answer)
    assert "Anything the volunteer should know?" in (user.last.text or "")
    await step(box, user, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
        vol = await volunteering.get_profile(s, 2)
    assert req is not None and req.requester_id == 2
    assert vol is not None and vol.position_at is None  # not taken as the sign-up location
    # The sign-up is over, not lurking: a later location is no answer to its question.
    await step(box, user, HERE)
    assert "phone number" not in (user.last.text or "")


async def test_menu_tap_at_phone_step_is_not_an_answer(box: Sandbox) -> None:
    user = box.emu.user(2, first_name="Sami", language_code="en")
    for action in ("/volunteer", "conduct:ok", "skill:fire", "skill:ok", "equip:ok", HERE):
        await step(box, user, action)
    assert "phone number" in (user.last.text or "")
    await step(box, user, MENU["en"]["numbers"])
    assert "998" in (user.last.text or "")
    assert "Please use the buttons" not in said(user, 0)
    await step(box, user, "Skip")  # the flow is over: not its answer any more
    assert "did not understand" in (user.last.text or "")


async def test_a_signup_left_at_the_phone_step_is_resumed_not_stuck(box: Sandbox) -> None:
    """Leaving after the location (a menu tap, /cancel, the timeout) must not strand anyone."""
    user = box.emu.user(2, first_name="Sami", language_code="en")
    for action in ("/volunteer", "conduct:ok", "skill:fire", "skill:ok", "equip:ok", HERE):
        await step(box, user, action)
    await step(box, user, MENU["en"]["numbers"])  # walks away from the phone question
    await step(box, user, "/volunteer")
    assert "waiting for verification" not in (user.last.text or "")
    for action in ("conduct:ok", "skill:fire", "skill:ok", "equip:ok", HERE, "Skip"):
        await step(box, user, action)
    assert "registered and on duty" in said(user, 0)
    async with box.db.session() as s:
        vol = await volunteering.get_profile(s, 2)
    assert vol is not None and vol.status == "verified" and vol.submitted_at is not None


async def test_an_edited_old_message_is_not_an_answer(box: Sandbox) -> None:
    """At the details step, editing an earlier message must not send the request."""
    user = box.emu.user(3, first_name="Huda", language_code="en")
    first = await user.send("hello")
    await box.settle()
    for action in ("/request", "inc:fire", HERE):
        await step(box, user, action)
    asked = len(user.messages)
    await user.edit_text(first, "smoke on the 3rd floor")
    await box.settle()
    await no_request(box)
    assert len(user.messages) == asked  # and nothing said about it
    await step(box, user, "smoke on the 3rd floor")  # a fresh message is the answer
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.description == "smoke on the 3rd floor"


async def test_a_location_shared_again_at_the_details_step_replaces_the_first(
    box: Sandbox,
) -> None:
    user = box.emu.user(3, first_name="Huda", language_code="en")
    moved = offset(*HERE, 0.2)
    for action in ("/request", "inc:fire", HERE, moved):
        await step(box, user, action)
    assert "Anything the volunteer should know" in (user.last.text or "")
    await step(box, user, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and (req.lat, req.lon) == moved


async def test_live_location_edit_is_not_the_request_location(box: Sandbox) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    live = await citizen.send_location(*offset(*HERE, 3.0), live_period=3600)
    await box.settle()
    for action in ("/request", "inc:fire"):
        await step(box, citizen, action)
    before = len(citizen.messages)
    await citizen.edit_live_location(live, *HERE)
    await box.settle()
    assert len(citizen.messages) == before  # no "Anything the volunteer should know?"
    await step(box, citizen, "Skip")  # still waiting for a location
    assert "I need your location" in (citizen.last.text or "")
    await no_request(box)


async def test_a_flow_left_alone_is_closed_and_the_person_told(tmp_path: Path) -> None:
    # Long enough that each step lands inside the flow (each settle waits QUIET_PERIOD of quiet).
    async with e2e_sandbox(tmp_path, conversation_timeout_s=1.5) as box:
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        for action in ("/request", "inc:fire"):
            await step(box, citizen, action)
        assert "Share your location" in (citizen.last.text or "")
        closed = await citizen.wait_for(lambda m: "left unfinished" in (m.text or ""))
        assert "🆘 Request help" in closed.reply_buttons
        await step(box, citizen, HERE)
        await no_request(box)
