"""The tables. One row per fact; every transition of a help request is a row update plus an audit event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from storage.flow_state import FlowConversation, FlowUserData  # noqa: F401  (its tables, registered)
from storage.team_models import (  # noqa: F401  (the team tables, registered)
    DigestRecord,
    Team,
    TeamJoinPending,
    TeamLeader,
    TeamMember,
    VettingCopy,
)
from storage.types import UTCDateTime, utcnow


def _ts(nullable: bool = True, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Person(SQLModel, table=True):
    """One Telegram user, whatever roles they have."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str = ""
    username: str | None = None
    telegram_language: str | None = None
    # The language the person chose with /language; wins over telegram_language.
    language: str | None = None
    # Telegram told us the person blocked the bot; we stop sending until they write again.
    blocked: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Volunteer(SQLModel, table=True):
    """A person's volunteer profile: what they can do, whether they may be sent, where they are."""

    __table_args__ = (
        # The matching query (storage.volunteer_search): on-duty, verified rows by grid cell.
        # Partial, so the index holds only the fifth of volunteers who can be alerted right
        # now; and it carries every column the query reads, so the query never visits the
        # table. PostgreSQL: keyed by cell alone, the rest INCLUDEd (index-only scans; the
        # planner cannot mistake lat/lon for a range to scan the whole index on). SQLite
        # has no INCLUDE, so there every column is a key column (a covering index).
        Index(
            "ix_volunteer_dispatchable",
            "cell",
            postgresql_include=[
                "lat",
                "lon",
                "skills",
                "equipment",
                "busy_request_id",
                "position_at",
                "quiet_start_min",
                "quiet_end_min",
                "max_alerts_per_hour",
                "radius_km",
                "person_id",
                "on_duty",
                "status",
                "emergency_callouts",
            ],
            postgresql_where=text("on_duty AND status = 'verified'"),
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_volunteer_dispatchable",
            "cell",
            "lat",
            "lon",
            "skills",
            "equipment",
            "busy_request_id",
            "position_at",
            "quiet_start_min",
            "quiet_end_min",
            "max_alerts_per_hour",
            "radius_km",
            "person_id",
            "on_duty",
            "status",
            "emergency_callouts",
            sqlite_where=text("on_duty AND status = 'verified'"),
        ).ddl_if(dialect="sqlite"),
    )

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    status: str = Field(default="pending", max_length=16)
    conduct_accepted_at: datetime | None = Field(default=None, sa_column=_ts())
    # When sign-up was finished and handed to the operators; None while it is being filled in
    # (a sign-up left half-way is resumed by the next /volunteer, never left waiting forever).
    submitted_at: datetime | None = Field(default=None, sa_column=_ts())
    verified_at: datetime | None = Field(default=None, sa_column=_ts())
    verified_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    skills: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    equipment: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    on_duty: bool = False
    lat: float | None = None
    lon: float | None = None
    # Spatial grid cell of (lat, lon), see domain.matching.grid; kept in step with the position.
    cell: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    position_at: datetime | None = Field(default=None, sa_column=_ts())
    live_until: datetime | None = Field(default=None, sa_column=_ts())
    phone: str | None = None
    share_phone: bool = False
    radius_km: float | None = None
    quiet_start_min: int | None = None  # minutes after local midnight, Asia/Riyadh
    quiet_end_min: int | None = None
    max_alerts_per_hour: int = 6
    # Opted in to be called in emergencies: in a major-incident area their quiet hours and
    # hourly cap give way (bot/services/major.py); off unless they say so (/profile).
    emergency_callouts: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    busy_request_id: int | None = None
    stale_notified_at: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class HelpRequest(SQLModel, table=True):
    """A citizen's request. ``status`` moves only by conditional updates (see storage.requests)."""

    __tablename__ = "help_request"
    __table_args__ = (
        Index("ix_help_request_timer", "status", "next_timer_at"),
        # The hourly limit per citizen counts their requests created in the last hour.
        Index("ix_help_request_requester_created", "requester_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(sa_column=Column(BigInteger, ForeignKey("person.id"), nullable=False))
    incident: str = Field(max_length=32)
    lat: float
    lon: float
    area: str = ""
    description: str | None = None
    status: str = Field(default="dispatching", max_length=16, index=True)
    wave: int = 0
    volunteer_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # When the ladder must act next (next wave, reminder, auto-confirm): the timer itself,
    # claimed by whichever worker looks first (storage/timers.py).
    next_timer_at: datetime | None = Field(default=None, sa_column=_ts())
    # How many timer steps have fired in the current status (reminders, then the check with
    # the citizen); every move to another status starts again at 0 (dispatch/timers.py).
    timer_step: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    assigned_at: datetime | None = Field(default=None, sa_column=_ts())
    arrived_at: datetime | None = Field(default=None, sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts())
    closed_at: datetime | None = Field(default=None, sa_column=_ts())
    # A linked report: the request whose help it shares (bot/services/links.py).
    linked_to: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("help_request.id", name="fk_help_request_linked_to"),
            nullable=True,
            index=True,
        ),
    )
    # The major incident whose area it was in when created or escalated (bot/services/major.py).
    major_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("major_incident.id", name="fk_help_request_major_id"), nullable=True
        ),
    )
    # When retention removed the exact point, the details and the message references
    # (storage/retention.py); the area and the statistics stay.
    redacted_at: datetime | None = Field(default=None, sa_column=_ts())
    # Asked for someone else ("It is not for me"): the point is a pin the citizen dropped,
    # and ``scene_phone`` (optional) reaches the person there; the assigned volunteer alone
    # reads it, as the citizen was told when giving it.
    for_other: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    scene_phone: str | None = Field(default=None, max_length=32)
    # The citizen's one status message for this request, edited as it moves; a step they
    # must notice sends a new one, which takes its place (bot/handlers/status_message.py).
    status_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class Offer(SQLModel, table=True):
    """One alert to one volunteer for one request. A volunteer is alerted at most once per request."""

    __table_args__ = (
        UniqueConstraint("request_id", "volunteer_id", name="uq_offer_request_volunteer"),
        Index("ix_offer_volunteer_sent", "volunteer_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    wave: int
    distance_m: int
    status: str = Field(default="sent", max_length=16)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: int | None = None
    sent_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_ts())


class HourCredit(SQLModel, table=True):
    """Volunteer minutes earned on one request; trusted because it follows from the request's record."""

    __tablename__ = "hour_credit"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    request_id: int = Field(foreign_key="help_request.id", unique=True)
    minutes: int
    status: str = Field(default="pending", max_length=16)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=_ts())


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when: the timeline the command centre reads."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    request_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=32)
    detail: str = ""


