"""The real bot against the local Bot API emulator: for the offline demo and the end-to-end tests.

Nothing here is a mock: the Application, its HTTP client, the job queue and the
database are the production ones; only Telegram is replaced by
bot.devtools.emulator on 127.0.0.1, reached through TELEGRAM_BASE_URL as a self-hosted
Bot API server would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from telegram.ext import Application

from bot.app import build_application, start_application, stop_application
from bot.devtools.emulator import PATIENCE, BotApiEmulator, EmuUser
from bot.handlers import timers
from bot.settings import Settings
from storage.db import Database

TOKEN = "123456:EMULATOR-TOKEN"


@dataclass
class Sandbox:
    emu: BotApiEmulator
    app: Application[Any, Any, Any, Any, Any, Any]
    db: Database
    settings: Settings

    async def settle(self, timeout: float = PATIENCE) -> None:
        """Wait until the bot took every update, handled it, finished its background work,
        stopped talking, and wrote queued positions.

        Taken means confirmed, not just fetched: python-telegram-bot puts a batch on its
        update queue before it asks for the next one with a higher offset, and a busy
        machine can hold the batch between the two for longer than any quiet period. The
        Application's own count of unfinished updates is waited for next (a handler that is
        still working can be silent for long), and then the job queue's running jobs (the
        outbox sweep, the periodic checks), a pass over the due timers and the outbox's sender
        in the middle of a batch (a sweep that took a unit of work's rows says them after
        that update finished, paced by the send budget): each may still send. All of it must
        hold at one instant, or the wait starts over.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = max(0.1, deadline - loop.time())
            await self.emu.idle(timeout=left)
            while self.emu.pending_updates() or self.background_busy():
                if loop.time() > deadline:
                    raise AssertionError(
                        f"after {timeout}s: {self.emu.pending_updates()} update(s) not taken; "
                        f"running: {_running(self.app) or 'no job'}"
                        f"{', a timer pass' if timers.poller_of(self.app).busy else ''}"
                        f"{'' if self.app.bot_data['sender'].idle() else ', the sender'}"
                    )
                await asyncio.sleep(0.02)
            await asyncio.wait_for(self.app.update_queue.join(), left)
            if self.settled_now():
                # Positions still queued are written now; a batch written may move a
                # citizen's live copy of a volunteer approaching (dispatch/approach.py),
                # so the bot is waited for again until nothing was left to write.
                if not await self.app.bot_data["positions"].flush():
                    break

    def settled_now(self) -> bool:
        """Every update taken and handled, nothing in flight, no background work, now."""
        return (
            self.app.update_queue.empty()
            and self.emu.pending_updates() == 0
            and self.emu.quiet_now()
            and not self.background_busy()
        )

    def background_busy(self) -> bool:
        """A job-queue job is running, a pass over the due timers (bot/handlers/timers.py), or
        the outbox's sender is claiming or saying a batch."""
        sender = self.app.bot_data.get("sender")
        return (
            _jobs_running(self.app) > 0
            or timers.poller_of(self.app).busy
            or (sender is not None and not sender.idle())
        )


def _jobs_running(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """How many job-queue callbacks are running now.

    APScheduler counts each job's running instances in its executor (that is how it enforces
    ``max_instances``); python-telegram-bot awaits the callback inside that instance. The
    count is APScheduler 3's own bookkeeping, read here because it is the one exact answer.
    """
    return sum(_instances(app).values())


def _instances(app: Application[Any, Any, Any, Any, Any, Any]) -> dict[str, int]:
    if app.job_queue is None:
        return {}
    return dict(app.job_queue.scheduler._lookup_executor("default")._instances)


def _running(app: Application[Any, Any, Any, Any, Any, Any]) -> str:
    """The running jobs by name, for a message."""
    if app.job_queue is None:
        return ""
    scheduler = app.job_queue.scheduler
    running = [job_id for job_id, count in _instances(app).items() if count]
    return ", ".join(getattr(scheduler.get_job(i), "name", i) for i in running)


async def start_app(settings: Settings, db: Database) -> Application[Any, Any, Any, Any, Any, Any]:
    app = build_application(settings, db, token=TOKEN)

    async def start_polling() -> None:
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=1,
            allowed_updates=["message", "edited_message", "callback_query"],
        )

    await start_application(app, start_polling)
    return app


async def stop_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await stop_application(app)


@asynccontextmanager
async def sandbox(
    database_url: str, *, quiet_period: float | None = None, **overrides: Any
) -> AsyncIterator[Sandbox]:
    """``quiet_period``: how long the bot must stay silent for ``settle`` (the emulator's default
    when None); ``overrides`` are Settings fields."""
    emu = BotApiEmulator(token=TOKEN, bot_username="musaada_bot")
    if quiet_period is not None:
        emu.quiet_period = quiet_period
    await emu.start()
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=database_url,
        **overrides,
    )
    db = Database(settings.database_url)
    app = await start_app(settings, db)
    box = Sandbox(emu, app, db, settings)
    try:
        yield box
    finally:
        await stop_app(box.app)
        await db.dispose()
        await emu.stop()


async def register_volunteer(
    box: Sandbox,
    user: EmuUser,
    *,
    skills: list[str],
    equipment: list[int],
    at: tuple[float, float],
    phone: str | None = None,
) -> None:
    """Drive the volunteer sign-up through the real conversation, tap by tap."""
    await user.send("/volunteer")
    await box.settle()
    await user.press("conduct:ok")
    await box.settle()
    for skill in skills:
        await user.press(f"skill:{skill}")
        await box.settle()
    await user.press("skill:ok")
    await box.settle()
    for item in equipment:
        await user.press(f"equip:{item}")
        await box.settle()
    await user.press("equip:ok")
    await box.settle()
    await user.send_location(*at)
    await box.settle()
    if phone:
        await user.share_contact(phone)
        await box.settle()
        await user.press("pconsent:yes")  # sharing the contact alone is not consent
    else:
        last = user.last
        assert last is not None and last.reply_buttons, "expected the phone/skip keyboard"
        skip = next(
            b for b in last.reply_buttons if not b.startswith("📞") and not b.startswith("✖")
        )
        await user.send(skip)
    await box.settle()
