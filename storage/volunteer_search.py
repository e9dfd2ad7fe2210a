"""The nearest eligible volunteers for a point: the database narrows, matching decides.

The search grows. Each step asks the database for the nearest few volunteers
(2k + exclusions + 8, by a flat projection) among those in the grid cells of a
disc around the request who pass every rule that does not depend on distance:
on duty, verified, skill, equipment, not busy, fresh position, quiet hours and —
for the rows kept — the hourly alert cap. ``domain.matching.eligibility.nearest``
then applies the request's exclusions and the volunteer's own radius, measures
true distances and says whether the answer is settled: ``k`` matches nearer
than both the searched radius and anything the LIMIT left out. If not, the
next step fetches more rows of the same disc or searches a wider one, sized
from what it found, up to the request's radius. In a dense city one small disc
answers; in the desert a few wider ones do. Where a step starts is remembered
per 0.1-degree tile and incident type (a hint only; the answer is exact from
any start).

One statement per step, built from the models and served by the partial index
``ix_volunteer_dispatchable``: on-duty, verified rows only, keyed by grid cell and
holding every column the statement reads, so the table is never visited.

Latency: the statement is compiled once per dialect and shape, and on aiosqlite
and asyncpg it runs on the session's own driver connection in one call (one
thread hop or network round trip, in the session's transaction), instead of the
four thread hops the SQLAlchemy cursor adapter makes on aiosqlite. Other
drivers, and tests that switch ``USE_DRIVER_FAST_PATH`` off, go through
SQLAlchemy's ordinary execution of the same statement.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Integer,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.incidents import IncidentType, rule_for
from domain.matching.eligibility import (
    Candidate,
    Match,
    MatchQuery,
    local_minute,
    metres_per_degree,
    nearest,
)
from domain.matching.grid import Box, box_around, disc_ranges
from storage.models import Offer, Volunteer

# The first disc where no hint says better: in a city centre it holds ten matches or more.
FIRST_RADIUS_M = 1_500.0
# How fast the radius grows when a step finds fewer than k (bounds of the factor).
_MIN_GROWTH, _MAX_GROWTH, _EMPTY_GROWTH = 1.5, 4.0, 4.0
# Rows fetched per step beyond 2k and the exclusions.
_LIMIT_SLACK = 8

_SKILL_BIT = {t: t.bit for t in IncidentType}
_V = Volunteer.__table__  # type: ignore[attr-defined]
_O = Offer.__table__  # type: ignore[attr-defined]


def _range_slots(n: int) -> int:
    """Statement sizes: a box's grid rows are padded up to one of a few sizes."""
    size = 4
    while size < n:
        size = size * 3 // 2 if size >= 8 else size * 2
    return size


def _cells(slots: int) -> tuple[Any, list[Any]]:
    """Where the box's cells come from: a CTE of ranges (SQLite) or a list (PostgreSQL)."""
    v = _V
    if slots == 0:
        return v, [v.c.cell == any_(bindparam("cells", None, type_=ARRAY(BigInteger)))]
    ranges = union_all(
        *(
            select(
                bindparam(f"lo{i}", None, type_=BigInteger).label("lo"),
                bindparam(f"hi{i}", None, type_=BigInteger).label("hi"),
            )
            for i in range(slots)
        )
    ).cte("cell_range")
    return ranges.join(v, v.c.cell.between(ranges.c.lo, ranges.c.hi)), []


def _rules(needs_equipment: bool) -> list[Any]:
    """Every rule but distance, the most selective first (SQLite evaluates them in order)."""
    v = _V
    qs, qe, minute = v.c.quiet_start_min, v.c.quiet_end_min, bindparam("minute", None, Integer)
    rules = [
        # The partial index's own predicate, spelt as in the index so every planner uses it.
        text("volunteer.on_duty AND volunteer.status = 'verified'"),
        v.c.skills.op("&")(bindparam("skill", None, Integer)) != 0,
        v.c.lat.between(bindparam("south", None, v.c.lat.type), bindparam("north", None)),
        v.c.lon.between(bindparam("west", None, v.c.lon.type), bindparam("east", None)),
        v.c.busy_request_id.is_(None),
        v.c.position_at >= bindparam("fresh_since", None, type_=v.c.position_at.type),
        or_(
            qs.is_(None),
            qe.is_(None),
            qs == qe,
            and_(qs < qe, or_(minute < qs, minute >= qe)),
            and_(qs > qe, minute >= qe, minute < qs),
        ),
    ]
    if needs_equipment:
        rules.append(v.c.equipment.op("&")(bindparam("needs", None, Integer)) != 0)
    return rules


