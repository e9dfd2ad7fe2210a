"""The audit trail: who did what to which record, when, with structured details.

Details are stored as a JSON object (``audit_event.detail``), never as prose to be
parsed back: the timeline, the command centre and the KPIs read the same fields that
the use case wrote. Rows written before details were structured hold ``k=v`` words;
``details_of`` reads those too, so old timelines still render.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import AuditKind
from storage.models import AuditEvent

DetailValue = int | float | str | bool | None
Detail = Mapping[str, DetailValue]


class TimelineEntry(NamedTuple):
    at: datetime
    kind: str
    detail: dict[str, object]


async def audit(
    session: AsyncSession,
    *,
    kind: AuditKind,
    at: datetime,
    request_id: int | None = None,
    actor_id: int | None = None,
    detail: Detail | None = None,
) -> None:
    session.add(
        AuditEvent(
            kind=str(kind),
            at=at,
            request_id=request_id,
            actor_id=actor_id,
            detail=json.dumps(dict(detail), sort_keys=True, ensure_ascii=False) if detail else "",
        )
    )


def details_of(stored: str) -> dict[str, object]:
    """The details of one event: its JSON object, or the ``k=v`` words of an older row."""
    if not stored:
        return {}
    if stored.startswith("{"):
        loaded = json.loads(stored)
        return loaded if isinstance(loaded, dict) else {}
    words = dict(part.split("=", 1) for part in stored.split() if "=" in part)
    return {k: int(v) if v.lstrip("-").isdigit() else v for k, v in words.items()}


async def timeline(session: AsyncSession, request_id: int) -> list[TimelineEntry]:
    """Every event of one request, oldest first."""
    stmt = select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)  # type: ignore[arg-type]
    return [
        TimelineEntry(e.at, e.kind, details_of(e.detail)) for e in (await session.exec(stmt)).all()
    ]
