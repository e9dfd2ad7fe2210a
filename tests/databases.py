"""Where the test PostgreSQL server is, and whether it answers (shared by conftest and
tests/test_migrations.py, which makes databases of its own)."""

from __future__ import annotations

import asyncio
import os

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
