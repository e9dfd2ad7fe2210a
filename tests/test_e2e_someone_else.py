"""Help for someone else: a pin dropped anywhere, and a number for the person at the scene
that only the assigned volunteer sees."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from storage import requests
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, step

pytestmark = pytest.mark.sandbox(wave_timeout_s=60)

NOT_FOR_ME = {"en": "👤 It is not for me", "ar": "👤 البلاغ لشخص آخر"}


def north(km: float) -> tuple[float, float]:
    from tests.factories import offset

    return offset(*HERE, km)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_pin_50_km_away_with_a_number_for_the_scene(box: Sandbox, lang: str) -> None:
    near_citizen, near_pin = await add_volunteers(box, (10, 0.5), (20, 50.5))
    citizen = box.emu.user(1, first_name="Noura", language_code=lang)
    await step(box, citizen, "/request")
    await step(box, citizen, "inc:rescue")
    assert NOT_FOR_ME[lang] in citizen.last.reply_buttons, citizen.dump()
    await step(box, citizen, NOT_FOR_ME[lang])
    assert "📎" in (citizen.last.text or ""), citizen.dump()  # how to drop a pin
    assert citizen.last.reply_buttons and len(citizen.last.reply_buttons) == 1  # Cancel only
    await step(box, citizen, north(50))
    assert "+966" not in (citizen.last.text or "")
    await step(box, citizen, "٠٥٠ ١٢٣ ٤٥٦٧")  # typed on an Arabic keyboard
    await citizen.send(citizen.last.reply_buttons[0])  # Skip the details
    await box.settle()

    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.for_other and req.scene_phone == "0501234567"
    assert abs(req.lat - north(50)[0]) < 1e-9  # the pin, not the citizen
    assert not near_citizen.messages  # 50 km from the pin: outside the first waves
    await accept_alert(box, near_pin)
    points = [c for c in box.emu.calls_for("sendLocation") if c.params["chat_id"] == 20]
    assert len(points) == 1 and abs(float(points[0].params["latitude"]) - north(50)[0]) < 1e-6
    job = near_pin.last.text or ""
    assert "0501234567" in job and "👤" in job, near_pin.dump()
    # The number goes to the assigned volunteer alone.
    for call in box.emu.calls:
        if "0501234567" in str(call.params):
            assert call.params.get("chat_id") == 20, call


async def test_a_contact_is_taken_and_nonsense_is_asked_again(box: Sandbox) -> None:
    (vol,) = await add_volunteers(box, (20, 0.5))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:first_aid", NOT_FOR_ME["en"], HERE, "my uncle"):
        await step(box, citizen, action)
    assert "does not look like a phone number" in (citizen.last.text or ""), citizen.dump()
    await citizen.share_contact("+966 55 123 4567", user_id=999)
    await box.settle()
    assert "Anything the volunteer should know?" in (citizen.last.text or ""), citizen.dump()
    await step(box, citizen, "He fell, conscious")
    await accept_alert(box, vol)
    assert "+966551234567" in (vol.last.text or ""), vol.dump()


async def test_skip_gives_no_number_and_an_own_request_says_nothing_of_it(box: Sandbox) -> None:
    (vol,) = await add_volunteers(box, (20, 0.5))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:breakdown", HERE, "Skip"):
        await step(box, citizen, action)
    await accept_alert(box, vol)
    job = vol.last.text or ""
    assert "someone else" not in job and "Person at the scene" not in job, vol.dump()


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("0501234567", "0501234567"),
        ("+966 50-123-4567", "+966501234567"),
        ("\u2066٠٥٠١٢٣٤٥٦٧\u2069", "0501234567"),
        ("(050) 123 4567", "0501234567"),
        ("12345", None),  # too short
        ("1234567890123456", None),  # longer than E.164
        ("call 0501234567", None),
        ("05²1234567", None),  # a superscript is no digit
        ("", None),
    ],
)
def test_phone_numbers_as_people_type_them(typed: str, number: str | None) -> None:
    from bot.handlers.inputs import phone_number

    assert phone_number(typed) == number
