"""The citizen's one status message: edited as the request moves, a new message only where
they must notice (accepted, arrived, done: confirm?), the Cancel button on the newest one
while it can be used; a deleted status message is replaced, an unchanged one left alone."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from tests.e2e_helpers import (
    accept_alert,
    add_volunteers,
    alert_of,
    only_buttons_on,
    request_help,
    since,
    status_message_of,
)

pytestmark = [
    pytest.mark.sandbox(volunteers_per_alert=1, wave_timeout_s=60),
    pytest.mark.usefixtures("privacy"),
]

CANCEL = "req:cancel:1"


async def test_one_status_message_through_a_whole_request(box: Sandbox) -> None:
    near, far = await add_volunteers(box, (10, 0.5), (11, 1.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    created = noura.last
    assert "We alerted 1 volunteer" in (created.text or ""), noura.dump()
    assert CANCEL in created.button_data
    assert await status_message_of(box) == created.message_id
    first = created.message_id

    # Nobody near accepts: the search widens, and the same message says so.
    await near.press(alert_of(near).button_data[1])  # Decline
    await box.settle()
    widened = await noura.wait_for(lambda m: m.message_id == first and m.edits > 0)
    assert alert_of(far) is not None
    assert len(since(noura, first)) == 1, noura.dump()
    assert widened.edits == 1
    assert "widened the search" in (widened.text or "")
    assert "Your request #1 (Fire)" in (widened.text or "")
    assert "998" in (widened.text or ""), "a life-threatening type keeps the numbers"
    assert CANCEL in widened.button_data

    # Accepted: a new message (Telegram notifies it), which takes the Cancel button.
    await accept_alert(box, far)
    accepted = await noura.wait_for("accepted your request")
    assert accepted.message_id != first
    assert "accepted your request" in (accepted.text or "")
    assert "Expected in about" in (accepted.text or "")
    await only_buttons_on(noura, first, accepted.message_id)
    assert CANCEL in accepted.button_data
    assert await status_message_of(box) == accepted.message_id

    # Arrived, then done: a new message each; only the newest has buttons.
    await far.press("job:arr:1")
    await box.settle()
    arrived = await noura.wait_for("says they have arrived")
    await only_buttons_on(noura, first, arrived.message_id)
    await far.press("job:done:1")
    await box.settle()
    confirm = await noura.wait_for("says the job is done")
    await only_buttons_on(noura, first, confirm.message_id)

    # Yes, solved: the question becomes the thank-you (an edit), with the rating buttons.
    await noura.press("req:yes:1")
    await box.settle()
    thanked = await noura.wait_for("Thank you for confirming")
    assert thanked.message_id == confirm.message_id
    assert any(d.startswith("rate:") for d in thanked.button_data), thanked
    # Four messages for the whole request: created, accepted, arrived, done.
    assert len(since(noura, first)) == 4, noura.dump()


async def test_cancel_edits_the_status_message(box: Sandbox) -> None:
    await add_volunteers(box, (10, 0.5))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    status = noura.last
    await noura.press(CANCEL)
    await box.settle()
    cancelled = await noura.wait_for("is cancelled")
    assert cancelled.message_id == status.message_id == noura.last.message_id, noura.dump()
    assert cancelled.inline_keyboard == []


async def test_a_deleted_status_message_is_sent_again(box: Sandbox) -> None:
    near, far = await add_volunteers(box, (10, 0.5), (11, 1.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    gone = noura.last.message_id
    noura.delete_bot_message(gone)
    await near.press(alert_of(near).button_data[1])  # Decline: the search widens
    await box.settle()
    again = await noura.wait_for("widened the search")
    assert again.message_id != gone
    assert CANCEL in again.button_data
    assert await status_message_of(box) == again.message_id
    # The next step replaces the message it now knows.
    await accept_alert(box, far)
    accepted = await noura.wait_for("accepted your request")
    await noura.wait_for(lambda m: m.message_id == again.message_id and not m.inline_keyboard)
    assert await status_message_of(box) == accepted.message_id


@pytest.mark.sandbox(volunteers_per_alert=1, approach_update_s=0)
async def test_an_unchanged_status_is_left_alone(box: Sandbox) -> None:
    """The same fix twice: the status would read the same; Telegram's "message is not
    modified" is the end of it, not an error or a new message."""
    (khalid,) = await add_volunteers(box, (10, 2.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    await accept_alert(box, khalid)
    here = (24.7136 + 0.01, 46.6753)
    shared = await khalid.send_location(*here, live_period=3600)
    await box.settle()
    count = len(noura.messages)
    refused_before = [c for c in box.emu.calls_for("editMessageText") if not c.ok]
    await khalid.edit_live_location(shared, here[0] + 0.0001, here[1])  # 11 m: the same words
    await box.settle()
    refused = [c for c in box.emu.calls_for("editMessageText") if not c.ok]
    assert len(refused) == len(refused_before) + 1, "the edit was tried and Telegram said no"
    assert "not modified" in str(refused[-1].response)
    assert len(noura.messages) == count, noura.dump()
