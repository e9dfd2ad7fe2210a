"""Baseline: the schema as ``SQLModel.metadata.create_all`` made it before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2026-12-01

The tables are declared here, frozen, on the revision's own ``MetaData`` rather than imported
from storage.models: the models move on, this revision must not. The same declaration is what
a database made before migrations existed is checked against before it is adopted (see
storage.migrations.adopt), so what this revision creates and what it accepts cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True, index: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


metadata = sa.MetaData()

sa.Table(
    "person",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("first_name", sa.String, nullable=False),
    sa.Column("username", sa.String, nullable=True),
    sa.Column("telegram_language", sa.String, nullable=True),
    sa.Column("language", sa.String, nullable=True),
    sa.Column("blocked", sa.Boolean, nullable=False),
    _ts("created_at", nullable=False),
)

# The dispatch index exists in two shapes: PostgreSQL keys it by cell and INCLUDEs the rest;
# SQLite has no INCLUDE, so every column is a key column. Both are partial.
_DISPATCH_COLUMNS = [
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
]
_DISPATCHABLE = "on_duty AND status = 'verified'"

sa.Table(
    "volunteer",
    metadata,
    sa.Column(
        "person_id",
        sa.BigInteger,
        sa.ForeignKey("person.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("status", sa.String(16), nullable=False),
    _ts("conduct_accepted_at"),
    _ts("submitted_at"),
    _ts("verified_at"),
    sa.Column("verified_by", sa.BigInteger, nullable=True),
    sa.Column("skills", sa.Integer, nullable=False),
    sa.Column("equipment", sa.Integer, nullable=False),
    sa.Column("on_duty", sa.Boolean, nullable=False),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("cell", sa.BigInteger, nullable=True),
    _ts("position_at"),
    _ts("live_until"),
    sa.Column("phone", sa.String, nullable=True),
    sa.Column("share_phone", sa.Boolean, nullable=False),
    sa.Column("radius_km", sa.Float, nullable=True),
    sa.Column("quiet_start_min", sa.Integer, nullable=True),
    sa.Column("quiet_end_min", sa.Integer, nullable=True),
    sa.Column("max_alerts_per_hour", sa.Integer, nullable=False),
    sa.Column("busy_request_id", sa.Integer, nullable=True),
    _ts("stale_notified_at"),
    _ts("created_at", nullable=False),
    sa.Index(
        "ix_volunteer_dispatchable",
        "cell",
        postgresql_include=_DISPATCH_COLUMNS,
        postgresql_where=sa.text(_DISPATCHABLE),
    ).ddl_if(dialect="postgresql"),
    sa.Index(
        "ix_volunteer_dispatchable",
        "cell",
        *_DISPATCH_COLUMNS,
        sqlite_where=sa.text(_DISPATCHABLE),
    ).ddl_if(dialect="sqlite"),
)

sa.Table(
    "help_request",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("requester_id", sa.BigInteger, sa.ForeignKey("person.id"), nullable=False),
    sa.Column("incident", sa.String(32), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("area", sa.String, nullable=False),
    sa.Column("description", sa.String, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("wave", sa.Integer, nullable=False),
    sa.Column("volunteer_id", sa.BigInteger, nullable=True),
    _ts("next_timer_at"),
    _ts("created_at", nullable=False),
    _ts("assigned_at"),
    _ts("arrived_at"),
    _ts("done_at"),
    _ts("closed_at"),
    sa.Index("ix_help_request_timer", "status", "next_timer_at"),
)

sa.Table(
    "offer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "request_id", sa.Integer, sa.ForeignKey("help_request.id"), nullable=False, index=True
    ),
    sa.Column("volunteer_id", sa.BigInteger, nullable=False),
    sa.Column("wave", sa.Integer, nullable=False),
    sa.Column("distance_m", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=True),
    sa.Column("message_id", sa.Integer, nullable=True),
    _ts("sent_at", nullable=False),
    _ts("answered_at"),
    sa.UniqueConstraint("request_id", "volunteer_id", name="uq_offer_request_volunteer"),
    sa.Index("ix_offer_volunteer_sent", "volunteer_id", "sent_at"),
)

sa.Table(
    "hour_credit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("volunteer_id", sa.BigInteger, nullable=False, index=True),
    sa.Column(
        "request_id", sa.Integer, sa.ForeignKey("help_request.id"), nullable=False, unique=True
    ),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decided_by", sa.BigInteger, nullable=True),
    _ts("created_at", nullable=False),
    _ts("decided_at"),
)

sa.Table(
    "audit_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _ts("at", nullable=False),
    sa.Column("actor_id", sa.BigInteger, nullable=True),
    sa.Column("request_id", sa.Integer, nullable=True, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("detail", sa.String, nullable=False),
)


def upgrade() -> None:
    # create_all rather than one op.create_table per table: it is the very call that made the
    # databases this revision adopts, and it honours the per-dialect index (ddl_if).
    metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), checkfirst=False)
