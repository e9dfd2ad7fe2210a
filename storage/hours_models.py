"""The tables that make volunteer hours provable: corrections, certificates and feedback.

A credit's history is never edited: every change to it (an operator's minutes, a dispute's
decision) is a ``HourCorrection`` row saying who, why, and what it was before and after.
A certificate is recorded as it was issued (the statement and its hash), so verifying it
reads what it said then, never a regeneration from data that has moved on.
Imported by storage.models, so ``SQLModel.metadata`` (and Alembic) see these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _ts(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class HourCorrection(SQLModel, table=True):
    """One change to one hour credit: who made it, why, and the values before and after."""

    __tablename__ = "hour_correction"
    __table_args__ = (Index("ix_hour_correction_volunteer_at", "volunteer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("hour_credit.id"), nullable=False, index=True)
    )
    request_id: int = Field(sa_column=Column(Integer, nullable=False))
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # domain.enums.CorrectionKind: minutes adjusted, or a dispute decided either way.
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    before_minutes: int
    after_minutes: int
    before_status: str = Field(sa_column=Column(String(16), nullable=False))
    after_status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Certificate(SQLModel, table=True):
    """A certificate as issued: what it stated (canonical JSON), its hash, and whether revoked."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    # The statement: name, period, minutes, jobs by type, team, language, issue time.
    statement: str = Field(sa_column=Column(Text, nullable=False))
    # SHA-256 of ``statement``: a stored row changed behind our back no longer verifies.
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    issued_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    revoke_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Feedback(SQLModel, table=True):
    """The citizen's rating of one confirmed job (1–5) and an optional short comment."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("help_request.id"), nullable=False, unique=True)
    )
    volunteer_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    citizen_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    rating: int
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Until when the citizen's next plain message is taken as the comment (None: not asked).
    comment_until: datetime | None = Field(default=None, sa_column=_ts())
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
