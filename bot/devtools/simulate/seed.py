"""The volunteers of a simulated surge, written straight into the database before the bot starts.

Why in bulk and not through the sign-up flow: a million volunteers signing up through
Telegram would take hours and measure the sign-up, not the surge. The rows are the ones the
sign-up leaves (verified, conduct accepted, skills, equipment, a fresh position), drawn from
the shared population model (population.py) in chunks, so the simulator never holds a million
rows at once: the stdlib driver's ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

- ``volunteers`` in the city: all verified and on duty, placed like the city's population
  (``Places.around``), skills and equipment from the model.
- ``national`` across the Kingdom: homes from the model (``Places.home``: cities by
  population, roads, scattered), a fifth on duty, 92% verified, as bench/matching.py has them.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlmodel import col

from bot.devtools.simulate.config import CITY_BASE, LEADER_ID, NATIONAL_BASE, OPERATOR_ID, SimConfig
from bot.devtools.simulate.population import Places, equipment, skills, skills_mask
from domain.enums import VolunteerStatus
from domain.matching.grid import cell_of
from storage.db import Database
from storage.models import Volunteer
from storage.team_models import Team, TeamLeader, TeamMember
from storage.types import utcnow

CHUNK = 50_000
SEED_VERSION = 1  # raise when the rows change: cached templates are keyed by it
PERSON_COLUMNS = ("id", "chat_id", "first_name", "telegram_language", "blocked", "created_at")
VOLUNTEER_COLUMNS = (
    "person_id", "status", "conduct_accepted_at", "submitted_at", "verified_at", "skills",
    "equipment", "on_duty", "lat", "lon", "cell", "position_at", "share_phone",
    "max_alerts_per_hour", "created_at",
)  # fmt: skip
TEAM_MEMBERS = 40  # --record: the first city volunteers form the leader's team


@dataclass
class Roster:
    """Who was seeded: the city's volunteers by id (their homes, for live locations)."""

    city_ids: list[int] = field(default_factory=list)
    homes: dict[int, tuple[float, float]] = field(default_factory=dict)
    national: int = 0

    def is_volunteer(self, chat_id: int) -> bool:
        return CITY_BASE <= chat_id < CITY_BASE + len(self.city_ids) or (
            NATIONAL_BASE <= chat_id < NATIONAL_BASE + self.national
        )


def _rows(
    cfg: SimConfig, rng: random.Random, now: datetime, roster: Roster
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(person, volunteer) tuples: the city's first, then the national ones."""
    places = Places(rng)
    city = cfg.the_city()
    verified = VolunteerStatus.VERIFIED.value
    for i in range(cfg.volunteers + cfg.national):
        in_city = i < cfg.volunteers
        if in_city:
            pid = CITY_BASE + i
            lat, lon = places.around(city)
            rural, on_duty, status = False, True, verified
            roster.city_ids.append(pid)
            roster.homes[pid] = (lat, lon)
        else:
            pid = NATIONAL_BASE + i - cfg.volunteers
            lat, lon, kind = places.home()
            rural, on_duty = kind != "city", rng.random() < 0.2
            status = verified if rng.random() < 0.92 else VolunteerStatus.PENDING.value
        chosen = skills(rng)
        lang = "ar" if rng.random() < 0.7 else "en"
        person = (pid, pid, f"V{pid}", lang, False, now)
        vol = (
            pid, status, now, now, now if status == verified else None, skills_mask(chosen),
            equipment(rng, chosen, rural=rural), on_duty, lat, lon, cell_of(lat, lon), now,
            False, 6, now,
        )  # fmt: skip
        yield person, vol
    roster.national = cfg.national


def _chunks(
    rows: Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]],
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    people: list[tuple[Any, ...]] = []
    vols: list[tuple[Any, ...]] = []
    for p, v in rows:
        people.append(p)
        vols.append(v)
        if len(people) >= CHUNK:
            yield people, vols
            people, vols = [], []
    if people:
        yield people, vols


def _sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _load_sqlite(path: str, rows: Iterator[Any]) -> None:
    """The stdlib driver, timestamps in the format SQLAlchemy stores them."""
    ts_type = Volunteer.__table__.c.position_at.type  # type: ignore[attr-defined]
    to_db = ts_type.bind_processor(SQLiteDialect_aiosqlite())

    def stored(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(to_db(v) if isinstance(v, datetime) else v for v in row)

    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    try:
        for people, vols in _chunks(rows):
            with con:
                con.executemany(_sql("person", PERSON_COLUMNS), map(stored, people))
                con.executemany(_sql("volunteer", VOLUNTEER_COLUMNS), map(stored, vols))
        con.execute("ANALYZE")
        con.commit()
    finally:
        con.close()


async def _load_postgresql(db: Database, rows: Iterator[Any]) -> None:
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        for people, vols in _chunks(rows):
            await raw.copy_records_to_table("person", records=people, columns=PERSON_COLUMNS)
            await raw.copy_records_to_table("volunteer", records=vols, columns=VOLUNTEER_COLUMNS)
        await conn.commit()
        await raw.execute("VACUUM ANALYZE volunteer")


def roster_of(cfg: SimConfig) -> Roster:
    """The roster :func:`seed` returns, without writing anything (for a database copied from a
    seeded template: the city's volunteers come first and are drawn the same way)."""
    roster = Roster()
    rows = _rows(replace(cfg, national=0), random.Random(cfg.seed), utcnow(), roster)
    for _ in rows:
        pass
    roster.national = cfg.national
    return roster


async def refresh_positions(db: Database) -> None:
    """Positions as fresh as the run's start (a template copied hours after it was seeded)."""
    now = utcnow()
    async with db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            update(Volunteer)
            .where(col(Volunteer.position_at).is_not(None))
            .values(position_at=now)
            .execution_options(synchronize_session=False)
        )


async def seed(db: Database, cfg: SimConfig) -> Roster:
    """Every volunteer of the run, the operator and a team leader; the schema must exist."""
    roster = Roster()
    now = utcnow()
    rows = _rows(cfg, random.Random(cfg.seed), now, roster)
    if db.is_sqlite:
        database = make_url(db.url).database
        assert database, "a file database: the bot and the seeding share it"
        _load_sqlite(database, rows)
    else:
        await _load_postgresql(db, rows)
    await _staff(db, cfg, roster)
    return roster


async def _staff(db: Database, cfg: SimConfig, roster: Roster) -> None:
    """The operator, and a team in the city with a leader and the first volunteers as members
    (so a recorded run has a leader's digest to show)."""
    from storage import people

    city = cfg.the_city()
    async with db.session() as s:
        for pid, name in ((OPERATOR_ID, "Operator"), (LEADER_ID, "Leader")):
            await people.upsert_person(
                s, person_id=pid, chat_id=pid, first_name=name, username=None,
                telegram_language="en",
            )  # fmt: skip
        team = Team(
            name=f"{city.name_en} responders", city=city.name_en, lat=city.lat, lon=city.lon,
            radius_km=50.0, invite_code=f"sim{cfg.seed}", created_by=OPERATOR_ID,
        )  # fmt: skip
        s.add(team)
        await s.flush()
        assert team.id is not None
        s.add(TeamLeader(team_id=team.id, person_id=LEADER_ID))
        s.add_all(TeamMember(person_id=p, team_id=team.id) for p in roster.city_ids[:TEAM_MEMBERS])
