"""The one 'is a volunteer in the programme' predicate, and verification beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.enums import VolunteerStatus
from domain.volunteers import is_active, is_rejected, is_verified
from storage.models import Volunteer

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "conduct", "active", "verified", "rejected"),
    [
        (VolunteerStatus.PENDING, NOW, True, False, False),
        (VolunteerStatus.VERIFIED, NOW, True, True, False),
        (VolunteerStatus.REJECTED, NOW, True, False, True),
        (VolunteerStatus.LEFT, NOW, False, False, False),
        (VolunteerStatus.VERIFIED, None, False, False, False),  # no code of conduct: never
    ],
)
def test_predicates(
    status: VolunteerStatus,
    conduct: datetime | None,
    active: bool,
    verified: bool,
    rejected: bool,
) -> None:
    vol = Volunteer(person_id=1, status=status, conduct_accepted_at=conduct)
    assert (is_active(vol), is_verified(vol), is_rejected(vol)) == (active, verified, rejected)


def test_nobody_is_no_volunteer() -> None:
    assert not is_active(None) and not is_verified(None) and not is_rejected(None)
