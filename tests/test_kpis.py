"""Every KPI figure against a seeded history worked out by hand, on SQLite and PostgreSQL.

The history (T0 = 09:00 UTC = noon in Riyadh; the figures are read at T0 + 3200 s):

    F  Riyadh  fire  T0 - 10 d   nobody on duty yet: escalated at once
    A  Riyadh  fire  T0          alerts 10; accepted +30 s, arrived +600 s, done +1200 s,
                                 confirmed: 20 minutes credited (1170 s rounded up)
    B  Riyadh  fire  T0 + 40     alerts 11 (10 is busy); 11 declines, the wave widens to 12,
                                 who accepts at +60 s and arrives at +900 s (on scene)
    C  Jeddah  fire  T0 + 50     nobody in Jeddah: escalated at once
    D  Riyadh  fire  T0 + 2000   alerts 10 again; the citizen cancels
    E  Jeddah  fire  T0 + 3000   escalated at once; 20 comes on duty in Jeddah, and the
                                 command centre re-dispatches it at +100 s: the first alert

Alerts delivered: 10(A) accepted, 11(B) declined, 12(B) accepted, 10(D) withdrawn, 20(E) open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import dispatch, kpis
from bot.services.config import DispatchConfig
from bot.services.dispatch import operator
from bot.services.notices import Event, Outcome
from bot.services.notices.ops import OpsStats, Readiness, Spread, TypeOutcome
from domain.incidents import IncidentType
from domain.matching.geo import city_by_name
from storage.db import Database
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import offer_id_of, request_id_of

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=3200)
JEDDAH = city_by_name("Jeddah")
assert RIYADH is not None and JEDDAH is not None
RUH = (RIYADH.lat, RIYADH.lon)
JED = (JEDDAH.lat, JEDDAH.lon)
OPS = 900
CFG = DispatchConfig(first_wave=1, ops_chat_id=-1001, operator_ids=frozenset({OPS}))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def ask(db: Database, citizen: int, where: tuple[float, float], when: datetime) -> Outcome:
    await person(db, citizen)
    async with db.session() as s:
        return await dispatch.create_request(
            s,
            CFG,
            requester_id=citizen,
            incident=IncidentType.FIRE,
            lat=where[0],
            lon=where[1],
            description=None,
            now=when,
        )


def offer_to(out: Outcome, vid: int) -> int:
    return next(
        offer_id_of(n) for n in out.notices if n.event == Event.OFFER and n.to.person_id == vid
    )


async def seed(db: Database) -> None:
    f = await ask(db, 6, RUH, T0 - timedelta(days=10))
    assert any(n.event == Event.OPS_ESCALATION for n in f.notices)
    for vid, km in ((10, 0.5), (11, 0.8), (12, 1.1)):
        await volunteer(db, vid, offset(*RUH, km), T0)
    a = await ask(db, 1, RUH, at(0))
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_to(a, 10), volunteer_id=10, now=at(30))
    b = await ask(db, 2, RUH, at(40))
    async with db.session() as s:
        widened = await dispatch.decline(
            s, CFG, offer_id=offer_to(b, 11), volunteer_id=11, now=at(50)
        )
    async with db.session() as s:
        await dispatch.accept(s, CFG, offer_id=offer_to(widened, 12), volunteer_id=12, now=at(100))
    await ask(db, 3, JED, at(50))
    async with db.session() as s:
        await dispatch.arrived(s, CFG, request_id=request_id_of(a), volunteer_id=10, now=at(600))
    async with db.session() as s:
        await dispatch.arrived(s, CFG, request_id=request_id_of(b), volunteer_id=12, now=at(940))
    async with db.session() as s:
        await dispatch.done(s, CFG, request_id=request_id_of(a), volunteer_id=10, now=at(1200))
    async with db.session() as s:
        await dispatch.confirm(
            s,
            CFG,
            request_id=request_id_of(a),
            requester_id=1,
            solved=True,
            now=at(1300),
        )
    d = await ask(db, 4, RUH, at(2000))
    assert offer_to(d, 10)
    async with db.session() as s:
        await dispatch.cancel(s, CFG, request_id=request_id_of(d), requester_id=4, now=at(2100))
    e = await ask(db, 5, JED, at(3000))
    await volunteer(db, 20, offset(*JED, 0.3), T0)
    async with db.session() as s:
        redo = await operator.redispatch(
            s,
            CFG,
            request_id=request_id_of(e),
            operator_id=OPS,
            now=at(3100),
        )
    assert offer_to(redo, 20)


def readiness(ruh_fire: int, jed_fire: int, city: str | None = None) -> tuple[Readiness, ...]:
    rows = [
        Readiness("Jeddah", str(i), 1, jed_fire if i == IncidentType.FIRE else 0)
        for i in IncidentType
    ]
    rows += [
        Readiness("Riyadh", str(i), 3, ruh_fire if i == IncidentType.FIRE else 0)
        for i in IncidentType
    ]
    rows.sort(key=lambda r: (r.city, r.incident))
    return tuple(r for r in rows if city is None or r.city == city)


async def test_every_figure_of_the_week(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        got = await kpis.stats(s, CFG, period=kpis.Period.WEEK, city=None, now=NOW)
    assert got == OpsStats(
        period="week",
        city="",
        since=NOW - timedelta(days=7),
        until=NOW,
        total=5,
        by_type=(
            TypeOutcome("fire", "cancelled", 1),
            TypeOutcome("fire", "confirmed", 1),
            TypeOutcome("fire", "dispatching", 1),
            TypeOutcome("fire", "escalated", 1),
            TypeOutcome("fire", "on_scene", 1),
        ),
        # First alerts: A, B, D at once, E 100 s after it was created (the re-dispatch).
        first_alert=Spread(4, 0.0, 70.0),
        first_accept=Spread(2, 45.0, 57.0),  # 30 s and 60 s
        arrival=Spread(2, 750.0, 870.0),  # 600 s and 900 s
        alerts=5,
        alerts_accepted=2,
        acceptance_rate=0.4,
        escalated=2,  # C and E (E was escalated before it was re-dispatched)
        escalated_share=0.4,
        credited_minutes=20,
        readiness=readiness(ruh_fire=3, jed_fire=2),
    )


async def test_a_city_a_month_and_today(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        riyadh = await kpis.stats(s, CFG, period=kpis.Period.WEEK, city="Riyadh", now=NOW)
        month = await kpis.stats(s, CFG, period=kpis.Period.MONTH, city=None, now=NOW)
        today = await kpis.stats(s, CFG, period=kpis.Period.TODAY, city=None, now=NOW)
    assert (riyadh.total, riyadh.escalated, riyadh.escalated_share) == (3, 0, 0.0)
    assert riyadh.first_alert == Spread(3, 0.0, 0.0)
    assert (riyadh.alerts, riyadh.alerts_accepted) == (4, 2)
    assert riyadh.readiness == readiness(ruh_fire=3, jed_fire=2, city="Riyadh")
    assert (month.total, month.escalated) == (6, 3)  # F too, ten days ago
    assert today.since == datetime(2026, 11, 21, 21, 0, tzinfo=UTC)  # midnight in Riyadh
    assert today.total == 5


async def test_the_json_figures_are_the_same_numbers(db: Database) -> None:
    import json

    await seed(db)
    async with db.session() as s:
        shown = await kpis.stats(s, CFG, period=kpis.Period.WEEK, city=None, now=NOW)
        served = await kpis.figures(s, CFG, period=kpis.Period.WEEK, now=NOW)
    assert json.loads(json.dumps(served)) == served  # plain JSON, nothing lost on the way
    assert served["total"] == shown.total == 5
    assert served["first_accept"] == {"n": 2, "median_s": 45.0, "p90_s": 57.0}
    assert served["acceptance_rate"] == 0.4 and served["credited_minutes"] == 20
    assert served["since"] == (NOW - timedelta(days=7)).isoformat()
    assert {"city": "Jeddah", "incident": "fire", "ready": 1, "requests_week": 2} in served[
        "readiness"
    ]


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [([], 50, None), ([5.0], 90, 5.0), ([1, 2, 3, 4], 50, 2.5), ([0, 0, 0, 100], 90, 70.0)],
)
def test_percentile(values: list[float], p: float, expected: float | None) -> None:
    assert kpis.percentile(values, p) == expected


async def test_an_empty_history(db: Database) -> None:
    async with db.session() as s:
        got = await kpis.stats(s, CFG, period=kpis.Period.TODAY, city="Riyadh", now=NOW)
    assert got.total == 0 and got.acceptance_rate is None and got.escalated_share is None
    assert got.first_alert == Spread() and got.readiness == ()
