"""The operators' dashboard: one-time sign-in links and sessions, stored as hashes.

Revision ID: 0011_dashboard
Revises: 0010_linked_major
Create Date: 2026-12-01

Two new tables, nothing altered. Declared here, frozen (the models move on, this revision
must not).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_dashboard"
down_revision: str | Sequence[str] | None = "0010_linked_major"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("person_id", sa.BigInteger, sa.ForeignKey("person.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table("dashboard_link", *_columns(), sa.Column("used_at", sa.DateTime(timezone=True)))
    op.create_table(
        "dashboard_session", *_columns(), sa.Column("ended_at", sa.DateTime(timezone=True))
    )


def downgrade() -> None:
    op.drop_table("dashboard_session")
    op.drop_table("dashboard_link")
