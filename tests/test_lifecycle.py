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


@pytest.mark.parametrize("source", list(RequestStatus), ids=str)
async def test_transition_enforces_the_table(db: Database, source: RequestStatus) -> None:
    """Every pair (source, target): allowed moves happen, the others raise and change nothing.
    One database per source (a fresh request row for each target): 20 tests, not 200."""
    await person(db, 1)
    for target in RequestStatus:
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
                moved = await requests.transition(s, rid, from_status=[source], to_status=target)
                assert moved, f"{source} -> {target}"
            else:
                with pytest.raises(lifecycle.IllegalTransition):
                    await requests.transition(s, rid, from_status=[source], to_status=target)
        async with db.session() as s:
            stored = await requests.get_request(s, rid)
            assert stored is not None
            allowed = target in lifecycle.ALLOWED[source]
            assert stored.status == (target if allowed else source), f"{source} -> {target}"
