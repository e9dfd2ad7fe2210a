#!/usr/bin/env python3
"""Musaada entry point: reads settings, builds the app, runs it (polling, webhook or the offline demo).

python run_bot.py            # the real bot (needs TELEGRAM_BOT_TOKEN)
python run_bot.py --demo     # offline: a local Bot API emulator, a citizen and three volunteers
python run_bot.py migrate    # upgrade the database (DATABASE_URL) to the latest schema
python run_bot.py --verbose  # DEBUG logs (still without the token or the webhook secret)
python run_bot.py --webhook --workers 4   # 4 webhook workers on WEBHOOK_PORT … WEBHOOK_PORT+3
python run_bot.py --dashboard  # the operators' dashboard alone, on DASHBOARD_PORT
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.logs import configure_logging
from bot.settings import Settings, explain

NO_TOKEN = """\
No TELEGRAM_BOT_TOKEN is set.

To run the real bot:
  1. Open Telegram, talk to @BotFather, send /newbot and follow the steps.
  2. Put the token it gives you in the environment (or in a .env file here):
       export TELEGRAM_BOT_TOKEN=123456:ABC...
  3. Run: python run_bot.py

To see the whole help loop offline, with no token and no network:
  python run_bot.py --demo
"""

WEBHOOK_NEEDED = """\
--webhook and --workers need WEBHOOK_URL: the public HTTPS URL Telegram posts updates to
(your reverse proxy; docs/deploy.md). Polling, the default, is one process only.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Musaada: volunteers to people in trouble, fast.")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["migrate"],
        help="migrate: upgrade the database to the latest schema, then exit",
    )
    parser.add_argument(
        "--demo", action="store_true", help="run the offline demo (no token, no network)"
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="serve the operators' dashboard alone on DASHBOARD_LISTEN:DASHBOARD_PORT",
    )
    parser.add_argument("--verbose", action="store_true", help="log at DEBUG level")
    parser.add_argument(
        "--webhook", action="store_true", help="webhook mode (WEBHOOK_URL must be set)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="webhook mode: N worker processes on ports WEBHOOK_PORT … WEBHOOK_PORT+N-1",
    )
    args = parser.parse_args(argv)
    if args.demo:
        configure_logging(level=logging.WARNING)
        from bot.devtools.demo import run_demo

        return asyncio.run(run_demo())
    try:
        settings = Settings()
    except ValidationError as exc:
        print(explain(exc), file=sys.stderr)  # names and reasons only, never the values
        return 2
    # Logging is redacted from here on: the token and secrets never reach a log line.
    configure_logging(
        level=logging.DEBUG if args.verbose else logging.INFO,
        json_format=settings.log_format == "json",
        secrets=settings.secrets(),
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "migrate":
        return migrate(settings)
    if args.dashboard:
        return dashboard_alone(settings)
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if (args.webhook or args.workers > 1) and not settings.webhook_url:
        print(WEBHOOK_NEEDED, file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    if not schema_ready(settings):
        return 1
    if args.workers > 1:
        from bot.workers import supervise

        return asyncio.run(supervise(settings, args.workers, ["--verbose"] if args.verbose else []))
    from bot.serve import run

    return run(settings)


DASHBOARD_NEEDED = """\
--dashboard needs DASHBOARD_URL: the address operators open (https://ops.example.org), which
the bot's /dashboard links point to. The bot itself runs as usual, in another process.
"""


def dashboard_alone(settings: Settings) -> int:
    """``--dashboard``: the dashboard without the bot (no token needed); the bot's workers say
    what its answers write to the outbox."""
    if not settings.dashboard_url:
        print(DASHBOARD_NEEDED, file=sys.stderr)
        return 2
    if not schema_ready(settings):
        return 1
    from bot.web.routes import serve_alone

    asyncio.run(serve_alone(settings))
    return 0


def migrate(settings: Settings) -> int:
    """``python run_bot.py migrate``: the configured database to the latest revision."""
    from sqlalchemy.engine import make_url

    from storage import migrations

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        report = asyncio.run(migrations.upgrade(settings.database_url))
    except migrations.SchemaError as e:
        print(f"{where}: not migrated. {e}", file=sys.stderr)
        return 1
    print(f"{where}: {report.describe()}")
    return 0


def schema_ready(settings: Settings) -> bool:
    """Before anything talks to Telegram: SQLite upgrades itself, PostgreSQL must be at head."""
    from storage.db import Database
    from storage.migrations import SchemaError

    async def prepare() -> None:
        db = Database(settings.database_url)
        try:
            await db.prepare_schema()
        finally:
            await db.dispose()

    try:
        asyncio.run(prepare())
    except SchemaError as e:
        print(e, file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
