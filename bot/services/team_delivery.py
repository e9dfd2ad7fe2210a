"""What a team notice's fate means to the rows that wait for it: the outbox's hooks.

The sender (bot/handlers/outbox.py) calls ``sent`` in the transaction that marks a row sent
and ``not_sent`` in the one that marks it failed or given up, as it calls
``dispatch.alert_delivered`` for an alert, so a row's fate and what follows from it commit
together:

- a copy of a volunteer's approval notice (the operators' or a leader's) is remembered, so
  that a decision edits it; one delivered after the decision is edited at once
  (bot/services/team_vetting.py);
- a scheduled digest's record says sent (with its size), blocked or failed
  (bot/services/digests.py).

Any other notice passes through both untouched.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import digests, team_vetting
from bot.services.notices import Notice
from domain.enums import DigestStatus


async def sent(
    session: AsyncSession,
    notice: Notice,
    *,
    message_id: int | None,
    messages: int,
    chars: int,
    now: datetime,
) -> list[Notice]:
    """Telegram took the notice; the notices that follow (a late decision's edit)."""
    await digests.said(
        session, notice, status=DigestStatus.SENT, messages=messages, chars=chars, now=now
    )
    return await team_vetting.copy_delivered(session, notice, message_id=message_id)


async def not_sent(session: AsyncSession, notice: Notice, *, blocked: bool, now: datetime) -> None:
    """The notice will never be said: its recipient blocked the bot, or it was given up on."""
    status = DigestStatus.BLOCKED if blocked else DigestStatus.FAILED
    await digests.said(session, notice, status=status, messages=0, chars=0, now=now)
