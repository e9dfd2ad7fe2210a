"""Digests through the real Application and the emulator: on demand, as a photo, within
Telegram's limits, once per period with two workers and after a restart, and never to a
leader who blocked the bot or was removed meanwhile."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.app import build_application
from bot.devtools.sandbox import TOKEN, Sandbox, sandbox, start_app, stop_app
from bot.handlers import digests as digest_jobs
from bot.services import digests
from bot.services.notices import Notice, Recipient
from bot.services.team_notices import DailyDigest
from domain.enums import DigestStatus
from storage import digests as dstore
from storage import teams as tstore
from storage.db import Database
from storage.people import get_person
from storage.team_models import TeamLeader
from storage.types import utcnow
from tests.factories import RIYADH
from tests.test_e2e_teams import LEADER_A, LEADER_B, OPERATOR, hello, make_team

HERE = (RIYADH.lat, RIYADH.lon)  # type: ignore[union-attr]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def box(tmp_path) -> AsyncIterator[Sandbox]:  # type: ignore[no-untyped-def]
    async with sandbox(f"sqlite:///{tmp_path}/dg.db", operator_ids=frozenset({OPERATOR})) as b:
        yield b


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def named_long_ago(db: Database) -> None:
    """Leaders named a fortnight ago: every period now due is theirs."""
    async with db.session() as s:
        await s.exec(update(TeamLeader).values(named_at=utcnow() - timedelta(days=14)))  # type: ignore[call-overload]


def digests_to(box: Sandbox, chat_id: int) -> tuple[list[str], list[dict[str, object]]]:
    chat = box.emu.chat(chat_id)
    texts = [m.text or "" for m in chat.messages if (m.text or "").startswith("📋")]
    photos = [m.photo for m in chat.messages if m.photo is not None]
    return texts, photos  # type: ignore[return-value]


async def test_digest_on_demand_daily_and_weekly_in_the_leaders_language(box: Sandbox) -> None:
    leader = await hello(box, LEADER_A, "Huda", lang="ar")
    outsider = await hello(box, 5, "Eve")
    await make_team(box, "الصقور", LEADER_A)
    await leader.send("/digest")
    await box.settle()
    assert "الصقور" in (leader.last.text or "") and "يوم هادئ" in (leader.last.text or "")
    await leader.send("/digest week")
    await box.settle()
    photo = leader.last
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
    status, messages, chars = await digest_jobs.send(box.app.bot, notice)
    assert chars > 4096 and messages >= 2
    assert status == DigestStatus.SENT
    sent = box.emu.chat(LEADER_A).messages[-messages:]
    assert all(len(m.text or "") <= 4096 for m in sent)
    assert all(name in "".join(m.text or "" for m in sent) for name in names)


async def test_each_period_goes_out_once_with_two_workers_and_after_a_restart(
    box: Sandbox,
) -> None:
    await hello(box, LEADER_A, "Huda")
    await make_team(box, "Falcons", LEADER_A)
    await named_long_ago(box.db)
    # A second worker: another Application on the same database and the same Bot API.
    second_db = Database(box.settings.database_url)
    second = build_application(box.settings, second_db, token=TOKEN)
    await second.initialize()
    try:
        cfg, dcfg = box.app.bot_data["cfg"], box.app.bot_data["digest_cfg"]
        results = await asyncio.gather(
            digest_jobs.run_due(box.app.bot, box.db, cfg, dcfg),
            digest_jobs.run_due(second.bot, second_db, cfg, dcfg),
            digest_jobs.run_due(box.app.bot, box.db, cfg, dcfg),
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
    assert await digest_jobs.run_due(box.app.bot, box.db, cfg, dcfg) == []
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
    await named_long_ago(box.db)
    box.emu.block(LEADER_B)
    cfg, dcfg = box.app.bot_data["cfg"], box.app.bot_data["digest_cfg"]
    sent = await digest_jobs.run_due(box.app.bot, box.db, cfg, dcfg)
    await box.settle()
    assert sorted(k.split(":")[2] for k in sent) == [str(LEADER_A)] * 2
    async with box.db.session() as s:
        due = await digests.due(s, dcfg, now=utcnow())
        records = await dstore.records(
            s, [k.replace(f":{LEADER_A}:", f":{LEADER_B}:") for k in sent]
        )
        omar = await get_person(s, LEADER_B)
    assert due == [] and [r.status for r in records.values()] == ["blocked", "blocked"]
    assert omar is not None and omar.blocked


async def test_a_leader_removed_while_the_digest_is_built_gets_nothing(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hello(box, LEADER_A, "Huda")
    team = await make_team(box, "Falcons", LEADER_A)
    await named_long_ago(box.db)
    real_build = digests.build

    async def build_then_removed(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        notice = await real_build(session, *args, **kwargs)
        assert notice is not None  # built for a leader...
        # ...whom an operator removes before it is sent (SQLite lets one writer at a time:
        # the removal rides on the build's own transaction rather than wait for it).
        await tstore.remove_leader(session, team_id=team, person_id=LEADER_A)
        return notice

    monkeypatch.setattr(digests, "build", build_then_removed)
    cfg, dcfg = box.app.bot_data["cfg"], box.app.bot_data["digest_cfg"]
    assert await digest_jobs.run_due(box.app.bot, box.db, cfg, dcfg) == []
    await box.settle()
    assert digests_to(box, LEADER_A) == ([], [])
    async with box.db.session() as s:
        assert await dstore.sent_count(s) == 0
    async with box.db.session() as s:
        records = await dstore.records(s, [d.key for d in await digests.due(s, dcfg, now=utcnow())])
    assert records == {}  # both periods recorded as not_leader: nobody is due any more
