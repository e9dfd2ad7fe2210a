"""The approach's pure rules (domain/approach.py): which fixes to believe, how soon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.approach import closing_kmh, eta_minutes, plausible
from domain.incidents import IncidentType, rule_for

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KM = 0.009  # about a kilometre of latitude


def test_a_first_fix_is_always_believed() -> None:
    assert plausible(None, 24.7, 46.7, T0)


@pytest.mark.parametrize(
    "km, seconds, believed",
    [
        (0.5, 1, True),  # GPS noise, however fast it looks
        (2.0, 60, True),  # 120 km/h on a highway
        (100.0, 60, False),  # the 100 km jump
        (100.0, 3600, True),  # 100 km in an hour: a fast drive, not a glitch
        (5.0, 10, False),  # 1,800 km/h
    ],
)
def test_a_jump_is_ignored(km: float, seconds: int, believed: bool) -> None:
    last = (24.7, 46.7, T0)
    assert plausible(last, 24.7 + km * KM, 46.7, T0 + timedelta(seconds=seconds)) is believed


def test_the_closing_speed_from_two_fixes() -> None:
    assert closing_kmh(None, None, 1000, T0) is None
    kmh = closing_kmh(3000, T0, 2000, T0 + timedelta(minutes=1))  # 1 km in a minute
    assert kmh is not None and round(kmh) == 60
    assert closing_kmh(2000, T0, 2010, T0 + timedelta(minutes=1)) is None  # going away
    assert closing_kmh(2000, T0, 1999, T0 + timedelta(minutes=1)) is None  # standing still


def test_the_arrival_estimate() -> None:
    # With no fixes, the incident type's assumed speed; with a closing speed, that speed.
    fire = rule_for(IncidentType.FIRE).approach_kmh
    assert eta_minutes(IncidentType.FIRE, fire * 1000) == 60
    assert eta_minutes(IncidentType.FIRE, 10_000, closing=60.0) == 10
    assert eta_minutes(IncidentType.FIRE, 5) == 1  # never "0 minutes"
    assert eta_minutes(IncidentType.LOST_DESERT, 10_000) > eta_minutes(IncidentType.FIRE, 10_000)


def test_every_type_assumes_a_speed() -> None:
    for incident in IncidentType:
        assert 5 <= rule_for(incident).approach_kmh <= 120, incident
