"""The send budget, spent in priority order: what leaves first when Telegram's limits bind.

Telegram lets a bot send about 30 messages a second in all. In a surge the bot has more to
say than that, and python-telegram-bot's limiters admit calls in the order they arrive, so a
citizen's courtesy message could take the slot of a first alert to a volunteer. Here every
call addressed to a chat takes a slot from :class:`PriorityLimiter` first, which hands slots
out at ``rate`` a second to the most urgent waiter:

1. first alerts of life-threatening types, then other first alerts, then later waves'
   alerts (``storage.outbox`` classes), the request that has waited longest first, and
   within a request in the order they were written (nearest first);
2. a handler's own reply to someone who is acting now (the next step of a flow): behind the
   first alerts, before later waves' alerts; in the flow of a life-threatening request
   (``urgent_chat``, from bot/persistence/urgency.py) right behind the life-threatening
   first alerts, before other first alerts: that reply is what leads to the next first
   alert of a fire. The update waits for it, holding one of the
   slots updates are processed in (``UPDATE_CONCURRENCY``): left behind every status notice,
   it would keep the next citizen's request from being created at all;
3. then everything else (a citizen's status, an edit of a taken alert) in arrival order; one
   slot in ``1 / status_share`` goes to that class whenever it waits, so it is queued behind
   first alerts but never starved.

The outbox's sender names a notice's urgency with ``rate_limit_args`` (an :class:`Urgency`);
calls without one are replies. The slots are paced one at a time (no burst), so no sliding
second holds more than ``rate`` + 1 sends. Sends with ``allow_paid_broadcast`` (a
major-incident area's alerts and call-outs with PAID_BROADCAST on, bot/services/major.py)
take slots from a second, faster budget (``paid_rate``: PAID_BROADCAST_PER_S; Telegram allows
up to 1,000 a second for a fee per message), so they neither wait behind nor crowd out the
ordinary ones.

Telegram also asks for no more than one message a second to one private chat. PTB's limiter
does not hold a bot to that (Telegram tolerates short bursts), and the emulator, which holds
the documented rule strictly, answers such a burst with 429. ``chat_gap_s`` (CHAT_PACE_S)
makes this limiter keep the rule itself: a private chat's next message waits until that long
after its previous one was answered, holding no slot of the budget meanwhile, so it neither
draws a 429 nor delays other chats. Off by default, because it costs a second between a
volunteer's job and its location; the fleet's Redis limiter counts per chat already.

The wrapped limiter (PTB's ``AIORateLimiter``, or the fleet's Redis one) still applies
Telegram's other limits and retries a 429. With several workers each paces its own slots
here and the fleet's limiter (bot/ratelimit.py) holds the whole fleet to Telegram's rate; a
worker whose share of that rate is below its own budget queues there, so this limiter hands
the fleet's limiter each call's key (``ranked``) and it gives its shared window's turns
within the worker in the same order (:class:`Turns`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseRateLimiter

STATUS = 3  # storage.outbox.STATUS: anything that is not an alert
PACE_MEMORY = 10_000  # chats whose last message time is kept before the past ones are dropped
URGENT_REPLY = 1  # a reply in a life-threatening request's flow: before other first alerts
REPLY = 2  # a handler's direct reply: with the later waves' alerts, before any status notice
Key = tuple[int, int, int]  # class, request (alerts), arrival: lower goes first
#: Arrival numbers, one sequence for the process: keys never tie.
arrivals = itertools.count()


@dataclass(frozen=True)
class Urgency:
    """How urgent one outbox notice is: its class and (alerts) its request, lower first."""

    klass: int
    request_id: int = 0


class Waiters:
    """Calls waiting for a turn, handed out by key with a share kept for status notices.

    Two heaps: alerts (and replies) by key, lower first; status notices by arrival. When both
    wait, one turn in ``1 / status_share`` goes to the oldest status notice."""

    def __init__(self, status_share: float) -> None:
        self.every = max(1, round(1 / status_share)) if status_share > 0 else 0
        self.alerts: list[tuple[Key, asyncio.Future[None]]] = []
        self.status: list[tuple[Key, asyncio.Future[None]]] = []
        self.granted = 0

    def __len__(self) -> int:
        return len(self.alerts) + len(self.status)

    def push(self, key: Key) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.alerts if key[0] < STATUS else self.status, (key, future))
        return future

    def grant(self) -> bool:
        """Let the next waiter go (cancelled waiters are dropped); False when none is left."""
        while self.alerts or self.status:
            status_turn = bool(self.every) and (self.granted + 1) % self.every == 0
            queue = self.status if self.status and (status_turn or not self.alerts) else self.alerts
            _key, future = heapq.heappop(queue)
            if not future.done():
                self.granted += 1
                future.set_result(None)
                return True
        return False


class _Gate:
    """One budget: ``rate`` slots a second, handed to waiters by key, a share kept for status."""

    def __init__(self, rate: float, status_share: float) -> None:
        self.rate = rate
        self.tokens = 1.0
        self.stamp = time.monotonic()
        self.queue = Waiters(status_share)
        self._pump: asyncio.Task[None] | None = None

    def waiting(self) -> int:
        return len(self.queue)

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(1.0, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    async def admit(self, key: Key) -> None:
        """Return when this call may go: at once when nobody waits and a slot is free."""
        self._refill()
        if not self.waiting() and self.tokens >= 1.0:
            self.tokens -= 1.0
            self.queue.granted += 1
            return
        future = self.queue.push(key)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    async def _serve(self) -> None:
        while self.waiting():
            self._refill()
            if self.tokens < 1.0:
                await asyncio.sleep((1.0 - self.tokens) / self.rate)
                continue
            if not self.queue.grant():
                return
            self.tokens -= 1.0


class Turns:
    """One at a time, the most urgent first (``Waiters``' order): a lock whose waiters queue
    by key. The fleet's limiter waits for room in Telegram's shared window under it
    (bot/ratelimit.py), so with several workers each still sends its own calls in priority
    order when the fleet's share, not its own budget, holds it back."""

    def __init__(self, status_share: float = 0.2) -> None:
        self.queue = Waiters(status_share)
        self.busy = False

    @contextlib.asynccontextmanager
    async def turn(self, key: Key) -> AsyncIterator[None]:
        if self.busy or len(self.queue):
            future = self.queue.push(key)
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._pass_on()  # granted as it was cancelled: the turn goes on
                raise
        self.busy = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        self.busy = self.queue.grant()


class ChatPace:
    """At least ``gap_s`` from one message to a private chat being answered to the next one
    leaving (messages to one chat go one by one, in the order they asked)."""

    def __init__(self, gap_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.gap_s = gap_s
        self.clock = clock
        self._free_at: dict[int, float] = {}  # a chat's next message may leave then
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with self._locks.setdefault(chat_id, asyncio.Lock()):
                wait = self._free_at.get(chat_id, 0.0) - self.clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    yield
                finally:
                    self._free_at[chat_id] = self.clock() + self.gap_s
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]
            if len(self._free_at) > PACE_MEMORY:
                now = self.clock()
                self._free_at = {c: t for c, t in self._free_at.items() if t > now}


def _paced(endpoint: str, chat_id: int) -> bool:
    """A new message to a private chat (what Telegram's one-a-second rule counts)."""
    name = endpoint.lower()
    return chat_id > 0 and name.startswith("send") and name != "sendchataction"


class PriorityLimiter(BaseRateLimiter[Any]):
    """A slot from the budget in priority order, then the wrapped limiter (module docstring)."""

    def __init__(
        self,
        inner: BaseRateLimiter[Any],
        *,
        rate: float,
        paid_rate: float = 1000.0,
        status_share: float = 0.2,
        chat_gap_s: float = 0.0,
    ) -> None:
        self.inner = inner
        self.free = _Gate(rate, status_share)
        self.paid = _Gate(paid_rate, status_share)
        self.pace = ChatPace(chat_gap_s) if chat_gap_s > 0 else None
        self.urgent_chat: Callable[[int], bool] | None = None  # set by bot/app.py

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    def waiting(self) -> int:
        """Calls waiting for a slot now (the sender's measure of a surge)."""
        return self.free.waiting() + self.paid.waiting()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        urgency = rate_limit_args if isinstance(rate_limit_args, Urgency) else None
        chat_id = data.get("chat_id")
        async with self._pacing(endpoint, chat_id):
            key = await self._slot(chat_id, urgency, paid=bool(data.get("allow_paid_broadcast")))
            inner_args = None if urgency is not None else rate_limit_args
            if getattr(self.inner, "ranked", False):
                inner_args = key  # its turns in the fleet's window in the same order (Turns)
            return await self.inner.process_request(
                callback, args, kwargs, endpoint, data, inner_args
            )

    def _pacing(self, endpoint: str, chat_id: Any) -> contextlib.AbstractAsyncContextManager[None]:
        """A private chat's turn for a new message (CHAT_PACE_S), or nothing to wait for."""
        if self.pace is not None and isinstance(chat_id, int) and _paced(endpoint, chat_id):
            return self.pace.turn(chat_id)
        return contextlib.nullcontext()

    async def _slot(self, chat_id: Any, urgency: Urgency | None, *, paid: bool) -> Key:
        """A call addressed to a chat waits for its slot of the budget; its key either way."""
        if chat_id is None:
            return (REPLY, 0, next(arrivals))
        klass, request = (urgency.klass, urgency.request_id) if urgency else (REPLY, 0)
        if urgency is None and self._urgent(chat_id):
            klass = URGENT_REPLY
        key = (klass, request if klass < STATUS else 0, next(arrivals))
        await (self.paid if paid else self.free).admit(key)
        return key

    def _urgent(self, chat_id: Any) -> bool:
        return (
            isinstance(chat_id, int) and self.urgent_chat is not None and self.urgent_chat(chat_id)
        )


def waiting_of(limiters: Iterable[object]) -> int:
    """How many calls wait for a slot in whichever of these is a PriorityLimiter."""
    return sum(x.waiting() for x in limiters if isinstance(x, PriorityLimiter))
