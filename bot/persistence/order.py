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
PTB's own semaphore is set wide open so that it never reorders them. The slots go earliest
deadline first (bot/persistence/urgency.py): a life-threatening request's steps before a
breakdown's, a person's before a live location's next position; the deadline is set when the
update arrives, so the time it waits for its chat's turn counts too.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.persistence.flows import Flows
from bot.persistence.urgency import DeadlineSlots, UpdateUrgency

OPEN = 100_000  # PTB's semaphore: never the one that makes an update wait


class FlowOrder(BaseUpdateProcessor):
    def __init__(self, flows: Flows, concurrency: int = 1) -> None:
        super().__init__(max_concurrent_updates=OPEN if concurrency > 1 else 1)
        self.flows = flows
        self.slots = DeadlineSlots(concurrency)
        self.urgency = UpdateUrgency()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        deadline = self.slots.clock() + self.urgency.allowance(update)
        async with self.flows.turn(update), self.slots.slot(deadline):
            await self.flows.process(update, coroutine)

    async def initialize(self) -> None:
        """Nothing to allocate: the lock's connection is taken per update."""

    async def shutdown(self) -> None:
        """Nothing to free."""
