"""How a dispatch widens: waves of (radius, how many, how long to wait), per incident type.

A kitchen fire starts narrow because the nearest help is minutes away; a person
lost in the desert starts wide because the nearest 4x4 may be 50 km off. The
shapes are declared here and chosen per type in ``domain.incidents``; the absolute radius, the first wave's size and the base
timeout come from settings (DISPATCH_RADIUS_KM, VOLUNTEERS_PER_ALERT,
WAVE_TIMEOUT_S). ``bench/ladder.py`` simulates these shapes over the Kingdom's
cities; the numbers below are the ones it was tuned with (>= 95% of town requests
accepted within 2 minutes, median <= 60 s, for response rates from 17% to 47%).

A wave's timeout is how long to wait before widening, not how long a volunteer may
answer: earlier alerts stay open until the request is accepted or escalated, so a
short timeout costs alerts, never an answer. The last wave waits longer because it
is the last chance before the command centre is told and the open alerts expire.
"""

from __future__ import annotations

from dataclasses import dataclass

# What ``bench/ladder.py`` recommends for WAVE_TIMEOUT_S with the shapes below.
RECOMMENDED_WAVE_TIMEOUT_S = 40.0


@dataclass(frozen=True)
class Wave:
    number: int  # 1-based
    radius_m: float
    count: int
    timeout_s: float


@dataclass(frozen=True)
class LadderShape:
    """Each step: (fraction of the outer radius, multiple of the first wave's size,
    multiple of the base timeout). Radii strictly widen and counts never shrink."""

    steps: tuple[tuple[float, float, float], ...]
    radius_factor: float = 1.0  # outer radius = DISPATCH_RADIUS_KM * radius_factor


# Town: the nearest few first, then twice as many a little further out, up to the
# dispatch radius; the last wave waits twice as long before the command centre is told.
URBAN = LadderShape(steps=((0.25, 1.0, 1.0), (0.5, 2.0, 1.0), (0.75, 3.0, 1.0), (1.0, 4.0, 2.0)))
# Breakdowns happen mostly on the roads between towns: same start, twice the reach.
ROAD = LadderShape(
    steps=((0.125, 1.0, 1.0), (0.25, 2.0, 1.0), (0.5, 3.0, 1.0), (1.0, 4.0, 2.0)), radius_factor=2.0
)
# Lost in the desert: the nearest 4x4 may be 50 km off, so start at 20 km.
WIDE = LadderShape(
    steps=((0.2, 1.0, 1.0), (0.4, 2.0, 1.0), (0.7, 3.0, 1.0), (1.0, 4.0, 2.0)), radius_factor=5.0
)


def waves_of(
    shape: LadderShape, *, radius_km: float, first_wave: int, timeout_s: float
) -> tuple[Wave, ...]:
    """The waves of one shape, scaled by the settings."""
    outer_m = radius_km * 1000.0 * shape.radius_factor
    return tuple(
        Wave(i, outer_m * frac, max(1, round(first_wave * mult)), timeout_s * tmult)
        for i, (frac, mult, tmult) in enumerate(shape.steps, start=1)
    )


def wider_first(waves: tuple[Wave, ...], factor: float) -> tuple[Wave, ...]:
    """The ladder in a major-incident area: its first wave alerts ``factor`` times as many
    volunteers, as far out as the second wave reached (which it replaces), so many people
    hear of it at once; radii still strictly widen and counts never shrink."""
    if not waves or factor <= 1.0:
        return waves
    reach = waves[1] if len(waves) > 1 else waves[0]
    first = Wave(1, reach.radius_m, max(1, round(waves[0].count * factor)), reach.timeout_s)
    rest = waves[2:] if len(waves) > 1 else ()
    return (
        first,
        *(
            Wave(i, w.radius_m, max(w.count, first.count), w.timeout_s)
            for i, w in enumerate(rest, start=2)
        ),
    )
