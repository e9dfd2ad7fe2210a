"""Telegram's send limits for the whole fleet: one limiter in Redis that every worker asks.

Telegram counts per bot, not per process: about 30 messages a second in all, one a second
to one private chat, 20 a minute to one group, and answers 429 beyond. python-telegram-bot's
``AIORateLimiter`` keeps its windows in one process's memory, so N workers would send N times
too much; it stays the default for one process. With ``RATE_LIMIT_REDIS_URL`` set, every
call goes through :class:`RedisRateLimiter` instead.

The windows are sorted sets in Redis, one per bot and per chat, each member one call. A call
is admitted by a Lua script (atomic on the server, one round trip) when every window it
counts in has room; it then enters the window *in flight*, scored in the future, and when
Telegram has answered, its score becomes the time of the answer. Telegram received the call
at some moment before that answer, so a window counted on answer times never holds fewer
calls than Telegram counted, whatever the network's delay: no safety margin to guess. A
worker killed mid-call leaves its entry in flight; it expires after ``LEASE_S``.

What counts where: every call to a chat (sends, edits, deletions) counts for the bot's
30/s, as ``AIORateLimiter`` does; messages sent (``send*``, ``copy*``, ``forward*``) also
count for their chat's window. ``getUpdates``, ``answerCallbackQuery`` and calls to no chat
pass at once. A 429 that still arrives (Telegram's limits are not published exactly) pauses
the whole fleet for its ``retry_after``, and the call is tried again (``max_retries``).

Within one process waiters queue locally (one per chat, then one for the bot's window), so
Redis sees one poller per process and window, not one per waiting message. The bot window's
local queue is the send budget's order (bot/budget.py hands each call's key down as
``rate_limit_args``: first alerts, life-threatening first, before status notices, which keep
a share), so a worker held back by the fleet's rate still sends in priority order. Sends
with ``allow_paid_broadcast`` count in a window of their own (``per_bot_paid_per_s``,
PAID_BROADCAST_PER_S; Telegram's paid broadcasts go up to 1,000 a second) instead of the
bot's 30 a second, the chat's window as usual. If Redis goes away, calls pass unthrottled (a
warning says so): a 429 is retried, a message never sent is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.budget import REPLY, Key, Turns, arrivals

log = logging.getLogger(__name__)

LEASE_S = 15.0  # an entry in flight longer than this is taken for a dead worker's
POLL_S = 0.05  # wait when the window is full of calls still in flight (their end unknown)
WARN_EVERY_S = 60.0
POOL_SIZE = 16  # connections to Redis per process

# KEYS: pause, window; ARGV: member, limit, span, lease, poll. Returns "0" (admitted) or the
# seconds to wait, as a string (Lua numbers become integers on the way back).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return tostring(pause - now) end
local limit, span = tonumber(ARGV[2]), tonumber(ARGV[3])
local lease, poll = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - span)
local n = redis.call('ZCARD', KEYS[2])
if n >= limit then
  local e = redis.call('ZRANGE', KEYS[2], n - limit, n - limit, 'WITHSCORES')
  local at = tonumber(e[2])
  if at > now then return tostring(poll) end
  return tostring(math.max(at + span - now, 0.001))
end
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[2], math.ceil((span + lease) * 1000))
return '0'
"""

# KEYS: windows the call entered; ARGV: member. Its score becomes the answer's time.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1]) end
return 0
"""

# KEYS: pause; ARGV: seconds. The fleet waits at least this long from now.
_PAUSE = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local was = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > was then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 0
"""

Window = tuple[str, int, float]  # key, limit, span (s)


def _is_message(endpoint: str) -> bool:
    name = endpoint.lower()
    return name.startswith(("send", "copy", "forward")) and name != "sendchataction"


