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
from bot.devtools.emulator import BotApiEmulator, EmuUser
from bot.settings import Settings
from storage.db import Database

TOKEN = "123456:EMULATOR-TOKEN"


@dataclass
class Sandbox:
    emu: BotApiEmulator
    app: Application[Any, Any, Any, Any, Any, Any]
    db: Database
    settings: Settings

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until the bot handled every update, stopped talking and wrote queued positions.

        The emulator sees what the bot fetched and sent; a handler that is still working
        (a slow commit on a busy machine) can be silent for longer than any quiet period,
        so the Application's own count of unfinished updates is waited for as well, and the
        outbox's sender must be idle.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = max(0.1, deadline - asyncio.get_running_loop().time())
            await self.emu.idle(timeout=left)
            await asyncio.wait_for(self.app.update_queue.join(), left)
            if self.app.update_queue.empty() and self.emu.quiet_now():
                if self._sender_idle():
                    break
                if asyncio.get_running_loop().time() >= deadline:
                    raise AssertionError(f"the outbox's sender still busy after {timeout}s")
                await asyncio.sleep(0.02)  # its next call makes the emulator busy again
        await self.app.bot_data["positions"].flush()

    def _sender_idle(self) -> bool:
        """The outbox's sender is not in the middle of a batch (a sweep that took a unit of
        work's rows says them after that update finished, paced by the send budget)."""
        sender = self.app.bot_data.get("sender")
        return sender is None or sender.idle()


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
