"""Webhook mode on aiohttp: Telegram posts updates to us; we hand them to the Application's queue.

Ported from python-telegram-bot's custom-webhook example. The secret token
header is checked exactly as PTB's own webhook server does, so a stranger
who finds the URL cannot inject updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import start_application, stop_application
from bot.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_webhook_app(
    app: Application[Any, Any, Any, Any, Any, Any], secret: str | None, path: str
) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), secret
        ):
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        await app.update_queue.put(Update.de_json(data, app.bot))
        return web.Response()

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.router.add_post(path, receive)
    web_app.router.add_get("/healthz", health)
    return web_app


async def run_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve the webhook until ``stop`` is set (forever when None), with the same start-up
    and shut-down as polling: post_init rebuilds the timers before the JobQueue starts."""
    assert settings.webhook_url
    webhook_url = settings.webhook_url
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    path = settings.webhook_path
    runner = web.AppRunner(make_webhook_app(app, secret, path))

    async def set_webhook() -> None:
        await app.bot.set_webhook(
            webhook_url,
            secret_token=secret,
            allowed_updates=["message", "edited_message", "callback_query"],
        )

    try:
        await start_application(app, set_webhook)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        await site.start()
        log.info(
            "webhook listening on %s:%s%s", settings.webhook_listen, settings.webhook_port, path
        )
        if stop is None:
            # Until SIGTERM or SIGINT, as run_polling: then stop cleanly (post_stop writes the
            # queued live positions) instead of dying mid-flight.
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await stop_application(app)
