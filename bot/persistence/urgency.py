"""Which waiting update runs first: a life-threatening request's, then by how long each waited.

On a surge the updates of many chats queue for the ``UPDATE_CONCURRENCY`` slots
(bot/persistence/order.py), and that queue, not the send budget, is where a citizen spends
most of the wait for the first alert. So the slots are not first come, first served: each
update gets a deadline, the moment it arrived plus an allowance for its kind, and a freed slot
goes to the earliest deadline.

- A citizen in a flow for a life-threatening type (fire, drowning, …) has no allowance: the
  type is picked at the flow's first step, remembered here per chat, and every later step of
  that chat (the location, the details, Skip) is urgent too.
- Answers to alerts (Accept, Decline) come next: they are what gets a volunteer moving.
- Everything else a person sends waits up to a second behind them.
- Edits (a live location's next position) and membership changes can wait longest; a newer
  position supersedes an older one anyway.

Allowances, not strict classes: an update that has waited longer than the allowance
difference goes before a newer urgent one, so nothing is starved however long the surge.
A chat's own updates still run in the order they came (its turn is taken before its slot).
The send budget reads the same memory (bot/budget.py): under Telegram's limits a handler's
replies in such a chat's flow leave with the first alerts, not behind them.
The memory is this process's: in a fleet another worker may not know a chat's type, and its
steps then wait as any other (the outbox's priorities still order what they write).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telegram import Update

from bot.handlers.buttons.citizen import parse_incident
from bot.handlers.buttons.jobs import parse_offer
from domain.incidents import life_threatening

URGENT_S = 0.0  # a life-threatening request's steps
ANSWER_S = 0.5  # a volunteer's Accept or Decline
PERSON_S = 1.0  # anything else a person sends
BACKGROUND_S = 10.0  # edits (live locations), membership changes, polls
REMEMBER = 10_000  # chats whose last picked type is kept (the least recent forgotten first)


class UpdateUrgency:
    """Each update's allowance, and the type each chat picked last."""

    def __init__(self, remember: int = REMEMBER) -> None:
        self._urgent: OrderedDict[int, bool] = OrderedDict()
        self._remember = remember

    def allowance(self, update: object) -> float:
        """Seconds this update may wait behind others that arrived with it (0: none)."""
        if not isinstance(update, Update):
            return BACKGROUND_S
        chat = update.effective_chat
        query = update.callback_query
        choice = parse_incident(query.data) if query is not None else None
        if chat is not None and choice is not None:
            self._note(chat.id, life_threatening(choice.incident))
        if chat is not None and self._urgent.get(chat.id):
            return URGENT_S
        if query is not None and parse_offer(query.data) is not None:
            return ANSWER_S
        if update.message is not None or query is not None:
            return PERSON_S
        return BACKGROUND_S

    def urgent(self, chat_id: int) -> bool:
        """This chat's flow is for a life-threatening type (as far as this process knows)."""
        return bool(self._urgent.get(chat_id))

    def _note(self, chat_id: int, urgent: bool) -> None:
        self._urgent[chat_id] = urgent
        self._urgent.move_to_end(chat_id)
        while len(self._urgent) > self._remember:
            self._urgent.popitem(last=False)


class DeadlineSlots:
    """A semaphore whose waiters are served earliest deadline first (ties: in arrival order)."""

    def __init__(self, slots: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._free = slots
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.clock = clock

    @asynccontextmanager
    async def slot(self, deadline: float) -> AsyncIterator[None]:
        await self._acquire(deadline)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, deadline: float) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (deadline, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # handed the slot, then cancelled
                self._release()
            raise

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # a cancelled waiter's future is done: skip it
                turn.set_result(None)
                return
        self._free += 1
