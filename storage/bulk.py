"""Many new rows in one statement: ``INSERT … VALUES (…), (…) RETURNING id``.

Why not the ORM's ``add_all`` + ``flush``: on SQLite, SQLAlchemy cannot tell which generated id
belongs to which row of a batched INSERT (no "sentinel" for an integer key there), so it falls
back to one INSERT per row. A wave's alerts and their outbox rows were a dozen round trips
through the database thread where one does. The ids of one multi-row INSERT are given in the
order of its VALUES on both SQLite (each row takes the next rowid as it is inserted) and
PostgreSQL (the sequence is drawn row by row), so the sorted ids are the rows' ids in order:
an outbox row written first still leaves first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)
CHUNK = 500  # rows per statement: well under either driver's limit on parameters


async def insert_rows(session: AsyncSession, rows: Sequence[Row]) -> list[int]:
    """Insert these new rows of one table; set and return their ids, in order."""
    if not rows:
        return []
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM still holds goes first, as a flush would
    table: Any = type(rows[0]).__table__  # type: ignore[attr-defined]
    key = table.c.id
    names = [c.name for c in table.columns if c is not key]
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        values = [{name: getattr(row, name) for name in names} for row in part]
        result = await session.exec(insert(table).values(values).returning(key))  # type: ignore[call-overload]
        chunk_ids = sorted(int(i) for i in result.scalars().all())
        for row, row_id in zip(part, chunk_ids, strict=True):
            row.id = row_id  # type: ignore[attr-defined]
        ids.extend(chunk_ids)
    return ids
