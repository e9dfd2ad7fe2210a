"""The shared rate limiter (bot/ratelimit.py) against the emulator's enforced Telegram limits.

Two bots stand for two worker processes of one bot: each has its own limiter object, and only
Redis joins them. With the Redis limiter they stay under the limits together; with
python-telegram-bot's per-process AIORateLimiter the same burst draws 429s (the test can fail).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot

from bot.devtools.emulator import BotApiEmulator, FaultKind
from bot.ratelimit import RedisRateLimiter
from tests.fleet import REDIS_URL, redis_available

BURST_CHATS = 45  # more than 30 a second in all
ONE_CHAT = 4  # more than one a second to one chat


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    bot_id = 700_000_000 + uuid.uuid4().int % 100_000_000
    async with BotApiEmulator(token=f"{bot_id}:LIMITS") as e:
        e.enforce_limits()
        yield e


async def burst(emu: BotApiEmulator, limiters: list[BaseRateLimiter[int]]) -> list[object]:
    """The same burst from every bot at once: each says its share of it."""
    bots = [ExtBot(emu.token, base_url=emu.base_url, rate_limiter=rl) for rl in limiters]
    for bot in bots:
        await bot.initialize()
    calls = []
    for i in range(BURST_CHATS):
        emu.user(10_000 + i)
        calls.append(bots[i % len(bots)].send_message(10_000 + i, f"alert {i}"))
    emu.user(99)
    calls += [bots[i % len(bots)].send_message(99, f"update {i}") for i in range(ONE_CHAT)]
    try:
        return await asyncio.gather(*calls, return_exceptions=True)
    finally:
        for bot in bots:
            await bot.shutdown()


def rate_limited(emu: BotApiEmulator) -> int:
    return sum(1 for f in emu.faults_injected if f.kind == FaultKind.RATE_LIMITED)


def redis_limiter(emu: BotApiEmulator) -> RedisRateLimiter:
    return RedisRateLimiter(REDIS_URL, emu.token.split(":")[0])


async def test_two_processes_sharing_redis_stay_under_the_limits(emu: BotApiEmulator) -> None:
    results = await burst(emu, [redis_limiter(emu), redis_limiter(emu)])
    assert not [r for r in results if isinstance(r, BaseException)]
    assert rate_limited(emu) == 0
    assert len(emu.applied("sendMessage")) == BURST_CHATS + ONE_CHAT
    assert len(emu.applied("sendMessage", 99)) == ONE_CHAT


async def test_two_processes_limiting_themselves_go_over(emu: BotApiEmulator) -> None:
    """The control: each process keeps 30/s, so together they send more, and nothing limits
    one private chat to 1/s."""
    await burst(emu, [AIORateLimiter(max_retries=0), AIORateLimiter(max_retries=0)])
    assert rate_limited(emu) > 0


async def test_a_429_pauses_every_process(emu: BotApiEmulator) -> None:
    """Telegram's retry_after reaches the whole fleet through Redis, and the call is retried."""
    emu.user(7)
    emu.fail_next("sendMessage", retry_after=1)
    limiter = redis_limiter(emu)
    bot = ExtBot(emu.token, base_url=emu.base_url, rate_limiter=limiter)
    await bot.initialize()
    try:
        message = await bot.send_message(7, "after the wait")
        client = redis.Redis.from_url(REDIS_URL)
        paused_until = await client.get(f"{limiter.prefix}pause")
        await client.aclose()
    finally:
        await bot.shutdown()
    assert message.text == "after the wait"
    assert paused_until is not None  # the other workers read it before each call
    assert [c.ok for c in emu.calls_for("sendMessage")] == [False, True]


async def test_calls_to_no_chat_pass_and_messages_count_per_chat() -> None:
    limiter = RedisRateLimiter(REDIS_URL, 1)
    assert limiter.windows_of("getMe", None) == []
    assert [w[1:] for w in limiter.windows_of("sendMessage", 5)] == [(1, 1.0), (30, 1.0)]
    assert [w[1:] for w in limiter.windows_of("sendMessage", -100)] == [(20, 60.0), (30, 1.0)]
    assert [w[1:] for w in limiter.windows_of("editMessageText", 5)] == [(30, 1.0)]
