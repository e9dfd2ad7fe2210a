"""The dashboard's routes, mounted under /dashboard on the bot's aiohttp server (or alone)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from bot.services.config import DispatchConfig
from bot.settings import Settings
from bot.web import api, auth, events, security
from bot.web.auth import COOKIE, OPERATOR, csrf_for, language_of, operator_only
from bot.web.page import dashboard_page
from bot.web.state import DASH, Dash, Sender, dash_of
from storage.db import Database

log = logging.getLogger(__name__)
PREFIX = "/dashboard"
STATIC_DIR = Path(__file__).parent / "static"


@operator_only
async def home(request: web.Request) -> web.Response:
    """The signed-in page: the map, the side panel, the figures."""
    dash = dash_of(request)
    operator = request[OPERATOR]
    return dashboard_page(
        language_of(request, operator.language),
        operator=operator.name or str(operator.person_id),
        csrf=csrf_for(request.cookies[COOKIE]),
        tile_url=dash.settings.dashboard_tile_url,
        attribution=dash.settings.dashboard_tile_attribution,
    )


def dashboard_app(dash: Dash) -> web.Application:
    app = web.Application()
    app[DASH] = dash
    security.install(app, dash.settings.dashboard_tile_url)
    app.cleanup_ctx.append(events.start_live)
    app.on_shutdown.append(events.on_shutdown)
    r = app.router
    r.add_get("/", home)
    r.add_get("/signin", auth.signin_form)
    r.add_post("/signin", auth.signin)
    r.add_post("/signout", auth.signout)
    r.add_get("/events", events.stream)
    r.add_get("/api/base", api.base_map)
    r.add_get("/api/state", events.state)
    r.add_get("/api/requests/{rid}", api.request_panel)
    r.add_post("/api/requests/{rid}/{action}", api.answer)
    r.add_get("/api/kpis", api.figures)
    r.add_get("/api/kpis.csv", api.figures_csv)
    r.add_static("/static/", STATIC_DIR, append_version=False)
    return app


def mount(
    parent: web.Application,
    *,
    db: Database,
    settings: Settings,
    cfg: DispatchConfig,
    sender: Sender | None = None,
) -> None:
    """Serve the dashboard under /dashboard on ``parent`` (the webhook or health server)."""

    async def to_slash(_request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect(PREFIX + "/")

    parent.router.add_get(PREFIX, to_slash)
    parent.add_subapp(PREFIX, dashboard_app(Dash(db, settings, cfg, sender)))


async def serve_alone(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """``run_bot.py --dashboard``: the dashboard on DASHBOARD_LISTEN:DASHBOARD_PORT, without the
    bot. Its answers write the outbox and the timers' rows; the bot's workers say and fire them."""
    from bot.serve import stop_on_signals

    stop = stop or stop_on_signals()
    db = Database(settings.database_url)
    root = web.Application()
    mount(root, db=db, settings=settings, cfg=DispatchConfig.from_settings(settings))
    runner = web.AppRunner(root)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.dashboard_listen, settings.dashboard_port).start()
        log.info(
            "dashboard on %s:%s%s/", settings.dashboard_listen, settings.dashboard_port, PREFIX
        )
        await stop.wait()
    finally:
        await runner.cleanup()
        await db.dispose()
