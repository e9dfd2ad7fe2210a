"""Issue 10, "Must also work": hypothesis fuzzing through the real Application and emulator.

Random sequences of what people can do (tests/fuzz_actions.py): any Unicode text, 4,096+
characters, commands with junk arguments, locations at and beyond the valid range, forged,
truncated, replayed and foreign callback data, double and triple taps, group, supergroup
and channel posts, edits, every media kind, and real help requests with volunteers tapping
their buttons. After every sequence: nothing logged at ERROR (an unhandled exception goes
through the error handler, which logs one), every person answered or deliberately left
alone, and the invariants of tests/invariants.py hold.

One sandbox serves every example of a test (starting one per example is far too slow), on
an event loop of its own in a thread, because hypothesis runs examples synchronously. The
cases are derandomised, so CI runs the same ones every time; ``FUZZ_EXAMPLES=500
FUZZ_RANDOM=1`` explores further.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.devtools.sandbox import Sandbox
from tests.e2e_helpers import HERE, e2e_sandbox
from tests.factories import offset
from tests.fuzz_actions import ACTIONS, OPERATOR, OPS, Action, World
from tests.invariants import alerts_twice, broken, drain
from tests.privacy import leaks

T = TypeVar("T")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
    # Examples share one sandbox, so shrinking a failure is slow and not always exact: on
    # request only (FUZZ_SHRINK=1); the failing sequence is printed either way.
    phases=list(Phase) if os.environ.get("FUZZ_SHRINK") else [Phase.explicit, Phase.generate],
)


class Background:
    """An event loop in a thread: the sandbox lives there, examples submit coroutines to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class Errors(logging.Handler):
    """Every record at ERROR or above, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}" for r in self.records]  # fmt: skip


@pytest.fixture
def bot_thread(tmp_path: Path) -> Iterator[tuple[Background, Sandbox, Errors]]:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    bg = Background()
    cm = e2e_sandbox(
        tmp_path,
        ops_chat_id=OPS,
        operator_ids=frozenset({OPERATOR}),
        wave_timeout_s=2,
        outbox_sweep_s=0.5,
        outbox_retry_base_s=0.2,
    )
    box = bg.run(cm.__aenter__())
    try:
        yield bg, box, errors
    finally:
        bg.run(cm.__aexit__(None, None, None))
        bg.close()
        logging.getLogger().removeHandler(errors)


class Examples:
    """Numbers each example, so each has its own people, 60 km from the last one's."""

    def __init__(self) -> None:
        self.n = 0
        self.actions = 0

    def world(self, box: Sandbox) -> World:
        self.n += 1
        k = self.n % 25
        north = 60.0 * (k % 5) + 3.0 * (self.n // 25)  # a round later, 3 km further
        return World(box, base=1000 * self.n, here=offset(*HERE, north, 60.0 * (k // 5)))


def play(bg: Background, box: Sandbox, errors: Errors, world: World, actions: list[Action]) -> None:
    async def go() -> list[str]:
        await world.setup()
        for action in actions:
            await action.run(world)
        await box.settle()
        drained = await drain(box)
        return [
            *world.problems,
            *await broken(box.db, drained_at=drained),
            *alerts_twice(box.emu),
            *await leaks(box),
        ]

    problems = bg.run(go())
    logged, errors.records[:] = errors.lines(), []
    assert not logged, "\n".join(logged)
    assert not problems, "\n".join(problems)


def test_random_sequences_break_nothing(bot_thread: tuple[Background, Sandbox, Errors]) -> None:
    bg, box, errors = bot_thread
    examples = Examples()

    @FUZZ
    @given(st.lists(ACTIONS, min_size=5, max_size=10))
    def run(actions: list[Action]) -> None:
        examples.actions += len(actions)
        play(bg, box, errors, examples.world(box), actions)

    run()
    assert examples.n >= EXAMPLES  # hypothesis ran what it was asked to
    assigned = bg.run(count(box, "SELECT count(*) FROM offer WHERE status = 'accepted'"))
    print(f"\n{examples.n} sequences, {examples.actions} actions, {assigned} alerts accepted")
    assert assigned > 0, "no sequence got as far as a volunteer accepting"


async def count(box: Sandbox, sql: str) -> int:
    async with box.db.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())
