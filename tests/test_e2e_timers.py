"""Timers through the real JobQueue: start-up (polling and webhook), late start, the sweep,
reminders, auto-confirm and the ladder stopping on accept.

Volunteers are written straight into the database; requests are created through the
dispatch service (or through Telegram), and everything after that runs in the real
Application against the Bot API emulator.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.app import build_application, start_application, stop_application
from bot.devtools.emulator import BotApiEmulator, EmuUser
from bot.devtools.sandbox import TOKEN, Sandbox
from bot.handlers import timers
from bot.services import dispatch
from bot.services.config import DispatchConfig
from bot.settings import Settings
from bot.webhook import SECRET_HEADER, run_webhook
from domain.enums import CreditStatus, RequestStatus
from domain.incidents import IncidentType
from storage import requests
from storage.audit import timeline
from storage.db import Database
from storage.models import HourCredit
from storage.types import utcnow
from tests.e2e_helpers import (
    HERE,
    QUIET_PERIOD,
    accept_alert,
    add_volunteers,
    e2e_sandbox,
    offers_to,
    request_help,
    status_of,
)
from tests.factories import offset, person, volunteer
from tests.outcomes import timer_of

OPS = -100777


async def overdue_request(db: Database, settings: Settings, *, due_ago_s: float = 5.0) -> int:
    """A fire request near volunteer 10 (alerted in wave 1) whose wave-2 timer is overdue:
    volunteer 11, 7 km away, is only reached by wave 2."""
    cfg = DispatchConfig.from_settings(settings)
    then = utcnow() - timedelta(seconds=cfg.wave_timeout_s + due_ago_s)
    await person(db, 1, name="Noura")
    for pid, km in ((10, 0.5), (11, 7.0)):
        await volunteer(db, pid, offset(*HERE, km), then)
    async with db.session() as s:
        out = await dispatch.create_request(
            s,
            cfg,
            requester_id=1,
            incident=IncidentType.FIRE,
            lat=HERE[0],
            lon=HERE[1],
            description=None,
            now=then,
        )
    assert out.request_id is not None and out.timers[out.request_id] is not None
    assert timer_of(out, out.request_id) < utcnow()
    return out.request_id


async def wave_of(db: Database, rid: int = 1) -> int:
    async with db.session() as s:
        req = await requests.get_request(s, rid)
        assert req is not None
        return req.wave


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="musaada_bot", quiet_period=QUIET_PERIOD)
    await emulator.start()
    for pid in (1, 10, 11):
        emulator.user(pid, first_name=f"U{pid}", language_code="en")
    try:
        yield emulator
    finally:
        await emulator.stop()


def emu_settings(emu: BotApiEmulator, database_url: str, **overrides: Any) -> Settings:
    return Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=database_url,
        **overrides,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- start-up -------------------------------------------------------------------------------


async def test_webhook_mode_runs_startup_and_rebuilds_timers(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    settings = emu_settings(
        emu,
        f"sqlite:///{tmp_path}/webhook.db",
        wave_timeout_s=1.0,
        webhook_url="https://bot.example/telegram",
        webhook_secret=SecretStr("s3cret"),
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    db = Database(settings.database_url)
    await db.create_all()
    await overdue_request(db, settings)
    app = build_application(settings, db, token=TOKEN)
    stop = asyncio.Event()
    server = asyncio.create_task(run_webhook(app, settings, stop))
    try:
        # The wave timer that came due while the bot was down fires right after start-up.
        await emu.user(11).wait_for(lambda m: bool(m.button_data))
        assert emu.webhook is not None and emu.webhook["url"] == "https://bot.example/telegram"
        assert emu.commands_for(None, "en")  # the command menus were published (post_init)
        # Updates posted to the webhook are handled; a wrong secret is refused.
        user = emu.user(1)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(utcnow().timestamp()),
                "chat": user.chat_json(),
                "from": user.user_json(),
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as resp:
                assert resp.status == 403
            async with http.post(url, json=update, headers={SECRET_HEADER: "s3cret"}) as resp:
                assert resp.status == 200
        await user.wait_for(lambda m: bool(m.reply_buttons))
        await emu.idle()
        assert len(offers_to(emu, 11)) == 1
        assert await wave_of(db) == 2
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)
        await db.dispose()
    assert not app.running  # shut down cleanly when asked


async def test_overdue_timer_fires_once_despite_slow_startup(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    """post_init schedules the overdue timer before the JobQueue starts; a start-up that takes
    longer than APScheduler's default misfire grace (1 s) must not drop it."""
    settings = emu_settings(emu, f"sqlite:///{tmp_path}/slow.db", wave_timeout_s=30.0)
    db = Database(settings.database_url)
    await db.create_all()
    await overdue_request(db, settings)
    app = build_application(settings, db, token=TOKEN)

    async def slow_start_polling() -> None:
        await asyncio.sleep(1.5)  # e.g. deleteWebhook retried at start-up
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)

    await start_application(app, slow_start_polling)
    try:
        await emu.user(11).wait_for(lambda m: bool(m.button_data))
        await emu.idle()
        assert len(offers_to(emu, 11)) == 1
        assert await wave_of(db) == 2
    finally:
        await stop_application(app)
        await db.dispose()


