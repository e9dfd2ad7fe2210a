"""Half-filled flows in the database: they survive a restart and continue on any worker.

- store.py: python-telegram-bot's persistence on our tables (storage/flow_state.py),
  write-through, nothing loaded up front;
- flows.py: around each update, the chat's steps loaded into the ConversationHandlers and
  written back; the conversation timeouts, from the database, fired once across workers;
- order.py: the update processor that runs each update under its chat's lock, different
  chats' concurrently.

``install`` wires the three into an ApplicationBuilder; ``Flows.attach`` once it is built.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ApplicationBuilder

from bot.persistence.flows import Flows, OnLoad, ReadsOnly
from bot.persistence.order import FlowOrder
from bot.persistence.store import DatabasePersistence
from storage.db import Database


def install(
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any],
    db: Database,
    *,
    conversation_timeout_s: float | None,
    concurrency: int = 1,
    on_load: OnLoad | None = None,
    reads_only: ReadsOnly | None = None,
) -> Flows:
    flows = Flows(
        db, conversation_timeout_s=conversation_timeout_s, on_load=on_load, reads_only=reads_only
    )
    builder.persistence(flows.persistence).concurrent_updates(FlowOrder(flows, concurrency))
    return flows


__all__ = ["DatabasePersistence", "FlowOrder", "Flows", "install"]
