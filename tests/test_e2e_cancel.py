"""/cancel at every step of both flows, and a citizen cancelling while volunteers are being alerted."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox
from bot.services import volunteering
from domain.enums import OfferStatus, RequestStatus
from storage import requests
from storage.types import utcnow
from tests.e2e_helpers import HERE, Action, no_request, step
from tests.factories import offset, volunteer

pytestmark = [
    pytest.mark.sandbox(auto_verify_volunteers=True, wave_timeout_s=60),
    pytest.mark.usefixtures("privacy"),
]

CITIZEN_STEPS: list[Action] = ["/request", "inc:breakdown", HERE]
SIGNUP_STEPS: list[Action] = [
    "/volunteer",
    "conduct:ok",
    "skill:fire",
    "skill:ok",
    "equip:ok",
    HERE,
]


async def test_cancel_at_every_step_of_the_request(box: Sandbox) -> None:
    await volunteer(box.db, 10, offset(*HERE, 0.5), utcnow())
    # One citizen per step: after "/request" (type), after the type (location), after it (details).
    for depth in range(1, len(CITIZEN_STEPS) + 1):
        citizen = box.emu.user(depth, first_name=f"C{depth}", language_code="en")
        for action in CITIZEN_STEPS[:depth]:
            await step(box, citizen, action)
        await step(box, citizen, "/cancel")
        assert citizen.last.text == "Cancelled. Nothing was sent.", citizen.dump()
        # The flow is over: a location or a text is no longer an answer to it.
        await step(box, citizen, HERE)
        await step(box, citizen, "White car near the exit")
        assert "did not understand" in (citizen.last.text or ""), citizen.dump()
    await no_request(box)


async def test_cancel_at_every_step_of_the_signup(box: Sandbox) -> None:
    # Where each prefix of SIGNUP_STEPS leaves the person: 1 the code of conduct, 2 skills,
    # 4 equipment (after choosing one skill and continuing), 5 location, 6 phone.
    for depth in (1, 2, 4, 5, 6):
        user = box.emu.user(100 + depth, first_name=f"V{depth}", language_code="en")
        for action in SIGNUP_STEPS[:depth]:
            await step(box, user, action)
        await step(box, user, "/cancel")
        assert user.last.text == "Cancelled.", user.dump()
        await step(box, user, "Skip")  # the phone step's answer, now nobody's
        assert "did not understand" in (user.last.text or ""), user.dump()
        async with box.db.session() as s:
            vol = await volunteering.get_profile(s, 100 + depth)
        assert vol is None or not vol.on_duty  # never registered and put on duty


async def test_cancel_while_dispatching_closes_every_alert(box: Sandbox) -> None:
    ids = (10, 11, 12)
    vols = []
    for i, pid in enumerate(ids):
        await volunteer(box.db, pid, offset(*HERE, 0.4 * (i + 1)), utcnow())
        vols.append(box.emu.user(pid, first_name=f"V{pid}", language_code="en"))
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in (*CITIZEN_STEPS, "Skip"):
        await step(box, citizen, action)
    alerts = {}
    for v in vols:
        alerts[v.id] = next(m for m in v.messages if any("offer:acc" in d for d in m.button_data))
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.status == RequestStatus.DISPATCHING
    await citizen.press("req:cancel:1")
    await box.settle()
    for pid, alert in alerts.items():
        assert alert.edits >= 1, (pid, alert)
        assert "cancelled" in (alert.text or ""), (pid, alert)
        assert alert.button_data == [], (pid, alert)
    assert "cancelled" in (citizen.last.text or "")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
        offers = await requests.offers_for(s, 1)
    assert req is not None and req.status == RequestStatus.CANCELLED
    assert sorted(o.volunteer_id for o in offers) == list(ids)
    assert all(o.status == OfferStatus.WITHDRAWN for o in offers), offers
