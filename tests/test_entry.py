"""run_bot.py as a process: without a token, the offline demo, SIGTERM in both modes."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path

import aiohttp
import pytest

import run_bot
from bot.devtools.demo import run_demo
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import TOKEN
from bot.i18n import FSI, PDI
from bot.webhook import SECRET_HEADER
from tests.processes import (
    BotProcess,
    Hold,
    assert_no_secrets,
    bot_env,
    command_update,
    free_port,
    restore_logging,  # noqa: F401  (a fixture)
)


@pytest.mark.usefixtures("restore_logging")
def test_no_token_explains_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env to read a token from
    assert run_bot.main([]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "--demo" in err


async def test_demo_plays_the_whole_loop(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo(quiet_period=0.15) == 0
    out = capsys.readouterr().out
    assert "── Fatima (citizen, ar) ▶ bot" in out  # the citizen takes part
    # The accepting volunteer (Khalid) receives the exact point, and only he does.
    located = re.findall(r"── bot ▶ (.+?)\n   📍 [\d.]+, [\d.]+", out)
    assert located == ["Khalid (volunteer, ar)"], out
    # His hours are credited ("added to your volunteer hours"), and /hours shows one job.
    one_minute = f"{FSI}دقيقة واحدة{PDI}"
    assert f"أُضيفت {one_minute} إلى ساعاتك التطوعية" in out, out
    assert f"هذا الشهر: {one_minute}، {FSI}مهمة واحدة{PDI}" in out  # /hours (bot/handlers/hours.py)


async def test_polling_sigterm_finishes_the_update_in_flight(tmp_path: Path) -> None:
    """SIGTERM while an update is being handled: the update is finished, the process exits 0.

    Polling with --verbose and HEALTH_PORT: /healthz answers beside the poll, and not one of
    the DEBUG lines (Bot API URLs, parameters) shows the token.
    """
    health_port = free_port()
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emu:
        env = bot_env(emu, tmp_path, HEALTH_PORT=str(health_port))
        bot = await BotProcess(env, tmp_path, "--verbose").start()
        try:
            await bot.line_with("serving HTTP on")  # started: polling, and /healthz up
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{health_port}/healthz") as resp:
                    assert resp.status == 200, await resp.text()
                    assert (await resp.json())["database"] == "ok"
            hold = Hold(emu, "sendMessage")
            user = emu.user(1, first_name="Noura", language_code="en")
            await user.send("/start")
            await bot.until(hold.entered.is_set, "the welcome being sent")
            assert bot.proc is not None
            bot.proc.send_signal(signal.SIGTERM)
            await bot.line_with("SIGTERM received")
            hold.release.set()  # only now may the handler finish
            assert await bot.wait() == 0, bot.output
        finally:
            await bot.close()
        assert user.messages and "Musaada" in (user.messages[0].text or ""), bot.output
    assert any(" DEBUG " in line for line in bot.lines)
    assert_no_secrets(bot.lines, TOKEN)


async def test_polling_sigkill_mid_update_loses_nothing(tmp_path: Path) -> None:
    """Polling with updates handled one at a time, SIGKILL while one is being handled:
    Telegram still holds the update (not confirmed), and the next process answers it
    (bot/polling.py)."""
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emu:
        env = bot_env(emu, tmp_path, UPDATE_CONCURRENCY="1")
        hold = Hold(emu, "sendMessage")
        user = emu.user(1, first_name="Noura", language_code="en")
        bot = await BotProcess(env, tmp_path).start()
        try:
            await user.send("/start")
            await bot.until(hold.entered.is_set, "the welcome being sent")
            # Long enough for PTB's Updater to have confirmed the batch by its next poll.
            await asyncio.sleep(1.0)
            assert emu.pending_updates() == 1  # fetched, handled halfway: not confirmed
            assert bot.proc is not None
            bot.proc.kill()
            assert await bot.wait() == -signal.SIGKILL
        finally:
            await bot.close()
        del emu.overrides["sendmessage"]
        hold.release.set()  # the killed process's call, answered to nobody
        again = await BotProcess(env, tmp_path).start()
        try:
            await user.wait_for("Musaada")
            await again.until(lambda: emu.pending_updates() == 0, "the update confirmed")
        finally:
            await again.close()
    welcomes = [m for m in user.messages if "Musaada" in (m.text or "")]
    assert len(welcomes) in (1, 2)  # the killed call may or may not have reached Telegram


async def test_webhook_sigterm_finishes_the_update_in_flight(tmp_path: Path) -> None:
    """Webhook mode without WEBHOOK_SECRET, --verbose, LOG_FORMAT=json: a secret is still
    checked, forged calls are refused, an update in flight at SIGTERM is finished, exit 0;
    every line is one JSON object and none shows the token or the secret."""
    port = free_port()
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_bot") as emu:
        env = bot_env(
            emu,
            tmp_path,
            WEBHOOK_URL="https://bot.example/telegram",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET="",
            OPERATOR_IDS="777",
            LOG_FORMAT="json",
        )
        bot = await BotProcess(env, tmp_path, "--verbose").start()
        try:
            await bot.line_with("serving HTTP on")
            assert emu.webhook is not None
            secret = str(emu.webhook["secret_token"])
            assert len(secret) >= 32
            url = f"http://127.0.0.1:{port}/telegram"
            operator, user = emu.user(777), emu.user(1, first_name="Noura", language_code="en")
            hold = Hold(emu, "sendMessage")
            async with aiohttp.ClientSession() as http:
                forged = command_update(1, operator, "/pending")
                async with http.post(url, json=forged) as resp:
                    assert resp.status == 401
                async with http.post(url, json=forged, headers={SECRET_HEADER: "x"}) as resp:
                    assert resp.status == 403
                # The update is processed before the answer (a killed worker's update is
                # posted again): the POST is in flight until the welcome has been sent.
                real = command_update(2, user, "/start")
                posted = asyncio.create_task(
                    http.post(url, json=real, headers={SECRET_HEADER: secret})
                )
                await bot.until(hold.entered.is_set, "the welcome being sent")
                assert bot.proc is not None
                bot.proc.send_signal(signal.SIGTERM)
                await bot.line_with("SIGTERM received")
                hold.release.set()
                async with await posted as resp:
                    assert resp.status == 200  # answered only once the update was done
            assert await bot.wait() == 0, bot.output
        finally:
            await bot.close()
        assert user.messages, bot.output
        assert not operator.messages  # the forged /pending was never handled
    entries = [json.loads(line) for line in bot.lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any(e["level"] == "DEBUG" for e in entries)
    assert any("WEBHOOK_SECRET is not set" in e["message"] for e in entries)
    assert_no_secrets(bot.lines, TOKEN, secret)
