"""The run's database: a throw-away one, or the one ``--record`` names, kept afterwards.

Why a fresh database every run: the figures divide by the run's requests, so nothing from an
earlier run may be in it. ``--record PATH`` (an SQLite file) or ``--record DSN`` (an empty
PostgreSQL database) keeps the run's whole timeline: requests, alerts, answers, audit records,
the outbox, a team with its leader; ``python -m bot.simulate show --db …`` then shows /stats,
the leader's digest and the dashboard's figures on it.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bot.devtools.simulate.config import SimConfig
from storage.db import Database


@dataclass
class RunDatabase:
    url: str
    keep: bool
    temp_dir: str | None = None
    pg_name: str | None = None
    pg_admin: str | None = None

    async def drop(self) -> None:
        """Remove the throw-away database (never a recorded one)."""
        if self.keep:
            return
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
        if self.pg_name is not None and self.pg_admin is not None:
            import asyncpg

            conn = await asyncpg.connect(self.pg_admin.replace("postgresql://", "postgres://"))
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            finally:
                await conn.close()


def _exists(path: str) -> bool:
    return Path(path).exists()


def recorded_url(target: str) -> str:
    """``--record``'s argument as a database URL: a DSN as given, anything else a file path."""
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


async def _has_tables(url: str) -> bool:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        return bool(names)
    finally:
        await db.dispose()


async def prepare(cfg: SimConfig) -> RunDatabase:
    """An empty database at the head schema for this run."""
    if cfg.record:
        url = recorded_url(cfg.record)
        path = make_url(url).database if url.startswith("sqlite") else None
        if path and _exists(path):
            raise SystemExit(f"--record: {path} exists; give a new file")
        if path is None and await _has_tables(url):
            raise SystemExit("--record: that database already has tables; give an empty one")
        run = RunDatabase(url, keep=True)
    elif cfg.backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="musaada-sim-")
        run = RunDatabase(f"sqlite:///{folder}/sim.db", keep=False, temp_dir=folder)
    else:
        import asyncpg

        name = f"musaada_sim_{uuid.uuid4().hex[:8]}"
        admin = cfg.pg_admin
        conn = await asyncpg.connect(admin.replace("postgresql://", "postgres://"))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = f"{admin.rsplit('/', 1)[0]}/{name}"
        run = RunDatabase(url, keep=False, pg_name=name, pg_admin=admin)
    db = Database(run.url)
    try:
        await db.create_all()
    finally:
        await db.dispose()
    return run
