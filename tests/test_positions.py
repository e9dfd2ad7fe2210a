"""Live-location fixes are queued, coalesced per volunteer and written in batches."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.services.positions import PositionWriter, live_fix
from bot.settings import Settings
from domain.enums import VolunteerStatus
from domain.matching.grid import cell_of
from storage import volunteers
from storage.db import Database
from storage.types import utcnow
from storage.volunteers import PositionUpdate
from tests.factories import RIYADH, offset, person, volunteer

HERE = (RIYADH.lat, RIYADH.lon)
REGION = Settings().service_area


async def position_of(db: Database, pid: int) -> tuple[float | None, float | None, int | None]:
    async with db.session() as s:
        v = await volunteers.get_volunteer(s, pid)
        assert v is not None
        return v.lat, v.lon, v.cell


async def test_newest_fix_wins_and_one_batch_writes_all(db: Database) -> None:
    now = utcnow()
    for pid in (10, 11):
        await volunteer(db, pid, HERE, now - timedelta(minutes=5))
    writer = PositionWriter(db, max_delay_s=60)  # only an explicit flush writes here
    a1, a2, b = offset(*HERE, 1.0), offset(*HERE, 2.0), offset(*HERE, 0.0, 3.0)
    writer.submit(PositionUpdate(10, *a1, now))
    writer.submit(PositionUpdate(10, *a2, now + timedelta(seconds=5)))
    writer.submit(PositionUpdate(10, *a1, now + timedelta(seconds=1)))  # arrived late: older
    writer.submit(PositionUpdate(11, *b, now))
    assert writer.pending == 2
    assert await position_of(db, 10) == (HERE[0], HERE[1], cell_of(*HERE))  # nothing written yet
    assert await writer.flush() == 2
    assert await position_of(db, 10) == (a2[0], a2[1], cell_of(*a2))
    assert await position_of(db, 11) == (b[0], b[1], cell_of(*b))
    assert writer.pending == 0 and await writer.flush() == 0
    await writer.close()


async def test_written_by_itself_after_the_delay_and_when_the_batch_is_full(db: Database) -> None:
    now = utcnow()
    for pid in range(10, 14):
        await volunteer(db, pid, HERE, now)
    writer = PositionWriter(db, max_batch=3, max_delay_s=0.05)
    writer.submit(PositionUpdate(10, *offset(*HERE, 1.0), now))
    for _ in range(200):  # the background writer flushes after max_delay_s
        if writer.written:
            break
        await asyncio.sleep(0.01)
    assert writer.written == 1 and (await position_of(db, 10))[0] == offset(*HERE, 1.0)[0]

    slow = PositionWriter(db, max_batch=3, max_delay_s=3600)  # only a full batch wakes it
    for pid in (11, 12, 13):
        slow.submit(PositionUpdate(pid, *offset(*HERE, 2.0), now))
    for _ in range(200):
        if slow.written:
            break
        await asyncio.sleep(0.01)
    assert slow.written == 3
    await writer.close()
    await slow.close()


async def test_close_writes_what_is_queued(db: Database) -> None:
    now = utcnow()
    await volunteer(db, 10, HERE, now)
    writer = PositionWriter(db, max_delay_s=3600)
    writer.submit(PositionUpdate(10, *offset(*HERE, 4.0), now))
    await writer.close()
    assert (await position_of(db, 10))[0] == offset(*HERE, 4.0)[0]


async def test_left_volunteers_and_strangers_do_not_move(db: Database) -> None:
    """Telegram goes on sending a live location for hours after /leave: it must not come back."""
    now = utcnow()
    await volunteer(db, 10, HERE, now)
    await volunteer(db, 11, HERE, now)
    async with db.session() as s:  # left, but (unlike /leave) with a position kept to compare
        await volunteers.update_fields(s, person_id=11, status=VolunteerStatus.LEFT)
    await person(db, 12)  # a citizen, never a volunteer
    writer = PositionWriter(db, max_delay_s=3600)
    for pid in (10, 11, 12):
        writer.submit(PositionUpdate(pid, *offset(*HERE, 1.0), now))
    assert await writer.flush() == 3
    assert (await position_of(db, 10))[0] == offset(*HERE, 1.0)[0]
    assert (await position_of(db, 11))[0] == HERE[0]
    async with db.session() as s:
        assert await volunteers.get_volunteer(s, 12) is None
    await writer.close()


async def test_a_fix_outside_the_service_area_is_not_queued(db: Database) -> None:
    writer = PositionWriter(db, max_delay_s=3600)
    now = utcnow()
    assert not live_fix(writer, person_id=10, lat=51.5, lon=-0.12, now=now, region=REGION)
    assert writer.pending == 0
    assert live_fix(writer, person_id=10, lat=HERE[0], lon=HERE[1], now=now, region=REGION)
    assert writer.pending == 1
    await writer.close()
