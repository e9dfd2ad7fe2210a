"""Hours you can prove: corrections of hour credits, issued certificates, citizens' feedback.

Revision ID: 0008_hours
Revises: 0005_flow_state
Create Date: 2026-12-01

Three new tables, nothing existing altered: a credit's changes are rows in ``hour_correction``
(who, why, before → after), a certificate is stored as issued (statement and hash), and a
rating is one ``feedback`` row per request. Timestamps are plain ``DateTime(timezone=True)``
here, as in the baseline: the revision must not follow storage.types as it moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_hours"
down_revision: str | Sequence[str] | None = "0005_flow_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _ts("issued_at", nullable=False),
        _ts("revoked_at"),
        sa.Column("revoked_by", sa.BigInteger(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_certificate_volunteer_id", "certificate", ["volunteer_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("help_request.id"), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _ts("comment_until"),
        _ts("at", nullable=False),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_feedback_citizen_id", "feedback", ["citizen_id"])
    op.create_index("ix_feedback_volunteer_id", "feedback", ["volunteer_id"])
    op.create_table(
        "hour_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("credit_id", sa.Integer(), sa.ForeignKey("hour_credit.id"), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before_minutes", sa.Integer(), nullable=False),
        sa.Column("after_minutes", sa.Integer(), nullable=False),
        sa.Column("before_status", sa.String(length=16), nullable=False),
        sa.Column("after_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("at", nullable=False),
    )
    op.create_index("ix_hour_correction_credit_id", "hour_correction", ["credit_id"])
    op.create_index("ix_hour_correction_volunteer_at", "hour_correction", ["volunteer_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_hour_correction_volunteer_at", table_name="hour_correction")
    op.drop_index("ix_hour_correction_credit_id", table_name="hour_correction")
    op.drop_table("hour_correction")
    op.drop_index("ix_feedback_volunteer_id", table_name="feedback")
    op.drop_index("ix_feedback_citizen_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_certificate_volunteer_id", table_name="certificate")
    op.drop_table("certificate")
