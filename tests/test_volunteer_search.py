"""``nearest_eligible`` on SQLite and PostgreSQL: the rules in SQL, the order, and the growing search."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from domain.enums import VolunteerStatus
from domain.incidents import Equipment, IncidentType, skills_mask
from domain.matching.eligibility import (
    Match,
    MatchQuery,
    VolunteerRow,
    geodesic_m,
    metres_per_degree,
    rank,
)
from domain.matching.grid import box_around, cell_of
from storage import volunteer_search
from storage.db import Database
from storage.models import HelpRequest, Offer, Person, Volunteer
from storage.volunteer_search import _projection_error, nearest_eligible
from storage.volunteers import PositionUpdate, set_duties, set_duty, set_position, set_positions

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 12:00 in Riyadh
RIYADH = (24.7136, 46.6753)
EMPTY_QUARTER = (20.0, 50.0)
ALL_KIT = Equipment.FOUR_BY_FOUR | Equipment.EXTINGUISHER | Equipment.FIRST_AID_KIT


def north(at: tuple[float, float], km: float, east_km: float = 0.0) -> tuple[float, float]:
    return at[0] + km / 110.75, at[1] + east_km / 101.2


def vol(pid: int, at: tuple[float, float], **kw: Any) -> Volunteer:
    fields: dict[str, Any] = {
        "person_id": pid,
        "status": VolunteerStatus.VERIFIED,
        "skills": skills_mask(set(IncidentType)),
        "equipment": int(ALL_KIT),
        "on_duty": True,
        "lat": at[0],
        "lon": at[1],
        "cell": cell_of(*at),
        "position_at": NOW - timedelta(minutes=5),
    }
    fields.update(kw)
    if "lat" in kw or "lon" in kw:
        has = fields["lat"] is not None and fields["lon"] is not None
        fields["cell"] = cell_of(fields["lat"], fields["lon"]) if has else None
    return Volunteer(**fields)


async def add(db: Database, *volunteers: Volunteer) -> None:
    async with db.session() as s:
        s.add_all([Person(id=v.person_id, chat_id=v.person_id) for v in volunteers])
        await s.flush()
        s.add_all(volunteers)


def q(at: tuple[float, float] = RIYADH, **kw: Any) -> MatchQuery:
    base: dict[str, Any] = {
        "lat": at[0],
        "lon": at[1],
        "incident": IncidentType.FIRE,
        "radius_m": 20_000.0,
        "k": 10,
        "now": NOW,
    }
    base.update(kw)
    return MatchQuery(**base)


async def search(db: Database, query: MatchQuery) -> list[Match]:
    async with db.session() as s:
        return await nearest_eligible(s, query)


async def ids(db: Database, query: MatchQuery) -> list[int]:
    return [m.person_id for m in await search(db, query)]


@pytest.fixture(params=["driver", "sqlalchemy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both ways of running the statement: on the driver connection, and through SQLAlchemy."""
    monkeypatch.setattr(volunteer_search, "USE_DRIVER_FAST_PATH", request.param == "driver")
    yield request.param


# --- each rule, in SQL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"status": VolunteerStatus.PENDING},
        {"on_duty": False},
        {"busy_request_id": 99},
        {"skills": IncidentType.FLOOD.bit},
        {"equipment": int(Equipment.BOAT)},  # a fire needs an extinguisher
        {"position_at": NOW - timedelta(hours=3)},
        {"position_at": None},
        {"lat": None, "lon": None},
        {"quiet_start_min": 11 * 60, "quiet_end_min": 13 * 60},  # 12:00 local is quiet
        {"quiet_start_min": 23 * 60, "quiet_end_min": 13 * 60},  # wraps midnight, still quiet
        {"radius_km": 1.0},  # the volunteer is 2 km off
    ],
)
async def test_each_rule_keeps_a_volunteer_out(
    db: Database, path: str, change: dict[str, Any]
) -> None:
    await add(db, vol(1, north(RIYADH, 2.0), **change), vol(2, north(RIYADH, 5.0)))
    assert await ids(db, q()) == [2]


async def test_quiet_hours_that_do_not_cover_now_do_not_matter(db: Database, path: str) -> None:
    await add(
        db,
        vol(1, north(RIYADH, 1.0), quiet_start_min=22 * 60, quiet_end_min=6 * 60),
        vol(2, north(RIYADH, 2.0), quiet_start_min=13 * 60, quiet_end_min=12 * 60),
        vol(3, north(RIYADH, 3.0), quiet_start_min=12 * 60, quiet_end_min=12 * 60),
        vol(4, north(RIYADH, 4.0), quiet_start_min=12 * 60, quiet_end_min=11 * 60),
    )
    # It is 12:00 in Riyadh: quiet hours end before their last minute and start on their first.
    assert await ids(db, q()) == [1, 2, 3]


