"""The lifecycle table (domain.lifecycle), walked on a real database, both dialects."""

from __future__ import annotations

import pytest

from domain import lifecycle
from domain.enums import RequestStatus
from domain.incidents import IncidentType
from storage import requests
from storage.db import Database
from storage.models import HelpRequest
from tests.factories import person

PAIRS = [(a, b) for a in RequestStatus for b in RequestStatus]


def test_every_status_has_a_row_and_closed_ones_lead_nowhere_but_cancel() -> None:
    assert set(lifecycle.ALLOWED) == set(RequestStatus)
    for status, targets in lifecycle.ALLOWED.items():
        if status in lifecycle.UNANSWERED_ENDS:  # the command centre may send it back, or link it
            assert targets == {
                RequestStatus.CANCELLED,
                RequestStatus.DISPATCHING,
                RequestStatus.LINKED,
            }, status
        elif status == RequestStatus.LINKED:  # cancelled by its citizen, or unlinked
            assert targets == {
                RequestStatus.LINKED,
                RequestStatus.CANCELLED,
                RequestStatus.DISPATCHING,
            }
        elif status not in lifecycle.OPEN and status != RequestStatus.COMPLETED:
            assert targets <= {RequestStatus.CANCELLED}, status
    assert lifecycle.ACTIVE_JOB <= lifecycle.OPEN


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
async def test_transition_enforces_the_table(
    db: Database, source: RequestStatus, target: RequestStatus
) -> None:
    await person(db, 1)
    async with db.session() as s:
        req = await requests.add_request(
            s,
            HelpRequest(
                requester_id=1, incident=IncidentType.FIRE, lat=24.7, lon=46.7, status=source
            ),
        )
        assert req.id is not None
        rid = req.id
    async with db.session() as s:
        if target in lifecycle.ALLOWED[source]:
            assert await requests.transition(s, rid, from_status=[source], to_status=target)
        else:
            with pytest.raises(lifecycle.IllegalTransition):
                await requests.transition(s, rid, from_status=[source], to_status=target)
    async with db.session() as s:
        stored = await requests.get_request(s, rid)
        assert stored is not None
        allowed = target in lifecycle.ALLOWED[source]
        assert stored.status == (target if allowed else source)
