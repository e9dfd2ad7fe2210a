"""Who counts as a volunteer, and the choices a volunteer's preferences may take.

One predicate instead of the same three conditions written out in every handler: a
person is in the programme once they accepted the code of conduct, until they leave.
Verification is a separate question (``is_verified``): a pending or rejected volunteer
is still in the programme, with a profile to look at, but is never alerted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeGuard, TypeVar

from domain.enums import VolunteerStatus


class VolunteerRecord(Protocol):
    """What the predicates read of a stored volunteer (storage.models.Volunteer has it)."""

    @property
    def status(self) -> str: ...

    @property
    def conduct_accepted_at(self) -> datetime | None: ...


V = TypeVar("V", bound=VolunteerRecord)


def is_active(vol: V | None) -> TypeGuard[V]:
    """In the programme: a record, the code of conduct accepted, and not left."""
    return (
        vol is not None
        and vol.conduct_accepted_at is not None
        and vol.status != VolunteerStatus.LEFT
    )


def is_verified(vol: V | None) -> TypeGuard[V]:
    """In the programme and approved by an operator (or automatically): may be alerted."""
    return is_active(vol) and vol.status == VolunteerStatus.VERIFIED


def is_rejected(vol: V | None) -> TypeGuard[V]:
    """In the programme, but an operator did not approve the registration."""
    return is_active(vol) and vol.status == VolunteerStatus.REJECTED


# The choices the profile offers. A press is honoured only for one of these, so a forged
# button can never store a value no one was offered. Add choices; never remove one that
# buttons already in people's chats carry (it would turn those buttons stale).
RADIUS_CHOICES_KM: tuple[int, ...] = (2, 5, 10, 20, 50)  # 0 (also accepted) = any distance
QUIET_CHOICES: tuple[tuple[int, int], ...] = ((22 * 60, 6 * 60), (23 * 60, 7 * 60), (0, 6 * 60))
ALERTS_PER_HOUR_CHOICES: tuple[int, ...] = (2, 4, 6, 10)
