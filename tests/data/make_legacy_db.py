"""Make the databases 'written by the version before migrations existed', from that very version.

The committed files under tests/data/ were made by this script; tests/test_migrations.py adopts
them. It checks out storage/ as it was at commit 26da1bc (the last one whose schema came from
``create_all`` alone) into a temporary folder, and runs that code, not ours, to create the
tables and write rows into every one of them:

    python tests/data/make_legacy_db.py sqlite      # -> tests/data/legacy_26da1bc.sqlite
    python tests/data/make_legacy_db.py postgresql  # -> tests/data/legacy_26da1bc.postgresql.sql

The PostgreSQL side is a plain-SQL ``pg_dump --inserts`` of a database that code wrote (the
server on 127.0.0.1:5432, TEST_PG_ADMIN_URL to point elsewhere); the test loads it into a new
database. Needs git (with the commit) and, for PostgreSQL, pg_dump.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

COMMIT = "26da1bc"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SQLITE_FILE = HERE / f"legacy_{COMMIT}.sqlite"
PG_DUMP_FILE = HERE / f"legacy_{COMMIT}.postgresql.sql"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Runs inside the old checkout: its storage package, its models, its create_all.
WRITER = '''
import asyncio, sys
from datetime import datetime, timedelta, timezone
from storage.db import Database
from storage.models import AuditEvent, HelpRequest, HourCredit, Offer, Person, Volunteer

T0 = datetime(2026, 11, 20, 9, 30, 15, 250000, tzinfo=timezone.utc)

async def main(url):
    db = Database(url)
    await db.create_all()
    async with db.session() as s:
        s.add_all([
            Person(id=5_000_000_001, chat_id=5_000_000_001, first_name="فاطمة", username="fatima",
                   telegram_language="ar", language="ar", created_at=T0),
            Person(id=42, chat_id=42, first_name="Omar", telegram_language="en", blocked=True,
                   created_at=T0 + timedelta(minutes=1)),
            Person(id=7_700_000_002, chat_id=-1_001_234_567_890, first_name="", created_at=T0),
        ])
        await s.flush()
        s.add_all([
            Volunteer(person_id=42, status="verified", conduct_accepted_at=T0,
                      submitted_at=T0 + timedelta(minutes=2), verified_at=T0 + timedelta(minutes=5),
                      verified_by=7_700_000_002, skills=0b1011, equipment=0b101, on_duty=True,
                      lat=24.7136, lon=46.6753, cell=123_456_789_012, position_at=T0,
                      live_until=T0 + timedelta(hours=8), phone="+966500000000", share_phone=True,
                      radius_km=12.5, quiet_start_min=1380, quiet_end_min=360,
                      max_alerts_per_hour=4, busy_request_id=1, created_at=T0),
            Volunteer(person_id=7_700_000_002, created_at=T0,
                      stale_notified_at=T0 + timedelta(days=1)),
        ])
        await s.flush()
        s.add_all([
            HelpRequest(requester_id=5_000_000_001, incident="fire", lat=24.7, lon=46.68,
                        area="الرياض", description="دخان في المطبخ", status="confirmed", wave=2,
                        volunteer_id=42, created_at=T0, assigned_at=T0 + timedelta(seconds=40),
                        arrived_at=T0 + timedelta(minutes=9), done_at=T0 + timedelta(minutes=50),
                        closed_at=T0 + timedelta(hours=1)),
            HelpRequest(requester_id=5_000_000_001, incident="lost_desert", lat=23.1, lon=47.2,
                        status="dispatching", wave=1, next_timer_at=T0 + timedelta(seconds=80),
                        created_at=T0 + timedelta(hours=2)),
        ])
        await s.flush()
        s.add_all([
            Offer(request_id=1, volunteer_id=42, wave=1, distance_m=1830, status="accepted",
                  chat_id=42, message_id=901, sent_at=T0, answered_at=T0 + timedelta(seconds=40)),
            Offer(request_id=2, volunteer_id=7_700_000_002, wave=1, distance_m=48_210,
                  sent_at=T0 + timedelta(hours=2)),
            HourCredit(volunteer_id=42, request_id=1, minutes=50, status="confirmed",
                       decided_by=5_000_000_001, created_at=T0 + timedelta(minutes=50),
                       decided_at=T0 + timedelta(hours=1)),
            AuditEvent(at=T0, actor_id=5_000_000_001, request_id=1, kind="created",
                       detail="incident=fire"),
            AuditEvent(at=T0 + timedelta(seconds=40), actor_id=42, request_id=1, kind="accepted"),
            AuditEvent(at=T0 + timedelta(minutes=5), actor_id=7_700_000_002, kind="verified",
                       detail="volunteer=42"),
        ])
    await db.dispose()

asyncio.run(main(sys.argv[1]))
'''


def run_old_code(url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", COMMIT, "storage"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": tmp}
        subprocess.run([sys.executable, "-c", WRITER, url], cwd=tmp, env=env, check=True)


def make_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    run_old_code(f"sqlite:///{SQLITE_FILE}")


def make_postgresql() -> None:
    name = f"musaada_legacy_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    subprocess.run(["psql", PG_ADMIN_URL, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    try:
        run_old_code(f"{base}/{name}")
        dump = subprocess.run(
            ["pg_dump", "--inserts", "--no-owner", "--no-privileges", f"{base}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run(["psql", PG_ADMIN_URL, "-qc", f'DROP DATABASE "{name}"'], check=True)
    # psql meta-commands (\restrict in recent pg_dump releases) are not SQL: the test loads the
    # dump through a driver, not psql.
    lines = [line for line in dump.splitlines() if not line.startswith("\\")]
    PG_DUMP_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    which = sys.argv[1:] or ["sqlite", "postgresql"]
    for backend in which:
        {"sqlite": make_sqlite, "postgresql": make_postgresql}[backend]()
        print(f"made the {backend} database from {COMMIT}")
