"""Queries on people (Telegram users)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def upsert_person(
    session: AsyncSession,
    *,
    person_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    telegram_language: str | None,
) -> Person:
    """The person behind an update, created on first contact; writing again clears 'blocked'."""
    person = await session.get(Person, person_id)
    if person is None:
        person = Person(
            id=person_id,
            chat_id=chat_id,
            first_name=first_name,
            username=username,
            telegram_language=telegram_language,
        )
        session.add(person)
        await session.flush()
        return person
    person.chat_id = chat_id
    person.first_name = first_name
    person.username = username
    person.telegram_language = telegram_language
    person.blocked = False
    session.add(person)
    return person


def unchanged(
    person: Person,
    *,
    chat_id: int,
    first_name: str,
    username: str | None,
    telegram_language: str | None,
) -> bool:
    """``upsert_person`` would write nothing for this person (known, not blocked, the same)."""
    return not person.blocked and (
        (person.chat_id, person.first_name, person.username, person.telegram_language)
        == (chat_id, first_name, username, telegram_language)
    )


async def get_person(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def load_people(session: AsyncSession, person_ids: Iterable[int]) -> list[Person]:
    """Read these people in one statement, so that ``get_person`` finds each in the session
    (a wave tells each of its volunteers: one query, not one per volunteer). The session
    holds its rows weakly: keep the list while they are wanted."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return []
    return list((await session.exec(select(Person).where(col(Person.id).in_(wanted)))).all())


async def set_language(session: AsyncSession, *, person_id: int, language: str) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Person).where(Person.id == person_id).values(language=language)  # type: ignore[arg-type]
    )


async def mark_blocked(session: AsyncSession, *, person_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Person).where(Person.id == person_id).values(blocked=True)  # type: ignore[arg-type]
    )
