"""What a use case wants said, to whom: one small frozen payload type per event.

Use cases return these; the channel adapter renders them (bot/handlers/render/, one
function per payload type) and the outbox stores them (``to_json``/``from_json``), so a
missing field or an unknown event is a type error, not a ``KeyError`` at send time.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from bot.i18n import resolve_language
from domain.enums import OfferStatus
from storage.models import Person


class Event(StrEnum):
    REQUEST_CREATED = "request_created"
    SEARCH_WIDENED = "search_widened"
    OFFER = "offer"
    OFFER_CLOSED = "offer_closed"
    JOB_ASSIGNED = "job_assigned"
    EXACT_LOCATION = "exact_location"
    VOLUNTEER_COMING = "volunteer_coming"
    VOLUNTEER_ARRIVED = "volunteer_arrived"
    JOB_ON_SCENE = "job_on_scene"
    CONFIRM_DONE = "confirm_done"
    JOB_DONE_ACK = "job_done_ack"
    VOLUNTEER_RELEASED = "volunteer_released"
    JOB_RELEASED_ACK = "job_released_ack"
    REQUEST_CANCELLED = "request_cancelled"
    JOB_CANCELLED = "job_cancelled"
    HOURS_CREDITED = "hours_credited"
    CREDIT_DISPUTED = "credit_disputed"
    THANKS = "thanks"
    DISPUTE_ACK = "dispute_ack"
    NO_VOLUNTEER = "no_volunteer"
    OPS_ESCALATION = "ops_escalation"
    OPS_CANCELLED = "ops_cancelled"
    ARRIVAL_REMINDER = "arrival_reminder"
    STATUS_UPDATE = "status_update"
    AUTO_CONFIRMED = "auto_confirmed"
    ON_SCENE_REMINDER = "on_scene_reminder"
    HELP_CHECK = "help_check"
    JOB_LAST_CALL = "job_last_call"
    HELP_CAME_ACK = "help_came_ack"
    JOB_TAKEN_BACK = "job_taken_back"
    REDISPATCHED = "redispatched"
    REQUEST_LIMITED = "request_limited"
    # Volunteer programme
    VOLUNTEER_PENDING = "volunteer_pending"
    OPS_VERIFY = "ops_verify"
    VOLUNTEER_VERIFIED = "volunteer_verified"
    VOLUNTEER_REJECTED = "volunteer_rejected"
    POSITION_STALE = "position_stale"
    # The command centre (payloads in bot/services/notices_ops.py)
    OPS_REQUEST_LIST = "ops_request_list"
    OPS_REQUEST_VIEW = "ops_request_view"
    OPS_AUDIT_VIEW = "ops_audit_view"
    OPS_PERSON_VIEW = "ops_person_view"
    OPS_STATS = "ops_stats"
    OPERATOR_PROMOTED = "operator_promoted"
    OPERATOR_DEMOTED = "operator_demoted"
    VOLUNTEER_SUSPENDED = "volunteer_suspended"
    VOLUNTEER_REINSTATED = "volunteer_reinstated"
    REQUEST_CLOSED_BY_OPS = "request_closed_by_ops"
    SEARCH_RESTARTED = "search_restarted"
    VOLUNTEER_REPLACED = "volunteer_replaced"
    JOB_REASSIGNED = "job_reassigned"
    REQUEST_BLOCKED = "request_blocked"
    ESCALATION_DECIDED = "escalation_decided"
    HANDED_TO_OFFICIALS = "handed_to_officials"
    FALSE_ALARM_CLOSED = "false_alarm_closed"
    # Hours: disputes, corrections, feedback (payloads in bot/services/notices_hours.py)
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_DECIDED = "dispute_decided"
    CREDIT_CORRECTED = "credit_corrected"
    LOW_RATING = "low_rating"
    # Teams (payloads in bot/services/team_notices.py)
    LEADER_NAMED = "leader_named"
    LEADER_VERIFY = "leader_verify"
    VETTING_DECIDED = "vetting_decided"
    TEAM_JOINED = "team_joined"
    TEAM_REMOVED = "team_removed"
    TEAM_MOVED = "team_moved"
    DAILY_DIGEST = "daily_digest"
    WEEKLY_DIGEST = "weekly_digest"


class Result(StrEnum):
    """What a use case did, for the handler's short answer (a button's toast)."""

    OK = "ok"
    NOT_YOURS = "not_yours"  # a forged or foreign button
    ALREADY = "already"  # a double tap: it was done before
    TAKEN = "taken"  # someone else was faster
    CLOSED = "closed"  # the request moved on
    BUSY = "busy"  # the volunteer is on another job
    IDLE = "idle"  # a timer with nothing to do
    EARLY = "early"  # a timer that fired before its time (re-armed)
    LIMITED = "limited"  # the citizen reached the hourly limit of requests
    # Volunteer programme
    NO_CONDUCT = "no_conduct"
    VERIFIED = "verified"
    PENDING = "pending"
    NOT_OPERATOR = "not_operator"
    UNKNOWN = "unknown"
    # The command centre
    SETTING = "setting"  # an OPERATOR_IDS operator: only the setting changes that
    SUSPENDED = "suspended"  # a suspended volunteer may not sign up again
    COOLDOWN = "cooldown"  # a rejected volunteer applies again too soon
    BLOCKED = "blocked"  # a citizen an operator blocked
    NOBODY = "nobody"  # an escalation's wider search found no one new to alert
    # Teams
    OTHER_TEAM = "other_team"  # a leader reached for a team that is not theirs


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    chat_id: int
    language: str

    @classmethod
    def of(cls, person: Person) -> Recipient:
        return cls(
            person.id, person.chat_id, resolve_language(person.language, person.telegram_language)
        )


@dataclass(frozen=True)
class MessageRef:
    chat_id: int
    message_id: int


# --- payloads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """Base of every payload; ``event`` names it (in the outbox and in tests)."""

    event: ClassVar[Event]


PAYLOADS: dict[Event, type[Payload]] = {}


P = typing.TypeVar("P", bound=Payload)


def _payload(event: Event) -> typing.Callable[[type[P]], type[P]]:
    def register(cls: type[P]) -> type[P]:
        cls.event = event
        PAYLOADS[event] = cls
        return cls

    return register


# Payloads registered outside this module (bot/services/team_notices.py) use the same hook.
register_payload = _payload


@dataclass(frozen=True)
class Area:
    """Where a request is, as others may see it: the nearest city and how far from it."""

    city_en: str
    city_ar: str
    km: float


class TimelineLine(typing.NamedTuple):
    at: datetime
    kind: str
    detail: dict[str, object]


@_payload(Event.REQUEST_CREATED)
@dataclass(frozen=True)
class RequestCreated(Payload):
    request_id: int
    incident: str
    alerted: int


@_payload(Event.SEARCH_WIDENED)
@dataclass(frozen=True)
class SearchWidened(Payload):
    request_id: int
    alerted: int


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
    request_id: int
    volunteer: str
    distance_m: int
    phone: str = ""  # only with the volunteer's consent


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


@_payload(Event.REQUEST_LIMITED)
@dataclass(frozen=True)
class RequestLimited(Payload):
    """To the citizen: the hourly limit of requests was reached (the numbers still shown)."""

    incident: str
    limit: int


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


# --- notices and outcomes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    to: Recipient
    payload: Payload
    edit: MessageRef | None = None  # edit this message instead of sending a new one
    offer_id: int | None = None  # remember the sent message on this offer (to edit it later)

    @property
    def event(self) -> Event:
        return self.payload.event


@dataclass
class Outcome:
    """What a use case did: the notices to deliver, timers to (re)set, and its result."""

    result: Result = Result.OK
    notices: list[Notice] = field(default_factory=list)
    # request id -> when its timer must fire next (None: no timer)
    timers: dict[int, datetime | None] = field(default_factory=dict)
    request_id: int | None = None

    def tell(self, notice: Notice) -> None:
        self.notices.append(notice)

    def merge(self, other: Outcome) -> None:
        self.notices.extend(other.notices)
        self.timers.update(other.timers)


# The command centre's and the hours' payloads register themselves on PAYLOADS (their own
# modules: this one is full).
from bot.services import notices_escalation, notices_hours, notices_ops  # noqa: E402, F401

# --- storing payloads (the outbox) -------------------------------------------------------------


def to_json(payload: Payload) -> str:
    """The payload as a JSON object with its event name, for the outbox."""
    return json.dumps(
        {"event": str(payload.event), **_plain(dataclasses.asdict(payload))}, ensure_ascii=False
    )


def from_json(stored: str) -> Payload:
    """The payload ``to_json`` wrote. Raises KeyError/TypeError on an unknown shape."""
    data = json.loads(stored)
    cls = PAYLOADS[Event(data.pop("event"))]
    return cls(**_typed(cls, data))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _typed(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {name: _revive(hints[name], value) for name, value in data.items()}


def _revive(hint: Any, value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # an optional nested value
        given = [a for a in typing.get_args(hint) if a is not type(None)]
        return _revive(given[0], value) if len(given) == 1 and value is not None else value
    if isinstance(value, dict) and isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_typed(hint, value))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(value)
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_revive(item, v) for v in value)
    if isinstance(hint, type) and issubclass(hint, tuple) and isinstance(value, list):
        fields = typing.get_type_hints(hint)
        return hint(*(_revive(h, v) for h, v in zip(fields.values(), value, strict=True)))
    if isinstance(value, dict):
        return {k: _revive(None, v) for k, v in value.items()}
    return value


# The team payloads register themselves on import; imported here so that every payload an
# outbox row can name is known wherever notices are (bot/services/team_notices.py).
from bot.services import team_notices  # noqa: E402, F401
