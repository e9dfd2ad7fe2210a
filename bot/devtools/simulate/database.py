"""The run's database: a throw-away one, or the one ``--record`` names, kept afterwards.

Why a fresh database every run: the figures divide by the run's requests, so nothing from an
earlier run may be in it. ``--record PATH`` (an SQLite file) or ``--record DSN`` (an empty
PostgreSQL database) keeps the run's whole timeline: requests, alerts, answers, audit records,
the outbox, a team with its leader; ``python -m bot.simulate show --db …`` then shows /stats,
the leader's digest and the dashboard's figures on it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bot.devtools.simulate.config import SimConfig
from bot.devtools.simulate.seed import SEED_VERSION, Roster, refresh_positions, roster_of, seed
from storage.db import Database


@dataclass
class RunDatabase:
    url: str
    keep: bool
    temp_dir: str | None = None
    pg_name: str | None = None
    pg_admin: str | None = None

    async def drop(self) -> None:
        """Remove the throw-away database (never a recorded one, never a cached template)."""
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


async def _admin(cfg: SimConfig, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(cfg.pg_admin.replace("postgresql://", "postgres://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(cfg: SimConfig, name: str) -> str:
    return f"{cfg.pg_admin.rsplit('/', 1)[0]}/{name}"


def cache_key(cfg: SimConfig) -> str:
    """The seeded volunteers depend on these and on the schema: one template for each."""
    from storage.migrations import head_revision

    what = f"{cfg.city}|{cfg.volunteers}|{cfg.national}|{cfg.seed}|{head_revision()}|{SEED_VERSION}"
    return hashlib.sha256(what.encode()).hexdigest()[:12]


async def _fresh(url: str, cfg: SimConfig) -> Roster:
    db = Database(url)
    try:
        await db.create_all()
        return await seed(db, cfg)
    finally:
        await db.dispose()


async def _sqlite_template(cfg: SimConfig) -> Path:
    """A seeded SQLite file for this population, made once (a million rows take minutes)."""
    folder = Path(tempfile.gettempdir()) / "musaada-sim-cache"
    folder.mkdir(exist_ok=True)
    path = folder / f"{cache_key(cfg)}.db"
    if not path.exists():
        partial = path.with_suffix(f".{uuid.uuid4().hex[:6]}.part")
        await _fresh(f"sqlite:///{partial}", cfg)
        con = sqlite3.connect(partial)  # everything in the main file before it is copied
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        partial.replace(path)
    return path


async def _pg_template(cfg: SimConfig) -> str:
    """A seeded PostgreSQL database for this population (copied with CREATE DATABASE … TEMPLATE)."""
    import asyncpg

    name = f"musaada_simtpl_{cache_key(cfg)}"
    conn = await asyncpg.connect(cfg.pg_admin.replace("postgresql://", "postgres://"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    if not exists:
        partial = f"{name}_part"
        await _admin(cfg, f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        await _admin(cfg, f'CREATE DATABASE "{partial}"')
        await _fresh(_pg_url(cfg, partial), cfg)
        await _admin(cfg, f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return name


async def _copied(url: str, cfg: SimConfig) -> Roster:
    db = Database(url)
    try:
        await refresh_positions(db)
    finally:
        await db.dispose()
    return roster_of(cfg)


async def prepare(cfg: SimConfig) -> tuple[RunDatabase, Roster]:
    """An empty database at the head schema for this run, its volunteers seeded: copied from
    a cached template (``cache``) or written afresh."""
    if cfg.record and (cfg.record.startswith("postgres") or not cfg.cache):
        url = recorded_url(cfg.record)
        path = make_url(url).database if url.startswith("sqlite") else None
        if path and _exists(path):
            raise SystemExit(f"--record: {path} exists; give a new file")
        if path is None and await _has_tables(url):
            raise SystemExit("--record: that database already has tables; give an empty one")
        return RunDatabase(url, keep=True), await _fresh(url, cfg)
    if cfg.record:
        url = recorded_url(cfg.record)
        target = make_url(url).database
        assert target
        if _exists(target):
            raise SystemExit(f"--record: {target} exists; give a new file")
        shutil.copyfile(await _sqlite_template(cfg), target)
        return RunDatabase(url, keep=True), await _copied(url, cfg)
    if cfg.backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="musaada-sim-")
        run = RunDatabase(f"sqlite:///{folder}/sim.db", keep=False, temp_dir=folder)
        if not cfg.cache:
            return run, await _fresh(run.url, cfg)
        shutil.copyfile(await _sqlite_template(cfg), f"{folder}/sim.db")
        return run, await _copied(run.url, cfg)
    name = f"musaada_sim_{uuid.uuid4().hex[:8]}"
    run = RunDatabase(_pg_url(cfg, name), keep=False, pg_name=name, pg_admin=cfg.pg_admin)
    if not cfg.cache:
        await _admin(cfg, f'CREATE DATABASE "{name}"')
        return run, await _fresh(run.url, cfg)
    template = await _pg_template(cfg)
    await _admin(cfg, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return run, await _copied(run.url, cfg)
