"""Digests through the real Application and the emulator: on demand, as a photo, within
Telegram's limits, once per period with two workers and after a restart, and never to a
leader who blocked the bot or was removed meanwhile."""

from __future__ import annotations

import asyncio
import struct
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import build_application
from bot.devtools.sandbox import TOKEN, Sandbox, start_app, stop_app
from bot.handlers import digests as digest_jobs
from bot.handlers import outbox
from bot.handlers.outbox import Sender
from bot.services import digests
from bot.services.digests import DigestConfig
from bot.services.notices import Notice, Recipient
from bot.services.notices.teams import DailyDigest
from storage import digests as dstore
from storage import teams as tstore
from storage.db import Database
from storage.people import get_person
from storage.team_models import TeamLeader
from storage.types import utcnow
from tests.team_helpers import LEADER_A, LEADER_B, OPERATOR, hello, make_team

pytestmark = pytest.mark.sandbox(operator_ids=frozenset({OPERATOR}))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def named_long_ago(box: Sandbox) -> None:
    """Leaders named a fortnight ago: every period now due is theirs. The box's own periodic
    check is stopped first, so the runs the test makes are the only ones that queue them."""
    assert box.app.job_queue is not None
    for job in box.app.job_queue.get_jobs_by_name(digest_jobs.JOB_NAME):
        job.schedule_removal()
    async with box.db.session() as s:
        await s.exec(update(TeamLeader).values(named_at=utcnow() - timedelta(days=14)))


def digests_to(box: Sandbox, chat_id: int) -> tuple[list[str], list[dict[str, object]]]:
    chat = box.emu.chat(chat_id)
    texts = [m.text or "" for m in chat.messages if (m.text or "").startswith("📋")]
    photos = [m.photo for m in chat.messages if m.photo is not None]
    return texts, photos


def worker(box: Sandbox) -> tuple[Sender, DigestConfig]:
    """This box's outbox sender and digest settings: what the periodic check runs with."""
    return outbox.sender_of(box.app.bot_data), box.app.bot_data["digest_cfg"]


async def test_digest_on_demand_daily_and_weekly_in_the_leaders_language(box: Sandbox) -> None:
    leader = await hello(box, LEADER_A, "Huda", lang="ar")
    outsider = await hello(box, 5, "Eve")
    await make_team(box, "الصقور", LEADER_A)
    await leader.send("/digest")
    # Waited for, not read after settle: the outbox's sweep may be the one to say it.
    daily = await leader.wait_for("يوم هادئ")  # a quiet day
    assert "الصقور" in (daily.text or "")
    await leader.send("/digest week")
    photo = await leader.wait_for(lambda m: m.photo is not None, timeout=15.0)
    assert photo.photo is not None and "الملخص الأسبوعي" in (photo.caption or "")
    assert png_size(photo.photo["content"]) == (800, 450)
    await outsider.send("/digest")
    await box.settle()
    assert "do not lead" in (outsider.last.text or "")


async def test_a_long_digest_is_split_within_telegrams_limit(box: Sandbox) -> None:
    await hello(box, LEADER_A, "Huda")
    names = tuple(f"Volunteer-with-a-long-name-{i:03d}" for i in range(300))
    notice = Notice(
        Recipient(LEADER_A, LEADER_A, "en"),
        DailyDigest(team="Falcons", until=utcnow(), members=300, on_duty=0, pending=names),
    )
    said = await outbox.say(box.app.bot, notice)
    messages = said.messages
    assert said.chars > 4096 and messages >= 2
    sent = box.emu.chat(LEADER_A).messages[-messages:]
    assert all(len(m.text or "") <= 4096 for m in sent)
    assert all(name in "".join(m.text or "" for m in sent) for name in names)


