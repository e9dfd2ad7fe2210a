"""A fixed lat/lon grid, so the database can find nearby rows with plain B-tree range scans.

A cell is about 1.1 km of latitude high. ``cell = row * COLS + col`` keeps the
cells of one grid row contiguous, so a box of cells is one ``cell BETWEEN a AND b``
range per grid row — on SQLite and PostgreSQL alike. ``Box`` describes such a box
for a search radius; the database walks its rows (see storage.volunteer_search).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CELL_DEG = 0.01
COLS = 36_000  # 360 / CELL_DEG
ROWS = 18_000

# Lower bounds of the length of one degree on the WGS84 ellipsoid, so that a box drawn with
# them always contains every point within the radius: a degree of latitude is at least
# 110,574 m (at the equator), a degree of longitude at least 111,319 m x cos(latitude).
_MIN_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_319.0
_SLACK = 1.001


def cell_of(lat: float, lon: float) -> int:
    row = min(ROWS - 1, max(0, math.floor((lat + 90.0) / CELL_DEG)))
    col = min(COLS - 1, max(0, math.floor((lon + 180.0) / CELL_DEG)))
    return row * COLS + col


@dataclass(frozen=True)
class Box:
    """A lat/lon box holding every point within a radius of a centre, and its grid cells."""

    south: float
    north: float
    west: float
    east: float
    row0: int
    row1: int
    col0: int
    col1: int

    def cell_ranges(self) -> list[tuple[int, int]]:
        """Inclusive cell-id ranges, one per grid row."""
        return [
            (r * COLS + self.col0, r * COLS + self.col1) for r in range(self.row0, self.row1 + 1)
        ]


def disc_ranges(
    lat: float, lon: float, radius_m: float, box: Box | None = None
) -> list[tuple[int, int]]:
    """Inclusive cell-id ranges, one per grid row, covering the disc of ``radius_m``: a row
    far from the centre needs fewer columns, so this reads about a fifth less than the box.

    A point d metres away lies at least dy north or south and dx east or west with
    d >= sqrt(dy² + dx²) (each measured with the lower bounds of a degree's length
    above), so a row whose nearest edge is dy away needs only sqrt(r² - dy²) of width.
    ``box`` is ``box_around(lat, lon, radius_m)`` when the caller has it already.
    """
    if box is None:
        box = box_around(lat, lon, radius_m)
    r = radius_m * _SLACK + 1.0
    out = []
    for row in range(box.row0, box.row1 + 1):
        south = row * CELL_DEG - 90.0
        north = south + CELL_DEG
        dy = 0.0 if south <= lat <= north else min(abs(lat - south), abs(lat - north))
        dy_m = dy * _MIN_M_PER_DEG_LAT
        if dy_m > r:
            continue
        coslat = math.cos(math.radians(min(89.0, max(abs(south), abs(north)))))
        dlon = min(180.0, math.sqrt(r * r - dy_m * dy_m) / (_M_PER_DEG_LON_EQUATOR * coslat))
        col0 = max(box.col0, math.floor((lon - dlon + 180.0) / CELL_DEG))
        col1 = min(box.col1, math.floor((lon + dlon + 180.0) / CELL_DEG))
        out.append((row * COLS + col0, row * COLS + col1))
    return out


def box_around(lat: float, lon: float, radius_m: float) -> Box:
    """The box of every point within ``radius_m`` (geodesic) of (lat, lon).

    Boxes that would cross the antimeridian or a pole are clamped to the grid (the
    service region is nowhere near either).
    """
    r = radius_m * _SLACK + 1.0
    dlat = r / _MIN_M_PER_DEG_LAT
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    coslat = math.cos(math.radians(min(89.0, max(abs(south), abs(north)))))
    dlon = min(180.0, r / (_M_PER_DEG_LON_EQUATOR * coslat))
    west, east = max(-180.0, lon - dlon), min(180.0, lon + dlon)
    row0 = max(0, math.floor((south + 90.0) / CELL_DEG))
    row1 = min(ROWS - 1, math.floor((north + 90.0) / CELL_DEG))
    col0 = max(0, math.floor((west + 180.0) / CELL_DEG))
    col1 = min(COLS - 1, math.floor((east + 180.0) / CELL_DEG))
    return Box(south, north, west, east, row0, row1, col0, col1)


def cell_ranges(lat: float, lon: float, radius_m: float) -> list[tuple[int, int]]:
    """Inclusive cell-id ranges covering every point within ``radius_m`` of (lat, lon)."""
    return disc_ranges(lat, lon, radius_m)
