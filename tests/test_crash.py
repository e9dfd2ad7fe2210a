"""Issue 10, "Must also work": crash safety, with the bot as a real process killed mid-stream.

``python run_bot.py`` runs in webhook mode, as in production: the emulator posts each update
and posts it again until it got a 200, so an update being handled at a kill is handled again
after the restart. Citizens ask for help two at a time while volunteers accept what reaches
them; in each round the process is SIGKILLed once (seeded, ``CRASH_SEED``): right after
Telegram took an alert or a job (the worst moment: the call succeeded, nothing recorded it),
right after or just before some other call, or at a random moment; then it is restarted on
the same database.

At the end: one request per citizen, each assigned (with a timer running) or escalated; each
citizen told it was received, each winner given the job, the command centre told of each
escalation; the outbox empty and every row said exactly once (tests/crash_kit.py), except
that a row in a dead process's hands may have been said once more (per process that died
holding it); the invariants of tests/invariants.py hold. Every wait is on a condition, with a deadline against hanging only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.devtools.emulator import BotApiEmulator, EmuMessage, EmuUser
from bot.devtools.sandbox import TOKEN
from storage.db import Database
from storage.types import utcnow
from tests.crash_kit import Killer, Match, a_job, an_alert, any_call, copies, in_hand, tally
from tests.e2e_helpers import HERE
from tests.factories import offset, volunteer
from tests.invariants import broken
from tests.processes import BotProcess, bot_env, free_port

SEED = int(os.environ.get("CRASH_SEED", "7"))  # CRASH_SEED=n: another plan of kills
WAIT_S = 240.0  # a deadline against hanging only: every wait is on a condition
PATIENCE_S = 60.0  # how long a person waits for an answer before acting again
OPS = -1009
PER_ROUND = 2
#: One kill per round: (what it waits for, after the call or before it).
PLAN: list[tuple[str, Match | None, bool]] = [
    ("after Telegram took an alert", an_alert, True),
    ("just before a call", any_call, False),
    ("after Telegram took a job", a_job, True),
    ("after Telegram took a call", any_call, True),
    ("at a random moment", None, True),
]
CITIZENS = PER_ROUND * len(PLAN)
NOBODY_NEAR = (3, 6)  # these citizens' requests escalate: a round without and with a kill
#: The citizens 50 km apart, around Riyadh: each volunteer is in reach of one of them only.
PLACES = [offset(*HERE, 50.0 * (i // 5) - 25.0, 50.0 * (i % 5) - 100.0) for i in range(CITIZENS)]


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until true; fail after WAIT_S (a bound against hanging, not a timing)."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.1)


def step_for(last: EmuMessage) -> str | tuple[float, float] | None:
    """What a person answers to the bot's last message in the /request flow, if it asks."""
    body = last.text or ""
    if any(d.startswith("inc:") for d in last.button_data):
        return "inc:fire"
    if "Share your location" in body or "I need your location" in body:
        return "location"
    if "Anything the volunteer should know" in body or "describe it in words" in body:
        return "Skip"
    return None


def more_than(chat: EmuUser, n: int) -> Callable[[], bool | None]:
    return lambda: len(chat.messages) > n or None


async def answered_or_in(emu: BotApiEmulator, db: Database, citizen: EmuUser, seen: int) -> None:
    """Until the bot says something new here or the request exists (its receipt may come
    later, after a restart); at most PATIENCE_S, then the person acts again."""
    deadline = asyncio.get_running_loop().time() + PATIENCE_S
    mine = "SELECT count(*) FROM help_request WHERE requester_id = :c"
    while asyncio.get_running_loop().time() < deadline:
        try:  # woken by any change in the emulator; the database looked at twice a second
            await emu._wait_until(more_than(citizen, seen), 0.5)
            return
        except TimeoutError:
            if (await rows(db, mine, c=citizen.id))[0][0]:
                return


