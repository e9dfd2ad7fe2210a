"""Linked reports and major-incident mode.

Revision ID: 0010_linked_major
Revises: 0007_command_centre
Create Date: 2026-12-01

``help_request.linked_to`` joins a report to the request whose help it shares, and
``help_request.major_id`` names the major-incident area it was in; ``major_incident`` holds
the declared areas and their timers. ``volunteer.emergency_callouts`` is the volunteer's
opt-in to be called in emergencies: the matching index carries it (index-only scans in
major-incident mode), so the index is made again with it. ``outbox.paid_broadcast`` marks the
sends that carry ``allow_paid_broadcast``. Existing rows: nothing linked, nobody opted in.
Declared here, frozen, like the baseline. SQLite alters through batch mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_linked_major"
down_revision: str | Sequence[str] | None = "0007_command_centre"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
_FALSE = sa.text("false")


def _dispatch_index(columns: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_volunteer_dispatchable",
            "volunteer",
            ["cell"],
            postgresql_include=columns,
            postgresql_where=sa.text(_DISPATCHABLE),
        )
    else:
        op.create_index(
            "ix_volunteer_dispatchable",
            "volunteer",
            ["cell", *columns],
            sqlite_where=sa.text(_DISPATCHABLE),
        )


def upgrade() -> None:
    op.create_table(
        "major_incident",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("city", sa.String, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("declared_by", sa.BigInteger, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.BigInteger, nullable=True),
        sa.Column("paid_broadcast", sa.Boolean, nullable=False),
        sa.Column("summarised_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_timer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_major_incident_timer", "ended_at", "next_timer_at"),
    )
    with op.batch_alter_table("help_request") as batch:
        batch.add_column(sa.Column("linked_to", sa.Integer, nullable=True))
        batch.add_column(sa.Column("major_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_help_request_linked_to", "help_request", ["linked_to"], ["id"])
        batch.create_foreign_key("fk_help_request_major_id", "major_incident", ["major_id"], ["id"])
        batch.create_index("ix_help_request_linked_to", ["linked_to"], unique=False)
    op.drop_index("ix_volunteer_dispatchable", table_name="volunteer")
    with op.batch_alter_table("volunteer") as batch:
        batch.add_column(
            sa.Column("emergency_callouts", sa.Boolean, nullable=False, server_default=_FALSE)
        )
    _dispatch_index([*_DISPATCH_COLUMNS, "emergency_callouts"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("paid_broadcast", sa.Boolean, nullable=False, server_default=_FALSE)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("paid_broadcast")
    op.drop_index("ix_volunteer_dispatchable", table_name="volunteer")
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("emergency_callouts")
    _dispatch_index(_DISPATCH_COLUMNS)
    with op.batch_alter_table("help_request") as batch:
        batch.drop_index("ix_help_request_linked_to")
        batch.drop_constraint("fk_help_request_major_id", type_="foreignkey")
        batch.drop_constraint("fk_help_request_linked_to", type_="foreignkey")
        batch.drop_column("major_id")
        batch.drop_column("linked_to")
    op.drop_table("major_incident")
