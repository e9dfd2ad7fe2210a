"""Shared fixtures: real databases only, and the bot in a sandbox.

``db`` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (one database per
test session on 127.0.0.1:5432, its tables emptied before each test; skipped when no server
answers), so every storage-level test runs against both backends.

The schema comes from ``Database.create_all`` (one CREATE pass, stamped at the head revision),
run once per session and per backend: quicker than replaying the revisions for every test,
and tests/test_migrations.py proves it is the schema the revisions build, on both backends.

``privacy`` is ``box`` with the privacy scan (tests/privacy.py) run over it at the end.

``box`` is the real Application against the Bot API emulator on a fresh SQLite file, for the
end-to-end tests (tests/e2e_helpers.py holds the steps they script). A module or a test
chooses its Settings with ``@pytest.mark.sandbox(**fields)`` (or ``pytestmark``); the marks
add up, the one nearest the test winning on a clash. ``any_box`` is the same on both backends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.sandbox import Sandbox, sandbox
from storage.db import Database
from tests.databases import PG_ADMIN_URL, empty_tables, pg_available
from tests.e2e_helpers import QUIET_PERIOD, e2e_sandbox, head_schema
from tests.privacy import assert_private


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox(**settings): Settings fields for the box fixture (tests/conftest.py)"
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A throw-away PostgreSQL database at the head schema for this session (each xdist process
    has its own), dropped at the end. Copied from template0, which nobody can connect to: a
    CREATE DATABASE from template1 fails while any other session is connected to it."""
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

    async def create_schema(url: str) -> None:
        database = Database(url)
        await database.create_all()
        await database.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(create_schema(url))
    yield url
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """An SQLite file at the head schema, made once: each test gets a copy of it (a copy is
    quicker than a CREATE pass, and the file is the same). The e2e sandboxes start on it too."""
    path = head_schema()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path, pg_url: str | None, sqlite_template: Path
) -> AsyncIterator[Database]:
    if request.param == "postgresql":
        if pg_url is None:
            pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
        database = Database(pg_url)
        await empty_tables(database)
    else:
        shutil.copy(sqlite_template, tmp_path / "musaada.db")
        database = Database(f"sqlite:///{tmp_path}/musaada.db")
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    shutil.copy(sqlite_template, tmp_path / "musaada.db")
    database = Database(f"sqlite:///{tmp_path}/musaada.db")
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


@pytest.fixture
async def privacy(box: Sandbox) -> AsyncIterator[Sandbox]:
    """``box``, and at the end of the test the privacy scan over every call the bot made
    (tests/privacy.py): ``pytestmark = pytest.mark.usefixtures("privacy")``."""
    yield box
    await assert_private(box)


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_box(
    request: pytest.FixtureRequest, tmp_path: Path, pg_url: str | None
) -> AsyncIterator[Sandbox]:
    """``box`` on SQLite and on PostgreSQL (the session's database, emptied: at head before
    the bot starts, as a deployment is migrated first), for behaviour that differs by backend."""
    settings = sandbox_settings(request)
    if request.param == "sqlite":
        async with e2e_sandbox(tmp_path, **settings) as b:
            yield b
        return
    if pg_url is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    fresh = Database(pg_url)
    await empty_tables(fresh)
    await fresh.dispose()
    async with sandbox(pg_url, quiet_period=QUIET_PERIOD, **settings) as b:
        yield b
