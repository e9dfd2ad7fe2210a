"""Policy simulation of the dispatch ladder: does the configured ladder get help there in time?

    python bench/ladder.py --json            # table, then one JSON line (the last line)
    python bench/ladder.py --p-respond 0.2   # a pessimistic response rate

It measures the real policy: the waves come from ``domain.matching.ladder.ladder_for``
(with the settings' defaults: DISPATCH_RADIUS_KM 20, VOLUNTEERS_PER_ALERT 5 and
``RECOMMENDED_WAVE_TIMEOUT_S``) and eligibility by equipment from
``domain.incidents.equipment_fits``. Everything else is a model, stated here:

Volunteers (national scale 1,000,000, ``--volunteers``)
    Homes, skills and equipment as in ``bot/devtools/simulate/population.py`` (shared with
    bench/matching.py): around the cities of ``domain/data/saudi_cities.csv`` by
    population, along the roads between them, scattered over the Kingdom, all on
    land; 1-3 skills weighted towards first aid; equipment that usually fits the
    skills. A fifth are on duty (``--on-duty``), all day: only they are generated,
    the rest could never be alerted. Who may be alerted for a type is decided by
    ``equipment_fits`` (evaluated once per type and equipment mask).
Response
    Each alerted volunteer accepts with probability ``--p-respond`` (default 0.3;
    studies find 17-47%); the rest stay silent. A responder answers after a delay
    drawn from a lognormal with median 40 s and sigma 0.75 (mean 53 s, 90th
    percentile 104 s), clipped to [5 s, 180 s] (about 2% sit at the 3-minute clip).
    An answer counts only if the request is still open and the volunteer is not
    busy with another request by then.
Busy and capped
    A volunteer who accepts is busy for a lognormal time, median 40 min, sigma 0.5,
    clipped to [10 min, 3 h]; busy volunteers are not alerted. A volunteer who has
    received ``--cap`` alerts (default 6) in the last 60 minutes is skipped.
Requests (``--requests`` a day, default 2000, uniform over 24 h)
    80% urban (a city chosen in proportion to population, placed like its
    volunteers), 12% on the roads between cities, 8% in the desert 15-120 km from a
    city. Incident mix: urban first aid 30, fire 18, breakdown 17, rescue 12,
    entrapment 12, flood 6, lost in the desert 5; road: breakdown 55, first aid 25,
    rescue 12, fire 5, flood 3; desert: lost in the desert 80, breakdown 20.
Dispatch (as ``bot.services.dispatch``)
    Wave k alerts the nearest ``count`` eligible volunteers within ``radius_m`` who
    were not alerted before for this request (by great-circle distance); a wave
    that finds nobody new is skipped at once; earlier alerts stay open. When no
    remaining wave finds anyone new, the open alerts get the ladder's final wait
    (the last wave's timeout) as if the last wave had been sent; when it passes with
    no acceptance, the request is escalated and its open alerts expire. A request
    nobody could be alerted for is escalated at once.

Metrics: time to accept is measured from the request; the medians count an
escalated request as never accepted (so a median is null when half escalate).
``alerts_per_volunteer_per_day`` is per on-duty volunteer.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, the repository root must come first: the editable install alone
# makes ``bot`` a namespace package, and the bundled city list would not load.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.devtools.simulate.population import (
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON_EQ,
    Places,
    equipment,
    offset,
    skills,
)
from domain.incidents import Equipment, IncidentType, equipment_fits, ladder_for
from domain.matching.geo import haversine_m
from domain.matching.ladder import RECOMMENDED_WAVE_TIMEOUT_S, Wave

ZONES = ("urban", "road", "desert")
DELAY_MEDIAN_S = 40.0
DELAY_SIGMA = 0.75
DELAY_MIN_S, DELAY_MAX_S = 5.0, 180.0
BUSY_MEDIAN_S = 40 * 60.0
BUSY_SIGMA = 0.5
BUSY_MIN_S, BUSY_MAX_S = 10 * 60.0, 3 * 3600.0
DAY_S = 86_400.0
HOUR_S = 3600.0
CELL_DEG = 0.02  # spatial bucket: about 2.2 km x 2 km

FI = IncidentType
INCIDENT_MIX: dict[str, dict[IncidentType, float]] = {
    "urban": {
        FI.FIRST_AID: 30,
        FI.FIRE: 18,
        FI.BREAKDOWN: 17,
        FI.RESCUE: 12,
        FI.ENTRAPMENT: 12,
        FI.FLOOD: 6,
        FI.LOST_DESERT: 5,
    },
    "road": {FI.BREAKDOWN: 55, FI.FIRST_AID: 25, FI.RESCUE: 12, FI.FIRE: 5, FI.FLOOD: 3},
    "desert": {FI.LOST_DESERT: 80, FI.BREAKDOWN: 20},
}
ZONE_SHARE = {"urban": 0.80, "road": 0.12, "desert": 0.08}


@dataclass
class SimConfig:
    volunteers: int = 1_000_000
    on_duty: float = 0.2
    requests: int = 2000
    p_respond: float = 0.3
    cap_per_hour: int = 6
    radius_km: float = 20.0
    first_wave: int = 5
    timeout_s: float = RECOMMENDED_WAVE_TIMEOUT_S
    seed: int = 1


@dataclass
class Request:
    rid: int
    t: float
    lat: float
    lon: float
    incident: IncidentType
    zone: str
    accepted_at: float | None = None
    escalated: bool = False
    alerts: int = 0
    waves_used: int = 0


@dataclass
class Population:
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    # per incident type: cell -> ids of the volunteers with that skill and fitting equipment
    index: dict[IncidentType, dict[tuple[int, int], list[int]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lat)


# --- drawing the world ----------------------------------------------------------------------


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG))


def build_population(cfg: SimConfig, rng: random.Random) -> Population:
    """The on-duty volunteers of the shared model (``bot/devtools/simulate/population.py``), indexed by cell."""
    places = Places(rng)
    # The project's rule, asked once per (type, equipment mask): all masks are < 2**6.
    masks = 1 << len(Equipment)
    fits = {t: [equipment_fits(t, m) for m in range(masks)] for t in IncidentType}
    pop = Population(index={t: {} for t in IncidentType})
    n_on_duty = sum(1 for _ in range(cfg.volunteers) if rng.random() < cfg.on_duty)
    for vid in range(n_on_duty):
        lat, lon, home = places.home()
        chosen = skills(rng)
        eq = equipment(rng, chosen, rural=home != "city")
        pop.lat.append(lat)
        pop.lon.append(lon)
        cell = _cell(lat, lon)
        for s in chosen:
            if fits[s][eq]:
                pop.index[s].setdefault(cell, []).append(vid)
    return pop


def draw_requests(cfg: SimConfig, rng: random.Random) -> list[Request]:
    places = Places(rng)
    times = sorted(rng.uniform(0, DAY_S) for _ in range(cfg.requests))
    out: list[Request] = []
    for rid, t in enumerate(times):
        zone = _pick(rng, ZONE_SHARE)
        if zone == "urban":
            lat, lon = places.around(places.city())
        elif zone == "road":
            lat, lon = places.on_road(0.5)
        else:
            c = places.city()
            d, ang = rng.uniform(15, 120), rng.uniform(0, 2 * math.pi)
            lat, lon = offset(c.lat, c.lon, d * math.cos(ang), d * math.sin(ang))
        out.append(Request(rid, t, lat, lon, _pick(rng, INCIDENT_MIX[zone]), zone))
    return out


# --- nearest search -------------------------------------------------------------------------


def nearest(
    cells: dict[tuple[int, int], list[int]],
    pop: Population,
    lat: float,
    lon: float,
    radius_m: float,
    k: int,
    usable: Any,
) -> list[tuple[float, int]]:
    """The ``k`` nearest ids within ``radius_m`` for which ``usable(id)`` holds, nearest first.

    Rings of grid cells outward from the request; stops once the k-th best is
    nearer than anything an unvisited ring could hold, or the rings pass the radius.
    """
    ci, cj = _cell(lat, lon)
    reach_deg = radius_m / 1000.0 / KM_PER_DEG_LAT
    coslat = math.cos(math.radians(min(89.0, abs(lat) + reach_deg)))
    cell_m = CELL_DEG * 1000.0 * min(KM_PER_DEG_LAT, KM_PER_DEG_LON_EQ * coslat)
    max_ring = math.ceil(radius_m / cell_m) + 1
    best: list[tuple[float, int]] = []  # max-heap by negated distance, size <= k
    plat, plon = pop.lat, pop.lon
    for ring in range(max_ring + 1):
        if ring == 0:
            ring_cells: list[tuple[int, int]] = [(ci, cj)]
        else:
            ring_cells = [(ci - ring, cj + d) for d in range(-ring, ring + 1)]
            ring_cells += [(ci + ring, cj + d) for d in range(-ring, ring + 1)]
            ring_cells += [(ci + d, cj - ring) for d in range(-ring + 1, ring)]
            ring_cells += [(ci + d, cj + ring) for d in range(-ring + 1, ring)]
        for cell in ring_cells:
            ids = cells.get(cell)
            if not ids:
                continue
            for vid in ids:
                d = haversine_m(lat, lon, plat[vid], plon[vid])
                if d > radius_m or (len(best) == k and d >= -best[0][0]):
                    continue
                if not usable(vid):
                    continue
                if len(best) < k:
                    heapq.heappush(best, (-d, vid))
                else:
                    heapq.heapreplace(best, (-d, vid))
        # Anything not yet visited is at least ring * cell_m away.
        bound = ring * cell_m
        if bound > radius_m or (len(best) == k and -best[0][0] <= bound):
            break
    return sorted((-nd, vid) for nd, vid in best)


# --- the simulation -------------------------------------------------------------------------


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma))))


def _median(values: list[float]) -> float | None:
    """Median where ``math.inf`` stands for 'never'; None when the median itself is never."""
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    m = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return None if math.isinf(m) else round(m, 1)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    v = s[min(len(s) - 1, int(q * len(s)))]
    return None if math.isinf(v) else round(v, 1)


def run(cfg: SimConfig) -> dict[str, Any]:
    """Simulate one day; return the metrics (the JSON object) plus a per-zone table."""
    rng = random.Random(cfg.seed)
    started = time.perf_counter()
    pop = build_population(cfg, rng)
    reqs = draw_requests(cfg, rng)
    ladders: dict[IncidentType, tuple[Wave, ...]] = {
        t: ladder_for(
            t, radius_km=cfg.radius_km, first_wave=cfg.first_wave, timeout_s=cfg.timeout_s
        )
        for t in IncidentType
    }
    n = len(pop)
    busy_until = [0.0] * n
    recent: dict[int, deque[float]] = {}  # alert times within the last hour, per volunteer
    alerts_total: dict[int, int] = {}
    max_in_hour = 0
    capped_skips = 0
    busy_skips = 0

    # Events: (time, seq, kind, request id, volunteer id or wave index)
    events: list[tuple[float, int, str, int, int]] = []
    seq = 0

    def push(t: float, kind: str, rid: int, arg: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, rid, arg))

    for r in reqs:
        push(r.t, "wave", r.rid, 0)
    alerted: dict[int, set[int]] = {}

    for t, _, kind, rid, arg in _drain(events):
        r = reqs[rid]
        if r.accepted_at is not None or r.escalated:
            continue
        if kind == "answer":
            if busy_until[arg] <= t:
                r.accepted_at = t
                busy_until[arg] = t + _lognormal(
                    rng, BUSY_MEDIAN_S, BUSY_SIGMA, BUSY_MIN_S, BUSY_MAX_S
                )
            continue
        # kind == "wave": alert the next wave that finds anyone new; else final wait or escalate.
        waves = ladders[r.incident]
        seen = alerted.setdefault(rid, set())
        wave_index = arg

        def usable(vid: int, seen: set[int] = seen, now: float = t) -> bool:
            nonlocal capped_skips, busy_skips
            if vid in seen:
                return False
            if busy_until[vid] > now:
                busy_skips += 1
                return False
            q = recent.get(vid)
            if q:
                while q and q[0] <= now - HOUR_S:
                    q.popleft()
                if len(q) >= cfg.cap_per_hour:
                    capped_skips += 1
                    return False
            return True

        while wave_index < len(waves):
            wave = waves[wave_index]
            wave_index += 1
            found = nearest(
                pop.index[r.incident], pop, r.lat, r.lon, wave.radius_m, wave.count, usable
            )
            if not found:
                continue
            r.waves_used = wave_index
            for _, vid in found:
                seen.add(vid)
                q = recent.setdefault(vid, deque())
                q.append(t)
                max_in_hour = max(max_in_hour, len(q))
                alerts_total[vid] = alerts_total.get(vid, 0) + 1
                r.alerts += 1
                if rng.random() < cfg.p_respond:
                    delay = _lognormal(rng, DELAY_MEDIAN_S, DELAY_SIGMA, DELAY_MIN_S, DELAY_MAX_S)
                    push(t + delay, "answer", rid, vid)
            push(t + wave.timeout_s, "wave", rid, wave_index)
            break
        else:
            if r.alerts and arg < len(waves):
                # Nobody new to alert, but earlier alerts are open: the ladder's final wait.
                push(t + waves[-1].timeout_s, "wave", rid, len(waves))
            else:
                r.escalated = True

    return _summarise(cfg, pop, reqs, alerts_total, max_in_hour, capped_skips, busy_skips, started)


def _drain(events: list[tuple[float, int, str, int, int]]) -> Any:
    while events:
        yield heapq.heappop(events)


def _zone_stats(reqs: Sequence[Request]) -> dict[str, Any]:
    if not reqs:
        return {"requests": 0}
    waits = [math.inf if r.accepted_at is None else r.accepted_at - r.t for r in reqs]
    n = len(reqs)
    return {
        "requests": n,
        "accepted_within_120s": round(sum(w <= 120 for w in waits) / n, 4),
        "median_time_to_accept_s": _median(waits),
        "p90_time_to_accept_s": _pct(waits, 0.9),
        "escalated": round(sum(r.escalated for r in reqs) / n, 4),
        "alerts_per_request": round(sum(r.alerts for r in reqs) / n, 2),
        "mean_waves": round(sum(r.waves_used for r in reqs) / n, 2),
    }


def _summarise(
    cfg: SimConfig,
    pop: Population,
    reqs: list[Request],
    alerts_total: dict[int, int],
    max_in_hour: int,
    capped_skips: int,
    busy_skips: int,
    started: float,
) -> dict[str, Any]:
    overall = _zone_stats(reqs)
    by_zone = {z: _zone_stats([r for r in reqs if r.zone == z]) for z in ZONES}
    by_type = {t.value: _zone_stats([r for r in reqs if r.incident is t]) for t in IncidentType}
    on_duty = max(1, len(pop))
    total_alerts = sum(alerts_total.values())
    ladder = {
        t.value: [
            (round(w.radius_m / 1000, 1), w.count, w.timeout_s)
            for w in ladder_for(
                t, radius_km=cfg.radius_km, first_wave=cfg.first_wave, timeout_s=cfg.timeout_s
            )
        ]
        for t in IncidentType
    }
    return {
        "accepted_within_120s": overall["accepted_within_120s"],
        "median_time_to_accept_s": overall["median_time_to_accept_s"],
        "escalated": overall["escalated"],
        "alerts_per_volunteer_per_day": round(total_alerts / on_duty, 4),
        "requests": len(reqs),
        "urban_accepted_within_120s": by_zone["urban"]["accepted_within_120s"],
        "urban_median_time_to_accept_s": by_zone["urban"]["median_time_to_accept_s"],
        "max_alerts_per_volunteer_per_hour": max_in_hour,
        "max_alerts_per_volunteer_per_day": max(alerts_total.values(), default=0),
        "alerts_per_request": overall["alerts_per_request"],
        "cap_per_hour": cfg.cap_per_hour,
        "capped_skips": capped_skips,
        "busy_skips": busy_skips,
        "on_duty_volunteers": len(pop),
        "volunteers": cfg.volunteers,
        "p_respond": cfg.p_respond,
        "wave_timeout_s": cfg.timeout_s,
        "seed": cfg.seed,
        "response_delay": (
            f"lognormal median {DELAY_MEDIAN_S:g}s sigma {DELAY_SIGMA:g}, "
            f"clipped [{DELAY_MIN_S:g}s, {DELAY_MAX_S:g}s]"
        ),
        "seconds": round(time.perf_counter() - started, 2),
        "overall": overall,
        "by_zone": by_zone,
        "by_type": by_type,
        "ladder": ladder,
    }


# --- output ---------------------------------------------------------------------------------


def _fmt(column: str, v: Any) -> str:
    if v is None:
        return "never"
    if column in ("accepted_within_120s", "escalated"):
        return f"{100 * v:.1f}%"
    if isinstance(v, float):
        return f"{v:.1f}" if column.endswith("_s") else f"{v:.2f}"
    return str(v)


def table(result: dict[str, Any]) -> str:
    cols = (
        "requests",
        "accepted_within_120s",
        "median_time_to_accept_s",
        "p90_time_to_accept_s",
        "escalated",
        "alerts_per_request",
        "mean_waves",
    )
    heads = ("requests", "<=120s", "median s", "p90 s", "escalated", "alerts/req", "waves")
    lines = [
        f"ladder simulation: {result['volunteers']:,} volunteers "
        f"({result['on_duty_volunteers']:,} on duty), p_respond {result['p_respond']}, "
        f"wave timeout {result['wave_timeout_s']:g}s, seed {result['seed']}",
        f"response delay: {result['response_delay']}",
        "",
        f"{'':12}" + "".join(f"{h:>12}" for h in heads),
    ]
    rows = [*result["by_zone"].items(), ("all", result["overall"])]
    rows += [(k, v) for k, v in result["by_type"].items()]
    for i, (name, st) in enumerate(rows):
        if i == len(ZONES) + 1:
            lines.append("")
        lines.append(f"{name:12}" + "".join(f"{_fmt(c, st.get(c)):>12}" for c in cols))
    lines += [
        "",
        f"alerts per on-duty volunteer per day: {result['alerts_per_volunteer_per_day']}; "
        f"max per volunteer: {result['max_alerts_per_volunteer_per_day']}/day, "
        f"{result['max_alerts_per_volunteer_per_hour']}/hour (cap {result['cap_per_hour']}); "
        f"candidates skipped: at cap {result['capped_skips']}, busy {result['busy_skips']}",
        "ladder (km, count, timeout s): "
        + "; ".join(
            f"{t} {w}" for t, w in result["ladder"].items() if t in ("fire", "lost_desert")
        ),
        f"ran in {result['seconds']} s",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    d = SimConfig()
    ap.add_argument("--requests", type=int, default=d.requests)
    ap.add_argument("--volunteers", type=int, default=d.volunteers)
    ap.add_argument("--on-duty", type=float, default=d.on_duty)
    ap.add_argument("--p-respond", type=float, default=d.p_respond)
    ap.add_argument("--cap", type=int, default=d.cap_per_hour, help="alerts per volunteer per hour")
    ap.add_argument("--radius-km", type=float, default=d.radius_km)
    ap.add_argument("--first-wave", type=int, default=d.first_wave)
    ap.add_argument("--wave-timeout", type=float, default=d.timeout_s)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--json", action="store_true", help="end with one JSON line (always printed)")
    ap.add_argument("--full-json", action="store_true", help="include per-zone/type detail")
    a = ap.parse_args(argv)
    cfg = SimConfig(
        volunteers=a.volunteers,
        on_duty=a.on_duty,
        requests=a.requests,
        p_respond=a.p_respond,
        cap_per_hour=a.cap,
        radius_km=a.radius_km,
        first_wave=a.first_wave,
        timeout_s=a.wave_timeout,
        seed=a.seed,
    )
    result = run(cfg)
    print(table(result))
    keep = (
        result
        if a.full_json
        else {
            k: v for k, v in result.items() if k not in ("overall", "by_zone", "by_type", "ladder")
        }
    )
    print(json.dumps(keep, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
