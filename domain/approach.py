"""The volunteer approaching: how far, how soon, and which live-location fixes to believe.

Pure rules for bot/services/approach.py. A fix that implies moving faster than any car
on a Saudi road (``MAX_KMH``) over more than ``JUMP_M`` is a glitch (a phone's first fix
from a cell tower, a spoofed point): it is ignored and the last good fix kept. The
arrival estimate uses the speed the fixes show the volunteer closing in at, when it is
believable, and else the incident type's assumed speed (domain/incidents.py).
"""

from __future__ import annotations

import math
from datetime import datetime

from domain.incidents import IncidentType, rule_for
from domain.matching.geo import distance_m

MAX_KMH = 200.0  # faster than this between two fixes is not a volunteer moving
JUMP_M = 1000.0  # below this, GPS noise: never called a jump
MIN_CLOSING_KMH = 5.0  # slower than walking pace: the fixes say little, use the assumption
MAX_CLOSING_KMH = 140.0


def plausible(
    last: tuple[float, float, datetime] | None, lat: float, lon: float, at: datetime
) -> bool:
    """Whether a fix may follow the last good one (``(lat, lon, at)``; None: any may)."""
    if last is None:
        return True
    jump = distance_m(last[0], last[1], lat, lon)
    if jump <= JUMP_M:
        return True
    hours = max((at - last[2]).total_seconds(), 1.0) / 3600.0
    return jump / 1000.0 / hours <= MAX_KMH


def closing_kmh(
    prev_distance_m: int | None, prev_at: datetime | None, distance: int, at: datetime
) -> float | None:
    """How fast the volunteer is closing in, from two fixes; None when they say little."""
    if prev_distance_m is None or prev_at is None:
        return None
    seconds = (at - prev_at).total_seconds()
    if seconds <= 0:
        return None
    kmh = (prev_distance_m - distance) / 1000.0 / (seconds / 3600.0)
    if not MIN_CLOSING_KMH <= kmh <= MAX_CLOSING_KMH:
        return None
    return kmh


def eta_minutes(incident: IncidentType | str, distance: float, closing: float | None = None) -> int:
    """Whole minutes to cover ``distance`` metres (at least 1): at the closing speed the
    fixes show, else at the incident type's assumed speed."""
    kmh = closing if closing is not None else rule_for(incident).approach_kmh
    return max(1, math.ceil(distance / 1000.0 / kmh * 60.0))
