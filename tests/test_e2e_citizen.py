"""The citizen's side under failing Telegram calls and unexpected input, through the emulator.

Faults are injected with the emulator's ``fail_next`` (the next call of one method answers
with the given error): a failed courtesy message must never lose a request, and a failed
edit or callback answer must never stop the flow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.emulator import EmuUser
from bot.devtools.emulator.attachments import MEDIA
from bot.devtools.sandbox import Sandbox
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import e2e_sandbox
from tests.factories import RIYADH, offset, volunteer

HERE = (RIYADH.lat, RIYADH.lon)
WENT_WRONG = "Something went wrong"


@pytest.fixture
async def box(tmp_path) -> AsyncIterator[Sandbox]:
    async with e2e_sandbox(tmp_path, wave_timeout_s=60) as b:
        await volunteer(b.db, 10, offset(*HERE, 0.5), utcnow())
        b.emu.user(10, first_name="Khalid", language_code="en")  # the chat alerts go to
        yield b


async def step(box: Sandbox, user: EmuUser, action: str | tuple[float, float]) -> None:
    if isinstance(action, tuple):
        await user.send_location(*action)
    elif action.startswith("inc:"):
        await user.press(action)
    else:
        await user.send(action)
    await box.settle()


def said(user: EmuUser) -> str:
    return "\n".join(m.text or "" for m in user.messages)


@pytest.mark.parametrize(
    ("method", "code", "description"),
    [
        ("editMessageText", 400, "Bad Request: message to edit not found"),
        ("editMessageText", 500, None),
        ("answerCallbackQuery", 400, None),  # the emulator's default: "query is too old"
        ("answerCallbackQuery", 403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_a_failed_edit_or_answer_does_not_stop_the_flow(
    box: Sandbox, method: str, code: int, description: str | None
) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await step(box, citizen, "/request")
    if method == "answerCallbackQuery" and description is None:
        description = "Bad Request: query is too old and response timeout expired"
    box.emu.fail_next(method, error_code=code, description=description, retry_after=None)
    await step(box, citizen, "inc:fire")
    assert "Share your location" in (citizen.last.text or ""), citizen.dump()
    assert WENT_WRONG not in said(citizen)
    await step(box, citizen, HERE)
    assert "Anything the volunteer should know?" in (citizen.last.text or ""), citizen.dump()
    await step(box, citizen, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.incident == "fire"


@pytest.mark.parametrize("failures", [1, 2])
async def test_a_failed_message_never_loses_the_request(box: Sandbox, failures: int) -> None:
    """Issue 10 item 2: the first message after Skip failed, and the request never existed.

    Now the request is stored (and its volunteer alerted) before anything is said: a failed
    receipt, or a failed answer after it, loses nothing and tells nobody it went wrong.
    """
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:breakdown", HERE):
        await step(box, citizen, action)
    box.emu.fail_next("sendMessage", times=failures, error_code=500, chat_id=1)
    await step(box, citizen, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.requester_id == 1
    alerts = box.emu.user(10).messages
    assert any("offer:acc:1" in m.button_data for m in alerts), box.emu.user(10).dump()
    assert WENT_WRONG not in said(citizen)
    # The flow is over: another text is no second request, and the ✖️ Cancel still on
    # screen offers to cancel the open one.
    await step(box, citizen, "hello?")
    async with box.db.session() as s:
        assert await requests.get_request(s, 2) is None
    await step(box, citizen, "✖️ Cancel")
    assert "request #1 is still open" in (citizen.last.text or ""), citizen.dump()
    assert citizen.last.button_data == ["req:cancel:1"]


VENUE = {
    "venue": {
        "location": {"latitude": HERE[0], "longitude": HERE[1]},
        "title": "Kingdom Centre",
        "address": "Olaya St",
    },
    "location": {"latitude": HERE[0], "longitude": HERE[1]},
}


async def attach(box: Sandbox, user: EmuUser, fields: dict[str, object]) -> None:
    await user.send_raw(fields)
    await box.settle()


@pytest.mark.parametrize("kind", list(MEDIA))
async def test_media_get_an_answer_at_every_step(box: Sandbox, kind: str) -> None:
    """Issue 10 item 5 (and issue 18 item 7 for a contact): no silence, and the right words."""
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await attach(box, citizen, MEDIA[kind])  # outside any flow: what the bot can do
    outside = citizen.last.text or ""
    if kind == "contact":
        assert "no phone number is needed" in outside, citizen.dump()
        assert "not registered as a volunteer" not in outside
    else:
        assert "I cannot use photos" in outside and "Request help" in outside, citizen.dump()
    assert "🆘 Request help" in citizen.last.reply_buttons  # the menu

    await step(box, citizen, "/request")
    await attach(box, citizen, MEDIA[kind])  # the type step
    assert "choose what happened" in (citizen.last.text or ""), citizen.dump()
    assert citizen.last.button_data[0].startswith("inc:")

    await step(box, citizen, "inc:fire")
    await attach(box, citizen, MEDIA[kind])  # the location step
    assert "I need your location" in (citizen.last.text or ""), citizen.dump()

    await step(box, citizen, HERE)
    await attach(box, citizen, MEDIA[kind])  # the details step
    if kind in ("voice", "photo", "video"):  # kept for the volunteer (tests/test_e2e_media.py)
        assert "received" in (citizen.last.text or ""), citizen.dump()
        assert citizen.last.reply_buttons[0] == "📨 Send now"
    else:
        assert "not passed on to volunteers" in (citizen.last.text or ""), citizen.dump()
        assert citizen.last.reply_buttons[0] == "Skip"
    async with box.db.session() as s:
        assert await requests.get_request(s, 1) is None  # media never sent a request
    await step(box, citizen, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.description is None


async def test_a_venue_is_taken_as_the_location_and_said_so(box: Sandbox) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="ar")
    for action in ("/request", "inc:breakdown"):
        await step(box, citizen, action)
    await attach(box, citizen, VENUE)
    said_there = citizen.last.text or ""
    assert "استخدمنا موقع" in said_there and "Kingdom Centre" in said_there, citizen.dump()
    await step(box, citizen, "تخطي")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and abs(req.lat - HERE[0]) < 1e-9


async def test_media_in_the_signup_flow_keep_its_step(box: Sandbox) -> None:
    """The sign-up has no answer of its own for media: the shared fallback answers, and the
    step (and its keyboard) stays."""
    sami = box.emu.user(2, first_name="Sami", language_code="en")
    await step(box, sami, "/volunteer")
    await sami.press("conduct:ok")
    await box.settle()
    await sami.press("skill:fire")
    await box.settle()
    await sami.press("skill:ok")
    await box.settle()
    await sami.press("equip:ok")
    await box.settle()
    asked = sami.last
    assert asked is not None and "Now share your location" in (asked.text or "")
    await attach(box, sami, MEDIA["photo"])
    assert "I cannot use that at this step" in (sami.last.text or ""), sami.dump()
    assert not sami.last.reply_markup  # the location keyboard stays
    await step(box, sami, HERE)
    assert "phone number" in (sami.last.text or ""), sami.dump()


async def test_a_volunteers_contact_outside_a_flow_still_reaches_the_profile(box: Sandbox) -> None:
    khalid = box.emu.user(10)
    await khalid.share_contact("+966500000010")
    await box.settle()
    assert "Your phone number is saved" in "\n".join(m.text or "" for m in khalid.messages)
