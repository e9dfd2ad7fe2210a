"""The operators' web dashboard: a live map, a request's panel with the escalation's answers,
and the command centre's figures, served by the bot's own aiohttp server under /dashboard.

An adapter beside bot/handlers/: it calls bot/services/ and nothing below calls it. Served on
the webhook server, on HEALTH_PORT (else DASHBOARD_PORT) in polling mode, or alone with
``python run_bot.py --dashboard``; off until DASHBOARD_URL is set. Modules: ``auth`` (sign-in,
sessions, CSRF), ``security`` (headers, CSP), ``page`` (the HTML), ``api`` (JSON and CSV),
``events`` (the live updates), ``strings`` (the words the browser shows), ``routes`` (wiring).
"""

from __future__ import annotations

from bot.web.routes import PREFIX, dashboard_app, mount

__all__ = ["PREFIX", "dashboard_app", "mount"]
