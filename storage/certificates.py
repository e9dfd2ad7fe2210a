"""Queries on issued certificates and on citizens' feedback.

A certificate row is written once, when issued; only its revocation is ever added to it
(conditionally, so two operators revoking at once record one revocation).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.hours_models import Certificate, Feedback


async def add_certificate(session: AsyncSession, cert: Certificate) -> Certificate:
    session.add(cert)
    await session.flush()
    return cert


async def certificate_by_code(session: AsyncSession, code: str) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.code == code)
    return (await session.exec(stmt.execution_options(populate_existing=True))).first()


async def code_taken(session: AsyncSession, code: str) -> bool:
    return await certificate_by_code(session, code) is not None


async def revoke(session: AsyncSession, code: str, *, by: int, reason: str, at: datetime) -> bool:
    """Revoke a certificate not revoked yet; False when unknown or already revoked."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Certificate)
        .where(Certificate.code == code, col(Certificate.revoked_at).is_(None))
        .values(revoked_at=at, revoked_by=by, revoke_reason=reason)
    )
    return bool(result.rowcount == 1)


# --- feedback -------------------------------------------------------------------------------


async def feedback_of(session: AsyncSession, request_id: int) -> Feedback | None:
    stmt = select(Feedback).where(Feedback.request_id == request_id)
    return (await session.exec(stmt.execution_options(populate_existing=True))).first()


async def add_feedback(session: AsyncSession, row: Feedback) -> bool:
    """Insert a rating; False when the request was rated already (a double tap, even a
    simultaneous one: the unique request_id decides, inside a savepoint)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def open_comment(session: AsyncSession, citizen_id: int, now: datetime) -> Feedback | None:
    """The citizen's rating still waiting for its optional comment, if any."""
    stmt = (
        select(Feedback)
        .where(Feedback.citizen_id == citizen_id, col(Feedback.comment_until) >= now)
        .order_by(col(Feedback.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def close_comment(
    session: AsyncSession, feedback_id: int, *, comment: str | None, now: datetime
) -> bool:
    """Store the comment (or none: skipped) and stop waiting; once only."""
    values: dict[str, object] = {"comment_until": None}
    if comment is not None:
        values["comment"] = comment
    result = await session.exec(  # type: ignore[call-overload]
        update(Feedback)
        .where(Feedback.id == feedback_id, col(Feedback.comment_until) >= now)
        .values(**values)
    )
    return bool(result.rowcount == 1)


async def forget_comments(session: AsyncSession, request_ids: Sequence[int]) -> None:
    """Retention: the citizens' comments on these requests go (free text, like the request's
    details); the ratings stay, for the volunteers' averages."""
    if not request_ids:
        return
    await session.exec(  # type: ignore[call-overload]
        update(Feedback)
        .where(col(Feedback.request_id).in_(list(request_ids)))
        .values(comment=None, comment_until=None)
    )


async def rating_of(session: AsyncSession, volunteer_id: int) -> tuple[float | None, int]:
    """(average rating, number of ratings) of a volunteer."""
    stmt = select(func.avg(Feedback.rating), func.count()).where(
        Feedback.volunteer_id == volunteer_id
    )
    avg, n = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return (float(avg) if avg is not None else None), int(n)