async def test_a_timer_no_job_was_armed_for_fires_from_the_database(tmp_path: Path) -> None:
    """No wake-up was armed (the handler died between commit and schedule, or another worker
    set the timer): the poll over the rows fires it."""
    async with e2e_sandbox(tmp_path, wave_timeout_s=0.5, timer_poll_s=0.2) as box:
        for pid, km in ((10, 0.5), (11, 7.0)):
            box.emu.user(pid, first_name=f"V{pid}", language_code="en")
            await volunteer(box.db, pid, offset(*HERE, km), utcnow())
        await person(box.db, 1)
        box.emu.user(1, first_name="Noura", language_code="en")
        async with box.db.session() as s:
            out = await dispatch.create_request(
                s,
                box.app.bot_data["cfg"],
                requester_id=1,
                incident=IncidentType.FIRE,
                lat=HERE[0],
                lon=HERE[1],
                description=None,
                now=utcnow(),
            )
        assert out.request_id == 1
        # The timer is never scheduled (as if the handler died between commit and schedule).
        assert box.app.job_queue is not None
        assert not box.app.job_queue.get_jobs_by_name(timers.job_name(1))
        await box.emu.user(11).wait_for(lambda m: bool(m.button_data))
        await box.settle()
        assert len(offers_to(box.emu, 11)) == 1


async def test_scheduling_twice_leaves_one_job(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path) as box:
        jq = box.app.job_queue
        assert jq is not None
        later = utcnow() + timedelta(hours=1)
        timers.schedule(box.app, {7: later})
        timers.schedule(box.app, {7: later + timedelta(seconds=5)})
        await asyncio.sleep(0)  # let APScheduler process the removal
        jobs = jq.get_jobs_by_name(timers.job_name(7))
        assert len(jobs) == 1 and jobs[0].next_t is not None
        assert abs((jobs[0].next_t - (later + timedelta(seconds=5))).total_seconds()) < 1
        assert jobs[0].job.misfire_grace_time is None  # a late timer still fires
        assert len(jq.get_jobs_by_name(timers.POLL_JOB)) == 1
        wakeups = timers.poller_of(box.app).wakeups
        assert list(wakeups) == [7] and wakeups[7] is jobs[0]  # found without a scan
        timers.schedule(box.app, {7: None})
        await asyncio.sleep(0)
        assert not jq.get_jobs_by_name(timers.job_name(7))
        assert not wakeups


async def test_a_wake_up_that_fired_is_forgotten(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path) as box:
        wakeups = timers.poller_of(box.app).wakeups
        timers.schedule(box.app, {8: utcnow()})
        assert 8 in wakeups
        await box.settle()  # the wake-up fired (a pass over the timers ran and finished)
        assert 8 not in wakeups  # one entry per pending job: nothing piles up on a surge
        timers.schedule(box.app, {8: utcnow() + timedelta(hours=1)})  # and it can come again
        assert box.app.job_queue is not None
        assert len(box.app.job_queue.get_jobs_by_name(timers.job_name(8))) == 1