async def test_hourly_alert_cap_counts_only_the_last_hour(db: Database, path: str) -> None:
    await add(
        db,
        vol(1, north(RIYADH, 1.0), max_alerts_per_hour=2),
        vol(2, north(RIYADH, 2.0), max_alerts_per_hour=2),
        vol(3, north(RIYADH, 3.0)),
    )
    async with db.session() as s:
        s.add_all(
            [
                HelpRequest(id=i, requester_id=3, incident="fire", lat=0.0, lon=0.0)
                for i in range(1, 4)
            ]
        )
        await s.flush()
        sent = [
            (1, 1, NOW - timedelta(minutes=10)),
            (2, 1, NOW - timedelta(minutes=50)),  # volunteer 1: two in the hour, capped
            (1, 2, NOW - timedelta(minutes=10)),
            (2, 2, NOW - timedelta(minutes=70)),  # volunteer 2: one in the hour
        ]
        s.add_all(
            [
                Offer(request_id=r, volunteer_id=v, wave=1, distance_m=1, sent_at=at)
                for r, v, at in sent
            ]
        )
    assert await ids(db, q()) == [2, 3]


async def test_exclusions(db: Database, path: str) -> None:
    await add(db, *(vol(i, north(RIYADH, i)) for i in range(1, 6)))
    assert await ids(db, q(exclude=frozenset({1, 3}), k=2)) == [2, 4]


# --- order -------------------------------------------------------------------------------------


async def test_nearest_first_by_true_distance_ties_by_person_id(db: Database, path: str) -> None:
    same = north(RIYADH, 1.5, 1.5)
    await add(
        db,
        vol(30, same),
        vol(10, same),
        vol(20, same),
        vol(5, north(RIYADH, 3.0)),
        vol(7, north(RIYADH, 0.4)),
    )
    got = await search(db, q(k=4))
    assert [m.person_id for m in got] == [7, 10, 20, 30]
    assert got[1].distance_m == got[2].distance_m == got[3].distance_m
    assert got[0].distance_m == pytest.approx(400, rel=0.01)


# --- the growing search ------------------------------------------------------------------------


async def test_far_volunteers_are_found_when_the_near_ones_run_out(db: Database, path: str) -> None:
    # Two near, the rest spread out to 18 km: the search must widen several times.
    await add(
        db,
        vol(1, north(RIYADH, 0.3)),
        vol(2, north(RIYADH, -0.6)),
        *(vol(10 + i, north(RIYADH, 0.0, 2.0 + 4.0 * i)) for i in range(5)),
        vol(99, north(RIYADH, 0.0, 25.0)),  # outside the 20 km radius
    )
    assert await ids(db, q(k=5)) == [1, 2, 10, 11, 12]
    assert await ids(db, q(k=10)) == [1, 2, 10, 11, 12, 13, 14]


async def test_empty_desert_returns_fewer_than_k(db: Database, path: str) -> None:
    await add(
        db,
        vol(1, north(EMPTY_QUARTER, 14.0, 3.0)),
        vol(2, north(EMPTY_QUARTER, -6.0)),
        vol(3, north(EMPTY_QUARTER, 30.0)),  # beyond the radius
        vol(4, RIYADH),
    )
    got = await search(db, q(EMPTY_QUARTER, k=10))
    assert [m.person_id for m in got] == [2, 1]
    assert got[0].distance_m == pytest.approx(6_000, rel=0.01)
    assert await search(db, q(EMPTY_QUARTER, k=10, radius_m=100_000)) != got


async def test_fetches_more_when_the_nearest_rows_are_all_out(db: Database, path: str) -> None:
    # Each step fetches the nearest 2k + |exclude| + 8 rows of its box; here the 30 nearest
    # all fall out in Python (their own radius is too small), so the search must fetch more.
    await add(
        db,
        *(vol(100 + i, north(RIYADH, 0.5, 0.01 * i), radius_km=0.2) for i in range(30)),
        vol(1, north(RIYADH, 0.9)),
        vol(2, north(RIYADH, 1.2)),
    )
    assert await ids(db, q(k=2)) == [1, 2]


async def test_capped_volunteers_near_the_request_do_not_hide_the_rest(
    db: Database, path: str
) -> None:
    await add(
        db,
        *(vol(100 + i, north(RIYADH, 0.2, 0.01 * i), max_alerts_per_hour=1) for i in range(20)),
        vol(1, north(RIYADH, 0.9)),
    )
    async with db.session() as s:
        s.add(HelpRequest(id=1, requester_id=1, incident="fire", lat=0.0, lon=0.0))
        await s.flush()
        s.add_all(
            [
                Offer(request_id=1, volunteer_id=100 + i, wave=1, distance_m=1, sent_at=NOW)
                for i in range(20)
            ]
        )
    assert await ids(db, q(k=1)) == [1]


