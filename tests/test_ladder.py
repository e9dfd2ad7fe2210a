"""The dispatch ladder's shape, and a small smoke run of its policy simulation (bench/ladder.py)."""

from __future__ import annotations

import itertools
import math

import pytest

from bench.ladder import SimConfig, nearest, run
from domain.incidents import RULES, IncidentType, ladder_for
from domain.matching.ladder import RECOMMENDED_WAVE_TIMEOUT_S, Wave

RADIUS_KM, FIRST_WAVE, TIMEOUT_S = 20.0, 5, RECOMMENDED_WAVE_TIMEOUT_S


def default_ladder(incident: IncidentType | str) -> tuple[Wave, ...]:
    return ladder_for(incident, radius_km=RADIUS_KM, first_wave=FIRST_WAVE, timeout_s=TIMEOUT_S)


@pytest.mark.parametrize("incident", list(IncidentType))
def test_every_type_has_a_ladder_that_widens(incident: IncidentType) -> None:
    waves = default_ladder(incident)
    assert len(waves) >= 2
    assert [w.number for w in waves] == list(range(1, len(waves) + 1))
    for a, b in itertools.pairwise(waves):
        assert b.radius_m > a.radius_m, "radii strictly widen"
        assert b.count >= a.count, "counts never shrink"
    assert all(w.timeout_s > 0 for w in waves)
    assert all(w.count >= 1 for w in waves)
    assert waves[0].count == FIRST_WAVE


def test_accepts_a_plain_string_and_scales_with_settings() -> None:
    base = default_ladder("fire")
    double = ladder_for("fire", radius_km=40.0, first_wave=5, timeout_s=2 * TIMEOUT_S)
    assert base == default_ladder(IncidentType.FIRE)
    for a, b in zip(base, double, strict=True):
        assert b.radius_m == pytest.approx(2 * a.radius_m)
        assert b.timeout_s == pytest.approx(2 * a.timeout_s)
        assert b.count == a.count


def test_desert_starts_wider_and_reaches_further_than_town() -> None:
    desert = default_ladder(IncidentType.LOST_DESERT)
    for town in (IncidentType.FIRE, IncidentType.FIRST_AID, IncidentType.ENTRAPMENT):
        urban = default_ladder(town)
        assert desert[0].radius_m > urban[0].radius_m
        assert desert[-1].radius_m > urban[-1].radius_m


def test_a_tiny_first_wave_still_alerts_someone() -> None:
    waves = ladder_for(IncidentType.FIRE, radius_km=1.0, first_wave=1, timeout_s=1.0)
    assert all(isinstance(w, Wave) and w.count >= 1 for w in waves)


def test_a_whole_ladder_is_bounded() -> None:
    for incident in RULES:
        waves = default_ladder(incident)
        assert sum(w.count for w in waves) <= 100
        assert sum(w.timeout_s for w in waves) <= 600


def test_nearest_returns_the_k_nearest_usable_within_radius() -> None:
    from bench.ladder import Population, _cell

    pop = Population(index={t: {} for t in IncidentType})
    cells = pop.index[IncidentType.FIRE]
    points = [(24.70 + i * 0.005, 46.70) for i in range(40)]  # every ~555 m northwards
    for vid, (lat, lon) in enumerate(points):
        pop.lat.append(lat)
        pop.lon.append(lon)
        cells.setdefault(_cell(lat, lon), []).append(vid)
    found = nearest(cells, pop, 24.70, 46.70, 5_000.0, 3, lambda vid: vid != 1)
    assert [vid for _, vid in found] == [0, 2, 3]
    assert [d for d, _ in found] == sorted(d for d, _ in found)
    assert [vid for _, vid in nearest(cells, pop, 24.70, 46.70, 1_200.0, 10, lambda vid: True)] == [
        0,
        1,
        2,
    ]
    assert nearest(cells, pop, 20.0, 40.0, 50_000.0, 3, lambda vid: True) == []


def test_simulation_smoke_run_has_the_promised_structure() -> None:
    cfg = SimConfig(volunteers=30_000, requests=60, seed=7)
    result = run(cfg)
    for key in (
        "accepted_within_120s",
        "median_time_to_accept_s",
        "escalated",
        "alerts_per_volunteer_per_day",
        "requests",
        "urban_accepted_within_120s",
        "max_alerts_per_volunteer_per_hour",
    ):
        assert key in result
    assert result["requests"] == 60
    assert 0.0 <= result["accepted_within_120s"] <= 1.0
    assert 0.0 <= result["escalated"] <= 1.0
    assert result["median_time_to_accept_s"] is None or result["median_time_to_accept_s"] >= 0
    assert math.isfinite(result["alerts_per_volunteer_per_day"])
    assert result["max_alerts_per_volunteer_per_hour"] <= cfg.cap_per_hour
    assert set(result["by_zone"]) == {"urban", "road", "desert"}
    assert sum(z["requests"] for z in result["by_zone"].values()) == 60
    # Deterministic for a seed.
    again = run(cfg)
    assert {k: v for k, v in again.items() if k != "seconds"} == {
        k: v for k, v in result.items() if k != "seconds"
    }


def test_simulation_skips_volunteers_at_their_hourly_cap() -> None:
    # Few volunteers, many requests: the cap binds, and is never exceeded.
    cfg = SimConfig(volunteers=3_000, requests=400, seed=3, cap_per_hour=2)
    result = run(cfg)
    assert result["capped_skips"] > 0
    assert result["max_alerts_per_volunteer_per_hour"] <= 2
