"""The update processor: one update at a time here, one per chat across every worker.

python-telegram-bot's update processor is the one hook that wraps the whole processing of an
update: before its first handler group and after its last, even when a handler stops the
groups (``ApplicationHandlerStop``) or raises. A handler in an early group could load the
state, but nothing in a handler can hold a lock across the later groups and write the state
back after them. So the lock, the loading and the writing back live here (bot/persistence/flows.py).

Updates of different chats run concurrently, ``concurrency`` at a time; each chat's (and
person's) run one by one, in the order they arrived: an update takes its chat's turn
(``Flows.turn``, first come first served) the moment its task starts (PTB starts them in the
order it received the updates), and only then waits for one of the ``concurrency`` slots.
PTB's own semaphore is set wide open so that it never reorders them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.persistence.flows import Flows

OPEN = 100_000  # PTB's semaphore: never the one that makes an update wait


class FlowOrder(BaseUpdateProcessor):
    def __init__(self, flows: Flows, concurrency: int = 1) -> None:
        super().__init__(max_concurrent_updates=OPEN if concurrency > 1 else 1)
        self.flows = flows
        self.slots = asyncio.Semaphore(concurrency)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.flows.turn(update), self.slots:
            await self.flows.process(update, coroutine)

    async def initialize(self) -> None:
        """Nothing to allocate: the lock's connection is taken per update."""

    async def shutdown(self) -> None:
        """Nothing to free."""
