"""The update processor: one update at a time here, one per chat across every worker.

python-telegram-bot's update processor is the one hook that wraps the whole processing of an
update: before its first handler group and after its last, even when a handler stops the
groups (``ApplicationHandlerStop``) or raises. A handler in an early group could load the
state, but nothing in a handler can hold a lock across the later groups and write the state
back after them. So the lock, the loading and the writing back live here (bot/persistence/flows.py).

``max_concurrent_updates=1``: as PTB's default (``concurrent_updates`` off), a process handles
its updates one by one, in the order it received them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.persistence.flows import Flows


class FlowOrder(BaseUpdateProcessor):
    def __init__(self, flows: Flows) -> None:
        super().__init__(max_concurrent_updates=1)
        self.flows = flows

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.flows.process(update, coroutine)

    async def initialize(self) -> None:
        """Nothing to allocate: the lock's connection is taken per update."""

    async def shutdown(self) -> None:
        """Nothing to free."""
