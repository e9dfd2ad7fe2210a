"""Pure matching rules: eligibility, distance, the box a search covers, and ``nearest``'s order."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from geopy.distance import geodesic

from domain.enums import VolunteerStatus
from domain.incidents import Equipment, IncidentType
from domain.matching.eligibility import (
    TIE_M,
    Match,
    MatchQuery,
    VolunteerRow,
    eligible_without_distance,
    geodesic_m,
    in_quiet_hours,
    local_minute,
    nearest,
    rank,
)
from domain.matching.geo import distance_m
from domain.matching.grid import box_around, cell_of, cell_ranges

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 12:00 in Riyadh
HERE = (24.7136, 46.6753)
ALL_KIT = int(Equipment.FOUR_BY_FOUR | Equipment.EXTINGUISHER | Equipment.FIRST_AID_KIT)


def query(**kw: object) -> MatchQuery:
    base: dict[str, Any] = {
        "lat": HERE[0],
        "lon": HERE[1],
        "incident": IncidentType.FIRE,
        "radius_m": 20_000.0,
        "k": 3,
        "now": NOW,
    }
    base.update(kw)
    return MatchQuery(**base)


def row(pid: int = 1, **kw: Any) -> VolunteerRow:
    base: dict[str, Any] = {
        "person_id": pid,
        "lat": HERE[0] + 0.001,
        "lon": HERE[1],
        "skills": IncidentType.FIRE.bit,
        "equipment": ALL_KIT,
        "position_at": NOW - timedelta(minutes=5),
    }
    base.update(kw)
    return VolunteerRow(**base)


# --- eligibility rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "alerts"),
    [
        ({"status": VolunteerStatus.PENDING}, 0),
        ({"on_duty": False}, 0),
        ({"busy_request_id": 7}, 0),
        ({"skills": IncidentType.FLOOD.bit}, 0),
        ({"equipment": int(Equipment.BOAT)}, 0),  # a fire needs an extinguisher
        ({"position_at": NOW - timedelta(hours=3)}, 0),
        ({"position_at": None}, 0),
        ({"quiet_start_min": 11 * 60, "quiet_end_min": 13 * 60}, 0),
        ({"max_alerts_per_hour": 2}, 2),
    ],
)
def test_each_rule_excludes(change: dict[str, Any], alerts: int) -> None:
    assert eligible_without_distance(row(), query(), 0)
    assert not eligible_without_distance(row(**change), query(), alerts)


def test_exclusion_set_excludes() -> None:
    assert not eligible_without_distance(row(5), query(exclude=frozenset({5})), 0)


def test_quiet_hours_wrap_midnight_in_local_time() -> None:
    night = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    assert local_minute(night) == 23 * 60 + 30
    assert in_quiet_hours(22 * 60, 6 * 60, night)
    assert not in_quiet_hours(22 * 60, 6 * 60, NOW)
    assert not in_quiet_hours(6 * 60, 6 * 60, night)  # an empty window
    assert not in_quiet_hours(None, 6 * 60, night)


# --- distance --------------------------------------------------------------------------------


def test_geodesic_m_agrees_with_geopy() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        lat, lon = rng.uniform(-60, 60), rng.uniform(-170, 170)
        span = rng.choice((1e-6, 1e-4, 0.01, 0.2, 1.0, 5.0))
        lat2, lon2 = lat + rng.uniform(-span, span), lon + rng.uniform(-span, span)
        assert abs(geodesic_m(lat, lon, lat2, lon2) - distance_m(lat, lon, lat2, lon2)) < TIE_M / 10
    assert geodesic_m(*HERE, *HERE) == 0.0
    # nearly antipodal: falls back to geopy
    assert geodesic_m(0.0, 0.0, 0.5, 179.7) == pytest.approx(distance_m(0.0, 0.0, 0.5, 179.7))


@pytest.mark.parametrize("radius_m", [50.0, 1_500.0, 20_000.0, 100_000.0])
@pytest.mark.parametrize("centre", [HERE, (16.9, 42.55), (31.3, 37.3), (-33.9, 151.2)])
def test_box_holds_every_point_within_the_radius(
    centre: tuple[float, float], radius_m: float
) -> None:
    box = box_around(*centre, radius_m)
    ranges = cell_ranges(*centre, radius_m)
    for bearing in range(0, 360, 5):
        p = geodesic(meters=radius_m).destination(centre, bearing)
        assert box.south <= p.latitude <= box.north
        assert box.west <= p.longitude <= box.east
        cell = cell_of(p.latitude, p.longitude)
        assert any(lo <= cell <= hi for lo, hi in ranges)


# --- nearest ---------------------------------------------------------------------------------


def _cands(rows: list[VolunteerRow]) -> list[tuple[int, float, float, float | None]]:
    return [(r.person_id, r.lat, r.lon, r.radius_km) for r in rows]


def test_nearest_matches_the_reference_ranking() -> None:
    rng = random.Random(9)
    rows = [
        row(
            i,
            lat=HERE[0] + rng.gauss(0, 0.05),
            lon=HERE[1] + rng.gauss(0, 0.05),
            radius_km=rng.choice((None, None, 2.0, 5.0)),
        )
        for i in range(1, 400)
    ]
    for k in (1, 3, 10, 50):
        for radius_m in (500.0, 3_000.0, 20_000.0):
            excl = frozenset(rng.sample(range(1, 400), 20))
            q = query(k=k, radius_m=radius_m, exclude=excl)
            got, final = nearest(q, _cands(rows), radius_m)
            assert final
            want = rank(rows, q, {})
            assert [m.person_id for m in got] == [m.person_id for m in want]
            for a, b in zip(got, want, strict=True):
                assert a.distance_m == pytest.approx(b.distance_m, abs=1e-5)


def test_nearest_orders_by_distance_then_person_id() -> None:
    same = (HERE[0] + 0.01, HERE[1])
    rows = [
        row(30, lat=same[0], lon=same[1]),
        row(10, lat=same[0], lon=same[1]),
        row(20, lat=same[0], lon=same[1]),
        row(40, lat=HERE[0] + 0.002, lon=HERE[1]),
    ]
    got, _ = nearest(query(k=4), _cands(rows), 20_000.0)
    assert [m.person_id for m in got] == [40, 10, 20, 30]
    assert got[1].distance_m == got[2].distance_m == got[3].distance_m


def test_near_ties_are_ordered_by_geopy() -> None:
    # Two volunteers a few micrometres apart in distance: geopy decides, not Vincenty.
    base = (HERE[0] + 0.01, HERE[1] + 0.01)
    rows = [row(1, lat=base[0], lon=base[1]), row(2, lat=base[0] + 1e-11, lon=base[1])]
    got, _ = nearest(query(k=2), _cands(rows), 20_000.0)
    want = sorted((distance_m(*HERE, r.lat, r.lon), r.person_id) for r in rows)
    assert [m.person_id for m in got] == [pid for _, pid in want]
    assert [m.distance_m for m in got] == [d for d, _ in want]


def test_nearest_is_not_final_until_k_lie_inside_the_searched_radius() -> None:
    rows = [row(1, lat=HERE[0] + 0.005, lon=HERE[1]), row(2, lat=HERE[0] + 0.02, lon=HERE[1])]
    q = query(k=2, radius_m=20_000.0)
    got, final = nearest(q, _cands(rows), 1_000.0)  # row 2 is 2.2 km off: outside the search
    assert [m.person_id for m in got] == [1] and not final
    got, final = nearest(q, _cands(rows), 3_000.0)
    assert [m.person_id for m in got] == [1, 2] and final
    # Searching the whole request radius is final, however few were found.
    got, final = nearest(replace(q, radius_m=1_000.0), _cands(rows), 1_000.0)
    assert [m.person_id for m in got] == [1] and final


def test_nearest_respects_the_volunteers_own_radius() -> None:
    rows = [
        row(1, lat=HERE[0] + 0.03, lon=HERE[1], radius_km=2.0),  # 3.3 km off, wants 2 km at most
        row(2, lat=HERE[0] + 0.04, lon=HERE[1]),
    ]
    got, _ = nearest(query(k=2), _cands(rows), 20_000.0)
    assert got == [Match(2, got[0].distance_m)]


def test_nearest_is_not_final_while_rows_left_out_could_be_nearer() -> None:
    rows = [row(1, lat=HERE[0] + 0.005, lon=HERE[1]), row(2, lat=HERE[0] + 0.006, lon=HERE[1])]
    q = query(k=2)
    got, final = nearest(q, _cands(rows), 20_000.0, unseen_m=600.0)  # row 2 is 660 m off
    assert [m.person_id for m in got] == [1, 2] and not final
    got, final = nearest(q, _cands(rows), 20_000.0, unseen_m=700.0)
    assert [m.person_id for m in got] == [1, 2] and final
    # Fewer than k, but rows were left out: not final even over the whole radius.
    got, final = nearest(query(k=3), _cands(rows), 20_000.0, unseen_m=700.0)
    assert len(got) == 2 and not final
