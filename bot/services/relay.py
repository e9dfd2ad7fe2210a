"""Talk through the bot: the citizen and their volunteer, while the job is on.

What one side sends (text, a voice note, a photo, a video) reaches the other as the bot's
own message, marked with who sent it, never their account. It is open while the request
has a volunteer on it (assigned, on scene) and closes when the job ends: done, released,
taken back, cancelled. Every relayed message is an audit event with its kind and time,
never its content. A message that cannot be delivered is reported to its sender
(``undelivered``, called by the outbox's sender).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.common import tell
from bot.services.notices import Outcome, Result
from bot.services.notices.relay import Party, Relayed, RelayFailed
from domain import lifecycle
from domain.enums import AuditKind, RequestStatus
from storage import requests
from storage.audit import audit
from storage.models import HelpRequest

# After the job ended, what either side still sends gets "this conversation is closed" for
# this long; later it is an ordinary message to the bot again.
CLOSED_NOTICE = timedelta(hours=24)


async def conversation(
    session: AsyncSession, *, sender_id: int, now: datetime
) -> tuple[Result, HelpRequest | None]:
    """Whether the sender's job is on (OK), ended recently (CLOSED) or there is none (IDLE),
    and its request."""
    req = await requests.latest_job_of(session, sender_id)
    if req is None or req.id is None:
        return Result.IDLE, None
    open_req = await requests.open_request_of(session, sender_id)
    if open_req is not None and open_req.id != req.id:
        return Result.IDLE, None  # a newer request of theirs is being dispatched
    if RequestStatus(req.status) in lifecycle.ACTIVE_JOB:
        return Result.OK, req
    ended = req.closed_at or req.done_at
    if ended is not None and now - ended <= CLOSED_NOTICE:
        return Result.CLOSED, req
    return Result.IDLE, None


async def forward(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    sender_id: int,
    kind: str,
    text: str = "",
    file_id: str = "",
    now: datetime,
) -> Outcome:
    """Pass a message to the other side of the sender's job. ``out.result``: OK (passed
    on), CLOSED (the job ended recently: the handler says so) or IDLE (not for the relay)."""
    result, req = await conversation(session, sender_id=sender_id, now=now)
    out = Outcome(result=result, request_id=req.id if req else None)
    if result != Result.OK or req is None or req.id is None:
        return out
    assert req.volunteer_id is not None
    origin = Party.CITIZEN if sender_id == req.requester_id else Party.VOLUNTEER
    to = req.volunteer_id if origin == Party.CITIZEN else req.requester_id
    await audit(
        session,
        kind=AuditKind.RELAYED,
        at=now,
        request_id=req.id,
        actor_id=sender_id,
        detail={"kind": kind, "from": str(origin)},
    )
    relayed = Relayed(req.id, origin, kind, text=text, file_id=file_id, sender_id=sender_id)
    await tell(session, out, to, relayed)
    return out


async def undelivered(session: AsyncSession, payload: Relayed) -> Outcome:
    """Telegram would not deliver a relayed message: its sender is told (once per message)."""
    out = Outcome(request_id=payload.request_id)
    if payload.sender_id and not payload.with_request:
        to = Party.VOLUNTEER if payload.origin == Party.CITIZEN else Party.CITIZEN
        await tell(session, out, payload.sender_id, RelayFailed(payload.request_id, to))
    return out
