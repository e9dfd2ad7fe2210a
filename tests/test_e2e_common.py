"""The commands and menu buttons available at any time, through the real Application and the emulator."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from bot.services import volunteering
from domain.enums import RequestStatus
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import HERE, MENU, request_help, say
from tests.factories import offset, volunteer

pytestmark = pytest.mark.sandbox(wave_timeout_s=60)


async def test_language_change_survives_a_failing_command_menu(box: Sandbox) -> None:
    user = box.emu.user(5, first_name="Maria", language_code="ar")
    await say(box, user, "/language")
    box.emu.fail_next("setMyCommands", error_code=400, description="Bad Request: boom")
    await user.press("lang:en")
    await box.settle()
    texts = [m.text or "" for m in user.messages]
    assert not any("Something went wrong" in t for t in texts), user.dump()
    answers = [c.params.get("text") or "" for c in box.emu.calls_for("answerCallbackQuery")]
    assert answers == ["Language changed."]  # not followed by "Something went wrong"
    assert [c.params.get("language_code") for c in box.emu.calls_for("setMyCommands")][-1:] == [
        None
    ]  # the per-chat menu was attempted
    assert texts[-1] == "Main menu:" and texts[-2] == "Language changed."
    assert not box.emu.commands_for({"type": "chat", "chat_id": 5})  # the failed call, nothing set
    assert (await say(box, user, "/request")) == "What happened?"  # the choice was stored


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_each_main_menu_button_as_text(box: Sandbox, lang: str) -> None:
    user = box.emu.user(7, first_name="Ali", language_code=lang)
    await say(box, user, "/start")
    assert user.last.reply_buttons == list(MENU[lang].values())
    expected = {
        "en": {
            "request": "What happened?",
            "volunteer": "Volunteer code of conduct",
            "numbers": "Official emergency numbers",
            "language": "Choose your language",
        },
        "ar": {
            "request": "ماذا حدث؟",
            "volunteer": "الميثاق الأخلاقي للمتطوع",
            "numbers": "998",
            "language": "اختر",
        },
    }[lang]
    for key, label in MENU[lang].items():
        text = await say(box, user, label)
        assert expected[key] in text, (key, user.dump())
    assert user.last.buttons == ["العربية", "English"]


async def test_cancel_outside_a_flow(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    assert "Nothing to cancel" in await say(box, citizen, "/cancel")
    await request_help(box, citizen)
    text = await say(box, citizen, "/cancel")
    assert "request #1 is still open" in text and "cancel it?" in text
    assert citizen.last.button_data == ["req:cancel:1"]
    await citizen.press("req:cancel:1")
    await box.settle()
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert "Nothing to cancel" in await say(box, citizen, "/cancel")


async def test_duty_without_argument_toggles_both_ways(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow(), on_duty=True)
    vol = box.emu.user(10, first_name="Khalid", language_code="en")

    async def on_duty() -> bool:
        async with box.db.session() as s:
            row = await volunteering.get_profile(s, 10)
        assert row is not None
        return row.on_duty

    assert "You are off duty" in await say(box, vol, "/duty")
    assert not await on_duty()
    assert "You are on duty" in await say(box, vol, "/duty")
    assert await on_duty()
    assert "You are off duty" in await say(box, vol, "/duty")
    assert not await on_duty()
