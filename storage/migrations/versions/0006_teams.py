"""Teams: teams, leaders, members, invites waiting for a sign-up, approval copies, digests.

Revision ID: 0006_teams
Revises: 0008_hours
Create Date: 2026-12-01

Written from autogenerate's output and reviewed by hand: plain String and DateTime types (the
models' own types are not imported, so the revision does not move with them), and the indexes
through batch mode on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_teams"
down_revision: str | Sequence[str] | None = "0008_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _team_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("city", sa.String(64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("invite_code", sa.String(32), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_code"),
    )
    op.create_table(
        "team_leader",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("named_by", sa.BigInteger(), nullable=True),
        _ts("named_at"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        _team_fk(),
        sa.PrimaryKeyConstraint("team_id", "person_id"),
    )
    op.create_table(
        "team_member",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        _ts("joined_at"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        _team_fk(),
        sa.PrimaryKeyConstraint("person_id"),
    )
    with op.batch_alter_table("team_member") as batch:
        batch.create_index("ix_team_member_team_id", ["team_id"], unique=False)
    op.create_table(
        "team_join_pending",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        _team_fk(),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "vetting_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        _ts("sent_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vetting_copy") as batch:
        batch.create_index("ix_vetting_copy_volunteer_id", ["volunteer_id"], unique=False)
    op.create_table(
        "digest_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.BigInteger(), nullable=False),
        _ts("period_end"),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("queued_at"),
        _ts("sent_at", nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("digest_record")
    with op.batch_alter_table("vetting_copy") as batch:
        batch.drop_index("ix_vetting_copy_volunteer_id")
    op.drop_table("vetting_copy")
    op.drop_table("team_join_pending")
    with op.batch_alter_table("team_member") as batch:
        batch.drop_index("ix_team_member_team_id")
    op.drop_table("team_member")
    op.drop_table("team_leader")
    op.drop_table("team")