class OutboxMessage(SQLModel, table=True):
    """One notice still to be said, written in the transaction of the change that caused it.

    The sender (bot/handlers/outbox.py) claims a row, says it over Telegram, then marks it
    sent with the message id; a crash at any moment leaves the row to be claimed again, and
    a claim is a conditional update, so two senders never say one notice twice at once.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    request_id: int | None = Field(default=None, index=True)
    person_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=8)
    event: str = Field(max_length=32)
    payload: str  # the notice's payload as JSON (bot.services.notices.to_json)
    edit_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    edit_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    offer_id: int | None = None
    # Lower leaves first: alerts before courtesy messages when the send budget is short.
    priority: int = 1
    # Sent with allow_paid_broadcast (a major-incident area's alerts when PAID_BROADCAST is on).
    paid_broadcast: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    # A sender holds the row until then; past it, another may claim it (the first one died).
    claimed_until: datetime | None = Field(default=None, sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts())
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_error: str = ""


class CitizenMedia(SQLModel, table=True):
    """A voice note, photo or video the citizen sent with a request, as Telegram's file_id.

    Never the bytes: Telegram keeps the file, and the id lets the bot send it again to the
    assigned volunteer (and the command centre on an escalation) without downloading it.
    """

    __tablename__ = "citizen_media"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    kind: str = Field(max_length=16)  # domain.enums.MediaKind
    file_id: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Approach(SQLModel, table=True):
    """The volunteer approaching, while they share a live location for this job.

    The volunteer's position reaches this request's citizen alone, and only while the row
    exists: it is made when the assignee shares a live location during the job (their
    consent: the job's message said what it does) and deleted when they arrive, finish or
    let go, or the request ends (bot/services/approach.py). The last good fix and the one
    before give the distance and the closing speed; a fix that jumps impossibly is ignored.
    """

    __tablename__ = "approach"

    request_id: int = Field(foreign_key="help_request.id", primary_key=True)
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    lat: float
    lon: float
    fix_at: datetime = Field(sa_column=_ts(nullable=False))
    distance_m: int
    prev_distance_m: int | None = None
    prev_at: datetime | None = Field(default=None, sa_column=_ts())
    # When the volunteer's live location ends (its live_period): no fix is expected after.
    until: datetime = Field(sa_column=_ts(nullable=False))
    # The citizen's copy (sendLocation with live_period), moved with each relayed fix.
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    relayed_at: datetime | None = Field(default=None, sa_column=_ts())


# The command centre's and the hours' tables live in modules of their own; importing them here
# registers them on SQLModel.metadata wherever the models are loaded.
from storage import hours_models  # noqa: E402, F401
from storage.command_models import (  # noqa: E402, F401
    CitizenBlock,
    MajorIncident,
    OperatorGrant,
    VolunteerStanding,
)
from storage.dashboard_models import DashboardLink, DashboardSession  # noqa: E402, F401
