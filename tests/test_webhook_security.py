"""Webhook mode never accepts an update without the secret Telegram was given.

Before: with WEBHOOK_URL set and no WEBHOOK_SECRET, a POST with an operator's user id acted
as that operator. Now there is always a secret (WEBHOOK_SECRET, or one derived from the
token), it goes to setWebhook, and a call without it, or with another, is refused before
anything reads the body: nothing is queued, nothing is answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr, ValidationError

from bot.app import build_application
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import TOKEN, Sandbox
from bot.settings import Settings, explain
from bot.webhook import SECRET_HEADER, derived_secret, make_webhook_app, run_webhook
from storage.db import Database
from tests.processes import command_update, free_port

OPERATOR = 777


@asynccontextmanager
async def webhook_bot(
    emu: BotApiEmulator, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[Sandbox, str]]:
    port = free_port()
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=emu.base_url,
        telegram_base_file_url=emu.base_file_url,
        database_url=f"sqlite:///{tmp_path}/webhook.db",
        webhook_url="https://bot.example/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        operator_ids=frozenset({OPERATOR}),
        **overrides,
    )
    db = Database(settings.database_url)
    app = build_application(settings, db, token=TOKEN)
    stop = asyncio.Event()
    server = asyncio.create_task(run_webhook(app, settings, stop))
    try:
        for _ in range(200):  # until the server answers
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                assert not server.done(), server.result()
                await asyncio.sleep(0.05)
        yield Sandbox(emu, app, db, settings), f"http://127.0.0.1:{port}/telegram"
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)
        await db.dispose()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emulator:
        yield emulator


async def test_without_a_secret_setting_forged_calls_are_refused(
    emu: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.webhook")
    async with webhook_bot(emu, tmp_path) as (box, url):
        assert emu.webhook is not None
        secret = emu.webhook["secret_token"]
        assert secret == derived_secret(TOKEN) and len(secret) >= 32
        assert any("WEBHOOK_SECRET is not set" in r.getMessage() for r in caplog.records)
        assert all(secret not in r.getMessage() for r in caplog.records)

        operator = emu.user(OPERATOR, language_code="en")
        citizen = emu.user(1, language_code="en")
        forged = command_update(1, operator, "/pending")
        async with aiohttp.ClientSession() as http:
            for headers, status in (
                ({}, 401),
                ({SECRET_HEADER: ""}, 403),
                ({SECRET_HEADER: "wrong"}, 403),
                ({SECRET_HEADER: secret[:-1]}, 403),
                ({SECRET_HEADER: secret + "x"}, 403),
                ({SECRET_HEADER: "سر"}, 403),  # not ASCII: a mismatch, not a crash
            ):
                async with http.post(url, json=forged, headers=headers) as resp:
                    assert resp.status == status, headers
            good = {SECRET_HEADER: secret}
            async with http.post(url, data=b"not json", headers=good) as resp:
                assert resp.status == 400
            async with http.post(url, json=[1, 2], headers=good) as resp:
                assert resp.status == 400
            real = command_update(2, citizen, "/start")
            async with http.post(url, json=real, headers=good) as resp:
                assert resp.status == 200
        await citizen.wait_for(lambda m: bool(m.reply_buttons))
        await box.settle()
        assert operator.messages == []  # the forged /pending was never handled


async def test_the_configured_secret_is_the_one_set_and_checked(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with webhook_bot(emu, tmp_path, webhook_secret=SecretStr("my-own_Secret-123")) as (
        box,
        url,
    ):
        assert emu.webhook is not None and emu.webhook["secret_token"] == "my-own_Secret-123"
        citizen = emu.user(1, language_code="en")
        update = command_update(1, citizen, "/start")
        async with aiohttp.ClientSession() as http:
            derived = {SECRET_HEADER: derived_secret(TOKEN)}
            async with http.post(url, json=update, headers=derived) as resp:
                assert resp.status == 403
            async with http.post(
                url, json=update, headers={SECRET_HEADER: "my-own_Secret-123"}
            ) as resp:
                assert resp.status == 200
        await citizen.wait_for(lambda m: bool(m.reply_buttons))
        await box.settle()
        assert len(citizen.messages) == 1  # the refused copy of the same update did nothing


def test_derived_secret_is_what_telegram_accepts_and_the_same_for_every_worker() -> None:
    one, two = derived_secret(TOKEN), derived_secret(TOKEN)
    assert one == two and re.fullmatch(r"[A-Za-z0-9_-]{43}", one)
    assert derived_secret("123456:OTHER-TOKEN") != one
    assert TOKEN.split(":")[1] not in one


def test_a_webhook_without_a_secret_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        make_webhook_app(None, "", "/telegram")  # type: ignore[arg-type]


def test_a_bad_secret_setting_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(webhook_secret=SecretStr("has spaces and ! marks"))
    message = explain(caught.value)
    assert "WEBHOOK_SECRET" in message and "has spaces" not in message
