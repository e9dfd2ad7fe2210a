"""The command centre's payloads: the views operators ask for, and what their actions tell people.

Registered on ``notices.PAYLOADS`` like every other payload (the package imports this module),
rendered by bot/handlers/render/oversight.py. The views carry what the operator may see
(the exact point, names, the audit details); nothing here goes to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.notices.core import Area, Event, Payload, _payload

# --- views (replies to an operator) --------------------------------------------------------


@dataclass(frozen=True)
class OpenRow:
    """One active request in /open."""

    request_id: int
    incident: str
    status: str
    created_at: datetime
    area: Area
    volunteer: str = ""


@_payload(Event.OPS_REQUEST_LIST)
@dataclass(frozen=True)
class OpsRequestList(Payload):
    """/open: one page of the active requests, oldest first; ages are counted from ``as_of``."""

    page: int
    pages: int
    total: int
    as_of: datetime
    rows: tuple[OpenRow, ...] = ()


@dataclass(frozen=True)
class TimelineItem:
    """One audit record as the operator reads it: who acted, and whom it named (a wave's alerts)."""

    at: datetime
    kind: str
    actor: str = ""
    people: tuple[str, ...] = ()
    detail: dict[str, object] | None = None


@_payload(Event.OPS_REQUEST_VIEW)
@dataclass(frozen=True)
class OpsRequestView(Payload):
    """/request ID: the request, its whole timeline to the second, and what may be done now."""

    request_id: int
    incident: str
    status: str
    area: Area
    lat: float
    lon: float
    requester: str
    requester_id: int
    created_at: datetime
    volunteer: str = ""
    volunteer_id: int | None = None
    description: str = ""
    timeline: tuple[TimelineItem, ...] = ()
    credit_minutes: int = 0
    credit_status: str = ""
    can_cancel: bool = False
    can_redispatch: bool = False
    can_reassign: bool = False


@_payload(Event.OPS_AUDIT_VIEW)
@dataclass(frozen=True)
class OpsAuditView(Payload):
    """/audit ID: every audit record of one request with its structured details, as stored."""

    request_id: int
    entries: tuple[TimelineItem, ...] = ()


@dataclass(frozen=True)
class JobLine:
    request_id: int
    incident: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class VolunteerCard:
    """A volunteer's profile and record, for /who."""

    status: str
    skills: int
    equipment: int
    on_duty: bool
    position_at: datetime | None = None
    verified_at: datetime | None = None
    verified_by: str = ""
    busy_request_id: int | None = None
    minutes: int = 0
    jobs: int = 0
    alerted: int = 0
    accepted: int = 0
    declined: int = 0
    decided_at: datetime | None = None  # the operators' last decision (suspension, rejection)
    reason: str = ""
    recent: tuple[JobLine, ...] = ()


@_payload(Event.OPS_PERSON_VIEW)
@dataclass(frozen=True)
class OpsPersonView(Payload):
    """/who: a person's standing with the service, and their volunteer record if they have one."""

    person_id: int
    name: str
    username: str = ""
    operator: bool = False
    blocked: bool = False
    block_reason: str = ""
    requests_made: int = 0
    volunteer: VolunteerCard | None = None


@dataclass(frozen=True)
class Spread:
    """How many requests reached a step, and the median and 90th percentile of the time it took."""

    n: int = 0
    median_s: float | None = None
    p90_s: float | None = None


@dataclass(frozen=True)
class TypeOutcome:
    incident: str
    outcome: str
    n: int


@dataclass(frozen=True)
class Readiness:
    """Verified, on-duty volunteers of one skill in one city now, against that city's requests
    of that type in the last seven days."""

    city: str
    incident: str
    ready: int
    requests_week: int


@_payload(Event.OPS_STATS)
@dataclass(frozen=True)
class OpsStats(Payload):
    """/stats: the KPIs of one period (and city); bot/services/kpis.py computes them."""

    period: str
    city: str
    since: datetime
    until: datetime
    total: int = 0
    by_type: tuple[TypeOutcome, ...] = ()
    first_alert: Spread = Spread()
    first_accept: Spread = Spread()
    arrival: Spread = Spread()
    alerts: int = 0
    alerts_accepted: int = 0
    acceptance_rate: float | None = None
    escalated: int = 0
    escalated_share: float | None = None
    credited_minutes: int = 0
    readiness: tuple[Readiness, ...] = ()


# --- what operators' actions tell people ------------------------------------------------------


@_payload(Event.OPERATOR_PROMOTED)
@dataclass(frozen=True)
class OperatorPromoted(Payload):
    by: str


@_payload(Event.OPERATOR_DEMOTED)
@dataclass(frozen=True)
class OperatorDemoted(Payload):
    pass


@_payload(Event.VOLUNTEER_SUSPENDED)
@dataclass(frozen=True)
class VolunteerSuspended(Payload):
    reason: str
    released_request_id: int | None = None  # the job they were on, now given to someone else


@_payload(Event.VOLUNTEER_REINSTATED)
@dataclass(frozen=True)
class VolunteerReinstated(Payload):
    pass


@_payload(Event.REQUEST_CLOSED_BY_OPS)
@dataclass(frozen=True)
class RequestClosedByOps(Payload):
    """To the citizen: the command centre closed their request."""

    request_id: int
    incident: str


@_payload(Event.SEARCH_RESTARTED)
@dataclass(frozen=True)
class SearchRestarted(Payload):
    """To the citizen: the command centre sent the request out again."""

    request_id: int
    alerted: int


@_payload(Event.VOLUNTEER_REPLACED)
@dataclass(frozen=True)
class VolunteerReplaced(Payload):
    """To the citizen: the command centre took the job from its volunteer and alerted others."""

    request_id: int
    alerted: int


@_payload(Event.JOB_REASSIGNED)
@dataclass(frozen=True)
class JobReassigned(Payload):
    """To the volunteer: the command centre gave the job to someone else; they are free."""

    request_id: int
    incident: str


@_payload(Event.REQUEST_BLOCKED)
@dataclass(frozen=True)
class RequestBlocked(Payload):
    """To a citizen an operator blocked: no request was taken (the official numbers shown)."""

    incident: str
