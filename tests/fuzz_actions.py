"""What a hostile or careless person can do to the bot, as hypothesis strategies (tests/test_fuzz.py).

Each action is a small frozen value (hypothesis prints a failing sequence as a readable
list) with one ``run`` that does it through the emulator, waits for the bot to settle, and
checks the answer: a message, an edit or a callback answer in that person's chat, or, for
what deserves none (a group chatting among itself, a channel, an edit), silence or an answer.

A sequence runs in a :class:`World`: fresh citizens and volunteers per example (their ids
and place drawn from the example's number), in one long-lived sandbox.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from bot.devtools.emulator import EmuChat, EmuGroup, EmuUser
from bot.devtools.emulator.attachments import MEDIA
from bot.devtools.sandbox import Sandbox
from domain.incidents import IncidentType
from storage.types import utcnow
from tests.factories import offset, volunteer

OPERATOR = 777
OPS = -1009
POINTER = "Musaada works only in a private chat"
COMMANDS = (
    "start", "help", "language", "request", "sos", "volunteer", "cancel", "duty", "hours",
    "profile", "leave", "pending", "approve", "reject", "nosuchcommand",
)  # fmt: skip
PREFIXES = (
    "inc:", "lang:", "conduct:", "skill:", "equip:", "pskill:", "pequip:", "pconsent:", "prof:",
    "pduty:", "pphone:", "prad:", "pquiet:", "pcap:", "pleave:", "offer:acc:", "offer:dec:",
    "job:arr:", "job:done:", "job:rel:", "req:cancel:", "req:yes:", "req:no:", "vet:ok:",
    "vet:no:", "came:yes:", "came:no:",
)  # fmt: skip
#: Telegram's own limit on callback data is 64 bytes; a modified client is not bound by it.
JUNK_ID = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "²", "٣", "0", "-1", "1e3", " 1", "9" * 19, "9" * 30, "0x10"]),
)


class Expect(enum.Enum):
    ANSWER = "an answer"  # the person must hear back
    EITHER = "an answer or silence"  # silence is deliberate here (groups, edits)
    SILENCE = "silence"  # nothing may be said (a channel)


@dataclass
class World:
    """One example's people, on one sandbox; ``problems`` collects what went wrong."""

    box: Sandbox
    base: int
    here: tuple[float, float]
    problems: list[str] = field(default_factory=list)

    def citizen(self, i: int) -> EmuUser:
        return self.box.emu.user(self.base + i, first_name=f"C{i}", language_code="ar" if i % 2 else "en")  # fmt: skip

    def vol(self, i: int) -> EmuUser:
        return self.box.emu.user(self.base + 10 + i, first_name=f"V{i}", language_code="en")

    def person(self, who: int) -> EmuUser:
        """0-2 citizens, 3-6 volunteers, 7 the operator."""
        if who == 7:
            return self.box.emu.user(OPERATOR, first_name="Op", language_code="en")
        return self.citizen(who) if who < 3 else self.vol(who - 3)

    def group(self, which: int) -> EmuGroup:
        if which == 0:
            return self.box.emu.group(-200, "Family")
        if which == 1:
            return self.box.emu.group(-300, "Team", kind="supergroup")
        return self.box.emu.group(OPS, "Ops")

    async def setup(self) -> None:
        self.group(2)  # the operations chat exists before anything is escalated to it
        for i in range(4):
            await volunteer(self.box.db, self.base + 10 + i, offset(*self.here, 0.4 + 0.3 * i), utcnow())  # fmt: skip
            self.vol(i)
        for who in range(8):  # everyone has a bot message to press forged data on
            await self.person(who).send("/start")
        await self.box.settle()

    async def check(self, what: str, chat: EmuChat, since: int, expect: Expect, cq: str | None) -> None:  # fmt: skip
        await self.box.settle()
        new = self.box.emu.calls[since:]
        answered = any(
            (c.params.get("callback_query_id") == cq and c.method.lower() == "answercallbackquery")
            if cq is not None
            else (c.applied and str(c.params.get("chat_id")) == str(chat.id))
            for c in new
        )
        if expect is Expect.ANSWER and not answered:
            self.problems.append(f"no answer to {what} in chat {chat.id}\n{chat.dump()}")
        if expect is Expect.SILENCE and any(str(c.params.get("chat_id")) == str(chat.id) for c in new):  # fmt: skip
            self.problems.append(f"the bot spoke in chat {chat.id} after {what}")


class Action:
    async def run(self, w: World) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Action):
    who: int
    text: str

    async def run(self, w: World) -> None:
        user, since = w.person(self.who), len(w.box.emu.calls)
        await user.send(self.text)
        await w.check(f"text {self.text[:40]!r}…", user, since, Expect.ANSWER, None)