async def test_each_period_goes_out_once_with_two_workers_and_after_a_restart(
    box: Sandbox,
) -> None:
    await hello(box, LEADER_A, "Huda")
    await make_team(box, "Falcons", LEADER_A)
    await named_long_ago(box)
    # A second worker: another Application on the same database and the same Bot API.
    second_db = Database(box.settings.database_url)
    second = build_application(box.settings, second_db, token=TOKEN)
    await second.initialize()
    try:
        cfg = box.app.bot_data["cfg"]
        sender, dcfg = worker(box)
        results = await asyncio.gather(
            digest_jobs.run_due(sender, cfg, dcfg),
            digest_jobs.run_due(outbox.sender_of(second.bot_data), cfg, dcfg),
            digest_jobs.run_due(sender, cfg, dcfg),
        )
    finally:
        await second.shutdown()
        await second_db.dispose()
    await box.settle()
    assert sorted(k.split(":")[0] for r in results for k in r) == ["daily", "weekly"]
    texts, photos = digests_to(box, LEADER_A)
    assert len(texts) == 1 and len(photos) == 1

    # A restart: a new Application on the same database finds both periods recorded.
    await stop_app(box.app)
    box.app = await start_app(box.settings, box.db)
    assert await digest_jobs.run_due(outbox.sender_of(box.app.bot_data), cfg, dcfg) == []
    await box.settle()
    assert digests_to(box, LEADER_A) == (texts, photos)
    async with box.db.session() as s:
        assert await dstore.sent_count(s, leader_id=LEADER_A) == 2


async def test_a_leader_who_blocked_the_bot_is_skipped_and_recorded(box: Sandbox) -> None:
    await hello(box, LEADER_A, "Huda")
    await hello(box, LEADER_B, "Omar")
    team = await make_team(box, "Falcons", LEADER_A)
    async with box.db.session() as s:
        await tstore.add_leader(s, team_id=team, person_id=LEADER_B, named_by=OPERATOR, at=utcnow())
    await named_long_ago(box)
    box.emu.block(LEADER_B)
    sender, dcfg = worker(box)
    queued = await digest_jobs.run_due(sender, box.app.bot_data["cfg"], dcfg)
    await box.settle()
    assert sorted(k.split(":")[2] for k in queued) == [str(LEADER_A)] * 2 + [str(LEADER_B)] * 2
    async with box.db.session() as s:
        due = await digests.due(s, dcfg, now=utcnow())
        records = await dstore.records(s, queued)
        omar = await get_person(s, LEADER_B)
    by_leader = sorted((r.leader_id, r.status) for r in records.values())
    assert due == [] and by_leader == [(LEADER_A, "sent")] * 2 + [(LEADER_B, "blocked")] * 2
    assert omar is not None and omar.blocked
    assert len(digests_to(box, LEADER_A)[0]) == 1 and digests_to(box, LEADER_B) == ([], [])


async def test_a_leader_removed_while_the_digest_is_built_gets_nothing(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hello(box, LEADER_A, "Huda")
    team = await make_team(box, "Falcons", LEADER_A)
    await named_long_ago(box)
    real_build = digests.build

    async def build_then_removed(session: AsyncSession, *args: Any, **kwargs: Any) -> Notice | None:
        notice = await real_build(session, *args, **kwargs)
        if notice is not None:  # built for a leader...
            # ...whom an operator removes before the digest is queued (SQLite lets one writer
            # at a time: the removal rides on the digest's own transaction, not after it).
            await tstore.remove_leader(session, team_id=team, person_id=LEADER_A)
        return notice

    monkeypatch.setattr(digests, "build", build_then_removed)
    sender, dcfg = worker(box)
    async with box.db.session() as s:
        keys = [d.key for d in await digests.due(s, dcfg, now=utcnow())]
    assert await digest_jobs.run_due(sender, box.app.bot_data["cfg"], dcfg) == []
    await box.settle()
    assert digests_to(box, LEADER_A) == ([], [])
    async with box.db.session() as s:
        assert await dstore.sent_count(s) == 0
        records = await dstore.records(s, keys)
    # Both periods recorded as not_leader: nobody is due any more, and nothing waits.
    assert len(keys) == 2 and [r.status for r in records.values()] == ["not_leader"] * 2
