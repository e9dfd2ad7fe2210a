"""Shared fixtures: real databases only.

``db`` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (a fresh
database per test session on 127.0.0.1:5432, skipped when no server answers),
so every storage-level test runs against both backends.

The schema comes from ``Database.create_all`` (one CREATE pass, stamped at the head revision):
quicker than replaying the revisions for every test, and tests/test_migrations.py proves it is
the schema the revisions build, on both backends.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from storage.db import Database

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
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


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A throw-away PostgreSQL database for this test session, dropped at the end."""
    if os.environ.get("TEST_SKIP_PG") or not _pg_available():
        yield None
        return
    import asyncpg

    name = f"musaada_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("postgresql://", "postgres://")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(
    request: pytest.FixtureRequest, tmp_path, pg_url: str | None
) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "postgresql":
        if pg_url is None:
            pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
        database = Database(pg_url)
        await database.drop_all()
    else:
        database = Database(f"sqlite:///{tmp_path}/musaada.db")
    await database.create_all()
    try:
        yield database
    finally:
        if request.param == "postgresql":
            await database.drop_all()
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path}/musaada.db")
    await database.create_all()
    try:
        yield database
    finally:
        await database.dispose()
