"""The dashboard in a real browser: Debian's Chromium driven by Playwright, never a browser
Playwright downloads (``.ci/run`` installs ``chromium`` with apt-get).

An operator signs in with the one-time link the bot sent; a request created through the
emulator appears on the map by itself; the operator opens it and dispatches it again, wider,
and the citizen is told through the emulator; a spent, an expired and a forged link are
refused; the Arabic page runs right to left. ``DASHBOARD_SCREENSHOTS=docs`` keeps the
screenshots the README shows (docs/dashboard-*.png); otherwise they go to the test's folder.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from storage.dashboard_models import DashboardLink
from storage.types import utcnow
from tests.dashboard_helpers import DashBox, dashboard_box, sign_in_link
from tests.e2e_helpers import add_volunteers, request_help

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPS = -100777
ROOT = Path(__file__).resolve().parent.parent

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def dash(tmp_path: Path) -> AsyncIterator[DashBox]:
    async with dashboard_box(tmp_path, ops_chat_id=OPS, ops_language="en") as d:
        d.box.emu.group(OPS, "Command centre")
        yield d


def shot_path(tmp_path: Path, name: str) -> Path:
    if os.environ.get("DASHBOARD_SCREENSHOTS") == "docs":
        return ROOT / "docs" / name
    return tmp_path / name


async def signed_in_page(d: DashBox, browser: Any, lang: str = "en") -> Any:
    page = await browser.new_page(viewport={"width": 1400, "height": 860}, locale=lang)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    await page.goto(await sign_in_link(d) + f"&lang={lang}")
    await page.click("#signin")
    await page.wait_for_selector("#live.on")
    return page


async def test_a_request_appears_live_and_is_dispatched_again_wider(
    dash: DashBox, browser: Any, tmp_path: Path
) -> None:
    page = await signed_in_page(dash, browser)
    assert await page.text_content("#open-count") == "Open requests: 0"
    citizen = dash.box.emu.user(1, first_name="Noura", language_code="en")
    await request_help(dash.box, citizen)  # nobody on duty: escalated at once
    # No reload: the marker arrives through the event stream.
    marker = await page.wait_for_selector(".req-1.state-escalated", timeout=15000)
    assert await page.text_content("#open-count") == "Open requests: 1"
    await marker.click()
    await page.wait_for_selector("#timeline li")
    assert "Request #1 · Fire" in (await page.text_content("#panel-title") or "")
    assert "Request created" in (await page.text_content("#timeline") or "")
    [far] = await add_volunteers(dash.box, (10, 30.0))
    await page.click("#actions .act-wider")
    await page.wait_for_selector("#result")
    assert await page.text_content("#result") == "Done."
    await dash.box.settle()
    told = await citizen.wait_for("sent request #1 out again: 1 volunteer alerted")
    assert told.chat_id == 1 and "offer:acc:1" in far.last.button_data
    await page.wait_for_selector(".req-1.state-widened", timeout=15000)
    await page.wait_for_selector("#panel >> text=Nothing to answer")
    await page.screenshot(path=str(shot_path(tmp_path, "dashboard-en.png")))
    await page.click("#tab-figures")
    await page.wait_for_selector("#chart-types")
    await page.screenshot(path=str(shot_path(tmp_path, "figures-en.png")))
    assert page.errors == []


async def test_spent_expired_and_forged_links_and_strangers_are_refused(
    dash: DashBox, browser: Any
) -> None:
    link = await sign_in_link(dash)
    first = await (await browser.new_context()).new_page()
    await first.goto(link)
    await first.click("#signin")
    await first.wait_for_selector("#live.on")  # signed in: the link is spent
    fresh = await browser.new_context()
    again = await fresh.new_page()
    response = await again.goto(link)
    assert response.status == 403
    assert "used already" in (await again.text_content("main") or "")
    expired = await sign_in_link(dash)
    async with dash.box.db.session() as s:
        await s.exec(update(DashboardLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await again.goto(expired)
    assert response.status == 403 and "expired" in (await again.text_content("main") or "")
    response = await again.goto(f"{dash.url}/dashboard/signin?t=forged")
    assert response.status == 403 and "not valid" in (await again.text_content("main") or "")
    response = await again.goto(f"{dash.url}/dashboard/")
    assert response.status == 403
    assert "Only operators" in (await again.text_content("main") or "")
    stranger = dash.box.emu.user(5, first_name="Guest", language_code="en")
    await stranger.send("/dashboard")
    await dash.box.settle()
    assert stranger.last.text == "Only operators can do this."


async def test_the_arabic_page_runs_right_to_left(
    dash: DashBox, browser: Any, tmp_path: Path
) -> None:
    citizen = dash.box.emu.user(1, first_name="نورة", language_code="ar")
    await add_volunteers(dash.box, (10, 2.0), (11, 4.0))
    await request_help(dash.box, citizen)
    page = await signed_in_page(dash, browser, "ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    side = await page.eval_on_selector("#side", "e => e.getBoundingClientRect().x")
    map_x = await page.eval_on_selector("#map", "e => e.getBoundingClientRect().x")
    assert side < map_x  # the side panel starts on the right-to-left reader's side
    assert await page.text_content("#open-count") == "البلاغات النشطة: 1"
    await page.click(".req-1")
    await page.wait_for_selector("#timeline li")
    assert "حريق" in (await page.text_content("#panel-title") or "")
    await page.screenshot(path=str(shot_path(tmp_path, "dashboard-ar.png")))
    await page.click("#tab-figures")
    await page.wait_for_selector("#chart-types")
    assert "المؤشرات" in (await page.text_content("#tab-figures") or "")
    await page.screenshot(path=str(shot_path(tmp_path, "figures-ar.png")))
    assert page.errors == []
