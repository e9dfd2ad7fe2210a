"""Many rows in one statement (storage/bulk.py): ids in order, every value stored as the ORM
would store it, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from storage import bulk
from storage.bulk import insert_rows
from storage.db import Database
from storage.models import OutboxMessage

AT = datetime(2026, 12, 1, 18, 30, 15, 123456, tzinfo=UTC)


def _row(i: int) -> OutboxMessage:
    return OutboxMessage(
        created_at=AT + timedelta(seconds=i),
        next_attempt_at=AT - timedelta(minutes=i),
        request_id=None if i % 2 else 100 + i,
        chat_id=10_000_000_000 + i,  # a BigInteger beyond 32 bits
        language="ar",
        event="alert",
        payload='{"event": "alert", "text": "حريق"}',
        priority=i % 4,
        paid_broadcast=bool(i % 2),
    )


@pytest.mark.parametrize("count", [1, 3, 7])
async def test_rows_get_their_ids_in_order_and_read_back_as_written(
    db: Database, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 3)  # 7 rows: three statements
    rows = [_row(i) for i in range(count)]
    async with db.session() as s:
        ids = await insert_rows(s, rows)
        await s.commit()
    assert ids == sorted(ids) and len(set(ids)) == count
    assert [r.id for r in rows] == ids
    async with db.session() as s:
        stored = (await s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [r.id for r in stored] == ids
    for i, row in enumerate(stored):
        want = _row(i)
        assert row.created_at == want.created_at and row.next_attempt_at == want.next_attempt_at
        assert (row.request_id, row.chat_id, row.priority) == (
            want.request_id,
            want.chat_id,
            want.priority,
        )
        assert row.paid_broadcast is want.paid_broadcast and row.payload == want.payload
        assert (row.status, row.attempts) == ("pending", 0)  # the models' defaults


async def test_what_the_session_still_holds_is_written_first(db: Database) -> None:
    async with db.session() as s:
        held = _row(0)
        s.add(held)
        ids = await insert_rows(s, [_row(1), _row(2)])
        await s.commit()
    assert held.id is not None and held.id < ids[0]