class RedisRateLimiter(BaseRateLimiter[int | Key]):
    """``BaseRateLimiter`` on Redis: the same windows for every worker of one bot.

    ``rate_limit_args``: retries (an int, as PTB's limiters take), or the send budget's key
    for the call (``ranked``: bot/budget.py passes it)."""

    ranked = True

    def __init__(
        self,
        url: str,
        bot_id: int | str,
        *,
        per_bot_per_s: int = 30,
        per_chat_per_s: int = 1,
        per_group_per_min: int = 20,
        per_bot_paid_per_s: int = 1000,
        status_share: float = 0.2,
        max_retries: int = 3,
        client: redis.Redis | None = None,
    ) -> None:
        self.url = url
        self.prefix = f"musaada:limits:{bot_id}:"
        self.limits = (per_bot_per_s, per_chat_per_s, per_group_per_min)
        self.paid_per_s = per_bot_paid_per_s
        self.max_retries = max_retries
        self._client = client
        self._scripts: dict[str, Any] = {}
        self._local_bot = Turns(status_share)  # the bot's window: in the send budget's order
        self._local_paid = Turns(status_share)
        self._local_chats: dict[int | str, asyncio.Lock] = {}
        self._warned_at = 0.0

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            # Blocking: a burst of waiters queues for a connection instead of failing with
            # "too many connections" (and then passing unthrottled).
            pool = redis.BlockingConnectionPool.from_url(
                self.url, max_connections=POOL_SIZE, timeout=10
            )
            self._client = redis.Redis(connection_pool=pool)
        return self._client

    async def initialize(self) -> None:
        """Fail at start-up when the Redis named in the settings does not answer."""
        await self.client.ping()
        for name, source in (("acquire", _ACQUIRE), ("release", _RELEASE), ("pause", _PAUSE)):
            self._scripts[name] = self.client.register_script(source)

    async def shutdown(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def windows_of(
        self, endpoint: str, chat_id: int | str | None, *, paid: bool = False
    ) -> list[Window]:
        """The windows a call counts in: the chat's (messages only), then the bot's (a paid
        broadcast's: the bot's paid window)."""
        if chat_id is None:
            return []
        per_bot, per_chat, per_group = self.limits
        found: list[Window] = []
        if _is_message(endpoint):
            group = isinstance(chat_id, str) or chat_id < 0
            key = f"{self.prefix}chat:{chat_id}"
            found.append((key, per_group, 60.0) if group else (key, per_chat, 1.0))
        if paid and _is_message(endpoint):
            found.append((f"{self.prefix}paid", self.paid_per_s, 1.0))
        else:
            found.append((f"{self.prefix}bot", per_bot, 1.0))
        return found

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Key | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        windows = self.windows_of(endpoint, chat_id, paid=bool(data.get("allow_paid_broadcast")))
        retries = rate_limit_args if isinstance(rate_limit_args, int) else self.max_retries
        rank = rate_limit_args if isinstance(rate_limit_args, tuple) else None
        rank = rank or (REPLY, 0, next(arrivals))  # no key: in arrival order
        for attempt in range(retries + 1):
            try:
                async with self._admitted(windows, chat_id, rank):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                await self._pause(seconds)
                if attempt == retries:
                    raise
                log.info("Telegram asked the fleet to wait %.1f s (%s)", seconds, endpoint)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.asynccontextmanager
    async def _admitted(
        self, windows: list[Window], chat_id: object, rank: Key
    ) -> AsyncIterator[None]:
        """Inside: the call is counted in every window; on leaving, at the answer's time."""
        member = uuid.uuid4().hex
        entered: list[str] = []
        try:
            await self._enter_all(windows, member, entered, chat_id, rank)
            yield
        finally:
            if entered:
                await self._release(entered, member)

    async def _enter_all(
        self, windows: list[Window], member: str, entered: list[str], chat_id: object, rank: Key
    ) -> None:
        """Wait for room in each window in turn; on a Redis failure, pass unthrottled."""
        try:
            for key, limit, span in windows:
                lock = self._local_lock(key, chat_id, rank)
                async with lock:
                    await self._enter(key, limit, span, member)
                entered.append(key)
        except RedisError as exc:
            self._warn(exc)

    def _local_lock(
        self, key: str, chat_id: object, rank: Key
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """This process's queue for a window: the bot's (paid or not) by rank, a chat's FIFO."""
        if key.endswith(":bot"):
            return self._local_bot.turn(rank)
        if key.endswith(":paid"):
            return self._local_paid.turn(rank)
        return self._chat_lock(chat_id)

    def _chat_lock(self, chat_id: object) -> asyncio.Lock:
        key = chat_id if isinstance(chat_id, int | str) else str(chat_id)
        lock = self._local_chats.get(key)
        if lock is None:
            if len(self._local_chats) > 10_000:  # forget idle chats' locks
                self._local_chats = {k: v for k, v in self._local_chats.items() if v.locked()}
            lock = self._local_chats[key] = asyncio.Lock()
        return lock

    async def _enter(self, key: str, limit: int, span: float, member: str) -> None:
        acquire = self._scripts["acquire"]
        pause_key = f"{self.prefix}pause"
        while True:
            wait = float(
                await acquire(keys=[pause_key, key], args=[member, limit, span, LEASE_S, POLL_S])
            )
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _release(self, keys: list[str], member: str) -> None:
        try:
            await self._scripts["release"](keys=keys, args=[member])
        except RedisError as exc:  # the entries expire after LEASE_S
            self._warn(exc)

    async def _pause(self, seconds: float) -> None:
        try:
            await self._scripts["pause"](keys=[f"{self.prefix}pause"], args=[seconds])
        except RedisError as exc:
            self._warn(exc)
            await asyncio.sleep(seconds)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning("the shared rate limiter's Redis failed (%s): sending unthrottled", exc)
