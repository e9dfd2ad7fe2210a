"""The dashboard live and acting, beside the sandboxed bot: the event stream reads changes
from the database (also another worker's), an answer is the escalation's own use case and
applies once when a Telegram operator presses at the same moment, and the figures are
/stats' own, as JSON and CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.services import kpis
from bot.services.config import DispatchConfig
from bot.services.dispatch import escalation
from bot.services.notices.escalation import Decision
from domain.enums import AuditKind, RequestStatus
from storage.db import Database
from storage.models import AuditEvent
from storage.types import utcnow
from tests.dashboard_helpers import OPERATOR, DashBox, dashboard_box, signed_in
from tests.e2e_helpers import HERE, accept_alert, add_volunteers, request_help, status_of
from tests.factories import offset

OPS = -100777


@pytest.fixture
async def dash(tmp_path: Path) -> AsyncIterator[DashBox]:
    async with dashboard_box(tmp_path, ops_chat_id=OPS, ops_language="en") as d:
        d.box.emu.group(OPS, "Command centre")
        yield d


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


class Stream:
    """The event stream as a browser reads it: one (event, data) at a time."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 15.0) -> tuple[str, Any]:
        event, data = "", ""
        while True:
            line = (await asyncio.wait_for(self.response.content.readline(), timeout)).decode()
            if line.startswith("event: "):
                event = line[7:].strip()
            elif line.startswith("data: "):
                data = line[6:].strip()
            elif line == "\n" and event:
                return event, json.loads(data)

    async def until(self, event: str, match: Any) -> Any:
        while True:
            kind, data = await self.next()
            if kind == event and match(data):
                return data


async def test_the_stream_sends_a_snapshot_then_changes_read_from_the_database(
    dash: DashBox, tmp_path: Path
) -> None:
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    async with client() as http:
        await signed_in(dash, http)
        async with http.get(f"{dash.url}/dashboard/events") as r:
            assert r.headers["Content-Type"] == "text/event-stream"
            stream = Stream(r)
            kind, snapshot = await stream.next()
            assert kind == "snapshot" and snapshot["requests"] == []
            fields = snapshot["fields"]
            await request_help(dash.box, citizen)  # nobody on duty: escalated at once
            changes = await stream.until("changes", lambda c: c["upsert"])
            row = dict(zip(fields, changes["upsert"][0], strict=True))
            assert row["id"] == 1 and row["incident"] == "fire" and row["area"] == "Riyadh"
            if row["state"] != "escalated":  # the escalation may land in the next read
                await stream.until("changes", lambda c: c["upsert"][0][2] == "escalated")
            # Another worker closes it (its own engine on the same database): it goes.
            other = Database(dash.box.settings.database_url)
            try:
                async with other.session() as s:
                    await escalation.close(
                        s,
                        DispatchConfig.from_settings(dash.box.settings),
                        request_id=1,
                        operator_id=OPERATOR,
                        decision=Decision.FALSE_ALARM,
                        now=utcnow(),
                    )
            finally:
                await other.dispose()
            gone = await stream.until("changes", lambda c: c["remove"])
            assert gone["remove"] == [1] and gone["upsert"] == []


async def audit_kinds(d: DashBox, *kinds: AuditKind) -> list[str]:
    async with d.box.db.session() as s:
        stmt = select(AuditEvent.kind).where(AuditEvent.kind.in_([str(k) for k in kinds]))  # type: ignore[attr-defined]
        return list((await s.exec(stmt)).all())


