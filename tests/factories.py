"""Small builders for test data, written through the same storage functions the bot uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.services.notices import PAYLOADS, Area, Event, Notice, Recipient, TimelineLine
from domain.enums import VolunteerStatus
from domain.incidents import Equipment, IncidentType, skills_mask
from domain.matching.geo import City, city_by_name
from storage import people, volunteers
from storage.audit import details_of
from storage.db import Database
from storage.models import Volunteer


def _city(name: str) -> City:
    city = city_by_name(name)
    assert city is not None, name
    return city


RIYADH = _city("Riyadh")


class _Saved(Protocol):
    id: int | None


def row_id(row: _Saved) -> int:
    """The primary key a saved row was given (SQLModel types it Optional until it is saved)."""
    assert row.id is not None, row
    return row.id


def offset(
    lat: float, lon: float, north_km: float = 0.0, east_km: float = 0.0
) -> tuple[float, float]:
    import math

    return lat + north_km / 111.132, lon + east_km / (111.320 * math.cos(math.radians(lat)))


async def person(db: Database, pid: int, *, name: str = "", lang: str = "en") -> None:
    async with db.session() as s:
        await people.upsert_person(
            s,
            person_id=pid,
            chat_id=pid,
            first_name=name or f"P{pid}",
            username=None,
            telegram_language=lang,
        )


async def volunteer(
    db: Database,
    pid: int,
    at: tuple[float, float],
    now: datetime,
    *,
    skills: tuple[IncidentType, ...] = tuple(IncidentType),
    equipment: Equipment = Equipment.FOUR_BY_FOUR
    | Equipment.TOOLS
    | Equipment.FIRST_AID_KIT
    | Equipment.EXTINGUISHER
    | Equipment.BOAT,
    status: VolunteerStatus = VolunteerStatus.VERIFIED,
    on_duty: bool = True,
    lang: str = "en",
    **fields: Any,
) -> None:
    await person(db, pid, lang=lang)
    async with db.session() as s:
        await volunteers.save(
            s,
            Volunteer(
                person_id=pid,
                status=status,
                conduct_accepted_at=now,
                skills=skills_mask(set(skills)),
                equipment=int(equipment),
                on_duty=on_duty,
                **fields,
            ),
        )
        await volunteers.set_position(s, person_id=pid, lat=at[0], lon=at[1], at=now)


def notice(to: Recipient, event: Event, params: dict[str, object]) -> Notice:
    """A notice from the flat parameters the rendering tests list per event.

    The area's three keys become an ``Area`` and timeline tuples ``(at, kind, "k=v …")``
    become ``TimelineLine``s, so one table of plausible values serves every event.
    """
    fields = dict(params)
    if "city_en" in fields:
        km = fields.pop("km")
        assert isinstance(km, int | float), km
        fields["area"] = Area(str(fields.pop("city_en")), str(fields.pop("city_ar")), float(km))
    if "timeline" in fields:
        lines = fields["timeline"]
        assert isinstance(lines, list | tuple), lines
        # Raw ``(at, kind, "k=v …")`` tuples become TimelineLines; typed items pass as they are.
        fields["timeline"] = tuple(
            TimelineLine(item[0], item[1], details_of(item[2]))
            if isinstance(item, tuple) and not isinstance(item, TimelineLine)
            else item
            for item in lines
        )
    return Notice(to, PAYLOADS[event](**fields))
