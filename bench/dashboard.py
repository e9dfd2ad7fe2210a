"""The operators' dashboard at national scale: first load and live updates, time and bytes.

    python bench/dashboard.py                       # 1,000 open requests, 200,000 on duty
    python bench/dashboard.py --requests 1000 --volunteers 200000 --updates 30 --json
    python bench/dashboard.py --screenshots docs    # also the README's dense-map screenshots

A fresh SQLite database (a file in a temporary directory) holds ``--volunteers`` verified,
on-duty volunteers with fresh positions (homes, skills and equipment from
bot/devtools/simulate/population.py) and ``--requests`` open requests drawn from the same places, in every
state the map colours (searching 45%, searching wider 15%, assigned 20%, on scene 10%,
escalated 10%), created over the last 40 minutes. The dashboard runs alone (as
``run_bot.py --dashboard``) on 127.0.0.1, an operator signed in through the real one-time
link, and an aiohttp client plays the browser.

First load
    The page, every static file it loads (Leaflet included), the base map (outline and
    cities) and the event stream's snapshot (every open request and readiness per city):
    the time from connecting to the snapshot's last byte, and the bytes of each part.
Live updates
    ``--updates`` times, one request changes state in its own transaction (as a use case
    commits it, from outside the dashboard's process memory); timed is the commit to the
    arrival of the stream's ``changes`` event, with its bytes. The reader polls every
    DASHBOARD_POLL_S (1 s), so the wait is the poll's phase plus one read.
The read itself
    One pass of the process's reader (the open requests; readiness on every fifth pass), the
    database work every worker's dashboard does once per poll whatever the number of browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

from bot.devtools.simulate.population import Places, equipment, skills, skills_mask
from bot.services import dashboard, dashboard_auth
from bot.services.config import DispatchConfig
from bot.settings import Settings
from bot.web.routes import mount
from domain.incidents import IncidentType
from domain.matching.geo import area_of
from domain.matching.grid import cell_of
from storage.db import Database
from storage.models import Volunteer

OPERATOR = 1
STATES = (("dispatching", 1, 45), ("dispatching", 3, 15), ("assigned", 1, 20), ("on_scene", 1, 10), ("escalated", 4, 10))  # fmt: skip
# The next state the map colours, so the request's marker changes.
NEXT_STATE = text(
    "UPDATE help_request SET status = CASE status WHEN 'dispatching' THEN 'assigned' "
    "WHEN 'assigned' THEN 'on_scene' WHEN 'on_scene' THEN 'escalated' "
    "ELSE 'dispatching' END, wave = 1 WHERE id = :rid"
)
# Debian's chromium, as the browser tests launch it (tests/test_dashboard_browser.py).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
STATIC = re.compile(r'(?:src|href)="(/dashboard/static/[^"]+)"')


def seed(path: str, n_volunteers: int, n_requests: int, rng: random.Random) -> None:
    """Bulk rows with the stdlib driver, timestamps in the stored format SQLAlchemy uses."""
    to_db = Volunteer.__table__.c.position_at.type.bind_processor(SQLiteDialect_aiosqlite())  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    places = Places(rng)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    people = [(OPERATOR, OPERATOR, "Huda", "en", to_db(now))]
    vols = []
    for i in range(n_volunteers):
        pid = 100_000 + i
        lat, lon, kind = places.home()
        chosen = skills(rng)
        people.append((pid, pid, f"v{i}", "en", to_db(now)))
        vols.append(
            (pid, "verified", skills_mask(chosen), equipment(rng, chosen, rural=kind != "city"),
             1, lat, lon, cell_of(lat, lon), to_db(now - timedelta(seconds=rng.uniform(0, 3000))),
             6, 0, to_db(now))
        )  # fmt: skip
    requests, audits = [], []
    kinds = [(s, w) for s, w, share in STATES for _ in range(share)]
    for rid in range(1, n_requests + 1):
        citizen = 10_000 + rid
        people.append((citizen, citizen, f"c{rid}", "ar", to_db(now)))
        lat, lon = places.point()
        status, wave = rng.choice(kinds)
        created = now - timedelta(seconds=rng.uniform(0, 2400))
        helper = vols[rid][0] if status in ("assigned", "on_scene") else None
        requests.append(
            (rid, citizen, rng.choice(list(IncidentType)).value, lat, lon,
             area_of(lat, lon).city.name_en, status, wave, helper, to_db(created))
        )  # fmt: skip
        audits.append((to_db(created), citizen, rid, "created", ""))
    with con:
        con.executemany(
            "INSERT INTO person (id, chat_id, first_name, language, blocked, created_at) "
            "VALUES (?,?,?,?,0,?)",
            people,
        )
        con.executemany(
            "INSERT INTO volunteer (person_id, status, skills, equipment, on_duty, lat, lon, "
            "cell, position_at, max_alerts_per_hour, share_phone, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            vols,
        )
        con.executemany(
            "INSERT INTO help_request (id, requester_id, incident, lat, lon, area, status, wave, "
            "volunteer_id, created_at, timer_step) VALUES (?,?,?,?,?,?,?,?,?,?,0)",
            requests,
        )
        con.executemany(
            "INSERT INTO audit_event (at, actor_id, request_id, kind, detail) VALUES (?,?,?,?,?)",
            audits,
        )
    con.close()


async def session_cookie(db: Database, cfg: DispatchConfig, settings: Settings) -> str:
    """The operator's session, through the real one-time link."""
    now = datetime.now(UTC)
    async with db.session() as s:
        link = await dashboard_auth.issue_link(s, cfg, person_id=OPERATOR, ttl_s=300, now=now)
    assert link is not None
    async with db.session() as s:
        done = await dashboard_auth.sign_in(
            s, cfg, token=link.token, session_s=settings.dashboard_session_s, now=now
        )
    return done.token