def _statement(slots: int, needs_equipment: bool) -> Select[Any]:
    """The nearest rows of a box that pass every rule but distance, and whether each is capped.

    How the box's cells reach the index depends on the planner. ``slots`` > 0
    (SQLite): a small CTE of (lo, hi) cell ranges, one per grid row, joined to the
    index — SQLite plans a CTE of literal rows well (a recursive CTE of unknown
    size made it build a throw-away automatic index instead). ``slots`` == 0
    (PostgreSQL): ``cell = ANY(:cells)``, every cell listed — PostgreSQL cannot
    estimate a join on ranges and then plans a parallel scan whose workers cost
    more to start than the whole query, while it estimates a list of cells well.
    """
    v = _V
    source, in_box = _cells(slots)
    rules = [*in_box, *_rules(needs_equipment)]
    # Squared distance on a flat projection at the request (metres^2): only the order of
    # the rows and where the LIMIT cuts depend on it, never the answer's distances.
    dy = v.c.lat - bindparam("lat0", None, v.c.lat.type)
    dx = v.c.lon - bindparam("lon0", None, v.c.lon.type)
    d2 = (dy * dy * bindparam("ky2", None, v.c.lat.type) + dx * dx * bindparam("kx2", None)).label(
        "d2"
    )
    near = (
        select(v.c.person_id, v.c.lat, v.c.lon, v.c.radius_km, v.c.max_alerts_per_hour, d2)
        .select_from(source)
        .where(*rules)
        .order_by(d2, v.c.person_id)
        .limit(bindparam("lim", None, Integer))
        .subquery("near")
    )
    # The hourly cap costs an index probe per row: only for the rows kept by the LIMIT.
    o = _O
    alerts_last_hour = (
        select(func.count())
        .where(
            o.c.volunteer_id == near.c.person_id,
            o.c.sent_at >= bindparam("hour_ago", None, type_=o.c.sent_at.type),
        )
        .scalar_subquery()
    )
    return select(
        near.c.person_id,
        near.c.lat,
        near.c.lon,
        near.c.radius_km,
        near.c.d2,
        (alerts_last_hour >= near.c.max_alerts_per_hour).label("capped"),
    )


_STATEMENTS: dict[tuple[int, bool], Select[Any]] = {}


