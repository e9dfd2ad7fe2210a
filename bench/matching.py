"""Matching at national scale: the nearest eligible volunteers among a million, through our storage.

    python bench/matching.py --volunteers 1000000 --queries 2000 --backend sqlite --json
    python bench/matching.py --backend both --volunteers 200000 --queries 500

For each backend it builds a fresh database (SQLite: a file in a temporary
directory; PostgreSQL: a database ``musaada_bench_<pid>`` created and dropped on
127.0.0.1, see ``--pg-admin-url``), loads the same synthetic population, times
``storage.volunteer_search.nearest_eligible`` on one open session, checks every
answer against a brute-force scan in memory, then times position and duty
updates. The last lines are one JSON object per backend.

Population (deterministic, ``--seed``)
    Homes, skills and equipment as in ``bot/devtools/simulate/population.py`` (shared with
    bench/ladder.py): around the cities by population, along the roads, scattered
    over the Kingdom, all on land.
    20% are on duty, 92% verified; 5% of on-duty positions are stale, 3%
    busy, 10% have quiet hours (some covering the benchmark's clock), 15% a
    preferred radius, and 3% received alerts in the last hour (some up to their cap).
Queries
    Drawn from the same distribution, a random incident type, nearest ``--k`` (10)
    within ``--radius-km`` (20); a third exclude a few volunteers who would
    otherwise be among the nearest (as later waves do).
Brute force
    Every on-duty volunteer in the query's box, the reference rules of
    ``domain.matching.eligibility`` (``eligible_without_distance``, ``within_reach``)
    and geopy's geodesic (``domain.matching.geo.distance_m``) for every candidate
    whose great-circle distance could place it in the top k (geodesic and
    great-circle distances differ by under 0.6%; the bound used is 2%).
Updates
    Live-location fixes as the bot writes them: ``bot.services.positions.PositionWriter``
    (coalesced per volunteer, ``--update-batch`` per transaction or every half second),
    fed as fast as it takes them; ``updates_per_s`` counts fixes committed per second.
    ``single_updates_per_s`` is the one-transaction-per-change path (a first shared
    location, ``/duty``): ``set_position`` / ``set_duty``, 90% moves, 10% duty flips.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

from bot.devtools.simulate.population import Places, equipment, skills, skills_mask
from bot.services.positions import PositionWriter
from domain.enums import VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.eligibility import (
    Match,
    MatchQuery,
    VolunteerRow,
    eligible_without_distance,
    within_reach,
)
from domain.matching.geo import distance_m, haversine_m
from domain.matching.grid import cell_of
from storage.db import Database
from storage.models import Volunteer
from storage.volunteer_search import nearest_eligible
from storage.volunteers import (
    PositionUpdate,
    set_duty,
    set_position,
)

NOW = datetime(2025, 3, 10, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh: some quiet hours apply
POSITION_MAX_AGE_S = 7200.0

BIT = {t: t.bit for t in IncidentType}


@dataclass
class Population:
    rows: list[dict[str, Any]]
    # alerts in the last hour per volunteer (what the offer table holds for them)
    alerts: dict[int, int]
    offers: list[tuple[int, int, datetime]]  # (request_id, volunteer_id, sent_at)
    requests: int
    dispatchable: list[VolunteerRow] = field(default_factory=list)


QUIET_WINDOWS = ((22 * 60, 6 * 60), (23 * 60, 7 * 60), (13 * 60, 16 * 60), (0, 5 * 60))


def build_population(n: int, rng: random.Random) -> Population:
    places = Places(rng)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        pid = 1_000_000 + i
        lat, lon, home = places.home()
        on_duty = rng.random() < 0.2
        chosen = skills(rng)
        skill_bits = skills_mask(chosen)
        fresh = on_duty and rng.random() >= 0.05
        age_s = rng.uniform(0, 3600) if fresh else rng.uniform(3 * 3600, 48 * 3600)
        quiet = QUIET_WINDOWS[rng.randrange(len(QUIET_WINDOWS))] if rng.random() < 0.1 else None
        rows.append(
            {
                "person_id": pid,
                "status": VolunteerStatus.VERIFIED.value
                if rng.random() < 0.92
                else VolunteerStatus.PENDING.value,
                "skills": skill_bits,
                "equipment": equipment(rng, chosen, rural=home != "city"),
                "on_duty": on_duty,
                "lat": lat,
                "lon": lon,
                "cell": cell_of(lat, lon),
                "position_at": NOW - timedelta(seconds=age_s),
                "radius_km": rng.choice((2.0, 5.0, 10.0)) if rng.random() < 0.15 else None,
                "quiet_start_min": quiet[0] if quiet else None,
                "quiet_end_min": quiet[1] if quiet else None,
                "max_alerts_per_hour": rng.choice((2, 3, 6, 6, 6)),
                "busy_request_id": 1 if on_duty and rng.random() < 0.03 else None,
            }
        )
    # Alerts: 3% of on-duty volunteers got some in the last hour, some also earlier.
    requests = 8
    alerts: dict[int, int] = {}
    offers: list[tuple[int, int, datetime]] = []
    for r in rows:
        if r["on_duty"] and rng.random() < 0.03:
            recent = rng.randint(1, requests - 2)
            for req in range(1, recent + 1):
                offers.append((req, r["person_id"], NOW - timedelta(minutes=rng.uniform(1, 59))))
            offers.append((recent + 1, r["person_id"], NOW - timedelta(minutes=61)))
            alerts[r["person_id"]] = recent
    pop = Population(rows, alerts, offers, requests)
    pop.dispatchable = [
        VolunteerRow(
            r["person_id"],
            r["lat"],
            r["lon"],
            r["skills"],
            r["equipment"],
            r["status"],
            r["on_duty"],
            r["position_at"],
            r["busy_request_id"],
            r["radius_km"],
            r["quiet_start_min"],
            r["quiet_end_min"],
            r["max_alerts_per_hour"],
        )
        for r in rows
        if r["on_duty"]
    ]
    return pop


# --- Brute force ----------------------------------------------------------------------------


class BruteForce:
    """Every on-duty volunteer near the query, every rule, geopy's distance: the reference."""

    CELL = 0.1  # degrees; a coarse bucket so a query touches only its neighbourhood

    def __init__(self, pop: Population) -> None:
        self.alerts = pop.alerts
        self.buckets: dict[tuple[int, int], list[VolunteerRow]] = {}
        for row in pop.dispatchable:
            key = (math.floor(row.lat / self.CELL), math.floor(row.lon / self.CELL))
            self.buckets.setdefault(key, []).append(row)

    def candidates(self, q: MatchQuery) -> list[tuple[float, VolunteerRow]]:
        """(great-circle distance, row) of every eligible volunteer (ignoring exclusions) in reach."""
        dlat = q.radius_m * 1.02 / 110_574.0
        dlon = q.radius_m * 1.02 / (111_319.0 * math.cos(math.radians(abs(q.lat) + dlat)))
        la0, la1 = math.floor((q.lat - dlat) / self.CELL), math.floor((q.lat + dlat) / self.CELL)
        lo0, lo1 = math.floor((q.lon - dlon) / self.CELL), math.floor((q.lon + dlon) / self.CELL)
        bit = BIT[q.incident]
        no_exclusions = MatchQuery(**{**q.__dict__, "exclude": frozenset()})
        out = []
        for a in range(la0, la1 + 1):
            for b in range(lo0, lo1 + 1):
                for row in self.buckets.get((a, b), ()):
                    if not row.skills & bit:
                        continue
                    h = haversine_m(q.lat, q.lon, row.lat, row.lon)
                    if h > q.radius_m * 1.02:
                        continue
                    if eligible_without_distance(
                        row, no_exclusions, self.alerts.get(row.person_id, 0)
                    ):
                        out.append((h, row))
        out.sort(key=lambda t: (t[0], t[1].person_id))
        return out

    @staticmethod
    def top(q: MatchQuery, cands: list[tuple[float, VolunteerRow]]) -> list[Match]:
        found: list[tuple[float, int]] = []
        for h, row in cands:
            if row.person_id in q.exclude:
                continue
            if len(found) >= q.k and h / 1.02 > found[q.k - 1][0]:
                break
            d = distance_m(q.lat, q.lon, row.lat, row.lon)
            if within_reach(row, d, q):
                found.append((d, row.person_id))
                found.sort()
        return [Match(pid, d) for d, pid in found[: q.k]]


