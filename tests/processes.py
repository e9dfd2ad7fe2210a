"""The bot as a real process (``python run_bot.py``) against the in-test Bot API emulator.

For what only a process shows: signals, exit codes, and every line it logs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.emulator import BotApiEmulator
from bot.devtools.emulator.methods import METHODS
from storage.types import utcnow


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that run ``run_bot.main`` in-process: it configures the process's logging."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook)
    try:
        yield
    finally:
        root.handlers[:], _, sys.excepthook = saved
        root.setLevel(saved[1])
        logging.captureWarnings(False)


RUN_BOT = str(Path(__file__).resolve().parent.parent / "run_bot.py")
# A deadline against hanging only: a bot process imports, migrates and connects first, and on
# a loaded machine (the suite in four processes, other work beside it) that takes a while.
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def secret_forms(*secrets: str) -> list[str]:
    """What must never appear in a log line: each secret, and a token's part after the colon."""
    forms: list[str] = []
    for secret in secrets:
        forms.append(secret)
        if ":" in secret:
            forms.append(secret.split(":", 1)[1])
    return forms


def assert_no_secrets(lines: list[str], *secrets: str) -> None:
    forms = secret_forms(*secrets)
    leaks = [line for line in lines if any(form in line for form in forms)]
    assert not leaks, leaks[:5]


def command_update(update_id: int, user: Any, text: str) -> dict[str, Any]:
    """A message update as Telegram posts it to a webhook."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(utcnow().timestamp()),
            "chat": user.chat_json(),
            "from": user.user_json(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


class Hold:
    """Holds the emulator's answers to one Bot API method until released: an update the bot
    is handling stays in flight for as long as a test needs (no timing involved)."""

    def __init__(self, emu: BotApiEmulator, method: str) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        key = method.lower()
        original = METHODS[key]  # the emulator's own handler, called once released

        async def held(state: Any, params: dict[str, Any]) -> Any:
            self.entered.set()
            await self.release.wait()
            result = original(state, params)
            return await result if inspect.isawaitable(result) else result

        emu.overrides[key] = held


class BotProcess:
    """``run_bot.py`` in a subprocess; every line it prints is kept in ``lines``."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.env = {**os.environ, **env}
        self.cwd = cwd
        self.args = args
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.start_timeout = START_TIMEOUT_S  # a deadline against hanging only
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> BotProcess:
        for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "HEALTH_PORT", "LOG_FORMAT"):
            if name not in self.env or not self.env[name]:
                self.env.pop(name, None)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            RUN_BOT,
            *self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait for ``condition`` while the process lives (a deadline only against hanging)."""
        assert self.proc is not None
        deadline = asyncio.get_running_loop().time() + self.start_timeout
        while not condition():
            if self.proc.returncode is not None:
                raise AssertionError(f"the bot exited before {what}:\n{self.output}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} after {self.start_timeout}s:\n{self.output}")
            await asyncio.sleep(0.05)

    async def line_with(self, text: str) -> str:
        await self.until(lambda: any(text in line for line in self.lines), repr(text))
        return next(line for line in self.lines if text in line)

    async def wait(self, timeout: float = START_TIMEOUT_S) -> int:
        """The exit code, once the process ended and all its output was read."""
        assert self.proc is not None and self._reader is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def bot_env(emu: BotApiEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": emu.token,
        "TELEGRAM_BASE_URL": emu.base_url,
        "TELEGRAM_BASE_FILE_URL": emu.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        **extra,
    }
