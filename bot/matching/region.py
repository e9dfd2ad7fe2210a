"""Is a point somewhere we serve? A bounding box, and on land for the default (Saudi) region.

The box alone would accept the Red Sea and the Gulf. The outline below is a
coarse polygon of Saudi Arabia's land (coasts within a few km, land borders
simplified); it rejects open water while keeping every city, island-free
coast town and desert point we dispatch to. A deployment with its own
SERVICE_AREA uses its box alone.
"""

from __future__ import annotations

import itertools

from bot.matching.geo import in_region, valid_point

SAUDI_BOX = (16.0, 34.4, 32.3, 55.8)

# (lat, lon), clockwise from the Gulf of Aqaba along the Red Sea coast.
SAUDI_LAND: tuple[tuple[float, float], ...] = (
    (29.36, 34.92),  # Gulf of Aqaba, Jordanian border
    (28.30, 34.60),
    (28.00, 34.85),  # Strait of Tiran
    (27.35, 35.62),  # Duba
    (26.20, 36.40),  # Al Wajh
    (25.00, 37.20),  # Umluj
    (24.05, 38.00),  # Yanbu
    (22.80, 38.98),  # Rabigh
    (21.90, 39.02),
    (21.45, 39.12),  # Jeddah
    (20.15, 40.22),  # Al Lith
    (19.10, 41.02),  # Al Qunfudhah
    (17.95, 41.70),
    (16.88, 42.52),  # Jazan
    (16.37, 42.78),  # Yemeni border at the coast
    (17.30, 43.30),
    (17.30, 44.60),
    (17.45, 46.40),
    (18.00, 48.00),
    (19.00, 52.00),  # Yemen / Oman
    (22.70, 55.20),  # Oman / UAE
    (22.60, 55.65),
    (24.20, 51.60),  # UAE / Qatar
    (24.60, 51.25),  # Salwa
    (25.20, 50.75),
    (25.90, 50.10),  # Bahrain causeway
    (26.20, 50.25),
    (26.30, 50.27),  # Khobar
    (26.65, 50.18),  # Ras Tanura
    (27.00, 49.68),  # Jubail
    (27.90, 48.95),
    (28.42, 48.52),  # Khafji
    (28.53, 47.60),  # Kuwait
    (29.10, 46.55),
    (29.10, 44.70),  # Iraq
    (31.10, 42.10),
    (32.15, 39.20),
    (31.50, 37.00),  # Jordan
    (29.85, 36.20),
    (29.36, 34.92),
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
        return _inside(lat, lon, SAUDI_LAND)
    return True