def draw_queries(
    n: int, k: int, radius_m: float, rng: random.Random, brute: BruteForce
) -> list[tuple[MatchQuery, list[Match]]]:
    places = Places(rng)
    types = list(IncidentType)
    out = []
    for _ in range(n):
        lat, lon = places.point()
        q = MatchQuery(
            lat, lon, rng.choice(types), radius_m, k, NOW, frozenset(), POSITION_MAX_AGE_S
        )
        cands = brute.candidates(q)
        if rng.random() < 1 / 3:
            first = brute.top(MatchQuery(**{**q.__dict__, "k": k + 5}), cands)
            drop = rng.sample(first, min(len(first), rng.randint(1, 4)))
            q = MatchQuery(**{**q.__dict__, "exclude": frozenset(m.person_id for m in drop)})
        out.append((q, brute.top(q, cands)))
    return out


# --- Loading ---------------------------------------------------------------------------------

VOLUNTEER_COLUMNS = (
    "person_id", "status", "skills", "equipment", "on_duty", "lat", "lon", "cell",
    "position_at", "radius_km", "quiet_start_min", "quiet_end_min", "max_alerts_per_hour",
    "busy_request_id", "share_phone", "created_at",
)  # fmt: skip


def _volunteer_tuples(pop: Population, ts: Any) -> list[tuple[Any, ...]]:
    return [
        (
            r["person_id"], r["status"], r["skills"], r["equipment"], r["on_duty"], r["lat"],
            r["lon"], r["cell"], ts(r["position_at"]), r["radius_km"], r["quiet_start_min"],
            r["quiet_end_min"], r["max_alerts_per_hour"], r["busy_request_id"], False, ts(NOW),
        )
        for r in pop.rows
    ]  # fmt: skip