# --- reminders, auto-confirm and the ladder through the JobQueue ----------------------------


async def assigned_job(
    box: Sandbox, *, volunteers: tuple[tuple[int, float], ...] = ((10, 0.5),)
) -> tuple[EmuUser, EmuUser]:
    """A citizen asks for help through Telegram and volunteer 10 accepts."""
    await add_volunteers(box, *volunteers)
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(box, citizen)
    vol = box.emu.user(10)
    await accept_alert(box, vol)
    assert await status_of(box) == RequestStatus.ASSIGNED
    return citizen, vol


async def test_an_unanswered_job_is_reminded_checked_and_given_to_another(tmp_path: Path) -> None:
    """Every step of the assigned schedule fires from the JobQueue: a reminder, the citizen
    asked whether help came, and with no answer the job taken back and re-dispatched."""
    async with e2e_sandbox(
        tmp_path,
        wave_timeout_s=30,
        arrival_reminder_s=0.3,
        arrival_reminders=1,
        help_check_wait_s=0.5,
    ) as box:
        citizen, vol = await assigned_job(box, volunteers=((10, 0.5), (11, 2.0)))
        v11 = box.emu.user(11)
        assert len(offers_to(box.emu, 11)) == 1  # wave 1 alerted both; 10 was faster
        asked = await vol.wait_for("have you arrived? Please send an update.")
        assert any("job:arr:1" in d for d in asked.button_data)
        await citizen.wait_for("is still on the way. We asked them for an update.")
        check = await citizen.wait_for("has the volunteer V10 reached you?")
        assert check.button_data == ["came:yes:1", "came:no:1", "req:cancel:1"]
        await vol.wait_for("so we asked the person whether help came")
        await vol.wait_for("was given to other volunteers")
        await citizen.wait_for("We took the job back from the volunteer and alerted 1")
        await v11.wait_for_count(2)
        await box.settle()
        assert len(offers_to(box.emu, 11)) == 2  # alerted again: 11 was only 'taken' before
        async with box.db.session() as s:
            kinds = [e.kind for e in await timeline(s, 1)]
            req = await requests.get_request(s, 1)
        assert kinds.count("arrival_reminder") == 1
        assert kinds[-3:] == ["help_check", "job_timed_out", "wave"]
        assert req is not None and req.status == RequestStatus.DISPATCHING
        assert req.next_timer_at is not None and req.volunteer_id is None
        assert box.app.job_queue is not None
        assert len(box.app.job_queue.get_jobs_by_name(timers.job_name(1))) == 1


async def test_the_citizen_answers_nobody_came(tmp_path: Path) -> None:
    async with e2e_sandbox(
        tmp_path,
        wave_timeout_s=30,
        arrival_reminder_s=0.3,
        arrival_reminders=0,
        help_check_wait_s=3600,
        ops_chat_id=OPS,
        ops_language="en",
    ) as box:
        ops = box.emu.group(OPS, "Command centre")
        citizen, vol = await assigned_job(box)
        await citizen.wait_for("has the volunteer V10 reached you?")
        await box.settle()
        await citizen.press("came:no:1")
        await box.settle()
        await vol.wait_for("The person said nobody came")
        # Nobody else to alert: the command centre has it, with the timeline.
        escalated = await ops.wait_for("Unanswered request #1")
        assert "The requester said nobody came: the job was taken back" in (escalated.text or "")
        await citizen.wait_for("The command centre is following up your request #1")
        assert await status_of(box) == RequestStatus.ESCALATED
        await citizen.press_data(citizen.messages[-1].message_id, "came:no:1")  # stale now
        await box.settle()
        answers = [c.params.get("text") for c in box.emu.calls_for("answerCallbackQuery")]
        assert answers[-1] == "This request has moved on; nothing was changed."


