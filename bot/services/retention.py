"""Retention: closed requests lose their personal details after RETENTION_DAYS (default 30).

Removed: the exact point (replaced by the centre of the nearest city, the one the row's
``area`` names, so maps and counts by city still work and the point says nothing a city
name does not), the free text (``description``), and the alerts' chat and message ids.
The citizen's comment on the help (``feedback.comment``) goes too: free text like the details
(its copy in a low-rating notice goes with the request's outbox rows).
Kept: the area, the incident type, the status and every time, the waves and alert counts,
the distances of the alerts, the hour credits and the audit trail (whose details hold no
text or coordinates). Kept on purpose, as the volunteer's record of hours rather than the
request's: the rating's stars, the credit corrections (an operator's reason, about the
volunteer's minutes) and the issued certificates (what was certified must stay verifiable).
Rows are marked ``redacted_at``; running again changes nothing.

Not yet covered (left to the features that add them): media and contact details relayed
by the citizen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.matching.geo import area_of, city_by_name
from storage import approach, certificates, media, outbox, retention
from storage.models import HelpRequest

BATCH = 500  # rows per transaction: a first run over a large backlog never holds locks long


def coarse_point(req: HelpRequest) -> tuple[float, float]:
    """The centre of the city the request's area names (the nearest one if it names none)."""
    city = city_by_name(req.area) or area_of(req.lat, req.lon).city
    return city.lat, city.lon


async def redact_closed(
    session: AsyncSession, *, retention_days: float, now: datetime, limit: int = BATCH
) -> int:
    """Redact up to ``limit`` requests closed more than ``retention_days`` ago; returns how many."""
    due = await retention.due_for_redaction(
        session, closed_before=now - timedelta(days=retention_days), limit=limit
    )
    done: list[int] = []
    for req in due:
        assert req.id is not None
        lat, lon = coarse_point(req)
        if await retention.redact_request(session, req.id, lat=lat, lon=lon, at=now):
            done.append(req.id)
    await retention.forget_alert_messages(session, done)
    await certificates.forget_comments(session, done)
    await media.forget_media(session, done)
    await approach.forget(session, done)  # a volunteer's position never outlives the request
    # The notices said about them (and any said that long ago) carried the same details.
    await outbox.forget_said(
        session, request_ids=done, said_before=now - timedelta(days=retention_days)
    )
    return len(done)
