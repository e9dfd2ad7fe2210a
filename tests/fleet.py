"""A fleet of real worker processes on one PostgreSQL database and one Redis, behind one
webhook entry: the emulator posts each update to the next worker in turn (it stands in for
the reverse proxy) and enforces Telegram's send limits.

Each worker is ``python run_bot.py`` in webhook mode on its own port, as
``run_bot.py --webhook --workers N`` starts them; the first registers the webhook.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.devtools.emulator import BotApiEmulator, FaultKind, InjectedFault
from domain.enums import RequestStatus
from storage import outbox, people
from storage.db import Database
from storage.models import HelpRequest, OutboxMessage
from storage.types import utcnow
from tests.databases import empty_tables
from tests.factories import RIYADH
from tests.processes import BotProcess, free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "fleet-webhook-secret"
WAIT_S = 90.0  # a deadline against hanging only; every wait is on a condition


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def tcp_ports_of(pid: int) -> set[int]:
    """The local TCP ports of the sockets process ``pid`` holds (Linux /proc): which worker
    made a call, seen from the emulator's side of the connection."""
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                parts = line.split()
                if parts[9] in inodes:
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


@dataclass
class Fleet:
    emu: BotApiEmulator
    db: Database
    workers: list[BotProcess]
    urls: list[str]

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait for ``condition`` (re-checked whenever the emulator's state changes)."""
        try:
            await self.emu._wait_until(lambda: True if condition() else None, WAIT_S)
        except TimeoutError:
            logs = "\n".join(w.output[-3000:] for w in self.workers)
            raise AssertionError(f"never: {what}\n{logs}") from None

    async def until_db(self, query: Callable[[], object], what: str) -> None:
        """Wait for an async database condition, polled."""
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not await query():  # type: ignore[misc]
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"never: {what}")
            await asyncio.sleep(0.1)

    def rate_limited(self) -> list[InjectedFault]:
        """The 429s the emulator answered because the fleet went over Telegram's limits."""
        return [f for f in self.emu.faults_injected if f.kind == FaultKind.RATE_LIMITED]

    async def outbox_drained(self) -> bool:
        async with self.db.session() as s:
            return await outbox.depth(s) == 0

    def kill(self, index: int) -> None:
        proc = self.workers[index].proc
        assert proc is not None
        proc.send_signal(signal.SIGKILL)


def worker_env(
    emu: BotApiEmulator, pg_url: str, port: int, *, register: bool, **extra: str
) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": emu.token,
        "TELEGRAM_BASE_URL": emu.base_url,
        "TELEGRAM_BASE_FILE_URL": emu.base_file_url,
        "DATABASE_URL": pg_url,
        "WEBHOOK_URL": "https://musaada.example.org/telegram",  # the proxy's public URL
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_REGISTER": "1" if register else "0",
        "RATE_LIMIT_REDIS_URL": REDIS_URL,
        "AUTO_VERIFY_VOLUNTEERS": "1",
        **extra,
    }


@asynccontextmanager
async def fleet(
    pg_url: str | None, tmp_path: Path, n: int = 3, **extra: str
) -> AsyncIterator[Fleet]:
    """``n`` workers behind one webhook entry, started and registered; stopped at the end."""
    if pg_url is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    db = Database(pg_url)
    await empty_tables(db)
    # A bot id of its own: the limiter's keys in Redis are per bot, and other runs share Redis.
    bot_id = 700_000_000 + uuid.uuid4().int % 100_000_000
    emu = BotApiEmulator(token=f"{bot_id}:FLEET-TOKEN", bot_username="musaada_bot")
    await emu.start()
    emu.enforce_limits()
    ports = [free_port() for _ in range(n)]
    urls = [f"http://127.0.0.1:{p}/telegram" for p in ports]
    emu.deliver_webhook(urls)
    workers = [
        BotProcess(worker_env(emu, pg_url, port, register=i == 0, **extra), tmp_path)
        for i, port in enumerate(ports)
    ]
    for worker in workers:
        worker.start_timeout = WAIT_S  # three interpreters starting at once on two cores
    try:
        for worker in workers:
            await worker.start()
        for worker in workers:
            await worker.line_with("serving HTTP on")
        box = Fleet(emu, db, workers, urls)
        await box.until(lambda: emu.webhook is not None, "setWebhook")
        yield box
    finally:
        for worker in workers:
            await worker.close()
        await emu.stop()
        await empty_tables(db)
        await db.dispose()


async def seed_jobs(
    box: Fleet, *, citizens: Sequence[int], volunteers: Sequence[int], on_scene: bool = False
) -> list[int]:
    """Assigned (or on-scene) requests, one per volunteer, the citizens taking turns as
    requesters, with no timer yet; the emulator knows every chat. Returns the request ids."""
    now = utcnow()
    for pid in (*citizens, *volunteers):
        box.emu.user(pid, first_name=f"P{pid}", language_code="en")
    async with box.db.session() as s:
        for pid in (*citizens, *volunteers):
            await people.upsert_person(
                s, person_id=pid, chat_id=pid, first_name=f"P{pid}", username=None,
                telegram_language="en",
            )  # fmt: skip
        rows = [
            HelpRequest(
                requester_id=citizens[i % len(citizens)],
                incident="fire",
                lat=RIYADH.lat,
                lon=RIYADH.lon,
                area="Riyadh",
                status=RequestStatus.ON_SCENE if on_scene else RequestStatus.ASSIGNED,
                volunteer_id=vid,
                wave=1,
                created_at=now,
                assigned_at=now,
                arrived_at=now if on_scene else None,
            )
            for i, vid in enumerate(volunteers)
        ]
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows if r.id is not None]


async def make_due(box: Fleet, ids: Sequence[int], *, spread_s: float = 0.0) -> None:
    """Their timers fall due: all at once (one UPDATE), or one after another over ``spread_s``."""
    now = utcnow()
    async with box.db.session() as s:
        if not spread_s:
            await s.exec(
                update(HelpRequest)
                .where(col(HelpRequest.id).in_(list(ids)))
                .values(next_timer_at=now - timedelta(seconds=1))
            )
            return
        step = spread_s / max(1, len(ids) - 1)
        for i, rid in enumerate(ids):
            await s.exec(
                update(HelpRequest)
                .where(col(HelpRequest.id) == rid)
                .values(next_timer_at=now + timedelta(seconds=i * step))
            )


async def pending_rows(box: Fleet) -> list[OutboxMessage]:
    async with box.db.session() as s:
        rows = await s.exec(select(OutboxMessage).where(OutboxMessage.status == outbox.PENDING))
        return list(rows.all())