def load_sqlite(path: str, pop: Population) -> None:
    """Bulk insert with the stdlib driver, values in the stored formats SQLAlchemy uses."""
    dt_type = Volunteer.__table__.c.position_at.type  # type: ignore[attr-defined]
    to_db = dt_type.bind_processor(SQLiteDialect_aiosqlite())
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO person (id, chat_id, first_name, blocked, created_at) VALUES (?,?,?,0,?)",
            ((r["person_id"], r["person_id"], "v", to_db(NOW)) for r in pop.rows),
        )
        cols = ", ".join(VOLUNTEER_COLUMNS)
        marks = ", ".join("?" for _ in VOLUNTEER_COLUMNS)
        con.executemany(
            f"INSERT INTO volunteer ({cols}) VALUES ({marks})", _volunteer_tuples(pop, to_db)
        )
        _requests_and_offers(con.executemany, pop, to_db, "?")
    con.close()


def _requests_and_offers(executemany: Any, pop: Population, ts: Any, mark: str) -> None:
    m = [mark.format(i) for i in range(1, 12)]
    first = pop.rows[0]["person_id"]
    executemany(
        "INSERT INTO help_request (id, requester_id, incident, lat, lon, area, status, wave, "
        f"created_at) VALUES ({m[0]}, {m[1]}, 'fire', 24.7, 46.7, '', 'dispatching', 0, {m[2]})",
        [(i, first, ts(NOW)) for i in range(1, pop.requests + 1)],
    )
    executemany(
        "INSERT INTO offer (request_id, volunteer_id, wave, distance_m, status, sent_at) "
        f"VALUES ({m[0]}, {m[1]}, 1, 1000, 'sent', {m[2]})",
        [(req, vid, ts(at)) for req, vid, at in pop.offers],
    )


