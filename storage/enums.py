"""Domain vocabularies stored in the database.

They live at the bottom of the dependency graph so that storage, matching,
services and handlers all speak the same words. Values are stored as text,
so renaming a member is a migration, not a refactor.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum


class IncidentType(StrEnum):
    """What happened. Also the set of volunteer skills: a skill is 'can help with X'."""

    FIRE = "fire"
    RESCUE = "rescue"
    ENTRAPMENT = "entrapment"
    LOST_DESERT = "lost_desert"
    BREAKDOWN = "breakdown"
    FLOOD = "flood"
    FIRST_AID = "first_aid"

    @property
    def bit(self) -> int:
        """The bit of this type in a volunteer's ``skills`` mask (SQL-friendly: ``skills & bit``)."""
        return 1 << list(IncidentType).index(self)


class Equipment(IntFlag):
    """Means a volunteer brings. Stored as a bit mask so matching filters in SQL."""

    NONE = 0
    FOUR_BY_FOUR = 1
    RECOVERY_KIT = 2
    FIRST_AID_KIT = 4
    EXTINGUISHER = 8
    BOAT = 16
    TOOLS = 32


def skills_mask(skills: set[IncidentType] | frozenset[IncidentType]) -> int:
    mask = 0
    for skill in skills:
        mask |= skill.bit
    return mask


def skills_from_mask(mask: int) -> list[IncidentType]:
    return [t for t in IncidentType if mask & t.bit]


class VolunteerStatus(StrEnum):
    """Where a volunteer stands with the programme; only VERIFIED ones are ever alerted."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    LEFT = "left"


class RequestStatus(StrEnum):
    """The life of a help request (see ARCHITECTURE.md)."""

    DISPATCHING = "dispatching"
    ASSIGNED = "assigned"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"

    @property
    def is_open(self) -> bool:
        """Open = someone may still act on it (alerts, the volunteer, the citizen)."""
        return self in OPEN_STATUSES

    @property
    def is_active_job(self) -> bool:
        """A volunteer is on this job right now."""
        return self in (RequestStatus.ASSIGNED, RequestStatus.ON_SCENE)


OPEN_STATUSES = frozenset(
    {RequestStatus.DISPATCHING, RequestStatus.ASSIGNED, RequestStatus.ON_SCENE}
)


class OfferStatus(StrEnum):
    """One alert to one volunteer: sent, then answered or closed by what happened to the request."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TAKEN = "taken"  # someone else accepted first
    WITHDRAWN = "withdrawn"  # the request was cancelled
    EXPIRED = "expired"  # the ladder moved on and the request went unanswered
    RELEASED = "released"  # accepted, then the volunteer could not continue
    FAILED = "failed"  # Telegram refused delivery (e.g. the volunteer blocked the bot)


class CreditStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
