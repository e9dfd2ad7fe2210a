"""Three worker processes on one PostgreSQL database and one Redis, behind one webhook entry.

Real processes (``python run_bot.py`` in webhook mode), real servers; the emulator posts each
update to the next worker in turn and answers 429 to anything over Telegram's limits, so
every test here also checks that the fleet, sharing its limiter in Redis, stays under them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import col, select

from bot.devtools.emulator import EmuUser
from bot.devtools.emulator.methods import METHODS
from bot.devtools.emulator.state import CALLER_PORT
from bot.services import delivery, dispatch
from bot.services.config import DispatchConfig
from bot.settings import Settings
from domain.enums import AuditKind, RequestStatus
from domain.incidents import IncidentType
from storage.models import AuditEvent, HelpRequest
from storage.types import utcnow
from tests.e2e_helpers import alert_of
from tests.factories import RIYADH, offset, person, volunteer
from tests.fleet import Fleet, fleet, make_due, seed_jobs, tcp_ports_of

# One fleet (three worker processes) for the module: under pytest-xdist the module's tests run
# in one test process (``--dist loadgroup``), or each process would start a fleet of its own.
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("fleet")]

REMINDER = "have you arrived? Please send an update."
TOLD = "is still on the way. We asked them for an update."
STILL_THERE = "are you still on scene?"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def box(pg_url: str | None, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fleet]:
    env = {
        "TIMER_POLL_S": "0.5",
        "OUTBOX_SWEEP_S": "0.5",
        "OUTBOX_LEASE_S": "5",
        "VOLUNTEERS_PER_ALERT": "10",
        "WAVE_TIMEOUT_S": "600",
        "ARRIVAL_REMINDER_S": "3600",
        "MAX_REQUESTS_PER_HOUR": "50",
    }
    async with fleet(pg_url, tmp_path_factory.mktemp("fleet"), 3, **env) as f:
        yield f


async def counts_of(box: Fleet, kind: AuditKind, ids: list[int]) -> Counter[int]:
    """How many audit records of ``kind`` each of these requests has."""
    async with box.db.session() as s:
        rows = await s.exec(
            select(AuditEvent.request_id, func.count())
            .where(AuditEvent.kind == str(kind), col(AuditEvent.request_id).in_(ids))
            .group_by(col(AuditEvent.request_id))
        )
        return Counter({int(rid): int(n) for rid, n in rows.all() if rid is not None})


def received(user: EmuUser, text: str) -> int:
    return sum(1 for m in user.messages if text in (m.text or ""))


# --- 50 taps on one request, 20 runs --------------------------------------------------------

RUNS, PER_RUN, TAPS = 20, 10, 50


def place(run: int) -> tuple[float, float]:
    """Each run in its own spot, 50 km from the next: no volunteer is alerted for two runs."""
    return offset(RIYADH.lat, RIYADH.lon, (run // 5) * 50.0 - 75.0, (run % 5) * 50.0 - 100.0)


async def open_requests(box: Fleet) -> tuple[list[int], list[list[EmuUser]]]:
    """Twenty requests committed at once, ten volunteers alerted for each by the workers.

    Written by the use case in this process, as a worker's handler would (the flow itself
    is tested elsewhere): the alerts are in the outbox, and the workers' sweeps say them.
    """
    now = utcnow()
    cfg = DispatchConfig.from_settings(Settings(volunteers_per_alert=PER_RUN, wave_timeout_s=600))
    crews: list[list[EmuUser]] = []
    for run in range(RUNS):
        crew = []
        for j in range(PER_RUN):
            pid = 1000 + run * PER_RUN + j
            crew.append(box.emu.user(pid, first_name=f"V{pid}", language_code="en"))
            await volunteer(box.db, pid, offset(*place(run), 0.2 * j), now)
        crews.append(crew)
        box.emu.user(500 + run, first_name=f"C{run}", language_code="en")
        await person(box.db, 500 + run)
    ids = []
    async with box.db.session() as s:
        for run in range(RUNS):
            lat, lon = place(run)
            out = await dispatch.create_request(
                s, cfg, requester_id=500 + run, incident=IncidentType.FLOOD, lat=lat, lon=lon,
                description=None, now=now,
            )  # fmt: skip
            await delivery.enqueue(s, out.notices, now=now, request_id=out.request_id)
            ids.append(int(out.request_id or 0))
    await box.until(
        lambda: all(any(d.startswith("offer:acc:") for m in v.messages for d in m.button_data)
                    for crew in crews for v in crew),
        "every volunteer alerted",
    )  # fmt: skip
    return ids, crews


def point_sent(box: Fleet, chat_id: int) -> Callable[[], bool]:
    return lambda: bool(box.emu.applied("sendLocation", chat_id))


async def test_fifty_taps_on_one_request_have_one_winner_twenty_times(box: Fleet) -> None:
    ids, crews = await open_requests(box)
    delivery = box.emu.delivery
    assert delivery is not None
    for rid, crew in zip(ids, crews, strict=True):
        # The buttons as first shown: taps queued after the winner's still carry them.
        buttons = [(alert_of(v).message_id, alert_of(v).button_data[0]) for v in crew]
        start = len(delivery.posts)
        for tap in range(TAPS):  # queued at once: the emulator posts up to 40 at a time
            v, (message_id, data) = crew[tap % PER_RUN], buttons[tap % PER_RUN]
            await v.press_data(message_id, data)

        def taken(start: int = start) -> bool:
            return sum(1 for p in delivery.posts[start:] if p.status == 200) >= TAPS

        await box.until(taken, f"all {TAPS} taps on request {rid} handled")
        posts = delivery.posts[start:]
        assert {p.url for p in posts} == set(box.urls)  # every worker took some of the taps
        async with box.db.session() as s:
            req = await s.get(HelpRequest, rid, populate_existing=True)
        crew_ids = {v.id for v in crew}
        assert req is not None and req.status == RequestStatus.ASSIGNED
        assert req.volunteer_id in crew_ids
        assert (await counts_of(box, AuditKind.ACCEPTED, [rid]))[rid] == 1
        winner = box.emu.user(req.volunteer_id)
        await box.until(point_sent(box, winner.id), "the job sent to the winner")
        points = [c for c in box.emu.calls_for("sendLocation") if c.params["chat_id"] in crew_ids]
        assert [c.params["chat_id"] for c in points if c.applied] == [winner.id]
    await box.until_db(box.outbox_drained, "every notice said")
    assert not box.rate_limited()


# --- 200 timers due at once -----------------------------------------------------------------


async def test_two_hundred_timers_due_at_once_fire_once_each(box: Fleet) -> None:
    """On scene, the first reminder is one notice, to the volunteer: 200 timers, 200 sends."""
    citizens = list(range(2000, 2020))
    volunteers = list(range(3000, 3200))
    ids = await seed_jobs(box, citizens=citizens, volunteers=volunteers, on_scene=True)
    await make_due(box, ids)
    vols = [box.emu.user(v) for v in volunteers]
    await box.until(lambda: all(received(v, STILL_THERE) for v in vols), "every volunteer asked")
    await box.until_db(box.outbox_drained, "every notice said")
    fired = await counts_of(box, AuditKind.ON_SCENE_REMINDER, ids)
    assert fired == Counter(dict.fromkeys(ids, 1))
    assert [received(v, STILL_THERE) for v in vols] == [1] * len(vols)
    async with box.db.session() as s:
        rows = (await s.exec(select(HelpRequest).where(col(HelpRequest.id).in_(ids)))).all()
    assert all(r.timer_step == 1 and r.next_timer_at and r.next_timer_at > utcnow() for r in rows)
    assert not box.rate_limited()


# --- a worker killed mid-surge --------------------------------------------------------------


class Gate:
    """Holds every sendMessage of one worker process from its first one on, until released;
    counts the held calls whose caller vanished (the handler is cancelled when it dies)."""

    def __init__(self, box: Fleet, pid: int) -> None:
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        self.dropped = 0
        original = METHODS["sendmessage"]

        async def gate(state: Any, params: dict[str, Any]) -> Any:
            if not self.release.is_set() and CALLER_PORT.get() in tcp_ports_of(pid):
                self.held.set()
                try:
                    await self.release.wait()
                except asyncio.CancelledError:
                    self.dropped += 1
                    raise
            return original(state, params)

        box.emu.overrides["sendmessage"] = gate


async def test_a_worker_killed_mid_surge_loses_nothing(box: Fleet) -> None:
    citizens = list(range(4000, 4015))
    volunteers = list(range(5000, 5150))
    ids = await seed_jobs(box, citizens=citizens, volunteers=volunteers)
    victim = box.workers[2]
    assert victim.proc is not None
    gate = Gate(box, victim.proc.pid)
    await make_due(box, ids, spread_s=3.0)  # due one after another: every worker takes some
    await asyncio.wait_for(gate.held.wait(), 60)
    box.kill(2)  # SIGKILL, with its sends in flight and its claimed notices unsaid
    await victim.proc.wait()
    await box.until(lambda: gate.dropped > 0, "the killed worker's send dropped")
    gate.release.set()
    box.emu.overrides.pop("sendmessage")
    # Updates still reach the live workers: the killed one's turns are posted to the next.
    askers = [box.emu.user(pid, language_code="en") for pid in range(6000, 6006)]
    for user in askers:
        await user.send("/help")
    vols = [box.emu.user(v) for v in volunteers]
    cits = [box.emu.user(c) for c in citizens]
    await box.until(
        lambda: (
            all(received(v, REMINDER) for v in vols)
            and all(received(c, TOLD) >= 10 for c in cits)
            and all(u.messages for u in askers)
        ),
        "every reminder and every answer said after the kill",
    )
    await box.until_db(box.outbox_drained, "every notice said")
    assert await counts_of(box, AuditKind.ARRIVAL_REMINDER, ids) == Counter(dict.fromkeys(ids, 1))
    async with box.db.session() as s:
        rows = (await s.exec(select(HelpRequest).where(col(HelpRequest.id).in_(ids)))).all()
    assert all(r.next_timer_at and r.next_timer_at > utcnow() for r in rows)
    assert not box.rate_limited()