async def load_postgresql(db: Database, pop: Population) -> None:
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.copy_records_to_table(
            "person",
            records=[(r["person_id"], r["person_id"], "v", False, NOW) for r in pop.rows],
            columns=["id", "chat_id", "first_name", "blocked", "created_at"],
        )
        await raw.copy_records_to_table(
            "volunteer", records=_volunteer_tuples(pop, lambda t: t), columns=VOLUNTEER_COLUMNS
        )

        async def executemany(sql: str, rows: list[tuple[Any, ...]]) -> None:
            await raw.executemany(sql, rows)

        await _requests_and_offers_async(executemany, pop)
        await conn.commit()


async def _requests_and_offers_async(executemany: Any, pop: Population) -> None:
    calls: list[tuple[str, list[tuple[Any, ...]]]] = []
    _requests_and_offers(lambda sql, rows: calls.append((sql, list(rows))), pop, lambda t: t, "${}")
    for sql, rows in calls:
        await executemany(sql, rows)


async def analyse(db: Database) -> None:
    """Rebuild the matching index after the bulk load (compact, in key order) and gather
    planner statistics, as a maintained database would have them."""
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        if db.is_sqlite:
            await raw.execute("REINDEX ix_volunteer_dispatchable")
            await raw.execute("ANALYZE")
            await raw.commit()
        else:
            await raw.execute("REINDEX INDEX ix_volunteer_dispatchable")
            await raw.execute("VACUUM ANALYZE volunteer")
            await raw.execute("VACUUM ANALYZE offer")


# --- Running -----------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def run_backend(
    backend: str,
    pop: Population,
    queries: list[tuple[MatchQuery, list[Match]]],
    warmup: list[MatchQuery],
    args: Any,
) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="musaada_bench_")
    pg_name = f"musaada_bench_{os.getpid()}"
    admin = args.pg_admin_url.replace("postgresql://", "postgres://")
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    else:
        import asyncpg

        con = await asyncpg.connect(admin)
        await con.execute(f'DROP DATABASE IF EXISTS "{pg_name}"')
        await con.execute(f'CREATE DATABASE "{pg_name}"')
        await con.close()
        url = f"{args.pg_admin_url.rsplit('/', 1)[0]}/{pg_name}"
    db = Database(url)
    try:
        t0 = time.perf_counter()
        await db.create_all()
        if backend == "sqlite":
            await db.dispose()  # the bulk load uses its own connection
            load_sqlite(f"{tmp}/bench.db", pop)
        else:
            await load_postgresql(db, pop)
        await analyse(db)
        build_s = time.perf_counter() - t0
        log(f"[{backend}] built in {build_s:.1f} s")

        times: list[float] = []
        correct = 0
        mismatches: list[str] = []
        async with db.session() as s:
            for q in warmup:  # other queries: warm the caches, the plans, the start hints
                await nearest_eligible(s, q)
            for _rep in range(args.repeat):
                times.clear()
                correct = 0
                t_all = time.perf_counter()
                for q, want in queries:
                    t = time.perf_counter()
                    got = await nearest_eligible(s, q)
                    times.append(time.perf_counter() - t)
                    if [m.person_id for m in got] == [m.person_id for m in want] and all(
                        abs(a.distance_m - b.distance_m) < 1e-3
                        for a, b in zip(got, want, strict=True)
                    ):
                        correct += 1
                    elif len(mismatches) < 5:
                        mismatches.append(f"{q}: got {got} want {want}")
                elapsed = time.perf_counter() - t_all
                log(
                    f"[{backend}] p50 {_pct(times, 0.5) * 1e3:.3f} ms  p99 "
                    f"{_pct(times, 0.99) * 1e3:.3f} ms  max {max(times) * 1e3:.2f} ms  "
                    f"correct {correct}/{len(queries)}"
                )
        for m in mismatches:
            log(f"[{backend}] MISMATCH {m}")

        single, live = await measure_updates(db, pop, args)
        return {
            "backend": backend,
            "volunteers": len(pop.rows),
            "queries": len(queries),
            "p50_ms": round(_pct(times, 0.5) * 1e3, 3),
            "p99_ms": round(_pct(times, 0.99) * 1e3, 3),
            "qps": round(len(queries) / elapsed, 1),
            "updates_per_s": round(live, 1),
            "correct": correct / len(queries),
            "build_s": round(build_s, 1),
            "single_updates_per_s": round(single, 1),
            "update_path": f"PositionWriter, up to {args.update_batch} fixes per transaction",
            "mean_ms": round(statistics.fmean(times) * 1e3, 3),
        }
    finally:
        await db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        if backend == "postgresql":
            import asyncpg

            con = await asyncpg.connect(admin)
            await con.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await con.close()


