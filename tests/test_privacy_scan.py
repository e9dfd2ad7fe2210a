"""The privacy scan itself (tests/privacy.py) finds a leak when there is one.

The scenario suites run it over their whole conversations (the ``privacy`` fixture); this
proves it is not a check that cannot fail: the bot's own client is made to post each kind
of secret where it does not belong, and each is caught.
"""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, request_help, step
from tests.privacy import leaks, position_leaks

GROUP = -4242


@pytest.mark.parametrize(
    "where, say",
    [
        (GROUP, "Smoke from the kitchen, 3rd floor"),  # the details, in a group
        (11, "Ask @noura_k what happened"),  # the username, to a volunteer without the job
        (11, "Go to 24.71360, 46.67530 now"),  # the coordinates in a text
        (11, None),  # the exact point as a location
    ],
)
async def test_each_kind_of_leak_is_found(box: Sandbox, where: int, say: str | None) -> None:
    await add_volunteers(box, (10, 0.5), (11, 0.8))
    citizen = box.emu.user(1, first_name="Noura", language_code="en", username="noura_k")
    box.emu.group(GROUP, "Somewhere")
    for action in ("/request", "inc:fire", HERE, "Smoke from the kitchen, 3rd floor"):
        await step(box, citizen, action)
    assert await leaks(box) == []  # alerts carry the area and the distance, nothing more
    if say is None:
        await box.app.bot.send_location(where, *HERE)
    else:
        await box.app.bot.send_message(where, say)
    found = await leaks(box)
    assert len(found) == 1 and f"chat {where}" in found[0], found


@pytest.mark.sandbox(volunteers_per_alert=1, approach_update_s=0)
@pytest.mark.parametrize("where", ["other", "after"])
async def test_a_volunteers_position_elsewhere_is_found(box: Sandbox, where: str) -> None:
    """The volunteer's position to anyone but their job's citizen, or to that citizen after
    the approach ended, is a leak."""
    khalid, omar = await add_volunteers(box, (10, 3.0), (11, 30.0))
    noura = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, noura)
    await accept_alert(box, khalid)
    there = (HERE[0] + 0.018, HERE[1])
    shared = await khalid.send_location(*there, live_period=3600)
    await box.settle()
    await khalid.edit_live_location(shared, there[0] - 0.002, there[1])
    await box.settle()
    assert await position_leaks(box) == []  # to Noura, during the job: allowed
    if where == "other":
        await box.app.bot.send_location(omar.id, *there)
    else:
        await khalid.press("job:done:1")
        await box.settle()
        await box.app.bot.send_location(noura.id, there[0] - 0.002, there[1])
    found = await position_leaks(box)
    chat = omar.id if where == "other" else noura.id
    assert len(found) == 1 and f"chat {chat}" in found[0], found
