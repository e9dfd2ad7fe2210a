"""What the operators' dashboard reads and does: the map's rows, readiness, a request's panel,
and the escalation's four answers, on the very use cases the Telegram buttons call.

Read from the database every time (never from one process's memory), so a change made by
another worker shows on every worker's dashboard. Volunteers are never shown one by one:
readiness is a count per city and skill; the one position shown is that of the volunteer
holding a request, on that request's panel. Every answer pressed on the dashboard is an audit
record with its result, beside the record the use case writes when it changes something.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import oversight
from bot.services.config import DispatchConfig
from bot.services.dispatch import escalation
from bot.services.kpis import WEEK
from bot.services.notices import Outcome, Result
from bot.services.notices.escalation import Decision
from bot.services.notices.ops import OpsRequestView
from domain import lifecycle
from domain.enums import AuditKind, RequestStatus
from domain.matching.geo import area_of
from domain.matching.grid import CELL_DEG
from storage import dashboard as store
from storage import kpis as kpi_queries
from storage.audit import audit
from storage.dashboard import MapRow

#: The fields of one marker, in the order the map's compact rows carry them.
MARKER_FIELDS = ("id", "incident", "state", "created", "lat", "lon", "area")


class Action(StrEnum):
    """The escalation's answers, as the dashboard posts them."""

    WIDER = "wider"
    ASSIGN = "assign"
    OFFICIALS = "officials"
    FALSE_ALARM = "false_alarm"


def state_of(status: str, wave: int) -> str:
    """The marker's colour: searching, searching a wider wave, assigned, on scene, escalated."""
    if status == RequestStatus.DISPATCHING:
        return "widened" if wave > 1 else "dispatching"
    if status in lifecycle.UNANSWERED_ENDS:
        return "escalated"
    return status


def marker(row: MapRow) -> list[object]:
    """One open request as the map draws it: compact, to the metre (5 decimals)."""
    return [
        row.request_id,
        row.incident,
        state_of(row.status, row.wave),
        int(row.created_at.timestamp()),
        round(row.lat, 5),
        round(row.lon, 5),
        row.area,
    ]


async def markers(session: AsyncSession) -> dict[int, list[object]]:
    """Every open request's marker, by request id."""
    return {row.request_id: marker(row) for row in await store.open_rows(session)}


@cache
def _city_of_tile(row: int, col: int) -> str:
    """The city nearest a readiness tile's centre (a fixed fact: cached for the process)."""
    size = CELL_DEG * store.TILE
    return area_of((row + 0.5) * size - 90.0, (col + 0.5) * size - 180.0).city.name_en


@dataclass
class CityReadiness:
    city: str
    ready: int = 0  # on-duty, verified volunteers with a fresh position
    skills: dict[str, int] = field(default_factory=dict)
    asked: dict[str, int] = field(default_factory=dict)  # this week's requests by type


async def readiness(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime
) -> list[CityReadiness]:
    """Per city: who could be alerted now, by skill, against this week's requests.

    The same definition as the command centre's readiness (bot/services/kpis.py), counted per
    0.1-degree tile and given to the city nearest the tile's centre (kpis: the city nearest
    each volunteer's grid cell), so a volunteer within a few km of the line halfway between
    two cities may count for the other one."""
    seen_since = now - timedelta(seconds=cfg.position_max_age_s)
    ready: Counter[str] = Counter()
    skills: dict[str, Counter[str]] = defaultdict(Counter)
    for tile in await store.ready_by_tile(session, seen_since=seen_since):
        where = _city_of_tile(tile.row, tile.col)
        ready[where] += tile.ready
        skills[where].update(tile.skills)
    asked: dict[str, Counter[str]] = defaultdict(Counter)
    for where, kind, n in await kpi_queries.requests_by_city(session, since=now - WEEK, until=now):
        asked[where][kind] += n
    return [
        CityReadiness(c, ready[c], dict(skills[c]), dict(asked[c]))
        for c in sorted(set(ready) | set(asked))
        if c
    ]


@dataclass(frozen=True)
class Panel:
    view: OpsRequestView
    # The assigned volunteer's last position and when it was seen: on this panel only.
    volunteer_at: tuple[float, float, datetime | None] | None
    answerable: bool  # escalated or unanswered: the four answers apply
    candidates: tuple[tuple[int, str, int], ...] = ()  # (id, name, metres) for Assign


async def panel(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, now: datetime
) -> Panel | None:
    view = await oversight.request_view(session, request_id=request_id)
    if view is None:
        return None
    status = RequestStatus(view.status)
    at = None
    if status in lifecycle.ACTIVE_JOB and view.volunteer_id is not None:
        at = await store.position_of(session, view.volunteer_id)
    answerable = status in lifecycle.UNANSWERED_ENDS
    found = (
        await escalation.candidates(session, cfg, request_id=request_id, now=now)
        if answerable
        else []
    )
    listed = tuple((p.id, p.first_name, round(m.distance_m)) for p, m in found)
    return Panel(view, at, answerable, listed)


async def act(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    operator_id: int,
    action: Action,
    volunteer_id: int | None = None,
    now: datetime,
) -> Outcome:
    """One of the escalation's answers, as if pressed in the operations chat (the same use
    cases, so an answer applies once whichever screen pressed it first); then recorded."""
    if action is Action.WIDER:
        out = await escalation.widen(
            session, cfg, request_id=request_id, operator_id=operator_id, now=now
        )
    elif action is Action.ASSIGN:
        if volunteer_id is None:
            out = Outcome(result=Result.UNKNOWN)
        else:
            out = await escalation.name_volunteer(
                session,
                cfg,
                request_id=request_id,
                operator_id=operator_id,
                volunteer_id=volunteer_id,
                now=now,
            )
    else:
        decision = Decision.OFFICIALS if action is Action.OFFICIALS else Decision.FALSE_ALARM
        out = await escalation.close(
            session, cfg, request_id=request_id, operator_id=operator_id, decision=decision, now=now
        )
    detail: dict[str, int | str] = {"action": str(action), "result": str(out.result)}
    detail["request_id"] = request_id
    if volunteer_id is not None:
        detail["volunteer_id"] = volunteer_id
    await audit(
        session, kind=AuditKind.DASHBOARD_ACTION, at=now, actor_id=operator_id, detail=detail
    )
    return out
