"""The privacy scan itself (tests/privacy.py) finds a leak when there is one.

The scenario suites run it over their whole conversations (the ``privacy`` fixture); this
proves it is not a check that cannot fail: the bot's own client is made to post each kind
of secret where it does not belong, and each is caught.
"""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from tests.e2e_helpers import HERE, add_volunteers, step
from tests.privacy import leaks

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
