"""What a database's schema is, read from its own catalog, so two schemas can be compared.

Alembic's ``compare_metadata`` is the check that the models and the revisions agree, but it
does not look at a partial index's WHERE, at PostgreSQL's INCLUDE list, or at how a key is
generated. The snapshot does: columns (type, nullability, default), every constraint and every
index with its full definition, from ``PRAGMA`` on SQLite and from ``pg_catalog`` on PostgreSQL.
Column order is left out on purpose: a column added by a revision comes last, the same column
declared in the middle of a model comes in the middle, and nothing in the code depends on it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, MetaData, create_engine, text

VERSION_TABLE = "alembic_version"

Snapshot = dict[str, Any]


def snapshot(conn: Connection) -> Snapshot:
    """The schema of the database ``conn`` is on (its current schema on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        return _sqlite_snapshot(conn)
    if conn.dialect.name == "postgresql":
        return _postgresql_snapshot(conn)
    raise NotImplementedError(f"no schema snapshot for {conn.dialect.name}")


def snapshot_of(metadata: MetaData, conn: Connection) -> Snapshot:
    """The schema ``metadata.create_all`` makes on ``conn``'s backend, built where it harms nothing.

    SQLite: a scratch in-memory database. PostgreSQL: a scratch schema inside a savepoint that is
    rolled back (DDL is transactional there), so the database ``conn`` is on is left as it was.
    """
    if conn.dialect.name == "sqlite":
        scratch = create_engine("sqlite://")
        try:
            with scratch.begin() as sconn:
                metadata.create_all(sconn)
                return _sqlite_snapshot(sconn)
        finally:
            scratch.dispose()
    nested = conn.begin_nested()
    try:
        conn.execute(text("CREATE SCHEMA musaada_scratch"))
        conn.execute(text("SET LOCAL search_path TO musaada_scratch"))
        metadata.create_all(conn)
        return _postgresql_snapshot(conn)
    finally:
        nested.rollback()


def differences(actual: Snapshot, expected: Snapshot) -> list[str]:
    """Human-readable lines, one per table or object that is not as expected (empty: the same)."""
    out: list[str] = []
    for table in sorted(set(actual) | set(expected)):
        if table not in actual:
            out.append(f"table {table} is missing")
        elif table not in expected:
            out.append(f"table {table} is not expected")
        else:
            for part in ("columns", "constraints", "indexes"):
                have, want = actual[table][part], expected[table][part]
                for key in sorted(set(have) | set(want), key=str):
                    if have.get(key) != want.get(key):
                        out.append(
                            f"{table} {_SINGULAR[part]} {key}: {have.get(key)!r}, expected {want.get(key)!r}"
                        )
    return out


_SINGULAR = {"columns": "column", "constraints": "constraint", "indexes": "index"}


def _squash(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def _sqlite_snapshot(conn: Connection) -> Snapshot:
    def rows(sql: str) -> list[Any]:
        return list(conn.exec_driver_sql(sql))

    names = [
        r[0]
        for r in rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if r[0] != VERSION_TABLE
    ]
    index_sql = {
        r[0]: r[1] for r in rows("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
    }
    out: Snapshot = {}
    for table in names:
        columns = {
            r[1]: {"type": r[2].upper(), "not_null": bool(r[3]), "default": r[4], "pk": r[5]}
            for r in rows(f'PRAGMA table_info("{table}")')
        }
        constraints = {
            f"fk:{r[3]}": (r[2], r[4], r[5], r[6], r[7])
            for r in rows(f'PRAGMA foreign_key_list("{table}")')
        }
        indexes: dict[str, Any] = {}
        for _seq, name, unique, origin, partial in rows(f'PRAGMA index_list("{table}")'):
            keys = [
                (r[2], r[3], r[4])
                for r in rows(f'PRAGMA index_xinfo("{name}")')
                if r[5]  # key columns only, not the rowid SQLite appends
            ]
            sql = _squash(index_sql.get(name))
            where = re.split(r"\sWHERE\s", sql, maxsplit=1, flags=re.I)[1:] if sql else []
            entry = {"unique": bool(unique), "partial": bool(partial), "keys": keys, "where": where}
            # SQLite names the indexes behind UNIQUE and PRIMARY KEY by position (sqlite_autoindex_x_1)
            key = name if origin == "c" else f"{origin}:{','.join(k[0] for k in keys)}"
            indexes[key] = entry
        out[table] = {"columns": columns, "constraints": constraints, "indexes": indexes}
    return out


_PG_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
"""
_PG_CONSTRAINTS = """
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema()
"""
_PG_INDEXES = """
SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
"""


def _postgresql_snapshot(conn: Connection) -> Snapshot:
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    out: Snapshot = {}

    def table(name: str) -> dict[str, Any]:
        return out.setdefault(name, {"columns": {}, "constraints": {}, "indexes": {}})

    for rel, col, type_, not_null, default, identity in conn.execute(text(_PG_COLUMNS)):
        if rel != VERSION_TABLE:
            table(rel)["columns"][col] = {
                "type": type_,
                "not_null": not_null,
                "default": default,
                "identity": identity,
            }
    for rel, name, definition in conn.execute(text(_PG_CONSTRAINTS)):
        if rel != VERSION_TABLE:
            table(rel)["constraints"][name] = definition
    for rel, name, definition in conn.execute(text(_PG_INDEXES)):
        if rel != VERSION_TABLE:
            # The definition names the table with its schema: the same index in another schema
            # (the scratch one snapshot_of uses) must compare equal.
            table(rel)["indexes"][name] = definition.replace(f" ON {schema}.", " ON ")
    return out