async def ask(emu: BotApiEmulator, db: Database, citizen: EmuUser, at: tuple[float, float]) -> None:
    """The flow as a person goes through it, whatever the bot is doing: answer each question
    once; with nothing to answer and nothing new for a while, start again with /request (what
    a person does with a bot that went quiet; it only ever restarts the flow)."""
    answered: set[int] = set()
    mine = "SELECT count(*) FROM help_request WHERE requester_id = :c"
    while not (await rows(db, mine, c=citizen.id))[0][0]:
        last = citizen.messages[-1] if citizen.messages else None
        step = step_for(last) if last is not None and last.message_id not in answered else None
        seen = len(citizen.messages)
        if step is None:
            await citizen.send("/request")
        else:
            assert last is not None
            answered.add(last.message_id)
            if step == "inc:fire":
                await citizen.press_data(last.message_id, step)
            elif step == "location":
                await citizen.send_location(*at)
            else:
                await citizen.send(str(step))
        await answered_or_in(emu, db, citizen, seen)


async def accept_everything(emu: BotApiEmulator, vols: list[EmuUser], stop: asyncio.Event) -> None:
    """Volunteers tap Accept on each alert once, as it arrives."""
    pressed: set[tuple[int, int]] = set()

    def new() -> list[tuple[EmuUser, int, str]] | None:
        found = [
            (v, m.message_id, d)
            for v in vols
            for m in v.messages
            for d in m.button_data
            if d.startswith("offer:acc:") and (v.id, m.message_id) not in pressed
        ]
        return found or (None if not stop.is_set() else [])

    while not stop.is_set():
        try:
            found = await emu._wait_until(new, 1.0)
        except TimeoutError:
            continue
        for v, message_id, data in found:
            pressed.add((v.id, message_id))
            await v.press_data(message_id, data)


@dataclass
class Run:
    emu: BotApiEmulator
    db: Database
    env: dict[str, str]
    cwd: Path
    killer: Killer
    bot: BotProcess | None = None
    past: list[str] = field(default_factory=list)

    def logs(self, limit: int | None = 20000) -> str:
        """What every incarnation printed (the end of it), for a failure's message."""
        now = self.bot.output if self.bot is not None else ""
        text = "\n--- restarted ---\n".join([*self.past, now])
        return text[-limit:] if limit else text

    async def start(self) -> None:
        if self.bot is not None:
            self.past.append(self.bot.output)
        self.bot = self.killer.bot = await BotProcess(self.env, self.cwd).start()
        self.bot.start_timeout = WAIT_S  # interpreters start slowly on a busy machine
        await self.bot.line_with("serving HTTP on")

    async def stop(self) -> None:
        """SIGTERM, as a deployment stops it: the process finishes what it holds."""
        assert self.bot is not None and self.bot.proc is not None
        self.bot.proc.send_signal(signal.SIGTERM)
        assert await self.bot.wait(WAIT_S) == 0, self.bot.output[-3000:]

    async def died(self) -> set[tuple[int, str]]:
        """Wait for the killed process; the rows it held (maybe said, never recorded)."""
        assert self.bot is not None
        await self.bot.wait(WAIT_S)
        await self.bot.close()
        return await in_hand(self.db)

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.close()

    async def taken(self) -> bool:
        """Every update taken (a 200), nothing left to say."""
        pending = await rows(self.db, "SELECT count(*) FROM outbox WHERE status = 'pending'")
        return not pending[0][0] and not self.emu.pending_updates()

    async def quiet(self) -> bool:
        """Every update taken, nothing left to say, no request still looking for a volunteer."""
        looking = await rows(self.db, "SELECT count(*) FROM help_request WHERE status = 'dispatching'")  # fmt: skip
        return not looking[0][0] and await self.taken()


async def one_round(
    run: Run,
    rng: random.Random,
    how: tuple[str, Match | None, bool],
    streams: list[Any],
    chats: set[int],
) -> tuple[str, set[tuple[int, str]]]:
    """The round's citizens are on their way: kill once, on a call to one of the round's
    ``chats`` (theirs and their volunteers'); the kill's name and the rows in hand."""
    name, match, after = how
    if match is None:
        run.killer.arm(10**9, any_call, after=True)
        await asyncio.sleep(rng.uniform(0.5, 3.0))  # the random moment itself
        run.killer.kill()
    else:
        calls = rng.randint(2, 8) if match is any_call else 1
        run.killer.arm(calls, match, after=after, chats=chats)
    while not run.killer.died.is_set():
        if all(t.done() for t in streams) and await run.quiet():
            # The round went by without the awaited call (every request escalated, say).
            name = "once the round settled"
            run.killer.kill()
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.killer.died.wait(), 0.1)
    held = await run.died()
    await run.start()
    return name, held


