"""A help request's payloads, from its creation to its close: what the citizen, the alerted
volunteers, the assigned one and the operations chat are told (bot/services/dispatch/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.notices.core import Area, Event, Payload, TimelineLine, _payload
from domain.enums import OfferStatus


@_payload(Event.REQUEST_CREATED)
@dataclass(frozen=True)
class RequestCreated(Payload):
    request_id: int
    incident: str
    alerted: int


@_payload(Event.SEARCH_WIDENED)
@dataclass(frozen=True)
class SearchWidened(Payload):
    """The citizen's status message, edited: it replaces the whole text, so it says the
    request and, for a life-threatening type, the numbers again (``incident``)."""

    request_id: int
    alerted: int
    incident: str = ""


@_payload(Event.OFFER)
@dataclass(frozen=True)
class AlertOffer(Payload):
    """An alert to one volunteer: distance and area only, never the point. ``wave``: the
    search's wave it belongs to (the first wave's alerts leave first under load)."""

    request_id: int
    incident: str
    offer_id: int
    distance_m: int
    area: Area
    wave: int = 1


@_payload(Event.OFFER_CLOSED)
@dataclass(frozen=True)
class AlertClosed(Payload):
    incident: str
    reason: OfferStatus

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", OfferStatus(self.reason))


@_payload(Event.JOB_ASSIGNED)
@dataclass(frozen=True)
class JobAssigned(Payload):
    """The job, to the volunteer who accepted: the only alert that carries the point."""

    request_id: int
    incident: str
    lat: float
    lon: float
    requester: str
    requester_id: int
    distance_m: int
    description: str = ""
    username: str = ""
    phone: str = ""
    for_other: bool = False  # a pin the citizen dropped for someone else
    scene_phone: str = ""  # the person at the scene (given for this volunteer alone)


@_payload(Event.EXACT_LOCATION)
@dataclass(frozen=True)
class ExactLocation(Payload):
    """The point itself (a Telegram location), said just before the job or the escalation.

    Its own notice so that a retry of the job's text never sends the point twice; it goes
    only to the assigned volunteer and the operations chat.
    """

    request_id: int
    lat: float
    lon: float


@_payload(Event.VOLUNTEER_COMING)
@dataclass(frozen=True)
class VolunteerComing(Payload):
    """The citizen's status once a volunteer accepted: who, how far at acceptance and when,
    and (``Approaching``, the same view edited later) how far now and when they will be
    there. Distances only: the volunteer's point travels as a live location, never here."""

    request_id: int
    volunteer: str
    distance_m: int  # at acceptance
    phone: str = ""  # only with the volunteer's consent
    incident: str = ""
    accepted_at: datetime | None = None
    eta_min: int | None = None
    as_of: datetime | None = None  # when this view was made
    now_m: int | None = None  # the distance at the last fix the volunteer shared
    fix_at: datetime | None = None
    live: bool = False  # the citizen is seeing the volunteer's live location
    sharing_ended: bool = False  # it was shared and has stopped before the volunteer arrived
    reminded: bool = False  # the arrival reminder went to the volunteer (dispatch/timers.py)
    for_other: bool = False  # the point is a pin the citizen dropped for someone else


@_payload(Event.VOLUNTEER_ARRIVED)
@dataclass(frozen=True)
class VolunteerArrived(Payload):
    request_id: int
    volunteer: str


@_payload(Event.JOB_ON_SCENE)
@dataclass(frozen=True)
class JobOnScene(Payload):
    request_id: int


@_payload(Event.CONFIRM_DONE)
@dataclass(frozen=True)
class ConfirmDone(Payload):
    request_id: int
    volunteer: str


@_payload(Event.JOB_DONE_ACK)
@dataclass(frozen=True)
class JobDoneAck(Payload):
    request_id: int
    minutes: int


@_payload(Event.VOLUNTEER_RELEASED)
@dataclass(frozen=True)
class VolunteerReleased(Payload):
    request_id: int
    alerted: int


@_payload(Event.JOB_RELEASED_ACK)
@dataclass(frozen=True)
class JobReleasedAck(Payload):
    request_id: int


