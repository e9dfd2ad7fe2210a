"""Is a point somewhere we serve? A bounding box, and on land for the default (Saudi) region.

The box alone would accept the Red Sea and the Gulf. The outline below is a
coarse polygon of Saudi Arabia's land (coasts within a few km, land borders
simplified) and boxes round inhabited islands (Farasan); it rejects open water
while keeping every city, coast and border town and desert point we dispatch
to (tests/test_region.py holds the list). A deployment with its own
SERVICE_AREA uses its box alone.
"""

from __future__ import annotations

import itertools

from domain.matching.geo import in_region, valid_point

SAUDI_BOX = (16.0, 34.4, 32.3, 55.8)

# (lat, lon), from the Gulf of Aqaba south along the Red Sea coast, east along Yemen, north
# up the Gulf and back west along the northern borders. Coasts are drawn a little seaward
# of the shore (a town on the water stays inside, open sea stays out); land borders are
# generous (a few km of a neighbour's desert is better than refusing a Saudi border town).
SAUDI_LAND: tuple[tuple[float, float], ...] = (
    (29.36, 34.90),  # Gulf of Aqaba, Jordanian border
    (28.30, 34.58),
    (28.00, 34.85),  # Strait of Tiran
    (27.35, 35.60),  # Duba
    (26.20, 36.38),  # Al Wajh
    (25.00, 37.15),  # Umluj
    (24.05, 37.95),  # Yanbu
    (22.80, 38.95),  # Rabigh
    (21.90, 39.00),
    (21.45, 39.10),  # Jeddah
    (20.15, 40.20),  # Al Lith
    (19.10, 41.00),  # Al Qunfudhah
    (17.95, 41.68),
    (16.90, 42.48),  # Jazan
    (16.38, 42.76),  # Yemeni border at the coast (Al Muwassam / At Tuwal)
    (16.75, 43.15),
    (17.25, 43.30),  # Jabal al-Thar, north of Saada
    (17.25, 44.10),  # south of Najran
    (17.25, 44.70),  # Al Buq'a crossing
    (17.00, 46.50),
    (16.92, 47.15),  # Al Wadiah crossing, south of Sharurah
    (17.00, 47.60),
    (19.00, 52.00),  # Yemen / Oman
    (22.70, 55.20),  # Oman / UAE
    (22.60, 55.65),
    (24.20, 51.60),  # UAE / Qatar
    (24.60, 51.25),  # Salwa
    (25.20, 50.75),
    (25.90, 50.12),  # Bahrain causeway
    (26.20, 50.27),
    (26.30, 50.29),  # Khobar
    (26.72, 50.22),  # Ras Tanura
    (27.00, 49.72),  # Jubail
    (27.90, 48.98),
    (28.40, 48.58),  # Khafji
    (28.54, 48.44),  # Kuwaiti border at the coast
    (28.53, 47.60),  # Kuwait
    (29.10, 46.55),
    (29.10, 44.70),  # Iraq
    (31.10, 42.10),
    (32.15, 39.20),
    (31.50, 37.00),  # Jordan
    (29.85, 36.20),
    (29.36, 34.90),
)

# Inhabited islands the mainland outline leaves in the sea.
SAUDI_ISLANDS: tuple[tuple[tuple[float, float], ...], ...] = (
    (  # Farasan: Farasan, Sajid and Zifaf
        (16.95, 41.65),
        (16.95, 42.30),
        (16.50, 42.30),
        (16.50, 41.65),
        (16.95, 41.65),
    ),
)


def _inside(lat: float, lon: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    """Even-odd ray casting in plain degrees: fine at this scale and far from the poles."""
    inside = False
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(polygon):
        if (lat1 > lat) != (lat2 > lat):
            cross = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < cross:
                inside = not inside
    return inside


def in_service_area(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    if not valid_point(lat, lon) or not in_region(lat, lon, box):
        return False
    if tuple(box) == SAUDI_BOX:
        return _inside(lat, lon, SAUDI_LAND) or any(
            _inside(lat, lon, island) for island in SAUDI_ISLANDS
        )
    return True
