"""What a use case wants said, to whom — rendered into words and buttons by the channel adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import resolve_language
from storage.models import Person


class Event(StrEnum):
    REQUEST_CREATED = "request_created"
    SEARCH_WIDENED = "search_widened"
    OFFER = "offer"
    OFFER_CLOSED = "offer_closed"
    JOB_ASSIGNED = "job_assigned"
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
    ARRIVAL_REMINDER = "arrival_reminder"
    STATUS_UPDATE = "status_update"
    AUTO_CONFIRMED = "auto_confirmed"
    # Volunteer programme
    VOLUNTEER_PENDING = "volunteer_pending"
    OPS_VERIFY = "ops_verify"
    VOLUNTEER_VERIFIED = "volunteer_verified"
    VOLUNTEER_REJECTED = "volunteer_rejected"
    POSITION_STALE = "position_stale"


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


@dataclass(frozen=True)
class Notice:
    to: Recipient
    event: Event
    params: dict[str, Any] = field(default_factory=dict)
    edit: MessageRef | None = None  # edit this message instead of sending a new one
    offer_id: int | None = None  # remember the sent message on this offer (to edit it later)


@dataclass
class Outcome:
    """What a use case did: the notices to deliver, timers to (re)set, and a result word for the caller."""

    result: str = "ok"
    notices: list[Notice] = field(default_factory=list)
    # request id -> when its timer must fire next (None: no timer)
    timers: dict[int, datetime | None] = field(default_factory=dict)
    request_id: int | None = None

    def tell(self, notice: Notice) -> None:
        self.notices.append(notice)

    def merge(self, other: Outcome) -> None:
        self.notices.extend(other.notices)
        self.timers.update(other.timers)
