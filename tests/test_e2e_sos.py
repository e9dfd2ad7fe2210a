"""/sos and the deep link ?start=sos: straight to the incident types, from anywhere."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from storage.types import utcnow
from tests.e2e_helpers import HERE, said, step
from tests.factories import offset, volunteer

pytestmark = pytest.mark.sandbox(wave_timeout_s=60)


@pytest.mark.parametrize(("command", "lang"), [("/sos", "en"), ("/start sos", "ar")])
async def test_sos_goes_straight_to_the_incident_types(
    box: Sandbox, command: str, lang: str
) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    box.emu.user(10, first_name="Khalid", language_code="en")
    citizen = box.emu.user(1, first_name="Noura", language_code=lang)
    await step(box, citizen, command)
    assert len(citizen.messages) == 1, citizen.dump()  # no welcome before the picker
    assert citizen.last.button_data[0].startswith("inc:"), citizen.dump()
    await step(box, citizen, "inc:rescue")
    await step(box, citizen, HERE)
    await citizen.send(citizen.last.reply_buttons[0])  # Skip, in the citizen's language
    await box.settle()
    assert any("offer:acc:1" in m.button_data for m in box.emu.user(10).messages)


async def test_the_sos_link_ends_another_flow_and_opens_the_picker(box: Sandbox) -> None:
    sami = box.emu.user(2, first_name="Sami", language_code="en")
    await step(box, sami, "/volunteer")
    before = len(sami.messages)
    await step(box, sami, "/start sos")
    assert "Welcome" not in said(sami, before), sami.dump()
    assert sami.last.text == "What happened?" and sami.last.button_data[0].startswith("inc:")


async def test_plain_start_still_greets(box: Sandbox) -> None:
    user = box.emu.user(3, first_name="Ali", language_code="en")
    await step(box, user, "/start")
    assert "Welcome to Musaada" in (user.last.text or "")


def test_sos_is_in_the_command_menu_in_both_languages() -> None:
    from bot.commands import commands
    from bot.i18n import use_locale

    for lang in ("ar", "en"):
        with use_locale(lang):
            names = [c.command for c in commands()]
        assert "sos" in names
