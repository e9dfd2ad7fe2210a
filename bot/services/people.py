"""People, whatever their role: who they are, the language they chose, the request they have open."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import LANGUAGES, resolve_language
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


async def seen(
    session: AsyncSession,
    *,
    person_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    telegram_language: str | None,
) -> str:
    """Record (or refresh) a person who wrote to the bot; returns the language to answer in."""
    person = await people.upsert_person(
        session,
        person_id=person_id,
        chat_id=chat_id,
        first_name=first_name,
        username=username,
        telegram_language=telegram_language,
    )
    return resolve_language(person.language, person.telegram_language)


async def known_language(
    session: AsyncSession,
    *,
    person_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    telegram_language: str | None,
) -> str | None:
    """``seen``'s answer when it would write nothing (read alone), else None: then ``seen``
    must run in a writing transaction."""
    person = await people.get_person(session, person_id)
    if person is None or not people.unchanged(
        person,
        chat_id=chat_id,
        first_name=first_name,
        username=username,
        telegram_language=telegram_language,
    ):
        return None
    return resolve_language(person.language, person.telegram_language)


async def chosen_language(session: AsyncSession, *, person_id: int) -> str | None:
    """The language the person chose with /language, if any (None for strangers too)."""
    person = await people.get_person(session, person_id)
    return person.language if person else None
