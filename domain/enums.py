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
    """The life of a help request: its allowed moves are ``domain.lifecycle.ALLOWED``."""

    DISPATCHING = "dispatching"
    ASSIGNED = "assigned"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"


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


class MediaKind(StrEnum):
    """What a person may send through the bot besides words: relayed by Telegram file_id."""

    VOICE = "voice"
    PHOTO = "photo"
    VIDEO = "video"


class CreditStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class AuditKind(StrEnum):
    """What an audit event records. The timeline and the command centre read these."""

    CREATED = "created"
    WAVE = "wave"
    FINAL_WAIT = "final_wait"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALERT_FAILED = "alert_failed"
    RELEASED = "released"
    ARRIVED = "arrived"
    DONE = "done"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    AUTO_CONFIRMED = "auto_confirmed"
    AUTO_DISPUTED = "auto_disputed"
    CANCELLED = "cancelled"
    ARRIVAL_REMINDER = "arrival_reminder"
    ON_SCENE_REMINDER = "on_scene_reminder"
    HELP_CHECK = "help_check"  # the citizen was asked whether help came
    HELP_CAME = "help_came"  # ... and said yes
    NO_SHOW = "no_show"  # ... and said nobody came: the job was taken back
    JOB_TIMED_OUT = "job_timed_out"  # ... and never answered: the job was taken back
    RATE_LIMITED = "rate_limited"  # a request refused by the hourly limit
    RELAYED = "relayed"  # a message passed on between the two sides (its kind, not its content)
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    CONDUCT_ACCEPTED = "conduct_accepted"
    PHONE_CONSENT = "phone_consent"
    VOLUNTEER_SUBMITTED = "volunteer_submitted"
    VOLUNTEER_VERIFIED = "volunteer_verified"
    VOLUNTEER_REJECTED = "volunteer_rejected"
    VOLUNTEER_LEFT = "volunteer_left"
