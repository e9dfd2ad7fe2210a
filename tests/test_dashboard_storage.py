"""The dashboard's reads on both databases: readiness per tile agrees with the command
centre's readiness, nothing but open requests reaches the map, and a read session neither
waits for the bot's writer nor sees its uncommitted work."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.services import dashboard, kpis
from bot.services.config import DispatchConfig
from domain.enums import RequestStatus, VolunteerStatus
from domain.incidents import IncidentType
from storage.db import Database
from storage.models import HelpRequest, Person
from storage.types import utcnow
from tests.factories import _city, offset, person, volunteer

CITIES = ("Riyadh", "Jeddah", "Dammam")


async def test_readiness_per_tile_is_the_command_centres_readiness(db: Database) -> None:
    now = utcnow()
    pid = 100
    for n, name in enumerate(CITIES):
        c = _city(name)
        for i in range(n + 2):  # 2 in Riyadh, 3 in Jeddah, 4 in Dammam
            pid += 1
            skills = (IncidentType.FIRE,) if i % 2 else (IncidentType.FIRE, IncidentType.FLOOD)
            await volunteer(db, pid, offset(c.lat, c.lon, i * 0.5, 0.0), now, skills=skills)
    await volunteer(db, 200, (24.7, 46.7), now, on_duty=False)  # not counted: off duty
    await volunteer(db, 201, (24.7, 46.7), now, status=VolunteerStatus.PENDING)
    cfg = DispatchConfig()
    async with db.read_session() as s:
        ours = await dashboard.readiness(s, cfg, now=now)
    async with db.session() as s:
        theirs = await kpis.readiness(s, cfg, city=None, now=now)
    assert {r.city: r.ready for r in ours} == {"Riyadh": 2, "Jeddah": 3, "Dammam": 4}
    per_skill = {(r.city, k): n for r in ours for k, n in r.skills.items()}
    assert per_skill == {(r.city, r.incident): r.ready for r in theirs if r.ready}
    assert per_skill[("Dammam", "flood")] == 2


async def test_the_map_reads_open_requests_only(db: Database) -> None:
    await person(db, 1)
    async with db.session() as s:
        for status, wave in (
            (RequestStatus.DISPATCHING, 1),
            (RequestStatus.DISPATCHING, 3),
            (RequestStatus.ESCALATED, 4),
            (RequestStatus.UNANSWERED, 4),
            (RequestStatus.CONFIRMED, 1),
            (RequestStatus.CANCELLED, 1),
        ):
            s.add(
                HelpRequest(
                    requester_id=1, incident="fire", lat=24.7, lon=46.7, status=status, wave=wave
                )
            )
    async with db.read_session() as s:
        rows = await dashboard.markers(s)
    assert sorted(row[2] for row in rows.values()) == [  # type: ignore[type-var]
        "dispatching",
        "escalated",
        "escalated",
        "widened",
    ]


async def test_a_read_session_does_not_wait_for_the_writer(sqlite_db: Database) -> None:
    await person(sqlite_db, 1, name="before")
    writing = asyncio.Event()
    done = asyncio.Event()

    async def writer() -> None:
        async with sqlite_db.session() as s:  # BEGIN IMMEDIATE: holds SQLite's write lock
            (await s.exec(select(Person))).one().first_name = "after"
            await s.flush()
            writing.set()
            await done.wait()

    task = asyncio.create_task(writer())
    await writing.wait()
    async with sqlite_db.read_session() as s:  # would queue behind the writer with IMMEDIATE
        seen = (await asyncio.wait_for(s.exec(select(Person.first_name)), 10)).one()
    done.set()
    await task
    assert seen == "before"  # the last committed state, not the writer's uncommitted one
    async with sqlite_db.read_session() as s:
        assert (await s.exec(select(Person.first_name))).one() == "after"


def test_the_shipped_outline_is_the_service_areas_polygon() -> None:
    import json
    from importlib import resources

    from domain.matching.region import SAUDI_LAND

    text = resources.files("bot.web").joinpath("static/data/saudi_outline.geojson").read_text()
    [ring] = json.loads(text)["features"][0]["geometry"]["coordinates"]
    assert ring[0] == ring[-1]  # closed, as GeoJSON wants
    assert [(lat, lon) for lon, lat in ring] == list(SAUDI_LAND)  # SAUDI_LAND is closed too


def test_the_dashboards_own_code_asks_nobody_else() -> None:
    from pathlib import Path

    static = Path(__file__).resolve().parent.parent / "bot" / "web" / "static"
    for path in [*static.glob("*.js"), *static.glob("*.css")]:
        text = path.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text and "//" + "cdn" not in text, path
        assert "innerHTML" not in text and "eval(" not in text, path
    assert (static / "vendor" / "leaflet" / "LICENSE").exists()
