"""The command centre's tables: who may act as an operator, and where people stand with the service.

Apart from storage/models.py so the command centre can grow without every other table's
module changing; storage/models.py imports it so ``SQLModel.metadata`` (create_all, Alembic)
sees these tables. What happened, and who did it, is in the audit trail; these rows hold only
what the bot must look up on every update (a role, a block, when a rejected volunteer may
apply again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class OperatorGrant(SQLModel, table=True):
    """A person an operator promoted (OPERATOR_IDS operators need no row: the setting is theirs)."""

    __tablename__ = "operator_grant"

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    granted_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    granted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CitizenBlock(SQLModel, table=True):
    """A person an operator blocked for abusing the service: politely refused from then on."""

    __tablename__ = "citizen_block"

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    blocked_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    blocked_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    reason: str = ""


class VolunteerStanding(SQLModel, table=True):
    """The last operator decision on a volunteer: a rejection's time (the cool-down), a
    suspension's reason. The volunteer's status itself stays on ``volunteer.status``."""

    __tablename__ = "volunteer_standing"

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    status: str = Field(max_length=16)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    reason: str = ""


class MajorIncident(SQLModel, table=True):
    """An area an operator declared in major-incident mode, for a period (bot/services/major.py).

    The area is a point and a radius (a city's centre and MAJOR_CITY_RADIUS_KM when declared
    by city). ``next_timer_at`` is its timer, claimed like a request's (storage/timers.py):
    the next summary of the escalations in the area, or the end of the period; ``ended_at``
    is set once, by whoever ends it (an operator, or the timer).
    """

    __tablename__ = "major_incident"
    __table_args__ = (Index("ix_major_incident_timer", "ended_at", "next_timer_at"),)

    id: int | None = Field(default=None, primary_key=True)
    city: str = ""  # the city's English name, or "" for a point and radius
    lat: float
    lon: float
    radius_km: float
    declared_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # Alerts and call-outs of the area go with allow_paid_broadcast (PAID_BROADCAST was on).
    paid_broadcast: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    # Escalations in the area up to this moment were summarised; the next summary takes the rest.
    summarised_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_timer_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
