"""The vocabularies of states stored in the database (incident types: ``domain.incidents``).

They live at the bottom of the dependency graph so that storage, matching,
services and handlers all speak the same words. Values are stored as text,
so renaming a member is a migration, not a refactor.
"""

from __future__ import annotations

from enum import StrEnum


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
