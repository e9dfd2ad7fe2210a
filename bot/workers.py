"""``python run_bot.py --webhook --workers N``: N worker processes on one host, one database.

Each worker is an ordinary ``python run_bot.py`` in webhook mode with its own port,
``WEBHOOK_PORT + i``; a reverse proxy (nginx, docs/deploy.md) spreads Telegram's calls over
them and skips one that is down. Why ports and not one shared socket (SO_REUSEPORT): every
worker's ``/healthz`` and ``/metrics`` stay reachable one by one (Prometheus scrapes each;
a shared port would answer from a random worker), the proxy's failover handles a dead
worker, and it works the same with workers on several hosts.

Only worker 0 calls ``setWebhook`` and publishes the command menu (``WEBHOOK_REGISTER``);
all of them check the same secret (``WEBHOOK_SECRET``, or the one derived from the token).
Everything they share is in PostgreSQL (timers, outbox, flows; bot/handlers/timers.py) and
Redis (the send limits, bot/ratelimit.py), so this supervisor only starts them, restarts one
that dies, and passes SIGTERM on: each worker finishes its updates in flight and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from bot.serve import stop_on_signals
from bot.settings import Settings

log = logging.getLogger(__name__)

RESTART_WAIT_S = 1.0
RUN_BOT = Path(__file__).resolve().parent.parent / "run_bot.py"


def worker_env(settings: Settings, index: int) -> dict[str, str]:
    """The environment of worker ``index``: its port, and whether it registers the webhook."""
    return {
        **os.environ,
        "WEBHOOK_PORT": str(settings.webhook_port + index),
        "WEBHOOK_REGISTER": "1" if index == 0 and settings.webhook_register else "0",
        "MUSAADA_WORKER": str(index),
    }


class Worker:
    def __init__(self, settings: Settings, index: int, args: list[str]) -> None:
        self.settings, self.index, self.args = settings, index, args
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(RUN_BOT), *self.args, env=worker_env(self.settings, self.index)
        )
        port = self.settings.webhook_port + self.index
        log.info("worker %d started (pid %d, port %d)", self.index, self.proc.pid, port)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)


async def supervise(settings: Settings, n: int, args: list[str]) -> int:
    """Run ``n`` workers until SIGTERM/SIGINT; 0 when every worker then stopped cleanly."""
    stop = stop_on_signals()
    workers = [Worker(settings, i, args) for i in range(n)]
    for worker in workers:
        await worker.start()
    watchers = [asyncio.create_task(_watch(worker, stop)) for worker in workers]
    await stop.wait()
    for worker in workers:
        worker.terminate()
    codes = await asyncio.gather(*watchers)
    log.info("all workers stopped: exit codes %s", codes)
    return 0 if all(code == 0 for code in codes) else 1


async def _watch(worker: Worker, stop: asyncio.Event) -> int:
    """Keep one worker running until ``stop``; its last exit code."""
    while True:
        assert worker.proc is not None
        code = await worker.proc.wait()
        if stop.is_set():
            return code
        if code == 2:  # a setting or the token is wrong: a restart changes nothing
            log.error("worker %d exited with code 2 (see its log); stopping", worker.index)
            stop.set()
            return code
        log.error("worker %d exited with code %d; restarting it", worker.index, code)
        await asyncio.sleep(RESTART_WAIT_S)
        if stop.is_set():
            return code
        await worker.start()
