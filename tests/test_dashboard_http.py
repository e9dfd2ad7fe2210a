"""The dashboard over plain HTTP, on a real aiohttp server beside the sandboxed bot: sign-in
links (once, before expiry, operators only), the session cookie, CSRF on every POST, the
security headers, and nothing carrying a citizen's location without a signed-in operator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.services.dashboard_auth import digest
from domain.enums import AuditKind
from storage.dashboard_models import DashboardLink
from storage.models import AuditEvent
from storage.types import utcnow
from tests.dashboard_helpers import OPERATOR, DashBox, dashboard_box, sign_in_link, signed_in
from tests.e2e_helpers import request_help

OPS = -100777


@pytest.fixture
async def dash(tmp_path: Path) -> AsyncIterator[DashBox]:
    async with dashboard_box(tmp_path, ops_chat_id=OPS, ops_language="en") as d:
        d.box.emu.group(OPS, "Command centre")
        yield d


def client() -> aiohttp.ClientSession:
    # unsafe: the server is an IP address (127.0.0.1), whose cookies aiohttp drops by default.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def kinds(d: DashBox) -> list[str]:
    async with d.box.db.session() as s:
        rows = (await s.exec(select(AuditEvent).order_by(AuditEvent.id))).all()  # type: ignore[arg-type]
    return [r.kind for r in rows if r.kind.startswith("dashboard")]


async def test_a_link_signs_in_once_and_sets_a_strict_cookie(dash: DashBox) -> None:
    link = await sign_in_link(dash)
    token = link.split("t=", 1)[1]
    async with client() as http:
        async with http.get(link) as r:  # the form: nothing spent yet
            assert r.status == 200 and 'id="signin"' in await r.text()
        async with http.get(link) as r:
            assert r.status == 200
        form = {"t": token, "lang": "en"}
        async with http.post(f"{dash.url}/dashboard/signin", data=form, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/dashboard/?lang=en"
            cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/dashboard" in cookie
        assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http here
        async with http.get(f"{dash.url}/dashboard/") as r:
            assert r.status == 200 and "Signed in as Huda" in await r.text()
    async with client() as other:  # the same link again, from another browser
        async with other.post(f"{dash.url}/dashboard/signin", data=form) as r:
            assert r.status == 403 and "used already" in await r.text()
        async with other.get(link) as r:
            assert r.status == 403 and "used already" in await r.text()
        async with other.get(f"{dash.url}/dashboard/") as r:
            assert r.status == 403
    assert await kinds(dash) == ["dashboard_link", "dashboard_signed_in", "dashboard_refused"]
    async with dash.box.db.session() as s:  # only the hash is stored
        assert (await s.get(DashboardLink, digest(token))) is not None
        assert (await s.get(DashboardLink, token)) is None


async def test_an_expired_link_and_a_forged_one_are_refused(dash: DashBox) -> None:
    link = await sign_in_link(dash)
    token = link.split("t=", 1)[1]
    async with dash.box.db.session() as s:
        await s.exec(update(DashboardLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    async with client() as http:
        async with http.get(link) as r:
            assert r.status == 403 and "expired" in await r.text()
        async with http.post(f"{dash.url}/dashboard/signin", data={"t": token}) as r:
            assert r.status == 403 and "expired" in await r.text()
        async with http.post(f"{dash.url}/dashboard/signin", data={"t": "forged"}) as r:
            assert r.status == 403 and "not valid" in await r.text()
    assert (await kinds(dash))[-2:] == ["dashboard_refused", "dashboard_refused"]


async def test_a_non_operator_gets_no_link_and_a_demoted_one_loses_the_session(
    dash: DashBox,
) -> None:
    stranger = dash.box.emu.user(5, first_name="Guest", language_code="en")
    await stranger.send("/dashboard")
    await dash.box.settle()
    assert stranger.last.text == "Only operators can do this."
    assert await kinds(dash) == []
    helper = dash.box.emu.user(901, first_name="Omar", language_code="en")
    await helper.send("/start")
    await dash.box.settle()
    await dash.operator.send("/promote 901")
    await dash.box.settle()
    link = await sign_in_link(dash, helper)
    async with client() as http:
        async with http.post(
            f"{dash.url}/dashboard/signin", data={"t": link.split("t=", 1)[1]}
        ) as r:
            assert r.status == 200  # followed the redirect to the page
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            assert r.status == 200
        await dash.operator.send("/demote 901")
        await dash.box.settle()
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            assert r.status == 403


GETS = [
    "/dashboard/",
    "/dashboard/api/state",
    "/dashboard/api/base",
    "/dashboard/api/requests/1",
    "/dashboard/api/kpis",
    "/dashboard/api/kpis.csv",
    "/dashboard/events",
]


async def test_nothing_with_a_location_without_a_session(dash: DashBox) -> None:
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(dash.box, citizen)
    async with client() as http:
        for path in GETS:
            async with http.get(dash.url + path) as r:
                body = await r.text()
                assert r.status == 403, path
                assert "24.71" not in body and "46.67" not in body, path
        http.cookie_jar.update_cookies({"musaada_dashboard": "forged"})
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            assert r.status == 403
        async with http.get(f"{dash.url}/dashboard/static/dash-core.js") as r:
            assert r.status == 200  # code, no data: public
        csrf = await signed_in(dash, http)
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            state = await r.json()
        assert [row[0] for row in state["requests"]] == [1] and csrf


async def test_every_post_needs_the_sessions_csrf_token(dash: DashBox) -> None:
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(dash.box, citizen)  # nobody on duty: escalated at once
    async with client() as http:
        csrf = await signed_in(dash, http)
        answer = f"{dash.url}/dashboard/api/requests/1/false_alarm"
        async with http.post(answer, json={}) as r:
            assert r.status == 403 and (await r.json()) == {"error": "csrf"}
        async with http.post(answer, json={}, headers={"X-CSRF-Token": "0" * 64}) as r:
            assert r.status == 403
        async with http.post(f"{dash.url}/dashboard/signout", data={}) as r:
            assert r.status == 403
        async with client() as other:  # another session's token is not this one's
            other_csrf = await signed_in(dash, other)
        assert other_csrf != csrf
        async with http.post(answer, json={}, headers={"X-CSRF-Token": other_csrf}) as r:
            assert r.status == 403
        assert "false_alarm" not in str(await kinds(dash))
        async with http.post(answer, json={}, headers={"X-CSRF-Token": csrf}) as r:
            assert r.status == 200 and (await r.json()) == {"result": "ok"}
        async with http.post(f"{dash.url}/dashboard/signout", data={"csrf": csrf}) as r:
            assert r.status == 200 and "Signed out" in await r.text()
        async with http.get(f"{dash.url}/dashboard/api/state") as r:
            assert r.status == 403
    assert "closed your request #1" in (citizen.last.text or "")
    assert (await kinds(dash))[-2:] == ["dashboard_action", "dashboard_signed_out"]


async def test_the_page_is_locked_down(dash: DashBox) -> None:
    async with client() as http:
        await signed_in(dash, http)
        async with http.get(f"{dash.url}/dashboard/?lang=ar") as r:
            page = await r.text()
            headers = r.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe" not in csp and "http" not in csp  # no third party, no inline code
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert '<html lang="ar" dir="rtl">' in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched from elsewhere


@pytest.mark.parametrize("tile", ["https://tiles.example.org/{z}/{x}/{y}.png"])
async def test_a_tile_server_joins_img_src_alone(tmp_path: Path, tile: str) -> None:
    async with dashboard_box(tmp_path, dashboard_tile_url=tile) as d, client() as http:
        await signed_in(d, http)
        async with http.get(f"{d.url}/dashboard/") as r:
            csp = r.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in csp
    assert "connect-src 'self';" in csp and "script-src 'self';" in csp


async def test_the_cookie_is_secure_when_the_dashboard_is_on_https(tmp_path: Path) -> None:
    async with dashboard_box(tmp_path) as d:
        d.box.settings.dashboard_url = "https://ops.example.org"  # as the proxy publishes it
        link = await sign_in_link(d)
        assert link.startswith("https://ops.example.org/dashboard/signin?t=")
        token = link.split("t=", 1)[1]
        async with client() as http:
            async with http.post(
                f"{d.url}/dashboard/signin", data={"t": token}, allow_redirects=False
            ) as r:
                assert r.status == 303 and "Secure" in r.headers["Set-Cookie"]


async def test_the_link_is_audited_with_its_operator(dash: DashBox) -> None:
    await sign_in_link(dash)
    async with dash.box.db.session() as s:
        row = (
            await s.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.DASHBOARD_LINK))
        ).one()
    assert row.actor_id == OPERATOR and row.request_id is None
