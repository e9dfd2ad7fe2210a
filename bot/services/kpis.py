"""The command centre's KPIs: one computation, shown by /stats and served as JSON.

``stats`` returns an ``OpsStats`` payload (rendered by /stats); ``figures`` returns the same
numbers as plain JSON-able data (the web dashboard serves it). Definitions, so that the
numbers can be checked by hand (tests/test_kpis.py does, on a seeded history):

- The cohort: requests created in the period (``today`` from local midnight in Asia/Riyadh,
  ``week`` the last 7 days, ``month`` the last 30), in one city when given (the nearest city).
- Times are from the request's creation to the first audit record of the step: the first wave
  (first alert), the first accept, the first arrival; median and 90th percentile by linear
  interpolation between the two nearest ranks, over the requests that reached the step.
- Acceptance rate: alerts accepted (a job later released counts: it was accepted) over alerts
  delivered (``failed`` ones never reached anybody).
- Escalated: requests that were ever escalated (or found nobody with no operations chat set).
- Hours credited: confirmed minutes of the cohort's requests.
- Readiness (now, not the period): verified, on-duty volunteers with a position fresher than
  POSITION_MAX_AGE_S, per skill and per city (the city nearest their grid cell), against that
  city's requests of that type created in the last 7 days.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.notices.ops import OpsStats, Readiness, Spread, TypeOutcome
from domain.enums import AuditKind, OfferStatus
from domain.incidents import IncidentType
from domain.matching.geo import area_of
from domain.matching.grid import CELL_DEG, COLS
from storage import kpis as q

LOCAL_TZ = ZoneInfo("Asia/Riyadh")
WEEK = timedelta(days=7)


class Period(StrEnum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"


def period_start(period: Period, now: datetime) -> datetime:
    if period == Period.TODAY:
        local = now.astimezone(LOCAL_TZ)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return now - (WEEK if period == Period.WEEK else timedelta(days=30))


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0-100), linear between the two nearest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    # To the millisecond: the audit's times are no finer, and a float's last digit is noise.
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 3)


def spread(seconds: list[float]) -> Spread:
    return Spread(len(seconds), percentile(seconds, 50), percentile(seconds, 90))


def cell_centre(cell: int) -> tuple[float, float]:
    """The centre of a grid cell (domain.matching.grid): where a volunteer is, to ~0.7 km."""
    row, col = divmod(cell, COLS)
    return (row + 0.5) * CELL_DEG - 90.0, (col + 0.5) * CELL_DEG - 180.0


_FIRST = {
    AuditKind.WAVE: "first_alert",
    AuditKind.ACCEPTED: "first_accept",
    AuditKind.ARRIVED: "arrival",
}
_ESCALATIONS = {AuditKind.ESCALATED, AuditKind.UNANSWERED}


async def stats(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    period: Period,
    city: str | None,
    now: datetime,
) -> OpsStats:
    since = period_start(period, now)
    window = q.Cohort(since, now, city)
    by_type = await q.requests_by_type(session, window)
    total = sum(n for _, _, n in by_type)
    kinds = [str(k) for k in (*_FIRST, *_ESCALATIONS)]
    times: dict[str, list[float]] = defaultdict(list)
    escalated: set[int] = set()
    for request_id, kind, created, first in await q.first_events(session, window, kinds=kinds):
        if kind in _ESCALATIONS:
            escalated.add(request_id)
        else:
            times[_FIRST[AuditKind(kind)]].append(max(0.0, (first - created).total_seconds()))
    offers = await q.offers_by_status(session, window)
    delivered = sum(offers.values()) - offers.get(OfferStatus.FAILED, 0)
    accepted = offers.get(OfferStatus.ACCEPTED, 0) + offers.get(OfferStatus.RELEASED, 0)
    return OpsStats(
        period=str(period),
        city=city or "",
        since=since,
        until=now,
        total=total,
        by_type=tuple(TypeOutcome(i, s, n) for i, s, n in sorted(by_type)),
        first_alert=spread(times["first_alert"]),
        first_accept=spread(times["first_accept"]),
        arrival=spread(times["arrival"]),
        alerts=delivered,
        alerts_accepted=accepted,
        acceptance_rate=accepted / delivered if delivered else None,
        escalated=len(escalated),
        escalated_share=len(escalated) / total if total else None,
        credited_minutes=await q.credited_minutes(session, window),
        readiness=await readiness(session, cfg, city=city, now=now),
    )


async def readiness(
    session: AsyncSession, cfg: DispatchConfig, *, city: str | None, now: datetime
) -> tuple[Readiness, ...]:
    """Per city and skill: who could be alerted now, and how many such requests came this week."""
    ready: Counter[tuple[str, str]] = Counter()
    seen_since = now - timedelta(seconds=cfg.position_max_age_s)
    city_of: dict[int, str] = {}  # one lookup per cell, however many skill mixes it holds
    for cell, skills, n in await q.ready_by_cell(session, seen_since=seen_since):
        if cell not in city_of:
            city_of[cell] = area_of(*cell_centre(cell)).city.name_en
        where = city_of[cell]
        for incident in IncidentType:
            if skills & incident.bit:
                ready[(where, str(incident))] += n
    asked: Counter[tuple[str, str]] = Counter()
    for where, kind, n in await q.requests_by_city(session, since=now - WEEK, until=now):
        asked[(where, kind)] += n
    keys = sorted(set(ready) | set(asked))
    return tuple(
        Readiness(c, i, ready[(c, i)], asked[(c, i)]) for c, i in keys if not city or c == city
    )


def as_json(payload: OpsStats) -> dict[str, Any]:
    """The figures as JSON-able data: times as ISO 8601, shares as fractions (0-1)."""
    plain = json.dumps(dataclasses.asdict(payload), default=datetime.isoformat)
    return json.loads(plain)  # type: ignore[no-any-return]  # lists, not tuples, as served


async def figures(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    period: Period = Period.WEEK,
    city: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The KPIs as JSON-able data: the very numbers /stats shows."""
    return as_json(await stats(session, cfg, period=period, city=city, now=now))