@_payload(Event.REQUEST_CANCELLED)
@dataclass(frozen=True)
class RequestCancelled(Payload):
    request_id: int


@_payload(Event.JOB_CANCELLED)
@dataclass(frozen=True)
class JobCancelled(Payload):
    request_id: int
    incident: str


@_payload(Event.HOURS_CREDITED)
@dataclass(frozen=True)
class HoursCredited(Payload):
    request_id: int
    minutes: int
    total_minutes: int
    jobs: int


@_payload(Event.CREDIT_DISPUTED)
@dataclass(frozen=True)
class CreditDisputed(Payload):
    request_id: int


@_payload(Event.THANKS)
@dataclass(frozen=True)
class Thanks(Payload):
    request_id: int
    incident: str


@_payload(Event.DISPUTE_ACK)
@dataclass(frozen=True)
class DisputeAck(Payload):
    request_id: int
    incident: str


@_payload(Event.NO_VOLUNTEER)
@dataclass(frozen=True)
class NoVolunteer(Payload):
    request_id: int
    incident: str
    ops_told: bool


@_payload(Event.OPS_ESCALATION)
@dataclass(frozen=True)
class OpsEscalation(Payload):
    """To the operations chat only: the exact point, the requester and the timeline."""

    request_id: int
    incident: str
    lat: float
    lon: float
    requester: str
    requester_id: int
    created_at: datetime
    alerted: int
    declined: int
    area: Area
    timeline: tuple[TimelineLine, ...] = ()
    description: str = ""
    username: str = ""


@_payload(Event.OPS_CANCELLED)
@dataclass(frozen=True)
class OpsCancelled(Payload):
    """To the operations chat: an escalated request was cancelled by its requester."""

    request_id: int
    incident: str


@_payload(Event.ARRIVAL_REMINDER)
@dataclass(frozen=True)
class ArrivalReminder(Payload):
    request_id: int
    incident: str


@_payload(Event.STATUS_UPDATE)
@dataclass(frozen=True)
class StatusUpdate(Payload):
    request_id: int
    volunteer: str


@_payload(Event.AUTO_CONFIRMED)
@dataclass(frozen=True)
class AutoConfirmed(Payload):
    request_id: int


@_payload(Event.ON_SCENE_REMINDER)
@dataclass(frozen=True)
class OnSceneReminder(Payload):
    """On scene for a long while without Done: is the volunteer still there?"""

    request_id: int
    incident: str


@_payload(Event.HELP_CHECK)
@dataclass(frozen=True)
class HelpCheck(Payload):
    """To the citizen, after the volunteer's reminders went unanswered: did help come?"""

    request_id: int
    incident: str
    volunteer: str
    on_scene: bool  # the volunteer said they arrived


@_payload(Event.JOB_LAST_CALL)
@dataclass(frozen=True)
class JobLastCall(Payload):
    """To the volunteer, with the check: without an update the job goes to others."""

    request_id: int
    incident: str
    on_scene: bool
    wait_s: int


@_payload(Event.HELP_CAME_ACK)
@dataclass(frozen=True)
class HelpCameAck(Payload):
    request_id: int


@_payload(Event.JOB_TAKEN_BACK)
@dataclass(frozen=True)
class JobTakenBack(Payload):
    """To the volunteer: the job was given to others (the citizen said nobody came, or was silent)."""

    request_id: int
    incident: str
    no_show: bool  # the citizen said nobody came (else nobody answered the check)


@_payload(Event.REDISPATCHED)
@dataclass(frozen=True)
class Redispatched(Payload):
    """To the citizen: their volunteer was taken off the job and others were alerted."""

    request_id: int
    alerted: int
    # The official numbers stay on the status message for a life-threatening type (rows
    # written before this field have none: no numbers, as before).
    incident: str = ""


@_payload(Event.REQUEST_LIMITED)
@dataclass(frozen=True)
class RequestLimited(Payload):
    """To the citizen: the hourly limit of requests was reached (the numbers still shown)."""

    incident: str
    limit: int
