"""Schema migrations (Alembic): from the baseline on, the schema changes only by a revision.

The environment ships inside the package (env.py, script.py.mako, versions/) and is driven
from code with a ``Config`` built here, so ``pip install -e .`` is all it needs: no alembic.ini
in the working directory (the one at the repository root is for ``alembic revision``).

Every command runs on one connection, in one transaction, that the caller opens: on
PostgreSQL and SQLite alike a failed upgrade leaves the database as it was. A database made
by ``create_all`` before migrations existed (our tables, no ``alembic_version``) is checked
against the baseline revision and stamped at it, then upgraded like any other.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.migrations.snapshot import VERSION_TABLE, differences, snapshot, snapshot_of

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASELINE = "0001"
MIGRATE_COMMAND = "python run_bot.py migrate"
# pg_advisory_xact_lock key: two `migrate` runs at once (two hosts deploying) take turns.
_PG_LOCK = 0x6D75736161646100

Kind = Literal["empty", "legacy", "current", "behind", "unknown"]


class SchemaError(RuntimeError):
    """The database cannot be used, or migrated, as it is; the message says what to do."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands against the revisions this code ships."""

    revision: str | None  # what alembic_version holds (None: no version table, or empty)
    head: str
    has_tables: bool  # any of our tables present, whatever the version says

    @property
    def kind(self) -> Kind:
        if self.revision is None:
            return "legacy" if self.has_tables else "empty"
        if self.revision == self.head:
            return "current"
        try:
            script_directory().get_revision(self.revision)
        except Exception:
            return "unknown"
        return "behind"


@dataclass(frozen=True)
class MigrationReport:
    """What an upgrade did, in words for the person who ran it."""

    before: SchemaState
    applied: tuple[str, ...]

    @property
    def adopted(self) -> bool:
        return self.before.kind == "legacy"

    def describe(self) -> str:
        if not self.applied and not self.adopted:
            return f"already at the latest revision ({self.before.head}): nothing to do"
        parts = []
        if self.adopted:
            parts.append(f"adopted the tables made before migrations (stamped {BASELINE})")
        if self.applied:
            start = self.before.revision or ("empty" if not self.adopted else BASELINE)
            parts.append(
                f"upgraded {start} → {self.before.head} (applied {', '.join(self.applied)})"
            )
        return "; ".join(parts)


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config for the packaged environment; ``connection`` is the one env.py migrates on."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.cache
def script_directory() -> ScriptDirectory:
    """The packaged revisions, read once per process: they do not change while it runs, and
    reading them (each file imported anew) is most of what an upgrade at head costs."""
    return ScriptDirectory.from_config(alembic_config())


def _upgrade_to_head(config: Config) -> None:
    """``alembic upgrade head`` (what ``command.upgrade`` does) on the revisions read once."""
    script = script_directory()

    def revisions(rev: Any, _context: Any) -> Any:
        return script._upgrade_revs("head", rev)

    with EnvironmentContext(
        config, script, fn=revisions, as_sql=False, starting_rev=None, destination_rev="head"
    ):
        script.run_env()


def head_revision() -> str:
    """The single head. Raises when the revisions fork (two heads: merge them before release)."""
    head = script_directory().get_current_head()
    if head is None:
        raise SchemaError("no migration revisions found")
    return head


def target_metadata(metadata: MetaData, dialect: str) -> MetaData:
    """``metadata`` as one backend sees it: indexes declared for another dialect left out.

    The dispatch index is declared twice under one name, once per dialect (``ddl_if``).
    ``create_all`` honours that; Alembic's autogenerate does not and would compare a
    PostgreSQL database with the SQLite shape. Comparisons are made on this copy.
    """
    out = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        skip = {
            (ix.name, tuple(c.name for c in ix.columns))
            for ix in table.indexes
            if not _for_dialect(ix, dialect)
        }
        copy = table.to_metadata(out)
        for ix in list(copy.indexes):
            if (ix.name, tuple(c.name for c in ix.columns)) in skip:
                copy.indexes.discard(ix)
    return out


