"""A conditional transition that loses leaves the session's copy of the request as it was."""

from __future__ import annotations

from storage import requests
from storage.db import Database
from storage.models import HelpRequest
from tests.factories import RIYADH, person, row_id


async def test_a_lost_transition_does_not_change_the_row_in_memory(db: Database) -> None:
    await person(db, 1)
    async with db.session() as mine:  # one session over several transactions
        req = await requests.add_request(
            mine,
            HelpRequest(
                requester_id=1,
                incident="fire",
                lat=RIYADH.lat,
                lon=RIYADH.lon,
                status="dispatching",
            ),
        )
        await mine.commit()
        async with db.session() as other:  # meanwhile a volunteer accepted it
            assert await requests.transition(
                other, row_id(req), from_status=["dispatching"], to_status="assigned"
            )
        won = await requests.transition(
            mine, row_id(req), from_status=["dispatching"], to_status="cancelled"
        )
        await mine.commit()
        assert not won
        assert req.status != "cancelled"  # the UPDATE changed nothing, so neither may the copy
        async with db.session() as s:
            fresh = await s.get(HelpRequest, row_id(req))
            assert fresh is not None and fresh.status == "assigned"
        # and a transition that wins is reflected in the copy
        assert await requests.transition(
            mine, row_id(req), from_status=["assigned"], to_status="cancelled"
        )
        assert req.status == "cancelled"
        await mine.commit()
