"""The shared rate limiter (bot/ratelimit.py) against the emulator's enforced Telegram limits.

Two bots stand for two worker processes of one bot: each has its own limiter object, and only
Redis joins them. With the Redis limiter they stay under the limits together; with
python-telegram-bot's per-process AIORateLimiter the same burst draws 429s (the test can fail).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import redis.asyncio as redis
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot

from bot.budget import STATUS, PriorityLimiter, Urgency
from bot.devtools.emulator import BotApiEmulator, FaultKind, SendLimits
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


async def burst(emu: BotApiEmulator, limiters: Sequence[BaseRateLimiter[Any]]) -> list[object]:
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
    assert [w[1:] for w in limiter.windows_of("sendMessage", 5, paid=True)] == [
        (1, 1.0),
        (1000, 1.0),
    ]  # a paid broadcast: the paid window instead of the bot's 30 a second
    assert [w[1:] for w in limiter.windows_of("editMessageText", 5, paid=True)] == [(30, 1.0)]


async def test_paid_broadcasts_go_past_the_bots_rate_and_keep_the_paid_one(
    emu: BotApiEmulator,
) -> None:
    emu.enforce_limits(SendLimits(per_bot_per_s=5, per_bot_paid_per_s=1000))
    limiter = RedisRateLimiter(REDIS_URL, emu.token.split(":")[0], per_bot_per_s=5)
    bot = ExtBot(emu.token, base_url=emu.base_url, rate_limiter=limiter)
    await bot.initialize()
    chats = range(20_000, 20_020)
    for chat in chats:
        emu.user(chat)
    try:
        await asyncio.gather(
            *(bot.send_message(c, "paid", allow_paid_broadcast=True) for c in chats)
        )
    finally:
        await bot.shutdown()
    sent = sorted(c.at for c in emu.applied("sendMessage"))
    assert rate_limited(emu) == 0 and len(sent) == 20
    assert sum(1 for at in sent if at - sent[0] < 1.0) > 5  # more than the bot's 5 a second


async def test_workers_held_back_by_the_fleets_rate_still_send_in_priority_order(
    emu: BotApiEmulator,
) -> None:
    """Two workers, each with its own send budget (29 a second) in front of the shared
    limiter; the fleet may send 10 a second. Each worker's twelve status notices go first and
    queue in the shared limiter (the budget let them through, the window took ten of the 24
    at once); first alerts of a fire come next,
    and still leave before the status notices that were waiting ahead of them, the status
    share aside. In arrival order (the control) the last status notice would go first."""
    emu.enforce_limits(SendLimits(per_bot_per_s=10))
    bot_id = emu.token.split(":")[0]
    limiters = [
        PriorityLimiter(RedisRateLimiter(REDIS_URL, bot_id, per_bot_per_s=10), rate=29.0)
        for _ in range(2)
    ]
    bots = [ExtBot(emu.token, base_url=emu.base_url, rate_limiter=rl) for rl in limiters]
    for bot in bots:
        await bot.initialize()

    def send(w: int, kind: str, i: int, urgency: Urgency) -> Any:
        chat = 30_000 + w * 100 + (0 if kind == "status" else 50) + i
        emu.user(chat)
        return bots[w].send_message(chat, f"{w}-{kind}-{i}", rate_limit_args=urgency)

    try:
        first = [send(w, "status", i, Urgency(STATUS)) for w in (0, 1) for i in range(12)]
        statuses = asyncio.gather(*first)
        await asyncio.sleep(0.5)  # the budget let them all through: they wait in the fleet's
        alerts = [send(w, "alert", i, Urgency(0, 1)) for w in (0, 1) for i in range(8)]
        await asyncio.gather(statuses, *alerts)
    finally:
        for bot in bots:
            await bot.shutdown()
    assert rate_limited(emu) == 0  # the fleet's rate held
    applied = sorted(emu.applied("sendMessage"), key=lambda c: c.at)
    assert len(applied) == 40
    for w in (0, 1):
        order = [
            str(c.params["text"]) for c in applied if str(c.params["text"]).startswith(f"{w}-")
        ]
        last_alert = max(i for i, t in enumerate(order) if "-alert-" in t)
        after = [t for t in order[last_alert:] if "-status-" in t]
        assert len(after) >= 2, order  # status notices waiting since before were passed


# --- one private chat, one message a second (CHAT_PACE_S; bot/budget.py ChatPace) ---------


async def _one_chat_burst(chat_gap_s: float) -> tuple[int, list[object], list[str]]:
    """Three messages to one person and one to each of five others, at once, from one bot
    whose budget keeps (or not) the one-a-second rule; 429s are not retried here."""
    async with BotApiEmulator(token="700000001:PACE") as e:
        e.enforce_limits()
        limiter = PriorityLimiter(AIORateLimiter(max_retries=0), rate=29.0, chat_gap_s=chat_gap_s)
        bot = ExtBot(e.token, base_url=e.base_url, rate_limiter=limiter)
        await bot.initialize()
        person = e.user(99)
        for i in range(5):
            e.user(200 + i)
        calls = [bot.send_message(99, f"update {i}") for i in range(3)]
        calls += [bot.send_message(200 + i, f"alert {i}") for i in range(5)]
        try:
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            await bot.shutdown()
        return e.answered_429, list(results), [m.text or "" for m in person.messages]


async def test_with_chat_pace_a_burst_to_one_person_draws_no_429_and_keeps_its_order() -> None:
    status_429, results, said = await _one_chat_burst(1.0)
    assert status_429 == 0
    assert not [r for r in results if isinstance(r, Exception)]
    assert said == ["update 0", "update 1", "update 2"]


async def test_without_chat_pace_the_same_burst_draws_429s() -> None:
    status_429, results, _ = await _one_chat_burst(0.0)
    assert status_429 >= 2 and len([r for r in results if isinstance(r, Exception)]) >= 2


async def test_chat_pace_holds_only_new_messages_to_one_private_chat() -> None:
    from tests.test_surge import Through

    limiter = PriorityLimiter(Through(), rate=1000.0, chat_gap_s=0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    at: dict[str, float] = {}

    async def send(name: str) -> None:
        at[name] = loop.time() - start

    def call(name: str, endpoint: str, chat_id: int) -> Any:
        data = {"chat_id": chat_id}
        return limiter.process_request(send, (name,), {}, endpoint, data, Urgency(STATUS, 0))

    await asyncio.gather(
        call("a1", "sendMessage", 5),
        call("a2", "sendLocation", 5),
        call("b1", "sendMessage", 6),
        call("edit", "editMessageText", 5),
        call("typing", "sendChatAction", 5),
        call("group1", "sendMessage", -100),
        call("group2", "sendMessage", -100),
    )
    assert at["a2"] - at["a1"] >= 0.3  # the same person: a gap
    assert max(at[n] for n in ("a1", "b1", "edit", "typing", "group1", "group2")) < 0.2
    assert not limiter.pace or not limiter.pace._locks  # nothing kept once nobody waits
