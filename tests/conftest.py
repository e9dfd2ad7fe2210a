"""Shared fixtures: real databases only, and the bot in a sandbox.

``db`` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (a fresh
database per test session on 127.0.0.1:5432, skipped when no server answers),
so every storage-level test runs against both backends.

The schema comes from ``Database.create_all`` (one CREATE pass, stamped at the head revision):
quicker than replaying the revisions for every test, and tests/test_migrations.py proves it is
the schema the revisions build, on both backends.

``box`` is the real Application against the Bot API emulator on a fresh SQLite file, for the
end-to-end tests (tests/e2e_helpers.py holds the steps they script). A module or a test
chooses its Settings with ``@pytest.mark.sandbox(**fields)`` (or ``pytestmark``); the marks
add up, the one nearest the test winning on a clash.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.sandbox import Sandbox
from storage.db import Database
from tests.databases import PG_ADMIN_URL, pg_available
from tests.e2e_helpers import e2e_sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox(**settings): Settings fields for the box fixture (tests/conftest.py)"
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A throw-away PostgreSQL database for this test session, dropped at the end."""
    if os.environ.get("TEST_SKIP_PG") or not pg_available():
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
    request: pytest.FixtureRequest, tmp_path: Path, pg_url: str | None
) -> AsyncIterator[Database]:
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
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/musaada.db")
    await database.create_all()
    try:
        yield database
    finally:
        await database.dispose()


def sandbox_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The Settings fields every ``sandbox`` mark on this test asks for, nearest mark winning."""
    fields: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers("sandbox"))):
        fields.update(mark.kwargs)
    return fields


@pytest.fixture
async def box(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The bot, its database and the emulator for one test, stopped afterwards."""
    async with e2e_sandbox(tmp_path, **sandbox_settings(request)) as b:
        yield b
