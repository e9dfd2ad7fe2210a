"""The real bot for a simulated surge: in this process, or as the fleet of worker processes.

In process (one worker, the default): the production Application polling the emulator, as
the sandbox runs it (bot/devtools/sandbox.py); its RSS then includes the emulator and the
simulated people. As processes (``--workers N``, or ``--processes`` for one): exactly
``python run_bot.py --webhook --workers N`` (bot/workers.py supervising N webhook workers on
consecutive ports), the emulator posting updates to them in turn as the reverse proxy would;
each worker's RSS is its own, and the probes reach it through ``sitecustomize`` (probes.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

import bot
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.sandbox import TOKEN, start_app, stop_app
from bot.devtools.simulate import probes
from bot.devtools.simulate.config import SimConfig
from bot.settings import Settings
from storage.db import Database

REPO = Path(bot.__file__).resolve().parent.parent
RUN_BOT = REPO / "run_bot.py"
START_TIMEOUT_S = 240.0  # interpreters starting on a loaded 2-core machine
REDIS_URL = os.environ.get("SIM_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "simulated-webhook-secret"


class RunningBot(Protocol):
    pids: list[int]
    notes: list[str]

    async def counts(self) -> probes.Counts: ...

    async def stop(self) -> None: ...


class InProcessBot:
    """The Application on this event loop, polling the emulator."""

    def __init__(self, app: Any, db: Database) -> None:
        self.app, self.db = app, db
        self.pids = [os.getpid()]
        self.notes = ["one worker in the simulator's process: its RSS includes the emulator"]

    @classmethod
    async def start(cls, cfg: SimConfig, emu: BotApiEmulator, url: str) -> InProcessBot:
        probes.install()
        settings = Settings(
            telegram_bot_token=SecretStr(TOKEN),
            telegram_base_url=emu.base_url,
            telegram_base_file_url=emu.base_file_url,
            database_url=url,
            **cfg.bot_settings(),
        )
        db = Database(settings.database_url)
        return cls(await start_app(settings, db), db)

    async def counts(self) -> probes.Counts:
        return probes.Counts(**vars(probes.COUNTS))

    async def stop(self) -> None:
        await stop_app(self.app)
        await self.db.dispose()


def _free_ports(n: int) -> int:
    """A base port with ``n`` free consecutive ports after it (worker i listens on base + i)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + n >= 65535:
            continue
        try:
            for port in range(base, base + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _env(
    cfg: SimConfig, emu: BotApiEmulator, url: str, port: int, probe_dir: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RATE_LIMIT_REDIS_URL",)}
    for key, value in cfg.bot_settings().items():
        if isinstance(value, frozenset | list):
            value = ",".join(str(v) for v in value)
        env[key.upper()] = str(value)
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_BASE_URL=emu.base_url,
        TELEGRAM_BASE_FILE_URL=emu.base_file_url,
        DATABASE_URL=url,
        WEBHOOK_URL="https://musaada.example.org/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        LOG_FORMAT="text",
        PYTHONPATH=os.pathsep.join([probe_dir, str(REPO), env.get("PYTHONPATH", "")]),
        **{probes.ENV: probe_dir},
    )
    return env


class FleetBot:
    """``python run_bot.py --webhook --workers N`` behind the emulator's round-robin delivery."""

    def __init__(self, proc: asyncio.subprocess.Process, probe_dir: str, n: int) -> None:
        self.proc, self.probe_dir, self.n = proc, probe_dir, n
        self.log: collections.deque[str] = collections.deque(maxlen=200)
        self.serving = 0
        self.pids: list[int] = []
        self.notes: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.log.append(line)
            if "serving HTTP on" in line:
                self.serving += 1

    @classmethod
    async def start(cls, cfg: SimConfig, emu: BotApiEmulator, url: str) -> FleetBot:
        n = cfg.workers
        base = _free_ports(n)
        probe_dir = probes.worker_path()
        env = _env(cfg, emu, url, base, probe_dir)
        notes = []
        if cfg.rate_limits and _redis_up():
            env["RATE_LIMIT_REDIS_URL"] = REDIS_URL
            notes.append("workers share Telegram's limits through Redis")
        elif cfg.rate_limits and n > 1:
            notes.append("no Redis: each worker limits itself (the fleet may exceed the limits)")
        emu.deliver_webhook([f"http://127.0.0.1:{base + i}/telegram" for i in range(n)])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(RUN_BOT), "--webhook", "--workers", str(n),
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        fleet = cls(proc, probe_dir, n)
        fleet.notes += notes
        try:
            await fleet._ready(emu)
        except BaseException:
            await fleet.stop()
            raise
        return fleet

    async def _ready(self, emu: BotApiEmulator) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while self.serving < self.n or emu.webhook is None:
            if self.proc.returncode is not None or loop.time() > deadline:
                tail = "\n".join(self.log)
                raise RuntimeError(f"the workers did not start:\n{tail}")
            await asyncio.sleep(0.2)
        self.pids = [self.proc.pid] if self.n == 1 else probes.children(self.proc.pid)

    async def counts(self) -> probes.Counts:
        """Every worker's counts, summed (each writes its file on SIGUSR1)."""
        total = probes.Counts()
        for pid in self.pids:
            path = Path(self.probe_dir) / f"{pid}.json"
            path.unlink(missing_ok=True)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGUSR1)
            for _ in range(100):
                found = probes.read_counts(self.probe_dir, pid)
                if found is not None:
                    total = total.plus(found)
                    break
                await asyncio.sleep(0.05)
        return total

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        shutil.rmtree(self.probe_dir, ignore_errors=True)


async def start_bot(cfg: SimConfig, emu: BotApiEmulator, url: str) -> RunningBot:
    if cfg.workers > 1 or cfg.processes:
        return await FleetBot.start(cfg, emu, url)
    return await InProcessBot.start(cfg, emu, url)
