"""Running the bot: polling or webhook, the optional ops server, start-up errors and SIGTERM.

Both modes share one lifecycle (``serve``): start-up as python-telegram-bot's own
``run_polling`` does it (bot/app.start_application), then wait for SIGTERM or SIGINT, then
stop taking updates (the webhook server or the long poll first), finish every update
already taken and the running jobs (``Application.stop`` drains the update queue), write the
queued positions (post_stop) and exit 0. A process manager's stop never lands mid-update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot import health
from bot.app import start_application, stop_application
from bot.settings import TELEGRAM_API, Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
AnyApp = Application[Any, Any, Any, Any, Any, Any]


def stop_on_signals() -> asyncio.Event:
    """An event set by the first SIGTERM or SIGINT (a log line says which arrived)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        log.info("%s received: no new updates; finishing the ones in flight", sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal, sig)
    return stop


async def serve(
    app: AnyApp,
    start_updates: Callable[[], Awaitable[object]],
    *,
    web_app: web.Application | None = None,
    listen: str = "127.0.0.1",
    port: int | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``app`` until ``stop`` is set (until SIGTERM/SIGINT when None), with ``web_app``
    served on ``listen:port`` beside it."""
    stop = stop or stop_on_signals()
    runner = web.AppRunner(web_app) if web_app is not None and port is not None else None
    try:
        await start_application(app, start_updates)
        if runner is not None:
            await runner.setup()
            await web.TCPSite(runner, listen, port).start()
            log.info("serving HTTP on %s:%s", listen, port)
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()  # no new webhook calls; those in progress finish
        await stop_application(app)  # the poll stops, queued updates and jobs finish
        log.info("stopped")


async def run_polling(app: AnyApp, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Long polling, with /healthz and /metrics on HEALTH_PORT when it is set, and the
    dashboard beside them (on DASHBOARD_PORT when HEALTH_PORT is unset)."""

    async def start_polling() -> None:
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

    web_app = None
    listen, port = settings.health_listen, settings.health_port
    if port is None and settings.dashboard_url:
        listen, port = settings.dashboard_listen, settings.dashboard_port
    if port is not None:
        web_app = web.Application()
        health.add_routes(web_app, app)
        add_dashboard(web_app, app)
    await serve(app, start_polling, web_app=web_app, listen=listen, port=port, stop=stop)


def add_dashboard(web_app: web.Application, app: AnyApp) -> None:
    """The operators' dashboard under /dashboard when DASHBOARD_URL is set (bot/web/), on the
    bot's own use cases and outbox sender."""
    settings: Settings = app.bot_data["settings"]
    if not settings.dashboard_url:
        return
    from bot.web import mount

    data = app.bot_data
    mount(web_app, db=data["db"], settings=settings, cfg=data["cfg"], sender=data["sender"])


def warn_about_base_url(settings: Settings) -> None:
    # PTB appends the token to the base URL as it is: without /bot the token becomes part of
    # the host or port, and every call fails.
    if settings.telegram_base_url != TELEGRAM_API and not settings.telegram_base_url.endswith(
        "/bot"
    ):
        log.warning(
            "TELEGRAM_BASE_URL does not end in /bot; the token is appended to it exactly "
            "(…/bot<token>/<method>), so calls will likely fail"
        )


def run(settings: Settings) -> int:
    """Build the bot and run it in the mode the settings choose; the process's exit code.

    Start-up failures are logged (redacted: PTB's own ``InvalidToken`` text holds the token)
    with what to do, instead of a traceback on stderr.
    """
    from bot.app import build_application

    warn_about_base_url(settings)
    app = build_application(settings)
    try:
        if settings.webhook_url:
            from bot.webhook import run_webhook

            asyncio.run(run_webhook(app, settings))
        else:
            asyncio.run(run_polling(app, settings))
    except InvalidToken:
        # PTB maps both 401 and 404 to InvalidToken: a wrong token, or a wrong base URL.
        log.error(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized or 404 Not Found). Check "
            "the token with @BotFather (/mybots → API Token), and that TELEGRAM_BASE_URL is "
            "the Bot API and ends in /bot (the default is %s).",
            TELEGRAM_API,
        )
        return 2
    except NetworkError as exc:  # PTB retries these while running: this is start-up
        log.error("could not reach the Bot API at TELEGRAM_BASE_URL: %s", exc)
        return 1
    except Exception:
        log.critical("the bot stopped on an error", exc_info=True)
        return 1
    return 0
