"""The command centre's tables: who may act as an operator, and where people stand with the service.

Apart from storage/models.py so the command centre can grow without every other table's
module changing; storage/models.py imports it so ``SQLModel.metadata`` (create_all, Alembic)
sees these tables. What happened, and who did it, is in the audit trail; these rows hold only
what the bot must look up on every update (a role, a block, when a rejected volunteer may
apply again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey
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
