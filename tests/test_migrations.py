"""Migrations on real SQLite and PostgreSQL: the revisions build the models' schema, every one
goes down and up again, and a database made before migrations existed is adopted intact."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlmodel import SQLModel, col, select

import run_bot
from storage import migrations
from storage.db import Database
from storage.migrations.snapshot import differences, snapshot
from storage.models import HelpRequest, Person, Volunteer
from tests.databases import PG_ADMIN_URL, pg_available

DATA = Path(__file__).resolve().parent / "data"
LEGACY_SQLITE = DATA / "legacy_26da1bc.sqlite"
LEGACY_PG_DUMP = DATA / "legacy_26da1bc.postgresql.sql"
EMPTY_SCHEMA = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"
BASELINE_TABLES = {"person", "volunteer", "help_request", "offer", "hour_credit", "audit_event"}


@pytest.fixture(scope="module")
def pg_empty() -> Iterator[str | None]:
    """One PostgreSQL database for the module, made once: creating and dropping a database
    per test costs seconds each (both force a checkpoint), emptying its schema does not."""
    if not pg_available():
        yield None
        return
    name = f"musaada_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_empty: str | None
) -> AsyncIterator[str]:
    """A database with nothing in it, of each kind: on PostgreSQL the module's database with
    its public schema dropped (every table, sequence, type and index in it) and made again."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    if pg_empty is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    await _pg_admin(EMPTY_SCHEMA, pg_empty)
    yield pg_empty


async def _pg_admin(sql: str, url: str = PG_ADMIN_URL) -> None:
    conn = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def on_connection(url: str, fn: Callable[[Connection], Any]) -> Any:
    """Run ``fn`` on the migration engine's connection, in one committed transaction."""
    engine = migrations.migration_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


async def alembic(url: str, fn: Callable[[Config], None]) -> None:
    await on_connection(url, lambda conn: fn(migrations.alembic_config(conn)))


async def legacy_url(kind: str, empty: str, tmp_path: Path) -> str:
    """The database 26da1bc's code wrote (tests/data/make_legacy_db.py), as a live database."""
    if kind == "sqlite":
        target = tmp_path / "legacy.db"
        shutil.copy(LEGACY_SQLITE, target)
        return f"sqlite:///{target}"
    await _pg_admin(LEGACY_PG_DUMP.read_text(encoding="utf-8"), empty)
    return empty


