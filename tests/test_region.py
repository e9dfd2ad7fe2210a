"""The default service area: Saudi land in (cities, coast, border towns, Farasan), sea and neighbours out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from domain.matching.region import SAUDI_BOX, in_service_area

CITIES = Path(__file__).resolve().parents[1] / "domain" / "data" / "saudi_cities.csv"

INSIDE = [
    *[
        (row["name_en"], float(row["lat"]), float(row["lon"]))
        for row in csv.DictReader(CITIES.open(encoding="utf-8"))
    ],
    ("Sharurah", 17.47, 47.11),
    ("Al Wadiah", 17.05, 47.12),
    ("Najran", 17.49, 44.13),
    ("Farasan", 16.70, 42.12),
    ("Jizan", 16.89, 42.55),
    ("Samtah", 16.60, 42.94),
    ("Dhahran al Janub", 17.67, 43.51),
    ("Haql", 29.29, 34.94),
    ("Umluj", 25.02, 37.27),
    ("Al Khafji", 28.42, 48.49),
    ("Ras Tanura", 26.64, 50.16),
]

OUTSIDE = [
    ("Red Sea off Jeddah", 21.5, 38.5),
    ("Red Sea off Duba", 27.0, 35.0),
    ("Red Sea off Al Qunfudhah", 19.0, 40.3),
    ("Red Sea west of Farasan", 16.6, 41.2),
    ("Gulf off Jubail", 27.5, 50.5),
    ("Gulf off Khafji", 28.0, 49.5),
    ("Gulf north of Qatar", 26.5, 51.5),
    ("Bahrain", 26.07, 50.55),
    ("Sanaa", 15.37, 44.19),
    ("Saada", 16.94, 43.76),
    ("Amman", 31.95, 35.93),
    ("Kuwait City", 29.37, 47.98),
    ("Doha", 25.29, 51.53),
]


@pytest.mark.parametrize(("name", "lat", "lon"), INSIDE, ids=[p[0] for p in INSIDE])
def test_saudi_places_are_served(name: str, lat: float, lon: float) -> None:
    assert in_service_area(lat, lon, SAUDI_BOX), name


@pytest.mark.parametrize(("name", "lat", "lon"), OUTSIDE, ids=[p[0] for p in OUTSIDE])
def test_sea_and_neighbours_are_not(name: str, lat: float, lon: float) -> None:
    assert not in_service_area(lat, lon, SAUDI_BOX), name


def test_every_listed_city_is_checked() -> None:
    assert sum(1 for _ in csv.DictReader(CITIES.open(encoding="utf-8"))) >= 20


def test_a_custom_area_is_its_box_alone() -> None:
    box = (20.0, 30.0, 30.0, 40.0)
    assert in_service_area(25.0, 35.0, box)  # would be sea for the Saudi outline; a box is a box
    assert not in_service_area(31.0, 35.0, box)