def env_for(emu: BotApiEmulator, tmp_path: Path, port: int) -> dict[str, str]:
    return bot_env(
        emu,
        tmp_path,
        WEBHOOK_URL="https://musaada.example.org/telegram",
        WEBHOOK_SECRET="crash-test-secret",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        OPS_CHAT_ID=str(OPS),
        OPS_LANGUAGE="en",
        WAVE_TIMEOUT_S="2",
        TIMER_POLL_S="0.5",
        OUTBOX_SWEEP_S="0.5",
        OUTBOX_RETRY_BASE_S="0.2",
        # The rows a dead process held are said again once their lease lapses.
        OUTBOX_LEASE_S="8",
    )


async def stream_and_kill(
    run: Run, rng: random.Random, citizens: list[EmuUser], streams: list[asyncio.Task[None]]
) -> tuple[list[tuple[str, int]], set[tuple[int, str]]]:
    """Round by round, two more citizens ask and the process is killed once; then until every
    citizen's request is in. Each kill's name and rows in hand; every claim in hand."""
    kills: list[tuple[str, int]] = []
    held: set[tuple[int, str]] = set()
    for k, how in enumerate(PLAN):
        ours = range(k * PER_ROUND, (k + 1) * PER_ROUND)
        batch = [asyncio.create_task(ask(run.emu, run.db, citizens[i], PLACES[i])) for i in ours]
        streams += batch
        chats = {c for i in ours for c in (100 + i, 10 + i)}
        name, in_hand_now = await one_round(run, rng, how, batch, chats)
        kills.append((name, len(in_hand_now)))
        held |= in_hand_now
    done, _ = await asyncio.wait(streams, timeout=WAIT_S)
    stuck = [c.dump() for c, t in zip(citizens, streams, strict=True) if t not in done]
    assert not stuck, "\n".join(stuck) + "\n" + run.logs()
    for task in done:
        task.result()
    return kills, held


async def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = Database(f"sqlite:///{tmp_path}/bot.db")
    await db.create_all()
    port = free_port()
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emu:
        emu.deliver_webhook([f"http://127.0.0.1:{port}/telegram"])
        ops = emu.group(OPS, "Command centre")
        vols = []
        for i, at in enumerate(PLACES):
            if i not in NOBODY_NEAR:
                vols.append(emu.user(10 + i, first_name=f"V{10 + i}", language_code="en"))
                await volunteer(db, 10 + i, offset(*at, 0.4), utcnow())
        citizens = [emu.user(100 + i, first_name=f"C{i}", language_code="en") for i in range(CITIZENS)]  # fmt: skip
        run = Run(emu, db, env_for(emu, tmp_path, port), tmp_path, Killer(emu))
        await run.start()
        stop = asyncio.Event()
        accepting = asyncio.create_task(accept_everything(emu, vols, stop))
        streams: list[asyncio.Task[None]] = []
        try:
            kills, held = await stream_and_kill(run, rng, citizens, streams)
            await until(run.quiet, "every notice said and every request settled")
            await run.stop()
        finally:
            stop.set()
            await accepting
            for task in streams:
                task.cancel()
            await run.close()
        if os.environ.get("CRASH_LOGS"):  # CRASH_LOGS=file: what every incarnation printed
            await asyncio.to_thread(Path(os.environ["CRASH_LOGS"]).write_text, run.logs(None))
            print("\n".join(copies(emu, run.killer.at)))
        await check(emu, db, ops, citizens, held, kills)
    await db.dispose()


async def live_buttons_on_closed_alerts(emu: BotApiEmulator, db: Database) -> list[str]:
    """Alert messages that still show Accept though their offer was answered or closed."""
    offers = dict(await rows(db, "SELECT id, status FROM offer"))
    found = []
    for chat in emu.chats:
        for m in chat.messages:
            for data in m.button_data:
                if data.startswith("offer:acc:") and offers.get(int(data.split(":")[2])) != "sent":
                    found.append(f"chat {chat.id} message {m.message_id}: {data}")
    return found


