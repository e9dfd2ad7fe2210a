"""Alembic environment: the target is ``SQLModel.metadata``, every table registered by storage.models.

From code (storage.migrations), the connection to migrate on arrives in
``config.attributes["connection"]``, already inside the caller's transaction. From the alembic
command line (``alembic revision --autogenerate`` with the repository's alembic.ini), it opens
``DATABASE_URL`` itself, through the same async drivers the bot uses (aiosqlite, asyncpg):
``run_sync`` hands the migration a synchronous connection either way.
"""

from __future__ import annotations

import asyncio
import logging
import os

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.migrations import migration_engine, target_metadata

config = context.config
# What the bot's settings default to (bot.settings.Settings.database_url).
DEFAULT_URL = "sqlite+aiosqlite:///./data/musaada.db"


def run_on(connection: Connection, *, command_line: bool) -> None:
    """Migrate on ``connection``. The target metadata is what ``revision --autogenerate``
    compares with; an upgrade from code never compares, and building it costs more than an
    upgrade that finds the schema at head, so it is built for the command line only."""
    dialect = connection.dialect.name
    context.configure(
        connection=connection,
        target_metadata=target_metadata(SQLModel.metadata, dialect) if command_line else None,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_command_line() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", DEFAULT_URL)
    engine = migration_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on, command_line=True)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline mode (--sql) is not supported: migrate a database instead")
connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection, command_line=False)
else:
    asyncio.run(run_from_command_line())