def _for_dialect(ix: Any, dialect: str) -> bool:
    ddl_if = getattr(ix, "_ddl_if", None)  # set by Index.ddl_if(); SQLAlchemy keeps it private
    if ddl_if is None or ddl_if.dialect is None:
        return True
    wanted = ddl_if.dialect
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def read_state(conn: Connection) -> SchemaState:
    names = set(inspect(conn).get_table_names())
    revision = None
    if VERSION_TABLE in names:
        revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return SchemaState(revision, head_revision(), bool(names - {VERSION_TABLE}))


def upgrade_connection(conn: Connection) -> MigrationReport:
    """Bring the database ``conn`` is on to head, inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    before = read_state(conn)
    if before.kind == "unknown":
        raise SchemaError(
            f"the database is at revision {before.revision}, which this version of Musaada does "
            f"not know (its latest is {before.head}): it was migrated by a newer version"
        )
    config = alembic_config(conn)
    if before.kind == "legacy":
        check_baseline(conn)
        command.stamp(config, BASELINE)
    start = before.revision or (BASELINE if before.kind == "legacy" else None)
    script = script_directory()
    applied = tuple(
        reversed([s.revision for s in script.iterate_revisions(before.head, start or "base")])
    )
    if start is not None:
        applied = tuple(r for r in applied if r != start)
    _upgrade_to_head(config)
    if conn.dialect.name == "sqlite":
        # Batch operations copy tables with foreign keys off; nothing may point nowhere after.
        broken = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
        if broken:
            raise SchemaError(f"foreign keys broken by the upgrade: {broken[:5]}")
    return MigrationReport(before, applied)


def check_baseline(conn: Connection) -> None:
    """Refuse to adopt tables that are not exactly what the baseline revision makes."""
    baseline = script_directory().get_revision(BASELINE)
    assert baseline is not None
    expected = snapshot_of(baseline.module.metadata, conn)
    diff = differences(snapshot(conn), expected)
    if diff:
        raise SchemaError(
            "the tables in this database were not made by the version this baseline describes, "
            "so they are left untouched:\n  " + "\n  ".join(diff)
        )


def create_at_head(conn: Connection, metadata: MetaData) -> None:
    """An empty database straight to head: ``create_all``, then stamp (Alembic's own recipe).

    For tests and benchmarks, which build many schemas; tests/test_migrations.py proves this
    is the schema the revisions build.
    """
    if read_state(conn).kind != "empty":
        raise SchemaError(f"create_all is for an empty database; use {MIGRATE_COMMAND}")
    metadata.create_all(conn)
    command.stamp(alembic_config(conn), "head")


def migration_engine(url: str) -> AsyncEngine:
    """An engine for migrations alone: one connection, and on SQLite foreign keys off.

    SQLite's batch mode rebuilds a table by copy, drop and rename; with foreign keys on, the
    drop of a table other rows point at fails (or cascades). The check comes at the end
    instead (see upgrade_connection). BEGIN IMMEDIATE makes the DDL one transaction.
    """
    from storage.db import normalise_url

    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, poolclass=NullPool)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.cursor().execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def upgrade(url: str) -> MigrationReport:
    """Bring the database at ``url`` to head: what ``python run_bot.py migrate`` does."""
    engine = migration_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(upgrade_connection)
    finally:
        await engine.dispose()


async def state(url: str) -> SchemaState:
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read_state)
    finally:
        await engine.dispose()


async def require_head(url: str) -> None:
    """Refuse a schema this code cannot run on, saying how to fix it (PostgreSQL start-up)."""
    found = await state(url)
    if found.kind == "current":
        return
    what = {
        "empty": "has no tables yet",
        "legacy": "has tables made before migrations existed",
        "behind": f"is at revision {found.revision}, the code needs {found.head}",
        "unknown": f"is at revision {found.revision}, newer than this code ({found.head})",
    }[found.kind]
    fix = (
        "Run the version of Musaada that migrated it, or restore a backup."
        if found.kind == "unknown"
        else f"Run: {MIGRATE_COMMAND}"
    )
    raise SchemaError(f"The database schema is not up to date: it {what}.\n{fix}")
