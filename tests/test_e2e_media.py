"""Voice notes, photos and videos at the details step: kept by file_id, relayed to the
assigned volunteer only (whoever accepts, whenever), and to the command centre on an
escalation; a video too large for Telegram's limits gets a clear answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import Sandbox
from storage import media
from storage.types import utcnow
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, e2e_sandbox, step
from tests.factories import offset, volunteer

pytestmark = pytest.mark.sandbox(wave_timeout_s=60)
MEDIA_METHODS = ("sendVoice", "sendPhoto", "sendVideo")
MB = 1024 * 1024


def media_calls(emu: BotApiEmulator) -> list[tuple[str, int, str]]:
    """(method, chat id, file id) of every file the bot sent."""
    out = []
    for method in MEDIA_METHODS:
        kind = method[4:].lower()
        out += [(method, c.params["chat_id"], c.params[kind]) for c in emu.calls_for(method)]
    return out


async def details_with_media(box: Sandbox, citizen_id: int = 1) -> None:
    citizen = box.emu.user(citizen_id, first_name="Noura", language_code="en")
    for action in ("/request", "inc:breakdown", HERE):
        await step(box, citizen, action)
    assert "voice note" in (citizen.last.text or ""), citizen.dump()  # the step says so
    await citizen.send_media("voice", "v1", duration=12)
    await box.settle()
    assert "Voice note received" in (citizen.last.text or ""), citizen.dump()
    await citizen.send_media("photo", "p1")
    await citizen.send_media("video", "vid1", size=3 * MB)
    await citizen.send_media("video", "huge", size=20 * MB)
    await box.settle()
    assert "too large" in (citizen.last.text or ""), citizen.dump()
    await step(box, citizen, "📨 Send now")


async def test_media_go_to_the_assignee_only(box: Sandbox) -> None:
    declines, accepts = await add_volunteers(box, (10, 0.5), (11, 1.0))
    await details_with_media(box)
    async with box.db.session() as s:
        stored = [(m.kind, m.file_id) for m in await media.media_of(s, 1)]
    assert stored == [("voice", "v1"), ("photo", "p1"), ("video", "vid1")]
    assert not media_calls(box.emu)  # nothing before someone accepts
    await declines.press(lambda d: d.startswith("offer:dec:"))
    await box.settle()
    await accept_alert(box, accepts)
    assert media_calls(box.emu) == [
        ("sendVoice", 11, "v1"),
        ("sendPhoto", 11, "p1"),
        ("sendVideo", 11, "vid1"),
    ]
    voice = next(m for m in accepts.messages if m.media and m.media["kind"] == "voice")
    assert "Sent with request #1" in (voice.caption or ""), accepts.dump()
    assert "Noura" not in (voice.caption or "")


async def test_a_volunteer_who_accepts_later_still_gets_them(box: Sandbox) -> None:
    (first,) = await add_volunteers(box, (11, 1.0))
    await details_with_media(box)
    await accept_alert(box, first)
    # A volunteer who comes on duty after the first one accepted...
    late = box.emu.user(12, first_name="Late", language_code="en")
    await volunteer(box.db, 12, offset(*HERE, 2.0), utcnow())
    await first.press("job:rel:1")  # ...is alerted when the first can't continue
    await box.settle()
    await accept_alert(box, late)
    assert [c for c in media_calls(box.emu) if c[1] == 12] == [
        ("sendVoice", 12, "v1"),
        ("sendPhoto", 12, "p1"),
        ("sendVideo", 12, "vid1"),
    ]


async def test_an_escalation_takes_them_to_the_command_centre(tmp_path: Path) -> None:
    ops_chat = -1001
    async with e2e_sandbox(tmp_path, wave_timeout_s=60, ops_chat_id=ops_chat) as box:
        ops = box.emu.group(ops_chat, "Command centre")
        await details_with_media(box)  # nobody on duty: escalated at once
        await ops.wait_for(lambda m: bool(m.media), timeout=10)
        assert media_calls(box.emu) == [
            ("sendVoice", ops_chat, "v1"),
            ("sendPhoto", ops_chat, "p1"),
            ("sendVideo", ops_chat, "vid1"),
        ]