async def read_event(stream: aiohttp.StreamReader) -> tuple[str, int, Any]:
    """One server-sent event: its name, its size on the wire, its data."""
    event, data, size = "", "", 0
    while True:
        line = await stream.readline()
        size += len(line)
        text = line.decode()
        if text.startswith("event: "):
            event = text[7:].strip()
        elif text.startswith("data: "):
            data = text[6:].strip()
        elif text == "\n" and event:
            return event, size, json.loads(data)


async def first_load(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    start = time.perf_counter()
    async with http.get(f"{url}/dashboard/") as r:
        page = await r.read()
    static = 0
    for path in sorted(set(STATIC.findall(page.decode()))):
        async with http.get(url + path) as r:
            static += len(await r.read())
    async with http.get(f"{url}/dashboard/api/base") as r:
        base = len(await r.read())
    async with http.get(f"{url}/dashboard/events") as r:
        await r.content.readline()  # retry:
        await r.content.readline()
        _, snapshot_bytes, snapshot = await read_event(r.content)
    total_s = time.perf_counter() - start
    return {
        "seconds": round(total_s, 3),
        "page_bytes": len(page),
        "static_bytes": static,
        "base_map_bytes": base,
        "snapshot_bytes": snapshot_bytes,
        "snapshot_requests": len(snapshot["requests"]),
        "readiness_cities": len(snapshot["readiness"]),
    }


async def snapshot_only(http: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    """The event stream's snapshot alone (a browser that has the files cached), n times."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        async with http.get(f"{url}/dashboard/events") as r:
            await r.content.readline()
            await r.content.readline()
            await read_event(r.content)
        times.append(time.perf_counter() - start)
    return times


async def live_updates(
    http: aiohttp.ClientSession, url: str, db_path: str, n: int, rng: random.Random
) -> dict[str, Any]:
    latencies, sizes = [], []
    async with http.get(f"{url}/dashboard/events") as r:
        await r.content.readline()
        await r.content.readline()
        await read_event(r.content)  # the snapshot
        worker = Database(f"sqlite:///{db_path}")  # another process's engine, as a worker's
        for _ in range(n):
            await asyncio.sleep(rng.uniform(0.2, 1.2))  # any phase of the reader's poll
            rid = rng.randint(1, 1000)
            async with worker.session() as s:
                await s.exec(NEXT_STATE, params={"rid": rid})  # type: ignore[call-overload]
            committed = time.perf_counter()
            while True:
                event, size, data = await read_event(r.content)
                if event == "changes" and any(row[0] == rid for row in data["upsert"]):
                    break
            latencies.append(time.perf_counter() - committed)
            sizes.append(size)
        await worker.dispose()
    return {
        "updates": n,
        "p50_s": round(statistics.median(latencies), 3),
        "max_s": round(max(latencies), 3),
        "bytes_p50": int(statistics.median(sizes)),
    }


async def reader_pass(db: Database, cfg: DispatchConfig, n: int) -> dict[str, float]:
    rows, ready = [], []
    for _ in range(n):
        start = time.perf_counter()
        async with db.session() as s:
            await dashboard.markers(s)
        rows.append(time.perf_counter() - start)
        start = time.perf_counter()
        async with db.session() as s:
            await dashboard.readiness(s, cfg, now=datetime.now(UTC))
        ready.append(time.perf_counter() - start)
    return {
        "requests_read_ms": round(statistics.median(rows) * 1000, 1),
        "readiness_read_ms": round(statistics.median(ready) * 1000, 1),
    }


async def screenshots(url: str, cookie: str, folder: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for lang in ("en", "ar"):
            context = await browser.new_context(viewport={"width": 1400, "height": 860})
            await context.add_cookies([{"name": "musaada_dashboard", "value": cookie, "url": url}])
            page = await context.new_page()
            await page.goto(f"{url}/dashboard/?lang={lang}")
            await page.wait_for_selector(".cluster")
            await page.wait_for_timeout(500)
            await page.screenshot(path=str(folder / f"dashboard-dense-{lang}.png"))
            await context.close()
        await browser.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="musaada-dash-"))
    path = str(folder / "bench.db")
    db = Database(f"sqlite:///{path}")
    await db.create_all()
    started = time.perf_counter()
    seed(path, args.volunteers, args.requests, rng)
    log(
        f"seeded {args.volunteers:,} volunteers and {args.requests:,} requests in {time.perf_counter() - started:.1f} s"
    )
    port = args.port
    settings = Settings(
        database_url=f"sqlite:///{path}",
        operator_ids=frozenset({OPERATOR}),
        dashboard_url=f"http://127.0.0.1:{port}",
    )
    cfg = DispatchConfig.from_settings(settings)
    root = web.Application()
    mount(root, db=db, settings=settings, cfg=cfg)
    runner = web.AppRunner(root, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    cookie = await session_cookie(db, cfg, settings)
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({"musaada_dashboard": cookie})
    try:
        endless = aiohttp.ClientTimeout(total=None, sock_read=30)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=endless) as http:
            result: dict[str, Any] = {"volunteers": args.volunteers, "requests": args.requests}
            result["reader"] = await reader_pass(db, cfg, 5)
            result["first_load"] = await first_load(http, settings.dashboard_url or "")
            warm = await snapshot_only(http, settings.dashboard_url or "", 5)
            result["snapshot_p50_s"] = round(statistics.median(warm), 3)
            result["live"] = await live_updates(
                http, settings.dashboard_url or "", path, args.updates, rng
            )
        if args.screenshots:
            await screenshots(settings.dashboard_url or "", cookie, Path(args.screenshots))
        return result
    finally:
        await runner.cleanup()
        await db.dispose()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--port", type=int, default=18416)
    parser.add_argument("--screenshots", metavar="FOLDER", help="dense-map screenshots here")
    parser.add_argument("--json", action="store_true", help="one JSON line only")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