def _statement_for(slots: int, needs_equipment: bool) -> Select[Any]:
    key = (slots, needs_equipment)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _statement(slots, needs_equipment)
    return _STATEMENTS[key]


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for one dialect: SQL text, parameter order and bind processors."""

    sql: str
    order: tuple[str, ...]
    defaults: dict[str, Any]
    # (position in the argument list, the type's bind processor), e.g. datetimes on SQLite
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def args(self, values: dict[str, Any]) -> list[Any]:
        defaults = self.defaults
        out = [values[name] if name in values else defaults[name] for name in self.order]
        for i, proc in self.processors:
            out[i] = proc(out[i])
        return out


_COMPILED: dict[tuple[str, int, bool], _Compiled] = {}


def _compiled(dialect: Dialect, slots: int, needs_equipment: bool) -> _Compiled:
    key = (f"{dialect.name}+{dialect.driver}", slots, needs_equipment)
    found = _COMPILED.get(key)
    if found is None:
        compiled = _statement_for(slots, needs_equipment).compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        processors = []
        for i, name in enumerate(order):
            proc = compiled.binds[name].type.bind_processor(dialect)
            if proc is not None:
                processors.append((i, proc))
        found = _COMPILED[key] = _Compiled(
            sql=compiled.string,
            order=order,
            defaults=compiled.construct_params(),
            processors=tuple(processors),
        )
    return found


async def _aiosqlite_fetch(driver: Any, sql: str, args: list[Any]) -> Sequence[Any]:
    return await driver.execute_fetchall(sql, args)  # type: ignore[no-any-return]


async def _asyncpg_fetch(driver: Any, sql: str, args: list[Any]) -> Sequence[Any]:
    return await driver.fetch(sql, *args)  # type: ignore[no-any-return]


# Drivers whose connection can run a statement and return all rows in one call.
_DRIVER_CALLS: dict[str, Callable[[Any, str, list[Any]], Awaitable[Sequence[Any]]]] = {
    "aiosqlite": _aiosqlite_fetch,
    "asyncpg": _asyncpg_fetch,
}

# Tests switch this off to run SQLAlchemy's ordinary execution on the same drivers.
USE_DRIVER_FAST_PATH = True


class _Search:
    """One request's search: the statement's fixed values and how to run it on this session."""

    def __init__(self, conn: AsyncConnection, driver: Any, q: MatchQuery) -> None:
        self.q = q
        self.conn = conn
        self.dialect = conn.dialect
        self.driver = driver
        self.call = _DRIVER_CALLS.get(self.dialect.driver) if driver is not None else None
        needs = int(rule_for(q.incident).needs_any)
        self.needs_equipment = needs != 0
        self.cell_list = self.dialect.name == "postgresql"
        my, mx = metres_per_degree(q.lat)
        self.values: dict[str, Any] = {
            "skill": _SKILL_BIT[q.incident],
            "needs": needs,
            "fresh_since": q.now - timedelta(seconds=q.max_position_age_s),
            "hour_ago": q.now - timedelta(hours=1),
            "minute": local_minute(q.now),
            "lat0": q.lat,
            "lon0": q.lon,
            "ky2": my * my,
            "kx2": (mx * math.cos(math.radians(q.lat))) ** 2,
        }

    @classmethod
    async def open(cls, session: AsyncSession, q: MatchQuery) -> _Search:
        if session.new or session.dirty or session.deleted:
            await session.flush()  # as session.exec would: the search sees pending changes
        conn = await session.connection()
        driver = None
        if USE_DRIVER_FAST_PATH and conn.dialect.driver in _DRIVER_CALLS:
            driver = (await conn.get_raw_connection()).driver_connection
        return cls(conn, driver, q)

    async def step(self, radius_m: float, limit: int) -> tuple[list[Candidate], float]:
        """The nearest ``limit`` rows in the box of ``radius_m`` (by the flat projection).

        Returns the candidates that are not at their hourly cap, and how far at least
        every row of the box that the LIMIT left out is (infinity when none was).
        """
        box = box_around(self.q.lat, self.q.lon, radius_m)
        values = self.values
        values.update(south=box.south, north=box.north, west=box.west, east=box.east, lim=limit)
        ranges = disc_ranges(self.q.lat, self.q.lon, radius_m, box)
        if self.cell_list:
            slots = 0
            values["cells"] = [cell for lo, hi in ranges for cell in range(lo, hi + 1)]
        else:
            slots = _range_slots(len(ranges))
            for i in range(slots):
                values[f"lo{i}"], values[f"hi{i}"] = ranges[i] if i < len(ranges) else (1, 0)
        rows: Sequence[Any]
        if self.call is not None:
            compiled = _compiled(self.dialect, slots, self.needs_equipment)
            rows = await self.call(self.driver, compiled.sql, compiled.args(values))
        else:
            stmt = _statement_for(slots, self.needs_equipment)
            rows = (await self.conn.execute(stmt, values)).all()
        candidates = [(r[0], r[1], r[2], r[3]) for r in rows if not r[5]]
        if len(rows) < limit:
            return candidates, math.inf
        # Rows left out are at least as far on the projection as the last row kept.
        farthest = math.sqrt(max(r[4] for r in rows))
        return candidates, farthest / (1.0 + _projection_error(box)) - 1.0


def _projection_error(box: Box) -> float:
    """A bound on (projected / true distance - 1) inside ``box`` for the flat projection.

    The projection keeps the scale of the request's latitude; across the box the
    east-west scale drifts by at most tan(latitude) x the latitude span, the
    north-south one by far less. Checked against the geodesic with a margin of six.
    """
    phi = math.radians(min(89.0, max(abs(box.south), abs(box.north))))
    half_height = math.radians(box.north - box.south) / 2
    half_width = math.radians(box.east - box.west) / 2
    return 1.5 * (math.tan(phi) + 0.02) * half_height + half_width * half_width + 0.002


# Where the last search around a place ended: (0.1-degree tile, incident) -> the radius that
# held ten matches (scaled to k = 10), or infinity when the whole radius held fewer. Only
# where the next search there starts; the answer never depends on it (the stopping rule
# is exact from any start), so a stale or lost hint costs a step, nothing else.
_START_HINTS: dict[tuple[int, int, IncidentType], float] = {}
_MAX_HINTS = 100_000
_MIN_START_M = 300.0


def _hint_key(q: MatchQuery) -> tuple[int, int, IncidentType]:
    return math.floor(q.lat * 10), math.floor(q.lon * 10), q.incident


def _first_radius(q: MatchQuery) -> float:
    scale = math.sqrt(q.k / 10)
    hint = _START_HINTS.get(_hint_key(q), FIRST_RADIUS_M)
    return min(q.radius_m, max(_MIN_START_M, hint * scale))


def _remember(q: MatchQuery, matches: list[Match]) -> None:
    if len(_START_HINTS) >= _MAX_HINTS:
        _START_HINTS.clear()
    if len(matches) >= q.k:
        needed = 1.2 * matches[-1].distance_m / math.sqrt(q.k / 10)
    else:
        needed = math.inf
    _START_HINTS[_hint_key(q)] = needed


async def nearest_eligible(session: AsyncSession, q: MatchQuery) -> list[Match]:
    """The nearest ``q.k`` eligible volunteers within ``q.radius_m``, nearest first (ties by id)."""
    if q.k <= 0 or q.radius_m <= 0:
        return []
    search = await _Search.open(session, q)
    radius = _first_radius(q)
    # Enough rows for k matches even if the nearest ones are excluded or capped.
    limit = 2 * q.k + len(q.exclude) + _LIMIT_SLACK
    while True:
        candidates, unseen_m = await search.step(radius, limit)
        matches, final = nearest(q, candidates, radius, unseen_m)
        if final:
            _remember(q, matches)
            return matches
        if unseen_m < math.inf:
            limit *= 4  # the box holds more than we fetched: fetch more of it
        elif matches:
            growth = min(_MAX_GROWTH, max(_MIN_GROWTH, 1.2 * math.sqrt(q.k / len(matches))))
            radius = min(q.radius_m, radius * growth)
        else:
            radius = min(q.radius_m, radius * _EMPTY_GROWTH)
