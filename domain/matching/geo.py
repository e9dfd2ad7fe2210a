"""Distances, areas and the service region. No I/O beyond reading the bundled city list once."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from geopy.distance import geodesic

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """True (ellipsoidal, WGS84) distance in metres: what volunteers are ranked by."""
    return float(geodesic((lat1, lon1), (lat2, lon2)).meters)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; within 0.5% of geodesic, used where speed matters more than metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def in_region(lat: float, lon: float, region: tuple[float, float, float, float]) -> bool:
    south, west, north, east = region
    return south <= lat <= north and west <= lon <= east


def valid_point(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


@dataclass(frozen=True)
class City:
    name_en: str
    name_ar: str
    lat: float
    lon: float
    population: int


@cache
def cities() -> tuple[City, ...]:
    """The bundled Saudi city list (also used by benchmarks and the demo)."""
    with resources.files("domain").joinpath("data/saudi_cities.csv").open(encoding="utf-8") as fh:
        return tuple(
            City(r["name_en"], r["name_ar"], float(r["lat"]), float(r["lon"]), int(r["population"]))
            for r in csv.DictReader(fh)
        )


@dataclass(frozen=True)
class Area:
    """An approximate place: the nearest city and how far from its centre. Never the exact point."""

    city: City
    km_from_centre: int


def area_of(lat: float, lon: float) -> Area:
    best = min(cities(), key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
    return Area(best, round(haversine_m(lat, lon, best.lat, best.lon) / 1000))


def city_by_name(name_en: str) -> City | None:
    return next((c for c in cities() if c.name_en == name_en), None)