async def test_auto_confirm_after_done_credits_hours(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, wave_timeout_s=30, auto_confirm_s=0.5) as box:
        citizen, vol = await assigned_job(box)
        await vol.press("job:arr:1")
        await box.settle()
        await vol.press("job:done:1")
        await box.settle()
        await vol.wait_for("credited to your volunteer hours")
        await citizen.wait_for("Request #1 was closed as solved.")
        await box.settle()
        async with box.db.session() as s:
            assert await requests.credited_minutes(s, 10) == (1, 1)
            kinds = [e.kind for e in await timeline(s, 1)]
        assert await status_of(box) == RequestStatus.CONFIRMED
        assert kinds[-1] == "auto_confirmed"


async def test_disputed_request_is_not_auto_confirmed(tmp_path: Path) -> None:
    async with e2e_sandbox(tmp_path, wave_timeout_s=30, auto_confirm_s=1.0) as box:
        citizen, vol = await assigned_job(box)
        await vol.press("job:done:1")
        await box.settle()
        await citizen.press("req:no:1")
        await box.settle()
        await vol.wait_for("was not solved, so no hours were credited")
        assert box.app.job_queue is not None
        assert not box.app.job_queue.get_jobs_by_name(timers.job_name(1))
        await asyncio.sleep(1.5)  # past the auto-confirm time
        await box.settle()
        assert await status_of(box) == RequestStatus.DISPUTED
        assert not any("closed as solved" in (m.text or "") for m in citizen.messages)
        assert not any("credited to your volunteer hours" in (m.text or "") for m in vol.messages)
        async with box.db.session() as s:
            assert await requests.credited_minutes(s, 10) == (0, 0)
            credit = (await s.exec(select(HourCredit))).one()
        assert credit.status == CreditStatus.DISPUTED


async def test_accept_during_wave_two_stops_the_ladder(tmp_path: Path) -> None:
    async with e2e_sandbox(
        tmp_path,
        wave_timeout_s=2.0,
        arrival_reminder_s=3600,
        ops_chat_id=OPS,
        ops_language="en",
    ) as box:
        ops = box.emu.group(OPS, "Command centre")
        # Wave 1 (5 km) reaches 10, wave 2 (10 km) 11, wave 3 (15 km) 12.
        _v10, v11, v12 = await add_volunteers(box, (10, 0.5), (11, 7.0), (12, 12.0))
        citizen = box.emu.user(1, first_name="Noura", language_code="en")
        await request_help(box, citizen)
        assert len(offers_to(box.emu, 10)) == 1 and not offers_to(box.emu, 11)
        await v11.wait_for(lambda m: bool(m.button_data))  # wave 2
        await accept_alert(box, v11)
        assert await status_of(box) == RequestStatus.ASSIGNED
        # The wave timer was replaced by the arrival reminder, an hour away.
        assert box.app.job_queue is not None
        jobs = box.app.job_queue.get_jobs_by_name(timers.job_name(1))
        assert len(jobs) == 1 and jobs[0].next_t is not None
        assert jobs[0].next_t > utcnow() + timedelta(minutes=30)
        await asyncio.sleep(2.5)  # past the moment wave 3 would have been sent
        await box.settle()
        assert not offers_to(box.emu, 12) and not v12.messages
        assert not ops.messages
        assert await status_of(box) == RequestStatus.ASSIGNED
        async with box.db.session() as s:
            req = await requests.get_request(s, 1)
        assert req is not None and req.wave == 2 and req.volunteer_id == 11


async def test_every_job_runs_however_late(emu: BotApiEmulator, tmp_path: Path) -> None:
    """Jobs we schedule and jobs PTB schedules (conversation timeouts) never misfire away."""
    settings = emu_settings(emu, f"sqlite:///{tmp_path}/jobs.db")
    app = build_application(settings, Database(settings.database_url), token=TOKEN)
    assert app.job_queue is not None

    async def nothing(context: object) -> None:
        return None

    await app.initialize()
    await app.start()  # the scheduler applies its job defaults to jobs added while it runs
    try:
        job = app.job_queue.run_once(nothing, 60)
        assert job.job.misfire_grace_time is None
    finally:
        await app.stop()
        await app.shutdown()
