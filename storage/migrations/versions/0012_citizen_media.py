"""The citizen's media (file ids, never bytes), help for someone else, the status message
and the volunteer approaching.

Revision ID: 0012_citizen_media
Revises: 0011_dashboard
Create Date: 2026-12-02

A new table ``citizen_media`` (a voice note, photo or video sent with a request, by
Telegram file_id and kind) and two columns on ``help_request``: ``for_other`` (the point
is a pin dropped for someone else) and ``scene_phone`` (a number for the person there,
for the assigned volunteer only); ``help_request.status_message_id`` (the citizen's one
status message, edited as the request moves) and a table ``approach`` (the assignee's live
location for this job, deleted when it stops). Plain SQLAlchemy types, frozen here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_citizen_media"
down_revision: str | Sequence[str] | None = "0011_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizen_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["help_request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_citizen_media_request_id", "citizen_media", ["request_id"], unique=False)
    with op.batch_alter_table("help_request") as batch:
        batch.add_column(
            sa.Column("for_other", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.add_column(sa.Column("scene_phone", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("status_message_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "approach",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("fix_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("prev_distance_m", sa.Integer(), nullable=True),
        sa.Column("prev_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["help_request.id"]),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_approach_volunteer_id", "approach", ["volunteer_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_approach_volunteer_id", table_name="approach")
    op.drop_table("approach")
    with op.batch_alter_table("help_request") as batch:
        batch.drop_column("status_message_id")
        batch.drop_column("scene_phone")
        batch.drop_column("for_other")
    op.drop_index("ix_citizen_media_request_id", table_name="citizen_media")
    op.drop_table("citizen_media")
