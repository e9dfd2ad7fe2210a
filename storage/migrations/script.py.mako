"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Reviewed by hand: autogenerate does not see a partial index's WHERE, an INCLUDE list or an
index declared for one dialect (ddl_if); wrap such operations in
``if op.get_bind().dialect.name == "postgresql":``. SQLite alters through batch mode
(``with op.batch_alter_table(...)``). Then run ``python -m pytest -q tests/test_migrations.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
