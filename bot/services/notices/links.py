"""Payloads of linked reports and of major-incident mode.

Registered on ``notices.PAYLOADS`` like every other payload (bot/services/notices/__init__.py imports this module),
rendered by bot/handlers/render/links.py. What a linked report's citizen is told names the
request it follows and how far it got, never who helps or who else asked: no volunteer's
name, phone or distance, no other citizen's point or words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.services.notices.core import Area, Event, Payload, _payload


class LinkStage(StrEnum):
    """How far the request a linked report follows has got (what its citizen is told)."""

    SEARCHING = "searching"  # volunteers are being alerted (again)
    ACCEPTED = "accepted"  # a volunteer is on the way
    ARRIVED = "arrived"  # the volunteer is there
    DONE = "done"  # the volunteer finished: the linked report closes
    ESCALATED = "escalated"  # nobody accepted: the command centre has it
    UNANSWERED = "unanswered"  # nobody accepted and no command centre is set
    OFFICIALS = "officials"  # the command centre handed it to the official services
    CLOSED = "closed"  # closed without help from us (false alarm, closed by the centre)


@_payload(Event.LINKED_TO_REQUEST)
@dataclass(frozen=True)
class LinkedToRequest(Payload):
    """To the citizen whose report was linked: help is already on the way."""

    request_id: int  # their own report
    primary_id: int
    incident: str
    stage: LinkStage

    def __post_init__(self) -> None:
        object.__setattr__(self, "stage", LinkStage(self.stage))


@_payload(Event.LINKED_PROGRESS)
@dataclass(frozen=True)
class LinkedProgress(Payload):
    """To a linked report's citizen: the request it follows moved on."""

    request_id: int
    primary_id: int
    incident: str
    stage: LinkStage

    def __post_init__(self) -> None:
        object.__setattr__(self, "stage", LinkStage(self.stage))


@_payload(Event.REQUEST_STILL_OPEN)
@dataclass(frozen=True)
class RequestStillOpen(Payload):
    """A citizen with an open request (or linked report) asked again: that one is shown."""

    request_id: int
    incident: str
    status: str
    linked_to: int | None = None


@_payload(Event.OPS_LINK_DONE)
@dataclass(frozen=True)
class OpsLinkDone(Payload):
    """To the operator: what /link or /unlink did (``alerted`` after an unlink)."""

    request_id: int
    primary_id: int | None
    linked: bool
    alerted: int = 0


# --- major-incident mode ------------------------------------------------------------------


@dataclass(frozen=True)
class MajorArea:
    """A declared area as operators read it."""

    major_id: int
    city: str  # English name, "" for a point and radius
    lat: float
    lon: float
    radius_km: float
    ends_at: datetime
    paid_broadcast: bool = False


@_payload(Event.MAJOR_DECLARED)
@dataclass(frozen=True)
class MajorDeclared(Payload):
    area: MajorArea
    operator: str


@_payload(Event.MAJOR_ENDED)
@dataclass(frozen=True)
class MajorEnded(Payload):
    area: MajorArea
    operator: str  # "" when its period ran out


@dataclass(frozen=True)
class SummaryRow:
    """One escalation in a major-incident summary: the operations chat may see the point."""

    request_id: int
    incident: str
    lat: float
    lon: float
    area: Area
    escalated_at: datetime


@_payload(Event.MAJOR_SUMMARY)
@dataclass(frozen=True)
class MajorSummary(Payload):
    """One message a minute to the operations chat: the area's escalations since the last."""

    area: MajorArea
    since: datetime
    until: datetime
    rows: tuple[SummaryRow, ...] = ()
    total: int = 0  # escalations in the period; more than ``rows`` when the list was cut


@_payload(Event.MAJOR_LIST)
@dataclass(frozen=True)
class MajorList(Payload):
    """/major: the areas in major-incident mode now."""

    areas: tuple[MajorArea, ...] = ()


@_payload(Event.CALL_OUT)
@dataclass(frozen=True)
class CallOut(Payload):
    """An operator's /broadcast to a volunteer in a major-incident area, framed in their language."""

    city: str
    text: str


@_payload(Event.CALL_OUT_SENT)
@dataclass(frozen=True)
class CallOutSent(Payload):
    """To the operator: how many volunteers their /broadcast reaches (none: no area active)."""

    reached: int
    areas: int
