"""The contract between use cases and the channel: events, results, recipients, notices.

A use case returns an ``Outcome`` (its ``Result`` and the ``Notice``s to deliver); each notice
carries one frozen payload, registered here on its ``Event`` by ``_payload`` (the payload
modules beside this one), so the outbox can store and revive it (stored.py).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.i18n import resolve_language
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
    # The command centre (payloads in bot/services/notices/ops.py)
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
    # Hours: disputes, corrections, feedback (payloads in bot/services/notices/hours.py)
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_DECIDED = "dispute_decided"
    CREDIT_CORRECTED = "credit_corrected"
    LOW_RATING = "low_rating"
    # Teams (payloads in bot/services/notices/teams.py)
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


# The payload modules beside this one register with either name.
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
