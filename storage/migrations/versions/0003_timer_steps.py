"""Timer steps and retention: a step counter per request status, when a request was redacted,
and an index for the hourly request limit.

Revision ID: 0003_timer_steps
Revises: 0002_outbox
Create Date: 2026-12-02

``help_request.timer_step`` counts the timer steps fired in the current status (reminders,
then the check with the citizen); existing rows start at 0, so a request assigned before this
revision gets its reminders from the first one. ``help_request.redacted_at`` marks the rows
retention has already stripped. ``ix_help_request_requester_created`` serves the count of a
citizen's requests in the last hour. SQLite alters through batch mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_timer_steps"
down_revision: str | Sequence[str] | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("help_request") as batch:
        batch.add_column(
            sa.Column("timer_step", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            "ix_help_request_requester_created", ["requester_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("help_request") as batch:
        batch.drop_index("ix_help_request_requester_created")
        batch.drop_column("redacted_at")
        batch.drop_column("timer_step")
