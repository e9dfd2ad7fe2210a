"""What the team use cases want said: one frozen payload per notice (rendered in
bot/handlers/render/teams.py), registered on the same ``Event`` table as every other notice.

The digests are payloads too: the figures are computed once (bot/services/digests.py) and
carried typed, so rendering them in either language is a pure function of the payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.notices.core import Event, Payload, register_payload


@register_payload(Event.LEADER_NAMED)
@dataclass(frozen=True)
class LeaderNamed(Payload):
    team_id: int
    team: str


@register_payload(Event.LEADER_VERIFY)
@dataclass(frozen=True)
class LeaderVerify(Payload):
    """A leader's copy of a new member's approval notice (the operators get ``OpsVerify``)."""

    volunteer_id: int
    name: str
    team: str
    skills: int
    equipment: int
    username: str = ""


@register_payload(Event.VETTING_DECIDED)
@dataclass(frozen=True)
class VettingDecided(Payload):
    """Every copy of an approval notice, once someone decided: who, and which way."""

    volunteer_id: int
    name: str
    decider: str
    approved: bool


@register_payload(Event.TEAM_JOINED)
@dataclass(frozen=True)
class TeamJoined(Payload):
    team: str


@register_payload(Event.TEAM_REMOVED)
@dataclass(frozen=True)
class TeamRemoved(Payload):
    team: str


@register_payload(Event.TEAM_MOVED)
@dataclass(frozen=True)
class TeamMoved(Payload):
    team: str


# --- digests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandledLine:
    """A request a member handled: how fast they accepted and arrived, and how it ended."""

    request_id: int
    incident: str
    member: str
    accept_s: int
    arrive_s: int | None  # None: not (yet) arrived
    status: str


@dataclass(frozen=True)
class MemberMinutes:
    member: str
    minutes: int


@dataclass(frozen=True)
class RegionLine:
    """A request in the team's region that needs a leader's eye. ``kind``: unanswered,
    escalated, stalled_dispatch (dispatching past the ladder), stalled_arrival (assigned,
    no arrival past the reminder)."""

    request_id: int
    incident: str
    kind: str
    since: datetime


@dataclass(frozen=True)
class Readiness:
    """Members on duty now with this skill against this week's requests of this type."""

    incident: str
    on_duty: int
    seen: int


@register_payload(Event.DAILY_DIGEST)
@dataclass(frozen=True)
class DailyDigest(Payload):
    team: str
    until: datetime  # the window is the 24 hours before this moment
    members: int
    on_duty: int
    handled: tuple[HandledLine, ...] = ()
    credited: tuple[MemberMinutes, ...] = ()
    region: tuple[RegionLine, ...] = ()
    open_in_region: int = 0  # open requests in the region that are not stalled
    pending: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    readiness: tuple[Readiness, ...] = ()
    key: str = ""  # a scheduled digest's record (digest_record.key); "" on demand

    @property
    def quiet(self) -> bool:
        """Nothing happened and nothing waits: one short line is enough."""
        return not (self.handled or self.credited or self.region or self.pending or self.stale)


@dataclass(frozen=True)
class DayFigures:
    day: str  # ISO date, local
    minutes: int
    requests: int


@register_payload(Event.WEEKLY_DIGEST)
@dataclass(frozen=True)
class WeeklyDigest(Payload):
    """Seven local days (the last one up to ``until``): sent as a chart with this as caption."""

    team: str
    until: datetime
    members: int
    days: tuple[DayFigures, ...]
    unanswered: int = 0
    escalated: int = 0
    key: str = ""  # a scheduled digest's record (digest_record.key); "" on demand

    @property
    def minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    @property
    def requests(self) -> int:
        return sum(d.requests for d in self.days)
