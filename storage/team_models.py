"""The team tables: teams, their leaders and members, approval copies and sent digests.

A module of its own (imported by storage.models, so ``SQLModel.metadata`` sees it) because
teams are a feature beside dispatch, not part of a request's life. Migration: 0006_teams.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _ts(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class Team(SQLModel, table=True):
    """A team of volunteers: a region (a circle) and the invite code its link carries.

    The code is replaced on rotation; an old link then names no team and is told it expired.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    # The region: a named city of domain/data/saudi_cities.csv (its English name), or None
    # when the operator shared a point; the centre and radius are stored either way.
    city: str | None = Field(default=None, max_length=64)
    lat: float
    lon: float
    radius_km: float
    invite_code: str = Field(max_length=32, unique=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class TeamLeader(SQLModel, table=True):
    """A person who answers for a team; a team has one or more. A leader need not be a member."""

    __tablename__ = "team_leader"

    team_id: int = Field(
        sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    )
    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    named_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    named_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class TeamMember(SQLModel, table=True):
    """A volunteer's team. Keyed by the person: a volunteer is in at most one team at a time."""

    __tablename__ = "team_member"

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    team_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    joined_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class TeamJoinPending(SQLModel, table=True):
    """Someone opened an invite before being a volunteer: they join when their sign-up is done.

    In the database, not in the conversation's memory, so a restart mid-sign-up loses nothing.
    """

    __tablename__ = "team_join_pending"

    person_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("person.id"), primary_key=True, autoincrement=False)
    )
    team_id: int = Field(
        sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class VettingCopy(SQLModel, table=True):
    """One delivered copy of a volunteer's approval notice (operators' and leaders'), so
    that when one of them decides, every other copy is edited to say who did."""

    __tablename__ = "vetting_copy"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int
    language: str = Field(max_length=8)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class DigestRecord(SQLModel, table=True):
    """One scheduled digest for one leader of one team and one period.

    ``key`` is deterministic (kind, team, leader, local date) and unique, so two workers or a
    restart claim a period once. The row is written in the same transaction as the digest's
    outbox row, so a claimed digest is always on its way; ``status`` says what became of it
    (domain.enums.DigestStatus), recorded by the outbox's sender.
    """

    __tablename__ = "digest_record"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=96, unique=True)
    kind: str = Field(max_length=8)
    team_id: int
    leader_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    period_end: datetime = Field(sa_column=_ts(nullable=False))
    status: str = Field(max_length=16)
    queued_at: datetime = Field(sa_column=_ts(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_ts())
    messages: int = 0
    chars: int = 0
