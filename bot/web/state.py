"""What every dashboard route reaches: the database, the settings, and the bot's sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import delivery
from bot.services.config import DispatchConfig
from bot.services.notices import Outcome
from bot.settings import Settings
from storage.db import Database
from storage.types import utcnow


class Sender(Protocol):
    """The bot's outbox sender (bot/handlers/outbox.Sender), when the bot runs in this process."""

    def on_timers(self, changes: dict[int, datetime | None]) -> None: ...

    async def send(self, ids: Sequence[int] | None = None) -> None: ...


@dataclass
class Dash:
    db: Database
    settings: Settings
    cfg: DispatchConfig
    # None with ``run_bot.py --dashboard`` alone: the notices wait in the outbox and the
    # timers in their rows for the bot's workers, whose sweeps say and fire them.
    sender: Sender | None = None

    @property
    def secure(self) -> bool:
        return bool(
            self.settings.dashboard_url and self.settings.dashboard_url.startswith("https:")
        )

    async def run(
        self, use_case: Callable[[AsyncSession, datetime], Awaitable[Outcome]]
    ) -> Outcome:
        """One use case and its notices in one transaction (as the bot's handlers run theirs);
        then, with the bot in this process, the notices are said and the timers armed."""
        now = utcnow()
        async with self.db.session() as s:
            outcome = await use_case(s, now)
            ids = await delivery.enqueue(s, outcome.notices, now=now, request_id=outcome.request_id)
        if self.sender is not None:
            self.sender.on_timers(outcome.timers)
            await self.sender.send(ids)
        return outcome


DASH = web.AppKey("dash", Dash)


def dash_of(request: web.Request) -> Dash:
    return request.app[DASH]
