"""The whole help loop through the real Application and the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from bot.devtools.sandbox import Sandbox, register_volunteer
from domain.enums import OfferStatus, RequestStatus
from domain.incidents import Equipment
from storage import requests
from storage.audit import timeline
from tests.e2e_helpers import HERE, ask_for_help
from tests.factories import offset

LATIN_WORD = re.compile(r"(?<![/@\w])[A-Za-z]{4,}")
ARABIC = re.compile(r"[\u0600-\u06FF]")
FOUR_BY_FOUR = int(Equipment.FOUR_BY_FOUR)

pytestmark = [
    pytest.mark.sandbox(auto_verify_volunteers=True, wave_timeout_s=30),
    pytest.mark.usefixtures("privacy"),  # the location, username and details: Khalid's only
]


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_whole_loop(box: Sandbox, lang: str) -> None:
    emu = box.emu
    vols = [
        emu.user(100 + i, first_name=name, language_code=lang)
        for i, name in enumerate(["Khalid", "Sara", "Omar"])
    ]
    for i, v in enumerate(vols):
        await register_volunteer(
            box, v, skills=["breakdown"], equipment=[FOUR_BY_FOUR], at=offset(*HERE, 0.5 * (i + 1))
        )
    citizen = emu.user(1, first_name="Fatima", language_code=lang, username="fatima_r")
    await ask_for_help(box, citizen, "breakdown", HERE, "White car, stuck in sand")

    # Each volunteer got one alert with the distance and area, never the exact point.
    for v in vols:
        alert = await v.wait_for(
            lambda m: bool(m.button_data and m.button_data[0].startswith("offer:acc:"))
        )
        assert "24.71" not in (alert.text or "")
    assert not [c for c in emu.calls_for("sendLocation") if c.params["chat_id"] in (101, 102)]

    await vols[1].press(lambda v: v.startswith("offer:dec:"))
    await box.settle()
    await vols[0].press(lambda v: v.startswith("offer:acc:"))
    await box.settle()

    # The winner gets the exact location; the others' alerts lose their buttons.
    locations = [c for c in emu.calls_for("sendLocation") if c.params["chat_id"] == 100]
    assert len(locations) == 1 and abs(float(locations[0].params["latitude"]) - HERE[0]) < 1e-6
    for v in vols[1:]:
        edited = [m for m in v.messages if m.edits and "offer:" not in "".join(m.button_data)]
        assert edited, v.dump()
    job = vols[0].last
    assert job is not None and "White car" in (job.text or "")
    coming = citizen.last
    assert coming is not None and "Khalid" in (coming.text or "")

    await vols[0].press("job:arr:1")
    await box.settle()
    await vols[0].press("job:done:1")
    await box.settle()
    await citizen.press("req:yes:1")
    await box.settle()
    credited = vols[0].last
    assert credited is not None and credited.text
    await vols[0].send("/hours")
    await box.settle()

    # Every word each participant saw is in their language: no English to an Arabic user, no Arabic
    # to an English one (names, the citizen's own description and /commands excepted).
    allowed = {"Khalid", "Sara", "Omar", "Fatima", "fatima", "White", "stuck", "sand"}
    for user in [*vols, citizen]:
        for m in user.messages:
            for text in filter(None, [*m.history, *m.buttons, *m.reply_buttons]):
                if lang == "ar":
                    words = {w for w in LATIN_WORD.findall(text) if w not in allowed}
                    assert not words, (user.id, text)
                else:
                    assert not ARABIC.search(text), (user.id, text)

    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
        assert req is not None and req.status == RequestStatus.CONFIRMED and req.volunteer_id == 100
        statuses = {o.volunteer_id: o.status for o in await requests.offers_for(s, 1)}
        assert statuses == {
            100: OfferStatus.ACCEPTED,
            101: OfferStatus.DECLINED,
            102: OfferStatus.TAKEN,
        }
        assert (await requests.credited_minutes(s, 100))[1] == 1
        kinds = [e.kind for e in await timeline(s, 1)]
        assert kinds == ["created", "wave", "declined", "accepted", "arrived", "done", "confirmed"]


async def test_language_choice_wins_over_telegram(box: Sandbox) -> None:
    user = box.emu.user(5, first_name="Maria", language_code="ar")
    await user.send("/start")
    await box.settle()
    assert ARABIC.search(user.last.text or "")
    await user.send("/language")
    await box.settle()
    assert user.last.buttons == ["العربية", "English"]
    await user.press("lang:en")
    await box.settle()
    await user.send("/request")
    await box.settle()
    picker = user.last
    assert picker is not None and picker.text == "What happened?" and "🔥 Fire" in picker.buttons
    assert not ARABIC.search(" ".join(picker.buttons))
    scoped = box.emu.commands_for({"type": "chat", "chat_id": 5})
    assert (
        scoped and scoped[0]["command"] == "request" and not ARABIC.search(scoped[0]["description"])
    )
    # The default menus were published per language at start-up.
    assert ARABIC.search(box.emu.commands_for(None, "ar")[0]["description"])
    assert not ARABIC.search(box.emu.commands_for(None, "en")[0]["description"])