def all_rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the baseline's tables, in the baseline's columns (later revisions add some)."""
    baseline = migrations.script_directory().get_revision(migrations.BASELINE)
    assert baseline is not None
    out = {}
    for name in sorted(BASELINE_TABLES):
        columns = ", ".join(c.name for c in baseline.module.metadata.tables[name].columns)
        out[name] = [
            tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {name} ORDER BY 1"))
        ]
    return out


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


# --- the revisions themselves ---------------------------------------------------------------


def test_main_has_exactly_one_head() -> None:
    heads = migrations.script_directory().get_heads()
    assert len(heads) == 1, f"the revisions fork into {heads}: add a merge revision"
    assert migrations.head_revision() == heads[0]


async def test_upgraded_schema_is_the_models_schema(empty_url: str, tmp_path: Path) -> None:
    """Catches a model change without a revision: head must be exactly what the models declare."""
    report = await migrations.upgrade(empty_url)
    assert report.before.kind == "empty"
    assert report.applied[-1] == migrations.head_revision()

    def diff(conn: Connection) -> tuple[list[Any], dict[str, Any]]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        models = migrations.target_metadata(SQLModel.metadata, conn.dialect.name)
        return compare_metadata(context, models), snapshot(conn)

    changes, migrated = await on_connection(empty_url, diff)
    assert changes == []

    # And the fixtures' quick path (create_all, stamped at head) builds the very same schema,
    # down to what compare_metadata does not look at (partial WHERE, INCLUDE, sequences).
    if kind_of(empty_url) == "sqlite":
        quick = Database(f"sqlite:///{tmp_path}/quick.db")
    else:
        await on_connection(
            empty_url, lambda c: command.downgrade(migrations.alembic_config(c), "base")
        )
        quick = Database(empty_url)
    try:
        await quick.create_all()
        async with quick.engine.connect() as conn:
            created = await conn.run_sync(snapshot)
        assert (await migrations.state(quick.url)).kind == "current"
    finally:
        await quick.dispose()
    assert differences(created, migrated) == []
    assert set(migrated) >= BASELINE_TABLES
    index = migrated["volunteer"]["indexes"]["ix_volunteer_dispatchable"]
    if kind_of(empty_url) == "postgresql":
        assert "INCLUDE (lat, lon" in index and "WHERE (on_duty AND" in index
    else:
        assert index["partial"] and index["where"] == ["on_duty AND status = 'verified'"]


async def test_stairway_every_revision_down_and_up(empty_url: str) -> None:
    """upgrade → downgrade → upgrade, one revision at a time: every downgrade really undoes."""
    revisions = list(reversed(list(migrations.script_directory().walk_revisions())))
    assert revisions, "no revisions"
    before = await on_connection(empty_url, snapshot)
    for rev in revisions:
        down = rev.down_revision if isinstance(rev.down_revision, str) else "base"
        await alembic(empty_url, partial(command.upgrade, revision=rev.revision))
        after = await on_connection(empty_url, snapshot)
        assert after != before, f"{rev.revision} changed nothing"
        await alembic(empty_url, partial(command.downgrade, revision=down))
        assert differences(await on_connection(empty_url, snapshot), before) == [], rev.revision
        await alembic(empty_url, partial(command.upgrade, revision=rev.revision))
        assert differences(await on_connection(empty_url, snapshot), after) == [], rev.revision
        assert (await migrations.state(empty_url)).revision == rev.revision
        before = after


# --- a database from before migrations ------------------------------------------------------


async def test_database_from_before_migrations_is_adopted_with_every_row(
    empty_url: str, tmp_path: Path
) -> None:
    url = await legacy_url(kind_of(empty_url), empty_url, tmp_path)
    found = await migrations.state(url)
    assert found.kind == "legacy"
    rows = await on_connection(url, all_rows)
    assert all(rows[t] for t in BASELINE_TABLES), "the legacy database must have rows everywhere"

    report = await migrations.upgrade(url)
    assert report.adopted and "adopted" in report.describe()
    assert (await migrations.state(url)).kind == "current"
    assert await on_connection(url, all_rows) == rows

    # Today's code reads and writes it: the values come back typed, and new keys do not collide.
    db = Database(url)
    try:
        async with db.session() as s:
            fatima = await s.get(Person, 5_000_000_001)
            assert fatima is not None and fatima.first_name == "فاطمة"
            omar = await s.get(Volunteer, 42)
            assert omar is not None and omar.cell == 123_456_789_012 and omar.on_duty
            assert omar.position_at is not None and omar.position_at.tzinfo is not None
            new = HelpRequest(requester_id=42, incident="flood", lat=21.5, lon=39.2)
            s.add(new)
        async with db.session() as s:
            ids = (await s.exec(select(HelpRequest.id).order_by(col(HelpRequest.id)))).all()
        assert ids == [1, 2, 3]
    finally:
        await db.dispose()


async def test_tables_unlike_the_baseline_are_refused_and_left_alone(
    empty_url: str, tmp_path: Path
) -> None:
    url = await legacy_url(kind_of(empty_url), empty_url, tmp_path)
    await on_connection(url, lambda c: c.execute(text("DROP INDEX ix_offer_volunteer_sent")))
    rows = await on_connection(url, all_rows)
    with pytest.raises(migrations.SchemaError, match="ix_offer_volunteer_sent"):
        await migrations.upgrade(url)
    assert (await migrations.state(url)).kind == "legacy"  # not stamped: the upgrade rolled back
    assert await on_connection(url, all_rows) == rows


# --- start-up and the migrate command -------------------------------------------------------


async def test_postgresql_start_up_refuses_a_schema_that_is_not_at_head(empty_url: str) -> None:
    if kind_of(empty_url) == "sqlite":
        pytest.skip("SQLite upgrades itself: see the next test")
    db = Database(empty_url)
    try:
        with pytest.raises(migrations.SchemaError, match=re.escape("python run_bot.py migrate")):
            await db.prepare_schema()
        assert (await migrations.state(empty_url)).kind == "empty"  # looked, changed nothing
        await migrations.upgrade(empty_url)
        await db.prepare_schema()
        await on_connection(
            empty_url, lambda c: c.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
        )
        with pytest.raises(migrations.SchemaError, match="newer than this code"):
            await db.prepare_schema()
        with pytest.raises(migrations.SchemaError, match="newer version"):
            await migrations.upgrade(empty_url)
    finally:
        await db.dispose()


async def test_sqlite_upgrades_itself_at_start_up(tmp_path: Path) -> None:
    url = await legacy_url("sqlite", "", tmp_path)
    db = Database(url)
    try:
        report = await db.prepare_schema()
        assert report is not None and report.adopted
        again = await db.prepare_schema()
        assert again is not None and not again.adopted and again.applied == ()
        assert (await migrations.state(url)).kind == "current"
    finally:
        await db.dispose()


def test_migrate_command_says_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(legacy_url("sqlite", "", tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    assert run_bot.main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "adopted" in out and migrations.head_revision() in out
    assert run_bot.main(["migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_bot_refuses_to_start_on_an_empty_postgresql(
    pg_empty: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if pg_empty is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    asyncio.run(_pg_admin(EMPTY_SCHEMA, pg_empty))
    monkeypatch.setenv("DATABASE_URL", pg_empty)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:NOT-A-REAL-TOKEN")
    assert run_bot.main([]) == 1  # before any network: no Application was built
    err = capsys.readouterr().err
    assert "has no tables yet" in err and "python run_bot.py migrate" in err
