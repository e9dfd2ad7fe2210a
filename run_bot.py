#!/usr/bin/env python3
"""Musaada entry point: reads settings, builds the app, runs it (polling, webhook or the offline demo).

python run_bot.py            # the real bot (needs TELEGRAM_BOT_TOKEN)
python run_bot.py --demo     # offline: a local Bot API emulator, a citizen and three volunteers
python run_bot.py migrate    # upgrade the database (DATABASE_URL) to the latest schema
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.settings import Settings

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
    parser.add_argument("--verbose", action="store_true", help="log at DEBUG level")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO if not args.demo else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.demo:
        from bot.devtools.demo import run_demo

        return asyncio.run(run_demo())
    settings = Settings()
    if args.command == "migrate":
        return migrate(settings)
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if not schema_ready(settings):
        return 1
    from bot.app import build_application

    app = build_application(settings)
    if settings.webhook_url:
        from bot.webhook import run_webhook

        asyncio.run(run_webhook(app, settings))
    else:
        app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
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