@dataclass(frozen=True)
class Command(Action):
    who: int
    name: str
    args: str
    mention: bool

    async def run(self, w: World) -> None:
        user, since = w.person(self.who), len(w.box.emu.calls)
        at = "@musaada_bot" if self.mention else ""
        await user.send(f"/{self.name}{at} {self.args}".rstrip())
        await w.check(f"/{self.name} {self.args!r}", user, since, Expect.ANSWER, None)


@dataclass(frozen=True)
class Location(Action):
    who: int
    lat: float
    lon: float
    live: bool

    async def run(self, w: World) -> None:
        user, since = w.person(self.who), len(w.box.emu.calls)
        await user.send_location(self.lat, self.lon, live_period=600 if self.live else None)
        await w.check(f"location {self.lat},{self.lon}", user, since, Expect.ANSWER, None)


@dataclass(frozen=True)
class Media(Action):
    who: int
    kind: str

    async def run(self, w: World) -> None:
        user, since = w.person(self.who), len(w.box.emu.calls)
        if self.kind == "venue":
            point = {"latitude": w.here[0], "longitude": w.here[1]}
            fields: dict[str, Any] = {"venue": {"location": point, "title": "Mall", "address": "St"}, "location": point}  # fmt: skip
        else:
            fields = dict(MEDIA[self.kind])
        await user.send_raw(fields)
        await w.check(f"a {self.kind}", user, since, Expect.ANSWER, None)


@dataclass(frozen=True)
class AskForHelp(Action):
    """The whole request flow, as a citizen who means it: so that volunteers get alerts."""

    who: int
    incident: IncidentType
    details: str | None

    async def run(self, w: World) -> None:
        user = w.citizen(self.who % 3)
        at = offset(*w.here, 0.1 * self.who)
        for step in ("/request", f"inc:{self.incident.value}", at, self.details or "Skip"):
            since = len(w.box.emu.calls)
            if isinstance(step, tuple):
                await user.send_location(*step)
            elif step.startswith("inc:"):
                if not any(step in m.button_data for m in user.messages[-3:]):
                    return  # the flow went elsewhere (a limit, a refusal): that was answered
                cq = await user.press(step)
                await w.check(step, user, since, Expect.ANSWER, cq)
                continue
            else:
                await user.send(step)
            await w.check(f"help flow step {step!r}", user, since, Expect.ANSWER, None)


@dataclass(frozen=True)
class Press(Action):
    """A real button this person was sent (stale ones included), tapped ``taps`` times at once."""

    who: int
    pick: int
    taps: int

    async def run(self, w: World) -> None:
        user = w.person(self.who)
        buttons = [(m.message_id, d) for m in user.messages for d in m.button_data]
        if not buttons:
            return
        message_id, data = buttons[self.pick % len(buttons)]
        since = len(w.box.emu.calls)
        ids = [await user.press_data(message_id, data) for _ in range(self.taps)]
        for cq in ids:
            await w.check(f"{self.taps}× {data!r}", user, since, Expect.ANSWER, cq)


@dataclass(frozen=True)
class Accept(Action):
    """A volunteer taps Accept on the newest alert they got (the happy path, often)."""

    vol: int

    async def run(self, w: World) -> None:
        user = w.vol(self.vol)
        alerts = [(m.message_id, d) for m in user.messages for d in m.button_data if d.startswith("offer:acc:")]  # fmt: skip
        if not alerts:
            return
        since = len(w.box.emu.calls)
        cq = await user.press_data(*alerts[-1])
        await w.check(f"accept {alerts[-1][1]}", user, since, Expect.ANSWER, cq)


@dataclass(frozen=True)
class Forged(Action):
    """Callback data no button carried: junk, truncated, a prefix with a junk id, or another
    person's button (a foreign one), on this person's newest bot message."""

    who: int
    data: str
    foreign: int | None

    async def run(self, w: World) -> None:
        user = w.person(self.who)
        data = self.data
        if self.foreign is not None:
            other = w.person(self.foreign)
            theirs = [d for m in other.messages for d in m.button_data]
            data = theirs[len(data) % len(theirs)] if theirs else data
        since = len(w.box.emu.calls)
        cq = await user.press_data(user.last.message_id, data)
        await w.check(f"forged {data!r}", user, since, Expect.ANSWER, cq)


