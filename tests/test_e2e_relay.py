"""Talk through the bot: during a job the citizen and the volunteer reach each other through
the bot (marked with who sent it, never their accounts); it closes when the job ends, and a
message that cannot be delivered is reported to its sender."""

from __future__ import annotations

import pytest

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from storage.audit import timeline
from storage.types import utcnow
from tests.e2e_helpers import HERE, accept_alert, request_help, step
from tests.factories import offset, volunteer

pytestmark = pytest.mark.sandbox(wave_timeout_s=60)


async def assigned(box: Sandbox) -> tuple[EmuUser, EmuUser]:
    """Noura (@noura_x) asked for help and Khalid (@khalid_x) accepted."""
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    khalid = box.emu.user(10, first_name="Khalid", language_code="en", username="khalid_x")
    noura = box.emu.user(1, first_name="Noura", language_code="en", username="noura_x")
    await request_help(box, noura)
    await accept_alert(box, khalid)
    return noura, khalid


async def test_both_sides_talk_through_the_bot(box: Sandbox) -> None:
    noura, khalid = await assigned(box)
    await step(box, noura, "I am by the blue car")
    said = khalid.last.text or ""
    assert said.startswith("💬 The person who asked for help (request #1)"), khalid.dump()
    assert "I am by the blue car" in said
    await khalid.send_media("voice", "kv1")
    await box.settle()
    voice = noura.last
    assert voice.media == {"kind": "voice", "file_id": "kv1"}, noura.dump()
    assert "💬 The volunteer (request #1)" in (voice.caption or "")
    await noura.send_media("photo", "np1")
    await box.settle()
    photo = khalid.last.photo
    assert photo is not None and photo["file_id"] == "np1", khalid.dump()
    # Neither side sees the other's Telegram account.
    for call in box.emu.calls:
        chat, shown = call.params.get("chat_id"), str(call.params)
        assert not (chat == 10 and "noura_x" in shown), call
        assert not (chat == 1 and "khalid_x" in shown), call
    # The timeline holds the kind and the time, never the words.
    async with box.db.session() as s:
        relayed = [e for e in await timeline(s, 1) if e.kind == "relayed"]
    assert [(e.detail["kind"], e.detail["from"]) for e in relayed] == [
        ("text", "citizen"),
        ("voice", "volunteer"),
        ("photo", "citizen"),
    ]
    assert "blue car" not in str([e.detail for e in relayed])


async def test_before_anyone_accepts_nothing_is_relayed(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    khalid = box.emu.user(10, first_name="Khalid", language_code="en")
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    before = len(khalid.messages)
    await step(box, noura, "are you coming?")
    assert len(khalid.messages) == before
    assert "did not understand" in (noura.last.text or ""), noura.dump()


@pytest.mark.parametrize("ending", ["done", "cancel", "release"])
async def test_the_relay_closes_when_the_job_ends(box: Sandbox, ending: str) -> None:
    noura, khalid = await assigned(box)
    if ending == "done":
        await khalid.press("job:done:1")
    elif ending == "cancel":
        await noura.press("req:cancel:1")
    else:
        await khalid.press("job:rel:1")
    await box.settle()
    to_khalid, to_noura = len(khalid.messages), len(noura.messages)
    await step(box, noura, "hello?")
    assert len(khalid.messages) == to_khalid, khalid.dump()  # nothing relayed
    if ending == "release":  # back to dispatching: an ordinary message again
        assert "did not understand" in (noura.last.text or ""), noura.dump()
    else:
        assert "Request #1 has ended" in (noura.last.text or ""), noura.dump()
    await khalid.send_media("photo", "late")
    await box.settle()
    assert all(m.media is None and m.photo is None for m in noura.messages[to_noura:])
    assert not [c for c in box.emu.calls_for("sendPhoto") if c.params["chat_id"] == 1]


@pytest.mark.parametrize(
    ("code", "description"),
    [(403, "Forbidden: bot was blocked by the user"), (400, "Bad Request: chat not found")],
)
async def test_a_message_that_cannot_be_delivered_is_reported(
    box: Sandbox, code: int, description: str
) -> None:
    noura, _khalid = await assigned(box)
    box.emu.fail_next("sendMessage", error_code=code, description=description, chat_id=10)
    await step(box, noura, "where are you?")
    assert "could not be delivered to the volunteer" in (noura.last.text or ""), noura.dump()
