"""The citizen's rating of a confirmed job (1–5) and an optional short comment.

Offered with the thank-you after confirming (the Thanks notice carries the buttons). A
rating of 1 or 2 is flagged to whoever reviews the volunteer (the team's leaders, or the
operators: bot/services/hours.reviewers). The comment is asked for once, for a while
(``comment_until`` on the row, so a restart forgets nothing); skipping is always fine.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import name_of, tell
from bot.services.hours import reviewers
from bot.services.notices import Outcome, Result
from bot.services.notices.hours import LowRating
from domain.enums import AuditKind, RequestStatus
from storage import certificates, flow_state, people, requests
from storage.audit import audit
from storage.hours_models import Feedback

MAX_COMMENT = 1000
LOW = 2  # a rating at or below this is flagged
COMMENT_WINDOW = timedelta(minutes=15)


async def rate(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    citizen_id: int,
    rating: int,
    now: datetime,
) -> Outcome:
    """NOT_YOURS (another's request, or a rating outside 1–5), CLOSED (not confirmed by the
    citizen), ALREADY (rated before)."""
    out = Outcome(request_id=request_id)
    req = await requests.get_request(session, request_id)
    if req is None or req.requester_id != citizen_id or not 1 <= rating <= 5:
        out.result = Result.NOT_YOURS
        return out
    if req.status != RequestStatus.CONFIRMED or req.volunteer_id is None:
        out.result = Result.CLOSED
        return out
    row = Feedback(
        request_id=request_id,
        volunteer_id=req.volunteer_id,
        citizen_id=citizen_id,
        rating=rating,
        comment_until=now + COMMENT_WINDOW,
        at=now,
    )
    if not await certificates.add_feedback(session, row):
        out.result = Result.ALREADY
        return out
    await audit(
        session,
        kind=AuditKind.RATED,
        at=now,
        request_id=request_id,
        actor_id=citizen_id,
        detail={"rating": rating},
    )
    if rating <= LOW:
        await _flag(session, cfg, out, row, "")
    return out


async def comment(
    session: AsyncSession, cfg: DispatchConfig, *, citizen_id: int, text: str | None, now: datetime
) -> Outcome:
    """The comment (``None``: skipped) for the citizen's latest rating still asking for one.

    UNKNOWN when nothing is waiting for a comment; the text must be at most MAX_COMMENT long
    (the handler says so before calling).
    """
    out = Outcome()
    row = await certificates.open_comment(session, citizen_id, now)
    if row is None or row.id is None:
        out.result = Result.UNKNOWN
        return out
    out.request_id = row.request_id
    clean = text.strip()[:MAX_COMMENT] if text is not None else None
    if not await certificates.close_comment(session, row.id, comment=clean or None, now=now):
        out.result = Result.ALREADY
        return out
    if clean and row.rating <= LOW:
        await _flag(session, cfg, out, row, clean)
    return out


async def _flag(
    session: AsyncSession, cfg: DispatchConfig, out: Outcome, row: Feedback, text: str
) -> None:
    volunteer = await people.get_person(session, row.volunteer_id)
    payload = LowRating(row.request_id, name_of(volunteer), row.volunteer_id, row.rating, text)
    for pid in await reviewers(session, cfg, row.volunteer_id):
        await tell(session, out, pid, payload)


async def waiting_for_comment(
    session: AsyncSession, *, citizen_id: int, chat_id: int, now: datetime
) -> bool:
    """Whether this text is the citizen's comment: a rating asked for one, and no flow (a new
    request, a sign-up) is at a step in this chat, since a flow's question is the newer one."""
    if await certificates.open_comment(session, citizen_id, now) is None:
        return False
    live, _expired = await flow_state.states_of(
        session, chat_id=chat_id, user_id=citizen_id, now=now
    )
    return not live
