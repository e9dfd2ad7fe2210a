"""Where the test PostgreSQL server is, whether it answers, and how a test database is
emptied (shared by conftest and tests/test_migrations.py, which makes databases of its own)."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import Database

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available() -> bool:
    """True when a PostgreSQL server accepts a connection at PG_ADMIN_URL within 3 s."""
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(
                PG_ADMIN_URL.replace("postgresql://", "postgres://"), timeout=3
            )
        except Exception:
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


async def empty_tables(database: Database) -> None:
    """Every table of the schema emptied and its ids restarted: a fresh database at head.

    On PostgreSQL one TRUNCATE is several times quicker than dropping and creating the schema
    for each of the ~160 tests that run there (alembic_version, not a model, keeps its stamp).
    """
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