def test_projection_error_bounds_the_flat_distance() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        lat0, lon0 = rng.uniform(-60, 60), rng.uniform(-170, 170)
        box = box_around(lat0, lon0, rng.choice((300.0, 3_000.0, 30_000.0, 200_000.0)))
        lat, lon = rng.uniform(box.south, box.north), rng.uniform(box.west, box.east)
        my, mx = metres_per_degree(lat0)
        flat = math.hypot((lat - lat0) * my, (lon - lon0) * mx * math.cos(math.radians(lat0)))
        true = geodesic_m(lat0, lon0, lat, lon)
        assert flat <= true * (1 + _projection_error(box)) + 1e-6


async def test_nobody_at_all(db: Database, path: str) -> None:
    assert await search(db, q(EMPTY_QUARTER)) == []
    assert await search(db, q(k=0)) == []


async def test_agrees_with_the_reference_on_a_random_city(db: Database, path: str) -> None:
    """Random volunteers and rules; every answer equals ``rank`` over every row of the table."""
    rng = random.Random(5)
    people = []
    for pid in range(1, 601):
        spread = rng.choice((0.01, 0.05, 0.2))
        at = (RIYADH[0] + rng.gauss(0, spread), RIYADH[1] + rng.gauss(0, spread))
        quiet = rng.choice((None, None, None, (11 * 60, 13 * 60), (22 * 60, 6 * 60)))
        people.append(
            vol(
                pid,
                at,
                status=VolunteerStatus.VERIFIED if rng.random() < 0.9 else VolunteerStatus.PENDING,
                on_duty=rng.random() < 0.8,
                skills=rng.randrange(1, 128),
                equipment=rng.randrange(0, 64),
                position_at=NOW - timedelta(minutes=rng.choice((1, 30, 200))),
                busy_request_id=7 if rng.random() < 0.05 else None,
                radius_km=rng.choice((None, None, 1.0, 5.0)),
                quiet_start_min=quiet[0] if quiet else None,
                quiet_end_min=quiet[1] if quiet else None,
            )
        )
    await add(db, *people)
    async with db.session() as s:
        rows = (await s.exec(select(Volunteer))).all()
        reference = [
            VolunteerRow(
                v.person_id,
                v.lat or 0.0,  # every one of them has a position
                v.lon or 0.0,
                v.skills,
                v.equipment,
                v.status,
                v.on_duty,
                v.position_at,
                v.busy_request_id,
                v.radius_km,
                v.quiet_start_min,
                v.quiet_end_min,
                v.max_alerts_per_hour,
            )
            for v in rows
        ]
        for i in range(40):
            query = q(
                (RIYADH[0] + rng.gauss(0, 0.05), RIYADH[1] + rng.gauss(0, 0.05)),
                incident=rng.choice(list(IncidentType)),
                k=rng.choice((1, 5, 10, 30)),
                radius_m=rng.choice((2_000.0, 20_000.0, 60_000.0)),
                exclude=frozenset(rng.sample(range(1, 601), 30)),
                now=NOW + timedelta(hours=i * 0.6),  # quiet hours on and off
            )
            got = await nearest_eligible(s, query)
            want = rank(reference, query, {})
            assert [m.person_id for m in got] == [m.person_id for m in want]
            assert [m.distance_m for m in got] == pytest.approx([m.distance_m for m in want])


async def test_sees_changes_pending_in_the_same_session(db: Database) -> None:
    async with db.session() as s:
        s.add(Person(id=1, chat_id=1))
        await s.flush()
        s.add(vol(1, north(RIYADH, 1.0)))
        assert [m.person_id for m in await nearest_eligible(s, q())] == [1]


# --- updates -----------------------------------------------------------------------------------


async def test_position_and_duty_updates_move_volunteers_in_and_out(db: Database) -> None:
    await add(db, vol(1, north(RIYADH, 30.0)), vol(2, north(RIYADH, 40.0)), vol(3, RIYADH))
    async with db.session() as s:
        assert await set_position(s, person_id=1, lat=RIYADH[0], lon=RIYADH[1] + 0.01, at=NOW)
        assert await set_duty(s, person_id=3, on_duty=False)
    assert await ids(db, q()) == [1]
    async with db.session() as s:
        moves = [PositionUpdate(2, *north(RIYADH, 0.5), NOW), PositionUpdate(404, 0.0, 0.0, NOW)]
        await set_positions(s, moves)
        await set_duties(s, [(3, True), (1, False)])
    assert await ids(db, q()) == [3, 2]
    async with db.session() as s:
        cells = (await s.exec(select(Volunteer.cell).where(Volunteer.person_id == 2))).all()
        assert cells == [cell_of(*north(RIYADH, 0.5))]
        await set_positions(s, [])
        await set_duties(s, [])
        n = (await s.exec(select(func.count()).select_from(Volunteer))).one()
        assert n == 3
