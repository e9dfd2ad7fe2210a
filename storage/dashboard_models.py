"""The operators' dashboard's tables: one-time sign-in links and signed-in sessions.

Only a SHA-256 of each secret is stored: whoever reads the database (a backup, a replica)
cannot sign in with what they find. Rows, not process memory, so every worker behind the
proxy recognises a link or a session another worker issued.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _ts(nullable: bool) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class DashboardLink(SQLModel, table=True):
    """A one-time sign-in link sent by /dashboard: spent by its first use, dead after expiry."""

    __tablename__ = "dashboard_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(sa_column=Column(BigInteger, ForeignKey("person.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    used_at: datetime | None = Field(default=None, sa_column=_ts(True))


class DashboardSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the secret, this row its hash and its end."""

    __tablename__ = "dashboard_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(sa_column=Column(BigInteger, ForeignKey("person.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    ended_at: datetime | None = Field(default=None, sa_column=_ts(True))