async def test_an_answer_applies_once_when_telegram_presses_at_the_same_moment(
    dash: DashBox,
) -> None:
    ops = dash.box.emu.group(OPS, "Command centre")
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(dash.box, citizen)
    notice = await ops.wait_for("Unanswered request #1")
    async with client() as http:
        csrf = await signed_in(dash, http)
        post = http.post(
            f"{dash.url}/dashboard/api/requests/1/false_alarm",
            json={},
            headers={"X-CSRF-Token": csrf},
        )
        press = ops.press_data(notice.message_id, "esc:off:1", by=dash.operator)
        response, _cq = await asyncio.gather(post, press)
        result = (await response.json())["result"]
        response.release()
    await dash.box.settle()
    assert result in ("ok", "closed")
    decided = await audit_kinds(dash, AuditKind.FALSE_ALARM, AuditKind.HANDED_TO_OFFICIALS)
    assert len(decided) == 1
    assert (result == "ok") == (decided == ["false_alarm"])
    assert await status_of(dash.box) == RequestStatus.CANCELLED
    closing = ("closed your request #1", "passed your request #1")
    told = [m for m in citizen.messages if any(c in (m.text or "") for c in closing)]
    assert len(told) == 1
    actions = await audit_kinds(dash, AuditKind.DASHBOARD_ACTION)
    assert actions == ["dashboard_action"]


async def test_dispatch_again_wider_from_the_panel_tells_the_citizen(dash: DashBox) -> None:
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(dash.box, citizen)
    async with client() as http:
        csrf = await signed_in(dash, http)
        async with http.get(f"{dash.url}/dashboard/api/requests/1?lang=en") as r:
            panel = await r.json()
        assert panel["answerable"] and panel["candidates"] == []
        assert panel["timeline"][0]["text"] == "Request created"
        answer = f"{dash.url}/dashboard/api/requests/1/wider"
        async with http.post(answer, json={}, headers={"X-CSRF-Token": csrf}) as r:
            assert (await r.json())["result"] == "nobody"
        [far] = await add_volunteers(dash.box, (10, 30.0))  # beyond the ladder, inside twice it
        async with http.get(f"{dash.url}/dashboard/api/requests/1") as r:
            assert [c["id"] for c in (await r.json())["candidates"]] == [10]
        async with http.post(answer, json={}, headers={"X-CSRF-Token": csrf}) as r:
            assert (await r.json())["result"] == "ok"
        await dash.box.settle()
        assert "offer:acc:1" in far.last.button_data
        assert "sent request #1 out again: 1 volunteer alerted" in (citizen.last.text or "")
        await accept_alert(dash.box, far)
        async with http.get(f"{dash.url}/dashboard/api/requests/1?lang=ar") as r:
            panel = await r.json()
        assert panel["status"] == "assigned" and not panel["answerable"]
        here = offset(*HERE, 30.0)
        assert panel["volunteer_at"]["lat"] == pytest.approx(here[0])  # on its panel only
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            state = await r.text()
        assert f"{here[0]:.3f}" not in state  # the map never shows a volunteer
        async with http.post(answer, json={}, headers={"X-CSRF-Token": csrf}) as r:
            assert (await r.json())["result"] == "closed"


async def test_the_figures_are_the_command_centres_as_json_and_csv(dash: DashBox) -> None:
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    [vol] = await add_volunteers(dash.box, (10, 2.0))
    await request_help(dash.box, citizen)
    await accept_alert(dash.box, vol)
    async with client() as http:
        await signed_in(dash, http)
        async with http.get(f"{dash.url}/dashboard/api/kpis?period=today&city=Riyadh") as r:
            served = await r.json()
        async with dash.box.db.session() as s:
            direct = await kpis.figures(
                s,
                DispatchConfig.from_settings(dash.box.settings),
                period=kpis.Period.TODAY,
                city="Riyadh",
                now=utcnow(),
            )
        served.pop("until"), direct.pop("until")
        assert served == direct and served["total"] == 1 and served["alerts_accepted"] == 1
        async with http.get(f"{dash.url}/dashboard/api/kpis.csv?period=month") as r:
            assert r.headers["Content-Disposition"].endswith('musaada-kpis-month.csv"')
            text = (await r.read()).decode("utf-8")
        assert text.startswith("\ufeffsection,key,value")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert ["summary", "total", "1"] in rows and ["requests", "fire:assigned", "1"] in rows
        for bad in ("period=year", "city=Atlantis"):
            async with http.get(f"{dash.url}/dashboard/api/kpis?{bad}") as r:
                assert r.status == 400
