"""Nothing personal in a group: a pointer to the private chat when spoken to, else silence.

Through the real Application and the emulator. Messages the emulator's group API cannot
make yet (mentions, replies to the bot, senderless posts) are queued as raw Bot API updates.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.devtools.emulator import EmuGroup, EmuUser
from bot.devtools.sandbox import Sandbox
from bot.services import volunteering
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import e2e_sandbox
from tests.factories import RIYADH, offset, volunteer

HERE = (RIYADH.lat, RIYADH.lon)
POINTER = "Musaada works only in a private chat"
LINK = "https://t.me/musaada_bot?start=group"
OPS = -1009


@pytest.fixture
async def box(tmp_path) -> AsyncIterator[Sandbox]:
    async with e2e_sandbox(tmp_path, ops_chat_id=OPS) as b:
        yield b


async def in_group(box: Sandbox, group: EmuGroup, by: EmuUser, text: str) -> None:
    await group.send(text, by=by)
    await box.settle()


async def raw(box: Sandbox, group: EmuGroup, fields: dict[str, Any], by: EmuUser | None) -> None:
    """A group message with exactly these fields (``by`` None: no sender at all)."""
    message = {
        "message_id": 10_000 + len(group.incoming),
        "chat": group.chat_json(),
        "date": int(time.time()),
        **fields,
    }
    if by is not None:
        message["from"] = by.user_json()
    group.incoming[message["message_id"]] = message
    box.emu._push_update({"message": message})
    await box.settle()


def pointers(group: EmuGroup) -> list[str]:
    for m in group.messages:
        assert POINTER in (m.text or ""), group.dump()  # nothing but the pointer, ever
        assert [b.get("url") for row in m.inline_keyboard for b in row] == [LINK]
    return [m.text or "" for m in group.messages]


async def test_duty_from_a_group_changes_nothing(box: Sandbox) -> None:
    """Issue 10 item 3: /duty@bot on in the team's group turned duty on (and moved alerts there)."""
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow(), on_duty=False)
    khalid = box.emu.user(10, first_name="Khalid", language_code="en")
    team = box.emu.group(-100, "Team")
    await in_group(box, team, khalid, "/duty@musaada_bot on")
    async with box.db.session() as s:
        vol = await volunteering.get_profile(s, 10)
    assert vol is not None and not vol.on_duty
    assert len(pointers(team)) == 1 and not khalid.messages


@pytest.mark.parametrize(
    "text", ["/start", "/request", "/request@musaada_bot", "/help", "/cancel", "/volunteer"]
)
async def test_commands_in_a_group_get_only_the_pointer(box: Sandbox, text: str) -> None:
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    family = box.emu.group(-200, "Family")
    await in_group(box, family, noura, text)
    assert len(pointers(family)) == 1 and not noura.messages
    # No flow was started from the group: a location in private is not a request's location.
    await noura.send_location(*HERE)
    await box.settle()
    assert "Anything the volunteer should know" not in "".join(m.text or "" for m in noura.messages)
    async with box.db.session() as s:
        assert await requests.get_request(s, 1) is None


async def test_a_group_is_not_answered_unless_spoken_to(box: Sandbox) -> None:
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    family = box.emu.group(-200, "Family")
    for text in ("hello everyone", "🆘 Request help", "/start@other_bot", "☎️ Emergency numbers"):
        await in_group(box, family, noura, text)
    await raw(box, family, {"location": {"latitude": HERE[0], "longitude": HERE[1]}}, noura)
    assert pointers(family) == []
    mention = {
        "text": "@musaada_bot help",
        "entities": [{"type": "mention", "offset": 0, "length": 12}],
    }
    await raw(box, family, mention, noura)
    assert len(pointers(family)) == 1
    pointer = family.messages[-1]
    reply = {"text": "and now?", "reply_to_message": box.emu._message_json(family, pointer)}
    await raw(box, family, reply, noura)
    assert len(pointers(family)) == 2
    assert not noura.messages


async def test_a_button_pressed_in_a_group_gets_a_short_alert(box: Sandbox) -> None:
    noura = box.emu.user(1, first_name="Noura", language_code="ar")
    family = box.emu.group(-200, "Family")
    await in_group(box, family, noura, "/start")
    for data in ("inc:fire", "offer:acc:1", "lang:en", "junk"):
        await family.press_data(family.messages[-1].message_id, data, by=noura)
        await box.settle()
    answers = [c.params for c in box.emu.calls_for("answerCallbackQuery")]
    assert len(answers) == 4
    for params in answers:
        assert params.get("show_alert") and "«مساعدة»" in params.get("text", ""), params
    assert len(family.messages) == 1 and not noura.messages  # the Arabic pointer, nothing else
    assert "«مساعدة»" in (family.messages[0].text or "")


async def test_a_senderless_group_message_is_not_greeted(box: Sandbox) -> None:
    """An anonymous admin (no sender) was greeted 'Welcome to Musaada, .'."""
    family = box.emu.group(-200, "Family")
    command = {"text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    sender_chat = {"sender_chat": {"id": -200, "type": "group", "title": "Family"}}
    await raw(box, family, {**command, **sender_chat}, None)
    await raw(box, family, {"text": "hello", **sender_chat}, None)
    assert all("Welcome" not in t for t in pointers(family))
    assert len(family.messages) <= 1


async def test_the_operations_chat_is_left_alone(box: Sandbox) -> None:
    operator = box.emu.user(50, first_name="Huda", language_code="en")
    ops = box.emu.group(OPS, "Command centre")
    for text in ("/start", "/request@musaada_bot", "/duty on", "anyone there?"):
        await in_group(box, ops, operator, text)
    assert ops.messages == [] and operator.messages == []
