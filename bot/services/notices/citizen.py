"""What keeps the citizen's status message current, and the volunteer approaching, live.

Registered on ``PAYLOADS`` like every other payload (the package imports this module);
rendered by bot/handlers/render/approach.py. Which citizen payloads edit the status message
and which send a new one in its place: bot/services/status.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.notices.core import Event, Payload, _payload
from bot.services.notices.requests import VolunteerComing


@_payload(Event.APPROACHING)
@dataclass(frozen=True)
class Approaching(VolunteerComing):
    """The accepted view again, edited into the status message: a new fix, a reminder, the
    live location stopping. Never a new message (the citizen was told at acceptance)."""


@_payload(Event.STATUS_RETIRED)
@dataclass(frozen=True)
class StatusRetired(Payload):
    """A status message a newer one replaced loses its buttons (an edit of the markup only),
    so only the newest offers Cancel."""

    request_id: int


@_payload(Event.LIVE_LOCATION)
@dataclass(frozen=True)
class LiveLocation(Payload):
    """To the citizen alone: the volunteer's position as a Telegram live location, moved by
    ``LiveMoved`` and stopped by ``LiveStopped`` (edits of the message this one became)."""

    request_id: int
    lat: float
    lon: float
    live_period_s: int


@_payload(Event.LIVE_MOVED)
@dataclass(frozen=True)
class LiveMoved(Payload):
    request_id: int
    lat: float
    lon: float


@_payload(Event.LIVE_STOPPED)
@dataclass(frozen=True)
class LiveStopped(Payload):
    request_id: int


@_payload(Event.APPROACH_ACK)
@dataclass(frozen=True)
class ApproachAck(Payload):
    """To the volunteer who shared a location during the job: what the citizen now sees.
    ``live``: a live location (relayed until they arrive); else a one-off position (used for
    the distance once, with how to share a live one)."""

    request_id: int
    live: bool


@_payload(Event.CITIZEN_UNREACHABLE)
@dataclass(frozen=True)
class CitizenUnreachable(Payload):
    """To the assignee: the person who asked has blocked the bot, so nothing reaches them
    through it any more; the job stands (the volunteer has the point)."""

    request_id: int
