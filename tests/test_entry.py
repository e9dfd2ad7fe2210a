"""run_bot.py without a token, and the offline demo end to end."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest

import run_bot
from bot.devtools.demo import run_demo
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import TOKEN
from bot.i18n import FSI, PDI

RUN_BOT = str(Path(__file__).resolve().parent.parent / "run_bot.py")


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
    assert f"ساعاتك التطوعية المؤكدة: {one_minute}" in out


async def test_webhook_mode_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """A process manager stops the bot with SIGTERM: it must shut down, not die mid-flight."""
    emu = BotApiEmulator(token=TOKEN, bot_username="musaada_bot")
    await emu.start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "TELEGRAM_BASE_FILE_URL": emu.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "WEBHOOK_URL": "https://bot.example/telegram",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        RUN_BOT,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        for _ in range(300):  # up: the webhook is registered and the server answers
            if emu.webhook is not None:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    pass
            assert proc.returncode is None, (await proc.stdout.read()).decode()  # type: ignore[union-attr]
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the bot did not start in webhook mode")
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, output.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await emu.stop()
