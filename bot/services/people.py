"""People, whatever their role: the language they chose, the request they have open."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import LANGUAGES
from storage import people, requests
from storage.models import HelpRequest


async def choose_language(session: AsyncSession, *, person_id: int, language: str) -> bool:
    """Store the person's language; it wins over Telegram's from now on. False if unknown."""
    if language not in LANGUAGES:
        return False
    await people.set_language(session, person_id=person_id, language=language)
    return True


async def open_request(session: AsyncSession, *, person_id: int) -> HelpRequest | None:
    """The help request this person asked for that is not finished yet (one at a time)."""
    return await requests.open_request_of(session, person_id)
