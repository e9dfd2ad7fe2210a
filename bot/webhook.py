"""Webhook mode on aiohttp: Telegram posts updates to us; we hand them to the Application's queue.

Ported from python-telegram-bot's custom-webhook example. Every call must carry the secret
token Telegram was given in ``setWebhook`` (``X-Telegram-Bot-Api-Secret-Token``), compared in
constant time: without it anyone who finds the URL could post an update "from" an operator's
user id and act as that operator. There is therefore always a secret: ``WEBHOOK_SECRET``, or
one derived from the token when it is unset (see ``derived_secret``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import health, logs
from bot.serve import ALLOWED_UPDATES, add_dashboard, serve
from bot.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_DERIVATION = b"musaada webhook secret v1"


def derived_secret(token: str) -> str:
    """A webhook secret for a deployment that set none: HMAC-SHA256 of the bot token.

    Why derived and not random per process: N workers behind one webhook URL (and a restarted
    worker) must all accept what Telegram sends, and each calls ``setWebhook``; a random secret
    per process would leave only the last one started accepting updates. Knowing it needs the
    token, which already gives full control of the bot. 43 characters of A-Z, a-z, 0-9, ``_``
    and ``-`` (256 bits), as Telegram's ``secret_token`` allows.
    """
    digest = hmac.new(token.encode(), _DERIVATION, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def webhook_secret(settings: Settings, token: str) -> str:
    """WEBHOOK_SECRET, or the derived one with a warning (never the secret itself)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    log.warning(
        "WEBHOOK_SECRET is not set: using a secret derived from the bot token for "
        "setWebhook and checking it on every call; set WEBHOOK_SECRET to choose your own"
    )
    return derived_secret(token)


def make_webhook_app(
    app: Application[Any, Any, Any, Any, Any, Any], secret: str, path: str
) -> web.Application:
    """The aiohttp app: POST ``path`` for Telegram, /healthz and /metrics (bot/health.py), and
    the dashboard under /dashboard when DASHBOARD_URL is set (bot/web/)."""
    if not secret:
        raise ValueError("a webhook needs a secret")
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401)
        # Bytes, so a non-ASCII header is a mismatch rather than a TypeError.
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, app.bot) if isinstance(data, dict) else None
        except Exception:  # not JSON, or not an Update
            update = None
        if update is None:
            return web.Response(status=400)
        # Processed before the answer, not queued: Telegram forgets an update once it got a
        # 200, so a worker killed with updates in a queue would lose them. Killed mid-update,
        # this call gets no answer and Telegram posts the update again (to another worker,
        # behind the proxy); what the first attempt committed is seen by the second.
        await app.update_processor.process_update(update, app.process_update(update))
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post(path, receive)
    health.add_routes(web_app, app)
    add_dashboard(web_app, app)
    return web_app


async def run_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve the webhook until ``stop`` is set (until SIGTERM/SIGINT when None), with the same
    start-up and shut-down as polling: post_init rebuilds the timers before the JobQueue starts."""
    assert settings.webhook_url
    webhook_url = settings.webhook_url
    secret = webhook_secret(settings, app.bot.token)
    logs.hide(secret)

    async def set_webhook() -> None:
        if not settings.webhook_register:  # another worker of the fleet sets it
            log.info(
                "serving the webhook at %s; another worker registers it", settings.webhook_path
            )
            return
        await app.bot.set_webhook(webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        log.info("webhook set; Telegram posts to %s", settings.webhook_path)

    await serve(
        app,
        set_webhook,
        web_app=make_webhook_app(app, secret, settings.webhook_path),
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        stop=stop,
    )