def receipt(text: str, rid: int) -> bool:
    """The citizen told the request is in: volunteers alerted, or the command centre on it."""
    return f"request #{rid}" in text and ("was received" in text or "is following up" in text)


async def check(
    emu: BotApiEmulator,
    db: Database,
    ops: Any,
    citizens: list[EmuUser],
    held: set[tuple[int, str]],
    kills: list[tuple[str, int]],
) -> None:
    requests = await rows(db, "SELECT id, requester_id, status, volunteer_id, next_timer_at FROM help_request")  # fmt: skip
    twice = [c.dump() for c in citizens if sum(r[1] == c.id for r in requests) != 1]
    assert not twice, f"{requests}\n" + "\n".join(twice)  # one request each
    unsaid = await rows(db, "SELECT id, event, status, last_error FROM outbox WHERE status != 'sent'")  # fmt: skip
    assert not unsaid, unsaid
    for rid, requester, status, vol, timer in requests:
        assert status in ("assigned", "escalated"), (rid, status)
        told = emu.user(requester)
        assert any(receipt(m.text or "", rid) for m in told.messages), told.dump()
        if status == "assigned":
            assert timer is not None, rid
            job = [m for m in emu.user(vol).messages if f"You are assigned to request #{rid}" in (m.text or "")]  # fmt: skip
            assert job, emu.user(vol).dump()
        else:
            assert any(f"#{rid}" in (m.text or "") for m in ops.messages), ops.dump()
    said = await tally(emu, db, held)
    stale = await live_buttons_on_closed_alerts(emu, db)
    print(
        f"\n{len(requests)} requests, kills: {kills}; {said.rows} notices, "
        f"{len(held)} claims in hand at kills, said again: {said.doubled}; "
        f"closed alerts with a live Accept: {stale}"
    )
    assert not said.missing, said.missing
    assert not said.extra, said.extra
    assert not await broken(db)
    # The worst moments were reached: each kill after an outbox call left that row in hand.
    assert all(n for name, n in kills if "an alert" in name or "a job" in name), kills


async def test_the_last_answer_handled_again_after_a_kill_makes_no_second_request(
    tmp_path: Path,
) -> None:
    """The kill that found it, made certain: the process dies while saying the request's first
    notice, inside the update of the flow's last answer (the request committed, the flow's
    step not yet written back); Telegram posts that update again to the restarted process."""
    db = Database(f"sqlite:///{tmp_path}/bot.db")
    await db.create_all()
    port = free_port()
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emu:
        emu.deliver_webhook([f"http://127.0.0.1:{port}/telegram"])
        emu.group(OPS, "Command centre")
        citizen = emu.user(100, first_name="C0", language_code="en")
        await volunteer(db, 10, offset(*HERE, 0.4), utcnow())
        emu.user(10, first_name="V10", language_code="en")
        run = Run(emu, db, env_for(emu, tmp_path, port), tmp_path, Killer(emu))
        await run.start()
        try:
            for action in ("/request", "inc:fire", HERE):
                seen = len(citizen.messages)
                if action == "inc:fire":
                    await citizen.press_data(citizen.last.message_id, "inc:fire")
                elif isinstance(action, tuple):
                    await citizen.send_location(*action)
                else:
                    await citizen.send(action)
                await emu._wait_until(more_than(citizen, seen), WAIT_S)
            run.killer.arm(1, an_alert, after=True)
            await citizen.send("Skip")
            await asyncio.wait_for(run.killer.died.wait(), WAIT_S)
            await run.died()
            await run.start()
            await until(run.taken, "the update taken again and every notice said")
        finally:
            await run.close()
        mine = await rows(db, "SELECT id, status FROM help_request WHERE requester_id = 100")
        assert len(mine) == 1, f"{mine}\n{citizen.dump()}"
        assert any("is still open" in (m.text or "") for m in citizen.messages), citizen.dump()
    await db.dispose()
