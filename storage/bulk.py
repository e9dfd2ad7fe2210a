"""Many new rows in one statement: ``INSERT … VALUES (…), (…) RETURNING id``.

Why not the ORM's ``add_all`` + ``flush``: on SQLite, SQLAlchemy cannot tell which generated id
belongs to which row of a batched INSERT (no "sentinel" for an integer key there), so it falls
back to one INSERT per row. A wave's alerts and their outbox rows were a dozen round trips
through the database thread where one does. The ids of one multi-row INSERT are given in the
order of its VALUES on both SQLite (each row takes the next rowid as it is inserted) and
PostgreSQL (the sequence is drawn row by row), so the sorted ids are the rows' ids in order:
an outbox row written first still leaves first.

The statement is SQL text with typed parameters, made once per table and number of rows:
SQLAlchemy does not cache the compilation of a multi-row ``insert().values([...])``, and
compiling it anew was about 0.25 ms a statement, a few per cent of a surge's whole CPU
(the typed parameters keep each column's conversions, so the rows are stored as before).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Table, TextualSelect, bindparam, text
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
    table: Table = type(rows[0]).__table__  # type: ignore[attr-defined]
    names = _names(table)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        values = {f"{name}_{i}": getattr(row, name) for i, row in enumerate(part) for name in names}
        result = await session.exec(_statement(table, len(part)), params=values)  # type: ignore[call-overload]
        chunk_ids = sorted(int(i) for i in result.scalars().all())
        for row, row_id in zip(part, chunk_ids, strict=True):
            row.id = row_id  # type: ignore[attr-defined]
        ids.extend(chunk_ids)
    return ids


def _names(table: Table) -> list[str]:
    return [c.name for c in table.columns if c is not table.c.id]


@functools.lru_cache(maxsize=4096)
def _statement(table: Table, count: int) -> TextualSelect:
    """``INSERT INTO table (…) VALUES (…) × count RETURNING id``, each parameter typed as its
    column."""
    names = _names(table)
    quoted = ", ".join(f'"{name}"' for name in names)
    rows = ", ".join("(" + ", ".join(f":{name}_{i}" for name in names) + ")" for i in range(count))
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES {rows} RETURNING "id"'
    params = [bindparam(f"{n}_{i}", type_=table.c[n].type) for i in range(count) for n in names]
    return text(sql).bindparams(*params).columns(table.c.id)
