"""The volunteer programme's payloads: pending, verification, verdicts, a stale position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.notices.core import Event, Payload, _payload


@_payload(Event.VOLUNTEER_PENDING)
@dataclass(frozen=True)
class VolunteerPending(Payload):
    pass


@_payload(Event.OPS_VERIFY)
@dataclass(frozen=True)
class OpsVerify(Payload):
    volunteer_id: int
    name: str
    skills: int
    equipment: int
    username: str = ""
    phone: str = ""


@_payload(Event.VOLUNTEER_VERIFIED)
@dataclass(frozen=True)
class VolunteerVerified(Payload):
    pass


@_payload(Event.VOLUNTEER_REJECTED)
@dataclass(frozen=True)
class VolunteerRejected(Payload):
    again_at: datetime | None = None  # when they may apply again (REAPPLY_COOLDOWN_S)


@_payload(Event.POSITION_STALE)
@dataclass(frozen=True)
class PositionStale(Payload):
    pass
