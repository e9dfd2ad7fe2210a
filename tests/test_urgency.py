"""Which waiting update runs first (bot/persistence/urgency.py, bot/persistence/order.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.persistence.order import FlowOrder
from bot.persistence.urgency import (
    ANSWER_S,
    BACKGROUND_S,
    PERSON_S,
    URGENT_S,
    DeadlineSlots,
    UpdateUrgency,
)

NOW = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private"}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "U"}


def message(chat_id: int, text: str = "hello", update_id: int = 1) -> Update:
    body = {"message_id": 1, "date": NOW, "chat": _chat(chat_id), "text": text}
    return Update.de_json(
        {"update_id": update_id, "message": {**body, "from": _user(chat_id)}}, None
    )


def press(chat_id: int, data: str, update_id: int = 1) -> Update:
    shown = {"message_id": 9, "date": NOW, "chat": _chat(chat_id), "text": "?"}
    query = {"id": "q", "from": _user(chat_id), "chat_instance": "c", "data": data}
    return Update.de_json(
        {"update_id": update_id, "callback_query": {**query, "message": shown}}, None
    )


def live_position(chat_id: int) -> Update:
    edited = {
        "message_id": 3,
        "date": NOW,
        "edit_date": NOW + 30,
        "chat": _chat(chat_id),
        "from": _user(chat_id),
        "location": {"latitude": 24.7, "longitude": 46.7, "live_period": 900},
    }
    return Update.de_json({"update_id": 5, "edited_message": edited}, None)


# --- the allowances --------------------------------------------------------------------------


def test_a_life_threatening_pick_makes_every_later_step_of_that_chat_urgent() -> None:
    u = UpdateUrgency()
    assert u.allowance(message(7, "/sos")) == PERSON_S  # the type is not known yet
    assert u.allowance(press(7, "inc:fire")) == URGENT_S
    assert u.allowance(message(7, "Skip")) == URGENT_S  # the details step says no type
    assert u.allowance(message(8, "Skip")) == PERSON_S  # another chat is not marked


def test_a_breakdown_pick_is_an_ordinary_step_and_clears_an_earlier_urgent_pick() -> None:
    u = UpdateUrgency()
    u.allowance(press(7, "inc:fire"))
    assert u.allowance(press(7, "inc:breakdown")) == PERSON_S
    assert u.allowance(message(7, "Skip")) == PERSON_S


def test_answers_to_alerts_come_before_other_steps_and_edits_last() -> None:
    u = UpdateUrgency()
    assert u.allowance(press(9, "offer:acc:12")) == ANSWER_S
    assert u.allowance(press(9, "offer:dec:12")) == ANSWER_S
    assert u.allowance(press(9, "offer:acc:notanumber")) == PERSON_S  # forged: no favour
    assert u.allowance(live_position(9)) == BACKGROUND_S
    assert u.allowance(object()) == BACKGROUND_S
    assert URGENT_S < ANSWER_S < PERSON_S < BACKGROUND_S


def test_the_memory_of_picks_is_bounded_the_least_recent_forgotten() -> None:
    u = UpdateUrgency(remember=2)
    u.allowance(press(1, "inc:fire"))
    u.allowance(press(2, "inc:fire"))
    u.allowance(message(1, "Skip"))  # reading does not refresh; picking does
    u.allowance(press(3, "inc:flood"))
    assert u.allowance(message(1, "Skip")) == PERSON_S
    assert u.allowance(message(2, "Skip")) == URGENT_S
    assert u.allowance(message(3, "Skip")) == URGENT_S


# --- the slots -------------------------------------------------------------------------------


async def _run_in_order(slots: DeadlineSlots, deadlines: list[float]) -> list[float]:
    """Hold the only slot, queue one waiter per deadline, free it: the order they ran in."""
    ran: list[float] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with slots.slot(0.0):
            await release.wait()

    async def waiter(deadline: float) -> None:
        async with slots.slot(deadline):
            ran.append(deadline)
            await asyncio.sleep(0)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(waiter(d)) for d in deadlines]
    await asyncio.sleep(0)
    assert ran == []  # all of them wait
    release.set()
    await asyncio.gather(first, *waiters)
    return ran


async def test_a_freed_slot_goes_to_the_earliest_deadline_ties_in_arrival_order() -> None:
    assert await _run_in_order(DeadlineSlots(1), [5.0, 1.0, 3.0, 1.0, 0.5]) == [
        0.5,
        1.0,
        1.0,
        3.0,
        5.0,
    ]


async def test_a_cancelled_waiter_takes_no_slot_and_a_cancelled_holder_frees_its_own() -> None:
    slots = DeadlineSlots(1)
    release = asyncio.Event()

    async def hold(deadline: float) -> None:
        async with slots.slot(deadline):
            await release.wait()

    holder = asyncio.create_task(hold(0.0))
    await asyncio.sleep(0)
    gone = asyncio.create_task(hold(1.0))
    later = asyncio.create_task(hold(2.0))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    holder.cancel()  # it held the slot: cancelling it hands the slot on, to ``later``
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not later.done()
    release.set()
    await asyncio.wait_for(later, 1)
    async with slots.slot(0.0):  # and the slot is free again, once
        assert slots._free == 0


async def test_slots_are_shared_up_to_their_number() -> None:
    slots = DeadlineSlots(2)
    inside = 0
    most = 0

    async def one(deadline: float) -> None:
        nonlocal inside, most
        async with slots.slot(deadline):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one(float(i % 3)) for i in range(9)))
    assert most == 2


# --- the update processor --------------------------------------------------------------------


class _NoFlows:
    """Flows without a database: the turn per chat, the processing as is (no application)."""

    def __init__(self) -> None:
        from bot.persistence.flows import Flows

        self.turn = Flows.turn.__get__(self)
        self._local = Flows._local.__get__(self)
        self._release = Flows._release.__get__(self)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def process(self, update: object, coroutine: Any) -> None:
        await coroutine


async def test_a_fire_citizens_step_overtakes_queued_breakdown_steps_but_not_its_own_chat() -> None:
    order = FlowOrder(_NoFlows(), concurrency=1)  # type: ignore[arg-type]
    ran: list[str] = []
    gate = asyncio.Event()

    async def step(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        ran.append(name)

    def later(update: Update, name: str) -> asyncio.Task[None]:
        return asyncio.create_task(order.do_process_update(update, step(name)))

    busy = asyncio.create_task(order.do_process_update(message(100), step("busy", True)))
    await asyncio.sleep(0)
    order.urgency.allowance(press(1, "inc:breakdown"))
    order.urgency.allowance(press(2, "inc:fire"))
    queued = [later(message(1, "Skip", 10), "breakdown")]
    await asyncio.sleep(0.01)  # the breakdown has waited a moment longer (under a second)
    queued += [
        later(message(3, "hello", 11), "hello3"),
        later(press(3, "inc:fire", 12), "fire3"),  # urgent, but after its own chat's message
        later(message(2, "Skip", 13), "fire"),
    ]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(busy, *queued)
    assert ran == ["busy", "fire", "breakdown", "hello3", "fire3"]
