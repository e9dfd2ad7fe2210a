"""Flow state: the step each person is at in /request and /volunteer, and their answers so far.

Revision ID: 0005_flow_state
Revises: 0003_timer_steps
Create Date: 2026-12-01

Two new tables (storage/flow_state.py), nothing else touched: a half-filled flow survives a
restart and continues on whichever worker gets the person's next update. Plain SQLAlchemy
types, frozen here (as in 0001): the models may move on, this revision must not.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_flow_state"
down_revision: str | Sequence[str] | None = "0003_timer_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_conversation",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", "chat_id", "user_id"),
    )
    op.create_index(
        "ix_flow_conversation_expires_at", "flow_conversation", ["expires_at"], unique=False
    )
    op.create_table(
        "flow_user_data",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("flow_user_data")
    op.drop_index("ix_flow_conversation_expires_at", table_name="flow_conversation")
    op.drop_table("flow_conversation")
