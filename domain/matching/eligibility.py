"""Who may be alerted for a request, and in what order. Plain data in, plain data out.

Two ways in. ``rank`` takes whole volunteer rows and applies every rule: it is
the reference, used by tests and small callers. ``nearest`` is the fast path of
``storage.volunteer_search``: the database has already applied the rules that do
not depend on distance, and ``nearest`` settles distance, the volunteer's own
radius, exclusions and order, computing the true distance of as few rows as it
can (a cheap local projection bounds the rest).

Distances are WGS84 geodesics. ``geodesic_m`` (Vincenty's inverse formula, about
5 µs) agrees with geopy's geodesic (``domain.matching.geo.distance_m``, about 100 µs)
to a few micrometres; volunteers whose distances differ by less than
``TIE_M`` are re-measured with geopy, so the order is always geopy's order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.enums import VolunteerStatus
from domain.incidents import IncidentType, equipment_fits
from domain.matching.geo import distance_m

LOCAL_TZ = ZoneInfo("Asia/Riyadh")


@dataclass(frozen=True)
class VolunteerRow:
    """What matching needs to know about one volunteer."""

    person_id: int
    lat: float
    lon: float
    skills: int
    equipment: int
    status: str = VolunteerStatus.VERIFIED
    on_duty: bool = True
    position_at: datetime | None = None
    busy_request_id: int | None = None
    radius_km: float | None = None
    quiet_start_min: int | None = None
    quiet_end_min: int | None = None
    max_alerts_per_hour: int = 6
    emergency_callouts: bool = False


@dataclass(frozen=True)
class MatchQuery:
    lat: float
    lon: float
    incident: IncidentType
    radius_m: float
    k: int
    now: datetime
    exclude: frozenset[int] = frozenset()
    max_position_age_s: float = 7200.0
    # A major-incident area: volunteers who opted in to emergency call-outs are alerted
    # in their quiet hours and past their hourly cap.
    emergency: bool = False


@dataclass(frozen=True)
class Match:
    person_id: int
    distance_m: float


def in_quiet_hours(start_min: int | None, end_min: int | None, now: datetime) -> bool:
    """Quiet hours are local (Asia/Riyadh) and may wrap midnight (22:00-06:00)."""
    if start_min is None or end_min is None or start_min == end_min:
        return False
    local = now.astimezone(LOCAL_TZ)
    minute = local.hour * 60 + local.minute
    if start_min < end_min:
        return start_min <= minute < end_min
    return minute >= start_min or minute < end_min


def position_fresh(position_at: datetime | None, now: datetime, max_age_s: float) -> bool:
    return position_at is not None and now - position_at <= timedelta(seconds=max_age_s)


def eligible_without_distance(row: VolunteerRow, q: MatchQuery, alerts_last_hour: int) -> bool:
    """Every rule but distance: the checks that do not depend on where the request is."""
    return (
        row.status == VolunteerStatus.VERIFIED
        and row.on_duty
        and row.busy_request_id is None
        and row.person_id not in q.exclude
        and bool(row.skills & q.incident.bit)
        and equipment_fits(q.incident, row.equipment)
        and position_fresh(row.position_at, q.now, q.max_position_age_s)
        and (
            (q.emergency and row.emergency_callouts)
            or (
                not in_quiet_hours(row.quiet_start_min, row.quiet_end_min, q.now)
                and alerts_last_hour < row.max_alerts_per_hour
            )
        )
    )


def within_reach(row: VolunteerRow, dist_m: float, q: MatchQuery) -> bool:
    """Inside the request's radius and the volunteer's own preferred radius."""
    if dist_m > q.radius_m:
        return False
    return row.radius_km is None or dist_m <= row.radius_km * 1000.0


def rank(rows: list[VolunteerRow], q: MatchQuery, alerts_last_hour: dict[int, int]) -> list[Match]:
    """The nearest ``q.k`` eligible volunteers, by true distance, ties broken by person id."""
    matches: list[Match] = []
    for row in rows:
        if not eligible_without_distance(row, q, alerts_last_hour.get(row.person_id, 0)):
            continue
        d = distance_m(q.lat, q.lon, row.lat, row.lon)
        if within_reach(row, d, q):
            matches.append(Match(row.person_id, d))
    matches.sort(key=lambda m: (m.distance_m, m.person_id))
    return matches[: q.k]


def local_minute(now: datetime) -> int:
    """Minutes after local (Asia/Riyadh) midnight: what quiet hours are compared with."""
    local = now.astimezone(LOCAL_TZ)
    return local.hour * 60 + local.minute


# --- Distance ------------------------------------------------------------------------------

_A = 6_378_137.0  # WGS84, as geopy's geodesic
_F = 1 / 298.257223563
_B = _A * (1 - _F)
_E2 = _F * (2 - _F)
_EP2 = (_A * _A - _B * _B) / (_B * _B)

# Distances closer than this are compared again with geopy, so that geopy decides the order.
# geodesic_m differs from geopy by at most a few micrometres.
TIE_M = 1e-4
# The local projection in ``nearest`` is within 0.1% of the geodesic up to 600 km; 1% is the
# margin used to decide which rows can be skipped without measuring them.
_APPROX_REL = 0.01


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """WGS84 geodesic distance in metres (Vincenty's inverse formula).

    Falls back to geopy for the nearly antipodal points where the iteration does
    not converge (never the case for a dispatch radius).
    """
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(60):
        sl, cl = math.sin(lam), math.cos(lam)
        t = cu1 * su2 - su1 * cu2 * cl
        ss = math.sqrt((cu2 * sl) ** 2 + t * t)
        if ss == 0.0:
            return 0.0
        cs = su1 * su2 + cu1 * cu2 * cl
        sigma = math.atan2(ss, cs)
        sa = cu1 * cu2 * sl / ss
        c2a = 1.0 - sa * sa
        c2sm = cs - 2.0 * su1 * su2 / c2a if c2a != 0.0 else 0.0
        c = _F / 16.0 * c2a * (4.0 + _F * (4.0 - 3.0 * c2a))
        prev = lam
        lam = big_l + (1.0 - c) * _F * sa * (
            sigma + c * ss * (c2sm + c * cs * (-1.0 + 2.0 * c2sm * c2sm))
        )
        if abs(lam - prev) < 1e-13:
            break
    else:
        return distance_m(lat1, lon1, lat2, lon2)
    usq = c2a * _EP2
    a = 1 + usq / 16384 * (4096 + usq * (-768 + usq * (320 - 175 * usq)))
    b = usq / 1024 * (256 + usq * (-128 + usq * (74 - 47 * usq)))
    ds = (
        b
        * ss
        * (
            c2sm
            + b
            / 4
            * (
                cs * (-1 + 2 * c2sm * c2sm)
                - b / 6 * c2sm * (-3 + 4 * ss * ss) * (-3 + 4 * c2sm * c2sm)
            )
        )
    )
    return _B * a * (sigma - ds)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(north-south, east-west at the equator of the local ellipse) metres per degree at ``lat``."""
    s = math.sin(math.radians(lat))
    w = 1.0 - _E2 * s * s
    meridian = _A * (1.0 - _E2) / w**1.5
    normal = _A / math.sqrt(w)
    return math.radians(meridian), math.radians(normal)


# --- Nearest among pre-filtered rows --------------------------------------------------------

# (person_id, lat, lon, radius_km): a volunteer the database found eligible but for distance.
Candidate = tuple[int, float, float, "float | None"]


def nearest(
    q: MatchQuery,
    candidates: Iterable[Candidate],
    searched_m: float,
    unseen_m: float = math.inf,
) -> tuple[list[Match], bool]:
    """The nearest ``q.k`` candidates within ``min(searched_m, q.radius_m)``, and whether that is final.

    ``candidates`` are volunteers that pass the rules other than distance. Every
    other such volunteer must be farther than ``searched_m`` or at least
    ``unseen_m`` away (the candidates are the nearest part of what was searched).
    The answer is final when it has ``q.k`` matches nearer than ``unseen_m``, or
    when fewer exist: the whole request radius was searched and nothing left out.
    """
    limit = min(searched_m, q.radius_m)
    lat0, lon0 = q.lat, q.lon
    my, mx = metres_per_degree(lat0)
    half_rad = math.pi / 360.0
    # A row's projected distance p is within a factor (1 ± e) of its true distance d.
    over = 1.0 + _APPROX_REL
    reach2 = (limit * over + 1.0) ** 2
    exclude = q.exclude
    cos = math.cos
    near: list[tuple[float, int, float, float, float | None]] = []
    for pid, lat, lon, radius_km in candidates:
        if pid in exclude:
            continue
        dy = (lat - lat0) * my
        dx = (lon - lon0) * mx * cos((lat + lat0) * half_rad)
        p2 = dx * dx + dy * dy
        if p2 > reach2:
            continue
        if radius_km is not None and p2 > (radius_km * 1000.0 * over + 1.0) ** 2:
            continue
        near.append((p2, pid, lat, lon, radius_km))
    near.sort()
    k = q.k
    found: list[tuple[float, int, float, float]] = []  # (distance, person_id, lat, lon)
    kth = math.inf
    for p2, pid, lat, lon, radius_km in near:
        if len(found) >= k and math.sqrt(p2) / over - 1.0 > kth + TIE_M:
            break  # this row, and every later one, is farther than the k-th match
        d = geodesic_m(lat0, lon0, lat, lon)
        if d > limit or (radius_km is not None and d > radius_km * 1000.0):
            continue
        found.append((d, pid, lat, lon))
        if len(found) >= k:
            found.sort()
            kth = found[k - 1][0]
    found.sort()
    _settle_ties(q, found, k)
    matches = [Match(pid, d) for d, pid, _, _ in found[:k]]
    if len(matches) >= k:
        return matches, matches[-1].distance_m + TIE_M < unseen_m
    return matches, searched_m >= q.radius_m and unseen_m == math.inf


def _settle_ties(q: MatchQuery, found: list[tuple[float, int, float, float]], k: int) -> None:
    """Let geopy order the rare near-ties (closer than TIE_M) among the first k, in place."""
    i, n = 0, len(found)
    while i < min(n, k):
        j = i + 1
        while j < n and found[j][0] - found[j - 1][0] < TIE_M:
            j += 1
        if j - i > 1:
            # Same place, same distance whatever measures it; otherwise geopy decides.
            exact: dict[tuple[float, float], float] = {}
            for _, _, lat, lon in found[i:j]:
                if (lat, lon) not in exact:
                    exact[lat, lon] = distance_m(q.lat, q.lon, lat, lon)
            if len(exact) == 1:
                found[i:j] = sorted(found[i:j], key=lambda f: f[1])
            else:
                found[i:j] = sorted(
                    (exact[lat, lon], pid, lat, lon) for _, pid, lat, lon in found[i:j]
                )
        i = j
