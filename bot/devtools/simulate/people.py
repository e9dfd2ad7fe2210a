"""The simulated people: citizens asking for help, volunteers answering, all through Telegram.

Why through the emulator's chats and not the services: the surge must cost what a real one
costs, so every step is the update a person's phone would send (/start and the menu button,
/request or /sos, the incident button, the location, details or Skip; Accept, Decline,
Arrived, Done; the citizen's "solved" and stars), and each step waits for the bot's answer
to the one before, as a person reads before tapping.

Nothing here polls: the emulator's ``on_event`` hook hands every message and edit the bot
makes to the :class:`Cast`, which wakes the one citizen or volunteer whose chat it is, so a
hundred thousand waiting people cost nothing until the bot speaks to them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.devtools.emulator import BotApiEmulator, EmuMessage, EmuUser, TranscriptEvent
from bot.devtools.simulate.config import CITIZEN_BASE, Humans, SimConfig
from bot.devtools.simulate.population import SKILL_WEIGHTS, Places
from bot.devtools.simulate.seed import Roster

STEP_TIMEOUT_S = 120.0  # a step the bot never answers: the citizen gives up (counted as lost)
ACCEPT_SHARE = 0.8  # of the volunteers who answer an alert, those who accept
DETAILS = ("Two people, a white car", "شخصان وسيارة بيضاء", "Near the mosque", "قرب المسجد")


@dataclass
class Citizen:
    user: EmuUser
    incident: str
    at: tuple[float, float]
    started: float = 0.0
    last_step_at: float | None = None  # the update that creates the request was queued
    receipt_at: float | None = None
    request_id: int | None = None
    failed: str = ""
    woken: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Tally:
    """What the people saw, for the report (times from ``time.time()``)."""

    citizens: list[Citizen] = field(default_factory=list)
    alert_at: dict[int, float] = field(default_factory=dict)  # offer id -> first delivery
    alerted_chats: dict[int, int] = field(default_factory=dict)  # volunteer -> alerts
    updates_sent: int = 0
    presses: int = 0


def _has(msg: EmuMessage, prefix: str) -> str | None:
    return next((d for d in msg.button_data if d.startswith(prefix)), None)


def _asks_location(msg: EmuMessage) -> bool:
    rows = (msg.reply_markup or {}).get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


class Cast:
    """Every simulated person, and the router from the bot's messages to them."""

    def __init__(
        self, emu: BotApiEmulator, cfg: SimConfig, roster: Roster, rng: random.Random
    ) -> None:
        self.emu, self.cfg, self.roster, self.rng = emu, cfg, roster, rng
        self.humans = Humans(rng, cfg.pace)
        self.places = Places(random.Random(cfg.seed + 1))
        self.city = cfg.the_city()
        self.tally = Tally()
        self.by_chat: dict[int, Citizen] = {}
        self.pressed: set[tuple[int, str]] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self._next_citizen = CITIZEN_BASE
        self._types = list(SKILL_WEIGHTS)
        self._weights = list(SKILL_WEIGHTS.values())
        emu.on_event = self.on_event
        emu.chat_factory = self._volunteer_chat

    # ------------------------------------------------------------------ routing
    def _volunteer_chat(self, chat_id: int) -> EmuUser | None:
        if not self.roster.is_volunteer(chat_id):
            return None
        return self.emu.user(chat_id, first_name=f"V{chat_id}", language_code="ar")

    def on_event(self, event: TranscriptEvent) -> None:
        if event.kind not in ("bot", "edit"):
            return
        citizen = self.by_chat.get(event.chat_id)
        if citizen is not None:
            citizen.woken.set()
            self._citizen_reacts(citizen)
        elif self.roster.is_volunteer(event.chat_id):
            self._volunteer_reacts(event.chat_id, fresh=event.kind == "bot")

    def later(self, delay: float, action: Callable[[], Awaitable[object]]) -> None:
        """Do ``action`` in ``delay`` seconds (dropped when the run ends first)."""

        async def run() -> None:
            await asyncio.sleep(delay)
            await action()

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _press_later(self, user: EmuUser, msg: EmuMessage, data: str, delay: float) -> None:
        """Tap ``data`` on ``msg`` after ``delay``, if the button is still there then."""
        if (user.id, data) in self.pressed:
            return
        self.pressed.add((user.id, data))

        async def tap() -> None:
            if data in msg.button_data and not msg.deleted:
                self.tally.updates_sent += 1
                self.tally.presses += 1
                await user.press_data(msg.message_id, data)

        self.later(delay, tap)

    # ------------------------------------------------------------------ volunteers
    def _volunteer_reacts(self, chat_id: int, *, fresh: bool) -> None:
        user = self.emu.chat(chat_id)
        assert isinstance(user, EmuUser)
        for msg in user.messages[-4:]:
            if msg.deleted:
                continue
            accept = _has(msg, "offer:acc:")
            if accept is not None and (chat_id, accept) not in self.pressed:
                if fresh and msg is user.messages[-1]:
                    offer = int(accept.rsplit(":", 1)[1])
                    self.tally.alert_at.setdefault(offer, time.time())
                    self.tally.alerted_chats[chat_id] = self.tally.alerted_chats.get(chat_id, 0) + 1
                if self.rng.random() >= self.cfg.response:
                    self.pressed.add((chat_id, accept))  # this one lets it ring
                    continue
                decline = _has(msg, "offer:dec:")
                if self.rng.random() >= ACCEPT_SHARE and decline is not None:
                    self.pressed.add((chat_id, accept))
                    accept = decline
                self._press_later(user, msg, accept, self.humans.respond())
            for prefix, delay in (
                ("job:arr:", self.humans.travel),
                ("job:done:", self.humans.on_scene),
            ):
                data = _has(msg, prefix)
                if data is not None:
                    self._press_later(user, msg, data, delay())

    # ------------------------------------------------------------------ citizens
    def _citizen_reacts(self, c: Citizen) -> None:
        """After the receipt: "did help come?", "solved?" and the stars, as a person would."""
        if c.receipt_at is None:
            return
        for msg in c.user.messages[-3:]:
            for prefix in ("came:yes:", "req:yes:", "rate:5:"):
                data = _has(msg, prefix)
                if data is not None:
                    self._press_later(c.user, msg, data, self.humans.confirm())

    def new_citizen(self) -> Citizen:
        pid = self._next_citizen
        self._next_citizen += 1
        lang = "ar" if self.rng.random() < 0.7 else "en"
        user = self.emu.user(pid, first_name=f"C{pid}", language_code=lang)
        incident = self.rng.choices(self._types, self._weights)[0].value
        c = Citizen(user, incident, self.places.around(self.city))
        self.by_chat[pid] = c
        self.tally.citizens.append(c)
        return c

    async def _step(self, c: Citizen, send: object, done: object) -> EmuMessage:
        """Send one update, then wait for the bot's message that ``done`` recognises."""
        seen = len(c.user.messages)
        c.woken.clear()
        self.tally.updates_sent += 1
        await send  # type: ignore[misc]
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            for msg in c.user.messages[seen:]:
                if done(msg):  # type: ignore[operator]
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            c.woken.clear()
            try:
                await asyncio.wait_for(c.woken.wait(), left)
            except TimeoutError:
                pass

    async def ask_for_help(self, c: Citizen) -> None:
        """One citizen's request, through the same steps a person takes."""
        u, h = c.user, self.humans
        c.started = time.time()
        try:
            entry = self.rng.random()
            if entry < 0.4:  # a newcomer: /start, then the menu's first button
                menu = await self._step(c, u.send("/start"), lambda m: bool(m.reply_buttons))
                await asyncio.sleep(h.think())
                send = u.send(menu.reply_buttons[0])
            else:
                send = u.send("/sos" if entry < 0.6 else "/request")
            picker = await self._step(c, send, lambda m: _has(m, "inc:") is not None)
            await asyncio.sleep(h.think())
            await self._step(
                c, u.press_data(picker.message_id, f"inc:{c.incident}"), _asks_location
            )
            await asyncio.sleep(h.think())
            ask = await self._step(c, u.send_location(*c.at), lambda m: bool(m.reply_buttons))
            await asyncio.sleep(h.think())
            last = ask.reply_buttons[0] if self.rng.random() < 0.5 else self.rng.choice(DETAILS)
            c.last_step_at = time.time()
            receipt = await self._step(
                c, u.send(last), lambda m: _has(m, "req:cancel:") is not None
            )
            c.receipt_at = time.time()
            data = _has(receipt, "req:cancel:")
            assert data is not None
            c.request_id = int(data.rsplit(":", 1)[1])
            self._citizen_reacts(c)
        except TimeoutError:
            c.failed = "no answer"