async def measure_updates(db: Database, pop: Population, args: Any) -> tuple[float, float]:
    """(single, live) updates per second.

    single: one transaction per change, the path of a first shared location or /duty (90%
    moves of a few hundred metres, 10% duty flips). live: fixes through the bot's
    PositionWriter, submitted as fast as it takes them, counted once committed.
    """
    rng = random.Random(args.seed + 7)
    ids = [r["person_id"] for r in pop.rows]
    where = {r["person_id"]: (r["lat"], r["lon"]) for r in pop.rows}

    def move(pid: int) -> PositionUpdate:
        lat, lon = where[pid]
        return PositionUpdate(
            pid, lat + rng.uniform(-0.003, 0.003), lon + rng.uniform(-0.003, 0.003), NOW
        )

    n = args.updates
    t = time.perf_counter()
    for _ in range(n):
        pid = rng.choice(ids)
        async with db.session() as s:
            if rng.random() < 0.9:
                m = move(pid)
                await set_position(s, person_id=pid, lat=m.lat, lon=m.lon, at=m.at)
            else:
                await set_duty(s, person_id=pid, on_duty=rng.random() < 0.2)
    single = n / (time.perf_counter() - t)

    writer = PositionWriter(db, max_batch=args.update_batch)
    fixes = [move(rng.choice(ids)) for _ in range(n * 10)]
    t = time.perf_counter()
    for i, fix in enumerate(fixes):
        writer.submit(fix)
        if i % 50 == 49:
            await asyncio.sleep(0)  # updates arrive between other work: let the writer run
    await writer.close()
    live = writer.written / (time.perf_counter() - t)
    log(
        f"[{db.engine.dialect.name}] updates: {single:.0f}/s one per transaction, "
        f"{live:.0f}/s live fixes through PositionWriter ({writer.written} written)"
    )
    return single, live


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--volunteers", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--radius-km", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--repeat", type=int, default=1, help="timed passes over the queries (last one reported)"
    )
    p.add_argument("--warmup", type=int, default=500, help="untimed queries first (not checked)")
    p.add_argument("--updates", type=int, default=2000)
    p.add_argument("--update-batch", type=int, default=500)
    p.add_argument(
        "--pg-admin-url",
        default=os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    p.add_argument("--json", action="store_true", help="end with one JSON line per backend")
    args = p.parse_args(argv)

    rng = random.Random(args.seed)
    t = time.perf_counter()
    pop = build_population(args.volunteers, rng)
    log(
        f"population: {len(pop.rows)} volunteers, {len(pop.dispatchable)} on duty, "
        f"{len(pop.offers)} offers ({time.perf_counter() - t:.1f} s)"
    )
    t = time.perf_counter()
    brute = BruteForce(pop)
    queries = draw_queries(
        args.queries, args.k, args.radius_km * 1000, random.Random(args.seed + 1), brute
    )
    sizes = [len(w) for _, w in queries]
    log(
        f"queries: {len(queries)}, brute force in {time.perf_counter() - t:.1f} s; "
        f"{sum(1 for s in sizes if s < args.k)} with fewer than {args.k} matches"
    )

    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    places, types = Places(random.Random(args.seed + 2)), list(IncidentType)
    warmup = [
        MatchQuery(*places.point(), rng.choice(types), args.radius_km * 1000, args.k, NOW)
        for _ in range(args.warmup)
    ]
    gc.collect()
    gc.freeze()  # a million long-lived objects: keep the collector from walking them mid-run
    results = [asyncio.run(run_backend(b, pop, queries, warmup, args)) for b in backends]
    for r in results:
        print(json.dumps(r) if args.json else r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
