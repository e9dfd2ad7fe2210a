"""The volunteer approaching, live: a live location the assignee shares reaches the citizen
alone, moved as they come and stopped when they arrive, finish or let go, or the request
ends, or the sharing stops; the status message says the distance now and an arrival time.
A jump of 100 km is ignored, a static location is used once; every outgoing call is scanned
(tests/privacy.py): the volunteer's position only to this citizen, only during this job."""

from __future__ import annotations

import pytest

from bot.devtools.emulator import Call, EmuUser
from bot.devtools.sandbox import Sandbox
from storage import approach as approach_rows
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, request_help
from tests.privacy import position_leaks

pytestmark = [
    pytest.mark.sandbox(volunteers_per_alert=1, wave_timeout_s=60, approach_update_s=0),
    pytest.mark.usefixtures("privacy"),
]

KM = 0.009  # about a kilometre of latitude


def north(km: float) -> tuple[float, float]:
    return HERE[0] + km * KM, HERE[1]


def live_calls(box: Sandbox, method: str, chat_id: int) -> list[Call]:
    return [c for c in box.emu.calls_for(method) if c.ok and c.params.get("chat_id") == chat_id]


async def on_the_way(box: Sandbox) -> tuple[EmuUser, EmuUser, EmuUser]:
    """Noura asked for help; Khalid (3 km away) accepted; Omar is another volunteer."""
    khalid, omar = await add_volunteers(box, (10, 3.0), (11, 30.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    await accept_alert(box, khalid)
    await noura.wait_for("accepted your request")
    return noura, khalid, omar


async def test_the_live_location_from_start_to_arrival(box: Sandbox) -> None:
    noura, khalid, omar = await on_the_way(box)
    job = await khalid.wait_for("You are assigned")
    assert "share your live location" in (job.text or ""), "the invitation, with its consent"
    assert "Only the person who asked for help sees it" in (job.text or "")

    shared = await khalid.send_location(*north(2.0), live_period=3600)
    await box.settle()
    live = await noura.wait_for(lambda m: m.location is not None)
    assert live.location is not None and live.location.get("live_period") == 3600
    assert abs(live.location["latitude"] - north(2.0)[0]) < 1e-6
    status = await noura.wait_for("away now")
    assert "2.0 km away now" in (status.text or ""), status
    assert "Expected in about" in (status.text or "")
    assert "live map" in (status.text or "")
    assert "now sees you coming" in (khalid.last.text or ""), khalid.dump()

    # Coming closer (under a kilometre a fix: GPS noise never counts as a jump): the
    # citizen's copy moves, the status follows.
    await khalid.edit_live_location(shared, *north(1.2))
    await box.settle()
    await noura.wait_for(lambda m: m.message_id == status.message_id and "1.2 km" in (m.text or ""))
    moved = noura.message(live.message_id).location
    assert moved is not None and abs(moved["latitude"] - north(1.2)[0]) < 1e-6

    # A jump of 100 km: ignored, the last good fix kept.
    moves = len(live_calls(box, "editMessageLiveLocation", 1))
    await khalid.edit_live_location(shared, *north(100.0))
    await box.settle()
    assert len(live_calls(box, "editMessageLiveLocation", 1)) == moves
    assert "1.2 km away now" in (noura.message(status.message_id).text or "")
    async with box.db.session() as s:
        row = await approach_rows.of_request(s, 1)
        assert row is not None and abs(row.lat - north(1.2)[0]) < 1e-6

    # Arrived: the live copy stops, and nothing moves it after.
    await khalid.press("job:arr:1")
    await box.settle()
    await noura.wait_for(lambda m: m.message_id == live.message_id and m.live_stopped)
    await khalid.edit_live_location(shared, *north(0.1))
    await box.settle()
    assert len(live_calls(box, "editMessageLiveLocation", 1)) == moves
    async with box.db.session() as s:
        assert await approach_rows.of_request(s, 1) is None, "no position outlives the approach"
    # Only Noura ever got Khalid's position; Omar, another volunteer, got nothing of it.
    assert not [
        c for c in box.emu.calls if c.params.get("chat_id") == omar.id and "ocation" in c.method
    ]
    assert await position_leaks(box) == []


@pytest.mark.parametrize("ending", ["done", "release", "cancel", "stopped"])
async def test_the_live_location_stops_when_the_approach_ends(box: Sandbox, ending: str) -> None:
    noura, khalid, _ = await on_the_way(box)
    shared = await khalid.send_location(*north(2.0), live_period=3600)
    await box.settle()
    live = await noura.wait_for(lambda m: m.location is not None)
    if ending == "done":
        await khalid.press("job:done:1")
    elif ending == "release":
        await khalid.press("job:rel:1")
    elif ending == "cancel":
        await noura.press("req:cancel:1")
    else:  # the volunteer stopped sharing early
        await khalid.stop_live_location(shared)
    await box.settle()
    await noura.wait_for(lambda m: m.message_id == live.message_id and m.live_stopped)
    if ending == "stopped":
        status = await noura.wait_for("stopped sharing their location")
        assert "2.0 km away now" in (status.text or ""), "the last distance, with its time"
    async with box.db.session() as s:
        assert await approach_rows.of_request(s, 1) is None


async def test_a_static_location_is_used_once(box: Sandbox) -> None:
    noura, khalid, _ = await on_the_way(box)
    await khalid.send_location(*north(1.5))
    await box.settle()
    status = await noura.wait_for("away now")
    assert "1.5 km away now" in (status.text or "")
    assert "live map" not in (status.text or "")
    assert not live_calls(box, "sendLocation", 1), "a static point is not relayed as a map"
    said = await khalid.wait_for("share a live location")
    assert "Share my live location" in (said.text or "")
    async with box.db.session() as s:
        assert await approach_rows.of_request(s, 1) is None, "used once, never kept"


async def test_without_a_live_location_the_status_shows_the_distance_at_acceptance(
    box: Sandbox,
) -> None:
    noura, _, _ = await on_the_way(box)
    accepted = noura.last
    assert "3.0 km away" in (accepted.text or "")
    assert "Expected in about" in (accepted.text or "")
    assert not live_calls(box, "sendLocation", 1)


@pytest.mark.sandbox(
    volunteers_per_alert=1, approach_update_s=0, arrival_reminder_s=0.5, arrival_reminders=20
)
async def test_the_reminder_edits_the_status_with_the_time_since(box: Sandbox) -> None:
    # Not on_the_way: its wait for "accepted your request" can come after the first reminder
    # (0.5 s here) has already edited that message on a loaded host.
    khalid, _ = await add_volunteers(box, (10, 3.0), (11, 30.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    await accept_alert(box, khalid)
    status = await noura.wait_for(lambda m: "when they accepted" in (m.text or ""), timeout=10)
    # The accepted message itself, edited: not a new message.
    assert status.edits and "accepted your request" in (status.history[0] or "")
    assert "3.0 km away when they accepted" in (status.text or "")
    assert "still on the way" in (status.text or "")
    assert "✖️ Cancel my request" in status.buttons


async def test_a_citizen_who_blocks_the_bot_mid_job(box: Sandbox) -> None:
    noura, khalid, _ = await on_the_way(box)
    shared = await khalid.send_location(*north(2.0), live_period=3600)
    await box.settle()
    box.emu.block(noura.id)
    await khalid.edit_live_location(shared, *north(1.0))
    await box.settle()
    told = await khalid.wait_for("has blocked the bot")
    assert "The job stands" in (told.text or "")
    async with box.db.session() as s:
        assert await approach_rows.of_request(s, 1) is None, "nothing more to relay"
    tries = len([c for c in box.emu.calls if c.params.get("chat_id") == noura.id])
    await khalid.edit_live_location(shared, *north(0.5))
    await box.settle()
    assert len([c for c in box.emu.calls if c.params.get("chat_id") == noura.id]) == tries
    await khalid.send("on my way")
    await box.settle()
    await khalid.wait_for("could not be delivered")
    assert len([m for m in khalid.messages if "has blocked the bot" in (m.text or "")]) == 1
