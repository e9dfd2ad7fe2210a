"""The command centre: promoted operators, blocked citizens, operators' decisions on volunteers.

Revision ID: 0007_command_centre
Revises: 0006_teams
Create Date: 2026-12-10

Three new tables, nothing altered: the volunteer's new status (``suspended``) is a new value
of a text column. Declared here, frozen, like the baseline (the models move on, this revision
must not).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_command_centre"
down_revision: str | Sequence[str] | None = "0006_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _person(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.BigInteger, sa.ForeignKey("person.id"), primary_key=True, autoincrement=False
    )


def upgrade() -> None:
    op.create_table(
        "operator_grant",
        _person("person_id"),
        sa.Column("granted_by", sa.BigInteger, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "citizen_block",
        _person("person_id"),
        sa.Column("blocked_by", sa.BigInteger, nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String, nullable=False),
    )
    op.create_table(
        "volunteer_standing",
        _person("person_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.BigInteger, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("volunteer_standing")
    op.drop_table("citizen_block")
    op.drop_table("operator_grant")
