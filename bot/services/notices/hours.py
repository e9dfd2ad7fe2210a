"""The hours payloads: disputes, corrections and low ratings, as their readers are told them.

Registered on ``notices.PAYLOADS`` like every other payload (the package imports this module,
so the outbox can read these back wherever notices is loaded), rendered by
bot/handlers/render/hours.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.notices.core import Event, Payload, _payload


@_payload(Event.DISPUTE_OPENED)
@dataclass(frozen=True)
class DisputeOpened(Payload):
    """To the operators (later the team's leaders): a citizen said the job was not solved."""

    request_id: int
    incident: str
    volunteer: str
    volunteer_id: int
    minutes: int


@_payload(Event.DISPUTE_DECIDED)
@dataclass(frozen=True)
class DisputeDecided(Payload):
    """To the volunteer: the dispute on their job was decided, credited or not, and why."""

    request_id: int
    credited: bool
    minutes: int
    reason: str


@_payload(Event.CREDIT_CORRECTED)
@dataclass(frozen=True)
class CreditCorrected(Payload):
    """To the volunteer: an operator changed the minutes credited for a job."""

    request_id: int
    before: int
    after: int
    reason: str


@_payload(Event.LOW_RATING)
@dataclass(frozen=True)
class LowRating(Payload):
    """To the operators (later the team's leaders): a citizen rated a job 1 or 2."""

    request_id: int
    volunteer: str
    volunteer_id: int
    rating: int
    comment: str = ""
