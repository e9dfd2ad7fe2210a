"""The citizen's status message off the happy path (bot/services/status.py): the volunteer who
lets go is news, the command centre sending a request out again edits it and keeps Cancel,
asking again shows the open request as its status message, a linked report's citizen has one
status message of their own, and help for someone else says the distance to the pin."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from domain.enums import RequestStatus
from tests.e2e_helpers import (
    HERE,
    accept_alert,
    add_volunteers,
    alert_of,
    only_buttons_on,
    request_help,
    since,
    status_message_of,
    status_of,
    step,
)
from tests.factories import offset

OPS = -100321
OPERATOR = 900
pytestmark = [
    pytest.mark.sandbox(
        volunteers_per_alert=1,
        wave_timeout_s=60,
        operator_ids=frozenset({OPERATOR}),
        ops_chat_id=OPS,
        ops_language="en",
    ),
    pytest.mark.usefixtures("privacy"),
]


def cancel(rid: int = 1) -> str:
    return f"req:cancel:{rid}"


async def test_a_volunteer_who_lets_go_is_news_and_the_search_goes_on_in_it(box: Sandbox) -> None:
    first_vol, other = await add_volunteers(box, (10, 0.5), (11, 1.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    first = noura.last.message_id
    await accept_alert(box, first_vol)
    accepted = await noura.wait_for("accepted your request")
    await first_vol.press("job:rel:1")
    await box.settle()
    # Help that was coming is not: a new message (Telegram notifies it), with Cancel.
    released = await noura.wait_for("could not continue")
    assert released.message_id > accepted.message_id
    await only_buttons_on(noura, first, released.message_id)
    assert cancel() in released.button_data
    assert await status_message_of(box) == released.message_id
    # The next volunteer declines: nobody is left, and the same message says what follows.
    await other.press(alert_of(other).button_data[1])
    await box.settle()
    told = await noura.wait_for("command centre is following up")
    assert told.message_id > released.message_id, noura.dump()
    await only_buttons_on(noura, first, told.message_id)


async def test_sent_out_again_edits_the_status_and_keeps_cancel(box: Sandbox) -> None:
    ops = box.emu.group(OPS, "Command centre")
    operator = box.emu.user(OPERATOR, first_name="Op", language_code="en")
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)  # nobody on duty: escalated at once
    nobody = await noura.wait_for("command centre is following up")
    assert await status_message_of(box) == nobody.message_id
    notice = await ops.wait_for("Unanswered request #1")
    await add_volunteers(box, (10, 0.5))
    await ops.press_data(notice.message_id, "esc:wide:1", by=operator)
    await box.settle()
    again = await noura.wait_for(lambda m: "out again" in (m.text or ""))
    assert again.message_id == nobody.message_id, noura.dump()  # an edit, not a new message
    assert cancel() in again.button_data  # the request is searching: it can be cancelled
    assert await status_of(box) == RequestStatus.DISPATCHING


async def test_asking_again_shows_the_open_request_as_its_status(box: Sandbox) -> None:
    near, _far = await add_volunteers(box, (10, 0.5), (11, 1.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    first = noura.last.message_id
    await step(box, noura, "/request")
    shown = noura.last
    assert "is still open" in (shown.text or ""), noura.dump()
    assert shown.message_id > first and cancel() in shown.button_data
    await only_buttons_on(noura, first, shown.message_id)  # one Cancel: on the newest
    assert await status_message_of(box) == shown.message_id
    # The search widens: the message the citizen was just shown says so.
    await near.press(alert_of(near).button_data[1])
    await box.settle()
    widened = await noura.wait_for(lambda m: "widened the search" in (m.text or ""))
    assert widened.message_id == shown.message_id, noura.dump()
    assert cancel() in widened.button_data


async def test_a_linked_citizen_has_one_status_message_too(box: Sandbox) -> None:
    [vol] = await add_volunteers(box, (10, 0.5))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    sami = box.emu.user(2, first_name="Sami", language_code="en")
    await request_help(box, noura)
    await request_help(box, sami, at=offset(*HERE, 0.05))
    joined = sami.last
    assert "is joined to request #1" in (joined.text or ""), sami.dump()
    assert cancel(2) in joined.button_data
    assert await status_message_of(box, 2) == joined.message_id
    first = joined.message_id
    # Accepted and arrived are news for them too: a new message each, Cancel on the newest.
    await accept_alert(box, vol)
    accepted = await sami.wait_for("A volunteer accepted request #1")
    await only_buttons_on(sami, first, accepted.message_id)
    await vol.press("job:arr:1")
    await box.settle()
    arrived = await sami.wait_for("has arrived at the scene")
    await only_buttons_on(sami, first, arrived.message_id)
    # Finished: their report closes in the same message, without buttons.
    await vol.press("job:done:1")
    await box.settle()
    finished = await sami.wait_for("The volunteer finished request #1")
    assert finished.message_id == arrived.message_id, sami.dump()
    assert finished.inline_keyboard == []
    assert len(since(sami, first)) == 3, sami.dump()  # joined, accepted, arrived


async def test_a_linked_citizen_cancels_in_their_status_message(box: Sandbox) -> None:
    await add_volunteers(box, (10, 0.5))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    sami = box.emu.user(2, first_name="Sami", language_code="en")
    await request_help(box, noura)
    await request_help(box, sami, at=offset(*HERE, 0.05))
    joined = sami.last
    await sami.press(cancel(2))
    await box.settle()
    gone = await sami.wait_for("is cancelled")
    assert gone.message_id == joined.message_id == sami.last.message_id, sami.dump()
    assert gone.inline_keyboard == []
    assert await status_of(box, 2) == RequestStatus.CANCELLED
    assert await status_of(box, 1) == RequestStatus.DISPATCHING  # the other citizen's goes on


@pytest.mark.parametrize(
    ("lang", "accepted_words", "approaching_words"),
    [
        ("en", "from the pin you dropped", "on the way to the pin you dropped"),
        ("ar", "من الدبوس الذي وضعته", "في الطريق إلى الدبوس الذي وضعته"),
    ],
)
async def test_help_for_someone_else_says_the_distance_to_the_pin(
    box: Sandbox, lang: str, accepted_words: str, approaching_words: str
) -> None:
    [vol] = await add_volunteers(box, (10, 2.5))
    noura = box.emu.user(1, first_name="Noura", language_code=lang)
    await step(box, noura, "/request")
    await step(box, noura, "inc:rescue")
    await step(box, noura, noura.last.reply_buttons[1])  # 👤 It is not for me
    await step(box, noura, offset(*HERE, 0.5))  # the pin
    await step(box, noura, noura.last.reply_buttons[0])  # no number: Skip
    await step(box, noura, noura.last.reply_buttons[0])  # no details: Skip
    await accept_alert(box, vol)
    accepted = noura.last
    assert accepted_words in (accepted.text or ""), noura.dump()
    await vol.send_location(*offset(*HERE, 1.5), live_period=3600)
    await box.settle()
    edited = await noura.wait_for(lambda m: m.message_id == accepted.message_id and m.edits > 0)
    assert approaching_words in (edited.text or ""), noura.dump()
