"""Engine and session factory: one session per unit of work, committed in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.sqlite_driver import OneTripDBAPI

if TYPE_CHECKING:
    from storage.migrations import MigrationReport

log = logging.getLogger(__name__)
#: The execution option a read_session's connection carries (SQLite: a deferred BEGIN).
READ_ONLY = "musaada_read_only"
SQLITE_BUSY_S = 30  # how long a unit of work waits for SQLite's write lock before it fails


def normalise_url(url: str) -> str:
    """Accept the URLs people write (``postgresql://``, ``sqlite:///``) and pick the async driver."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


class Database:
    """Owns the engine. ``async with db.session() as s`` is one transaction, committed on success."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_S}
            # One trip to aiosqlite's thread per statement (storage/sqlite_driver.py).
            kwargs["module"] = OneTripDBAPI()
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    async def prepare_schema(self) -> MigrationReport | None:
        """At start-up: the embedded SQLite upgrades itself; PostgreSQL must already be at head.

        With several workers on one PostgreSQL database, none of them should change the schema
        under the others: ``python run_bot.py migrate`` is a deliberate step, and a worker that
        finds the schema behind refuses to start (SchemaError names the command).
        """
        from storage import migrations

        if self.is_sqlite:
            report = await migrations.upgrade(self.url)
            if report.applied or report.adopted:
                log.info("database schema: %s", report.describe())
            return report
        await migrations.require_head(self.url)
        return None

    async def create_all(self) -> None:
        """An empty database straight to the head schema, stamped at head: for tests and benchmarks.

        One CREATE pass instead of replaying every revision; tests/test_migrations.py proves it
        is the schema the revisions build. The bot itself goes through prepare_schema.
        """
        from storage import migrations

        async with self.engine.begin() as conn:
            await conn.run_sync(migrations.create_at_head, SQLModel.metadata)

    async def drop_all(self) -> None:
        """Every table, and the migration version with them."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads alone (the dashboard's polls, its readiness counts).

        On SQLite its transaction is a plain deferred BEGIN, not BEGIN IMMEDIATE: a reader in
        WAL mode sees one consistent snapshot and neither waits for the writer nor holds the
        write lock, so a long count never stalls the bot's writes. It is rolled back at the
        end: nothing in it is committed."""
        async with self._sessions() as session:
            try:
                await session.connection(execution_options={READ_ONLY: True})
                yield session
            finally:
                await session.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_begin_immediate(conn: Any) -> None:
    # A deferred SQLite transaction that reads and then writes fails with SQLITE_BUSY (no
    # waiting) when another writer got in between: exactly the two-Accepts race. Taking the
    # write lock up front makes concurrent units of work queue on the busy timeout instead.
    # A read_session never writes: it takes no lock (see Database.read_session).
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
