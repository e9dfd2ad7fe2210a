"""``python run_bot.py --demo``: the whole help loop offline, printed as a transcript.

The real bot runs against the local Bot API emulator on a throw-away SQLite
database: three volunteers sign up near Riyadh, a citizen writing in Arabic
asks for help with a car stuck in the sand, one volunteer declines, one
accepts, arrives and finishes, the citizen confirms, and the hours are credited.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable

from bot.devtools.emulator import EmuUser, TranscriptEvent
from bot.devtools.sandbox import Sandbox, register_volunteer, sandbox
from domain.incidents import Equipment
from domain.matching.geo import city_by_name

WIDTH = 78


def _printer(names: dict[int, str]) -> Callable[[TranscriptEvent], None]:
    def show(event: TranscriptEvent) -> None:
        who = names.get(event.chat_id, str(event.chat_id))
        arrow = {
            "user": f"{who} ▶ bot",
            "bot": f"bot ▶ {who}",
            "edit": f"bot ✎ {who}",
            "answer": f"bot ◆ {who}",
        }.get(event.kind, event.kind)
        text = (event.text or "").strip()
        if not text and not event.buttons:
            return
        print(f"── {arrow}")
        for line in text.splitlines() or [""]:
            print(
                textwrap.fill(line, WIDTH, initial_indent="   ", subsequent_indent="   ")
                if line
                else ""
            )
        if event.buttons:
            print("   " + "  ".join(f"[{b}]" for b in event.buttons))

    return show


NAMES = {
    101: "Fatima (citizen, ar)",
    201: "Khalid (volunteer, ar)",
    202: "Sara (volunteer, en)",
    203: "Omar (volunteer, ar)",
}


async def _sign_up_volunteers(box: Sandbox, lat: float, lon: float) -> list[EmuUser]:
    """Three volunteers near (lat, lon) go through the real sign-up, silently."""
    emu = box.emu
    volunteers = [
        (emu.user(201, first_name="Khalid", language_code="ar"), (lat + 0.010, lon + 0.004)),
        (emu.user(202, first_name="Sara", language_code="en"), (lat - 0.012, lon + 0.010)),
        (emu.user(203, first_name="Omar", language_code="ar"), (lat + 0.020, lon - 0.015)),
    ]
    print("\n### Three volunteers sign up (conduct, skills, equipment, location)\n")
    emu.on_event = None
    for user, at in volunteers:
        await register_volunteer(
            box,
            user,
            skills=["breakdown", "lost_desert"],
            equipment=[int(Equipment.FOUR_BY_FOUR)],
            at=at,
        )
        print(f"   {NAMES[user.id]}: registered, verified (AUTO_VERIFY_VOLUNTEERS=1), on duty")
    return [user for user, _ in volunteers]


async def _play(box: Sandbox) -> None:
    riyadh = city_by_name("Riyadh")
    assert riyadh is not None
    emu = box.emu
    print("=" * WIDTH)
    print("Musaada offline demo: the real bot against a local Bot API emulator")
    print("=" * WIDTH)
    khalid, sara, _omar = await _sign_up_volunteers(box, riyadh.lat, riyadh.lon)
    citizen = emu.user(101, first_name="Fatima", language_code="ar")
    print("\n### Fatima's car is stuck in the sand on the edge of Riyadh\n")
    emu.on_event = _printer(NAMES)
    await citizen.send("/start")
    await box.settle()
    await citizen.send(citizen.last.reply_buttons[0])
    await box.settle()
    await citizen.press("inc:breakdown")
    await box.settle()
    await citizen.send_location(riyadh.lat, riyadh.lon)
    await box.settle()
    await citizen.send("سيارة بيضاء، عالقة في الرمل قرب المخرج")
    await box.settle()
    print("\n### Sara declines, Khalid accepts\n")
    await sara.press(lambda d: d.startswith("offer:dec:"))
    await box.settle()
    await khalid.press(lambda d: d.startswith("offer:acc:"))
    await box.settle()
    print("\n### Khalid arrives and finishes; Fatima confirms\n")
    await khalid.press(lambda d: d.startswith("job:arr:"))
    await box.settle()
    await khalid.press(lambda d: d.startswith("job:done:"))
    await box.settle()
    await citizen.press(lambda d: d.startswith("req:yes:"))
    await box.settle()
    await khalid.send("/hours")
    await box.settle()
    print("=" * WIDTH)
    print(f"Bot API calls made by the bot: {len(emu.calls)}")


async def run_demo(quiet_period: float | None = None) -> int:
    """``quiet_period`` shortens the emulator's wait for the bot to go quiet (the smoke test)."""
    with tempfile.TemporaryDirectory() as tmp:
        async with sandbox(
            f"sqlite:///{tmp}/demo.db", quiet_period=quiet_period, auto_verify_volunteers=True
        ) as box:
            await _play(box)
    return 0
