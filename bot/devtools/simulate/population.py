"""The one synthetic population of volunteers the benchmarks share: where they live, what they can do.

Why one module: bench/matching.py (the nearest-volunteer search) and bench/ladder.py (the
dispatch policy) used to carry their own models with different constants, so their figures
described two different countries. Both now draw from this one (deterministic for a seed).

Where (``Places.home``)
    86% live around the cities of ``domain/data/saudi_cities.csv`` in proportion to population
    (a 2-D normal around the centre, sigma = 0.004 km x sqrt(population): Riyadh 10.6 km, a
    150k town 1.5 km; one in five from a 2.5x wider normal, the suburbs), 8% along the roads
    joining each city to its three nearest (2 km either side), 6% scattered over the Kingdom,
    thinned to a tenth in the open desert (the Nafud around 28.3N 41.0E, the Empty Quarter
    around 20.0N 50.0E). Every home is on land inside a coarse outline of the Kingdom (points
    in the sea are redrawn).
Skills (``skills``)
    1, 2 or 3 of the 7 incident types (30/40/30%, mean 2), weighted towards first aid
    (first aid 30, breakdown 18, rescue 14, fire 12, entrapment 10, lost in the desert 8,
    flood 8).
Equipment (``equipment``)
    A base rate per item (4x4 30% in town, 60% outside, first-aid kit 30%, extinguisher 15%,
    tools 20%, recovery kit 10%, boat 2%), and a volunteer usually carries the kit of their
    skills (fire -> extinguisher 85%, first aid -> kit 90%, lost in the desert -> 4x4 90%,
    breakdown -> tools 70% and recovery kit 30%, flood -> 4x4 70% and boat 15%).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from domain.incidents import Equipment, IncidentType
from domain.matching.geo import City, cities, haversine_m

__all__ = [
    "HOME_SHARES",
    "SKILL_WEIGHTS",
    "Places",
    "equipment",
    "in_open_desert",
    "inside",
    "offset",
    "skills",
    "skills_mask",
]

KM_PER_DEG_LAT = 111.132
KM_PER_DEG_LON_EQ = 111.320
HOME_SHARES = {"city": 0.86, "road": 0.08, "scatter": 0.06}
CITY_SIGMA_KM_PER_SQRT_POP = 0.004
SUBURB_SHARE, SUBURB_WIDTH = 0.2, 2.5
ROAD_JITTER_KM = 2.0
OPEN_DESERT_KEEP = 0.1

# A coarse outline of the Kingdom (lat, lon), clockwise from the Gulf of Aqaba.
OUTLINE: tuple[tuple[float, float], ...] = (
    (29.36, 34.96), (29.19, 36.07), (29.90, 36.80), (30.50, 37.67), (31.50, 37.00),
    (32.15, 39.20), (31.37, 41.45), (30.00, 44.70), (29.10, 46.42), (28.53, 47.70),
    (28.43, 48.50), (27.90, 48.80), (27.40, 49.25), (27.00, 49.72), (26.70, 50.15),
    (26.45, 50.20), (26.25, 50.22), (25.90, 50.15), (25.30, 50.55), (24.75, 50.85),
    (24.25, 51.60), (22.70, 55.20), (19.00, 52.00), (18.60, 49.10), (17.40, 47.60),
    (17.20, 46.30), (17.50, 45.20), (17.30, 44.00), (17.40, 43.40), (16.90, 43.20),
    (16.40, 42.78), (16.89, 42.52), (17.50, 42.30), (18.20, 41.60), (19.13, 41.07),
    (20.15, 40.25), (21.00, 39.45), (21.30, 39.13), (21.70, 39.08), (22.30, 39.08),
    (22.80, 38.98), (23.60, 38.55), (24.09, 38.04), (25.05, 37.24), (26.23, 36.45),
    (27.35, 35.69), (28.00, 35.20), (27.95, 34.57),
)  # fmt: skip
OPEN_DESERT = ((28.3, 41.0, 1.2, 2.0), (20.0, 50.0, 2.5, 3.5))  # centre, half-axes (deg)

FI = IncidentType
SKILL_WEIGHTS: dict[IncidentType, float] = {
    FI.FIRST_AID: 30,
    FI.BREAKDOWN: 18,
    FI.RESCUE: 14,
    FI.FIRE: 12,
    FI.ENTRAPMENT: 10,
    FI.LOST_DESERT: 8,
    FI.FLOOD: 8,
}
SKILL_COUNTS = ((1, 30), (2, 40), (3, 30))

#: (item, rate in town, rate outside)
EQUIPMENT_BASE = (
    (Equipment.FOUR_BY_FOUR, 0.3, 0.6),
    (Equipment.FIRST_AID_KIT, 0.3, 0.3),
    (Equipment.EXTINGUISHER, 0.15, 0.15),
    (Equipment.TOOLS, 0.2, 0.2),
    (Equipment.RECOVERY_KIT, 0.1, 0.1),
    (Equipment.BOAT, 0.02, 0.02),
)
#: (skill, item a volunteer with that skill usually carries, how often)
EQUIPMENT_HABITS = (
    (FI.FIRE, Equipment.EXTINGUISHER, 0.85),
    (FI.FIRST_AID, Equipment.FIRST_AID_KIT, 0.9),
    (FI.LOST_DESERT, Equipment.FOUR_BY_FOUR, 0.9),
    (FI.BREAKDOWN, Equipment.TOOLS, 0.7),
    (FI.BREAKDOWN, Equipment.RECOVERY_KIT, 0.3),
    (FI.FLOOD, Equipment.FOUR_BY_FOUR, 0.7),
    (FI.FLOOD, Equipment.BOAT, 0.15),
)


# --------------------------------------------------------------------------- the land
def _inside_exact(lat: float, lon: float) -> bool:
    """Point in the outline (even-odd rule)."""
    hit = False
    n = len(OUTLINE)
    for i in range(n):
        y1, x1 = OUTLINE[i]
        y2, x2 = OUTLINE[(i + 1) % n]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _edge_distance_deg(lat: float, lon: float) -> float:
    """Distance in degrees from a point to the nearest edge of the outline."""
    best = math.inf
    n = len(OUTLINE)
    for i in range(n):
        y1, x1 = OUTLINE[i]
        y2, x2 = OUTLINE[(i + 1) % n]
        dy, dx = y2 - y1, x2 - x1
        t = max(0.0, min(1.0, ((lat - y1) * dy + (lon - x1) * dx) / (dy * dy + dx * dx)))
        best = min(best, math.hypot(lat - (y1 + t * dy), lon - (x1 + t * dx)))
    return best


_TILE = 0.1
_TILES: dict[tuple[int, int], bool | None] = {}


def inside(lat: float, lon: float) -> bool:
    """Point in the outline; 0.1-degree tiles away from the border are decided once."""
    key = (math.floor(lat / _TILE), math.floor(lon / _TILE))
    if key not in _TILES:
        clat, clon = (key[0] + 0.5) * _TILE, (key[1] + 0.5) * _TILE
        whole = _edge_distance_deg(clat, clon) > _TILE * 0.75
        _TILES[key] = _inside_exact(clat, clon) if whole else None
    tile = _TILES[key]
    return _inside_exact(lat, lon) if tile is None else tile


def in_open_desert(lat: float, lon: float) -> bool:
    return any(((lat - la) / a) ** 2 + ((lon - lo) / b) ** 2 <= 1.0 for la, lo, a, b in OPEN_DESERT)


def offset(lat: float, lon: float, dx_km: float, dy_km: float) -> tuple[float, float]:
    """The point ``dx_km`` east and ``dy_km`` north of (lat, lon)."""
    lat2 = lat + dy_km / KM_PER_DEG_LAT
    return lat2, lon + dx_km / (KM_PER_DEG_LON_EQ * math.cos(math.radians(lat)))


def _roads(towns: Sequence[City]) -> list[tuple[City, City]]:
    """Each city joined to its three nearest: a rough national road network."""
    roads: set[tuple[int, int]] = set()
    for i, a in enumerate(towns):
        near = sorted(
            (haversine_m(a.lat, a.lon, b.lat, b.lon), j) for j, b in enumerate(towns) if j != i
        )
        for _, j in near[:3]:
            roads.add((min(i, j), max(i, j)))
    return [(towns[i], towns[j]) for i, j in sorted(roads)]


class Places:
    """Draws homes (and incident places) from the population model, with its own RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.towns = cities()
        self.weights = [c.population for c in self.towns]
        self.roads = _roads(self.towns)
        lats = [p[0] for p in OUTLINE]
        lons = [p[1] for p in OUTLINE]
        self.bounds = (min(lats), max(lats), min(lons), max(lons))

    def city(self) -> City:
        """A city, chosen in proportion to its population."""
        return self.rng.choices(self.towns, self.weights)[0]

    def around(self, c: City) -> tuple[float, float]:
        """A point in or near ``c``: its normal, or one in five from the wider suburbs'."""
        rng = self.rng
        sigma = CITY_SIGMA_KM_PER_SQRT_POP * math.sqrt(c.population)
        if rng.random() < SUBURB_SHARE:
            sigma *= SUBURB_WIDTH
        return offset(c.lat, c.lon, rng.gauss(0, sigma), rng.gauss(0, sigma))

    def on_road(self, jitter_km: float = ROAD_JITTER_KM) -> tuple[float, float]:
        """A point on a road between two cities, up to ``jitter_km`` either side."""
        rng = self.rng
        a, b = rng.choice(self.roads)
        t = rng.random()
        lat, lon = a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon)
        return offset(
            lat, lon, rng.uniform(-jitter_km, jitter_km), rng.uniform(-jitter_km, jitter_km)
        )

    def scattered(self) -> tuple[float, float]:
        """A point anywhere in the Kingdom's box, thinned in the open desert."""
        rng = self.rng
        s, n, w, e = self.bounds
        while True:
            lat, lon = rng.uniform(s, n), rng.uniform(w, e)
            if not in_open_desert(lat, lon) or rng.random() < OPEN_DESERT_KEEP:
                return lat, lon

    def home(self) -> tuple[float, float, str]:
        """A volunteer's home on land and its kind: ``city``, ``road`` or ``scatter``."""
        kinds, shares = list(HOME_SHARES), list(HOME_SHARES.values())
        while True:
            kind = self.rng.choices(kinds, shares)[0]
            if kind == "city":
                lat, lon = self.around(self.city())
            elif kind == "road":
                lat, lon = self.on_road()
            else:
                lat, lon = self.scattered()
            if inside(lat, lon):
                return lat, lon, kind

    def point(self) -> tuple[float, float]:
        """A home without its kind (where queries and requests are drawn from, too)."""
        lat, lon, _ = self.home()
        return lat, lon


# --------------------------------------------------------------------------- abilities
def skills(rng: random.Random) -> list[IncidentType]:
    """1-3 distinct incident types, drawn by :data:`SKILL_WEIGHTS` without replacement."""
    n = rng.choices([c for c, _ in SKILL_COUNTS], [w for _, w in SKILL_COUNTS])[0]
    pool = dict(SKILL_WEIGHTS)
    chosen: list[IncidentType] = []
    for _ in range(n):
        keys = list(pool)
        pick = rng.choices(keys, [pool[k] for k in keys])[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def skills_mask(chosen: Sequence[IncidentType]) -> int:
    """The stored bit mask of a set of skills."""
    mask = 0
    for t in chosen:
        mask |= t.bit
    return mask


def equipment(rng: random.Random, chosen: Sequence[IncidentType], *, rural: bool) -> int:
    """The equipment mask of a volunteer with these skills (``rural``: not in a city)."""
    eq = Equipment.NONE
    for item, in_town, outside in EQUIPMENT_BASE:
        if rng.random() < (outside if rural else in_town):
            eq |= item
    have = set(chosen)
    for skill, item, p in EQUIPMENT_HABITS:
        if skill in have and rng.random() < p:
            eq |= item
    return int(eq)