@dataclass(frozen=True)
class InGroup(Action):
    """Someone writes in a group, or a supergroup's anonymous admin / linked channel posts."""

    which: int
    who: int
    text: str
    senderless: bool

    async def run(self, w: World) -> None:
        group, since = w.group(self.which), len(w.box.emu.calls)
        if self.senderless and group.kind == "supergroup":
            sender = {"id": -1001234, "type": "channel", "title": "News"}
            await group.send_raw({"text": self.text, "sender_chat": sender}, by=None)
        else:
            await group.send(self.text, by=w.person(self.who))
        await w.check(f"group text {self.text[:40]!r}", group, since, Expect.EITHER, None)
        said = [c.params.get("text", "") for c in w.box.emu.calls[since:] if str(c.params.get("chat_id")) == str(group.id)]  # fmt: skip
        if group.id == OPS and any(POINTER in str(t) for t in said):
            w.problems.append("the bot answered chatter in the operations chat")
        if group.id != OPS and any(POINTER not in str(t) for t in said):
            w.problems.append(f"the bot said more than the pointer in a group: {said}")


@dataclass(frozen=True)
class ChannelPost(Action):
    text: str

    async def run(self, w: World) -> None:
        since = len(w.box.emu.calls)
        chat = {"id": -1005555, "type": "channel", "title": "Channel"}
        await w.box.emu.queue_update(
            {"channel_post": {"message_id": 1, "date": 0, "chat": chat, "text": self.text}}
        )
        await w.box.settle()
        if any(str(c.params.get("chat_id")) == "-1005555" for c in w.box.emu.calls[since:]):
            w.problems.append("the bot spoke in a channel")


@dataclass(frozen=True)
class Edit(Action):
    """A person edits a text they sent earlier (Telegram sends an edited_message)."""

    who: int
    text: str

    async def run(self, w: World) -> None:
        user = w.person(self.who)
        mine = [mid for mid, m in user.incoming.items() if "text" in m]
        if not mine:
            return
        since = len(w.box.emu.calls)
        await user.edit_text(mine[-1], self.text)
        await w.check("an edit", user, since, Expect.EITHER, None)


# --- strategies -------------------------------------------------------------------------------

WHO = st.integers(0, 7)
ANY_TEXT = st.one_of(
    st.text(min_size=1, max_size=200),
    st.text(min_size=4096, max_size=4200, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(
        ["🆘 Request help", "✖️ Cancel", "Skip", "تخطي", "/", "@musaada_bot", "\u200f", " "]
    ),
).filter(lambda s: s.strip() != "" or s == " ")
LATITUDE = st.one_of(
    st.floats(-90, 90), st.sampled_from([-90.0, 90.0, 90.000001, -90.000001, 180.0, 1e300, -0.0])
)
LONGITUDE = st.one_of(
    st.floats(-180, 180), st.sampled_from([-180.0, 180.0, 180.000001, 360.0, -1e300])
)
FORGED_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(lambda p, i: p + i, st.sampled_from(PREFIXES), JUNK_ID),
    st.sampled_from(PREFIXES).map(lambda p: p[: max(1, len(p) // 2)]),  # truncated
)

HELP = st.builds(
    AskForHelp,
    st.integers(0, 2),
    st.sampled_from(list(IncidentType)),
    st.one_of(st.none(), st.text(min_size=1, max_size=50)),
)
ACCEPT = st.builds(Accept, st.integers(0, 3))
ACTIONS = st.one_of(
    HELP,
    ACCEPT,
    ACCEPT,
    st.builds(Text, WHO, ANY_TEXT),
    st.builds(
        Command,
        WHO,
        st.sampled_from(COMMANDS),
        st.one_of(st.just(""), JUNK_ID, st.text(max_size=30)),
        st.booleans(),
    ),
    st.builds(Location, WHO, LATITUDE, LONGITUDE, st.booleans()),
    st.builds(Media, WHO, st.sampled_from([*MEDIA, "venue"])),
    st.builds(
        AskForHelp,
        st.integers(0, 2),
        st.sampled_from(list(IncidentType)),
        st.one_of(st.none(), st.text(min_size=1, max_size=50)),
    ),
    st.builds(Press, WHO, st.integers(0, 10_000), st.sampled_from([1, 1, 2, 3])),
    st.builds(Forged, WHO, FORGED_DATA, st.one_of(st.none(), WHO)),
    st.builds(
        InGroup,
        st.integers(0, 2),
        WHO,
        ANY_TEXT | st.sampled_from(["/start@musaada_bot", "/duty@musaada_bot on", "/request"]),
        st.booleans(),
    ),
    st.builds(ChannelPost, st.text(min_size=1, max_size=50)),
    st.builds(Edit, WHO, st.text(min_size=1, max_size=100)),
)
