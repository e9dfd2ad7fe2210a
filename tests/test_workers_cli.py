"""``python run_bot.py --webhook --workers 2``: two workers on consecutive ports, one
registration, updates on both, and SIGTERM stops them all cleanly."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator
from tests.fleet import SECRET, worker_env
from tests.processes import BotProcess


def consecutive_free_ports(n: int) -> int:
    """A port p with p … p+n-1 all free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + n > 65535:
            continue
        try:
            socks = []
            for port in range(base, base + n):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
        return base
    raise RuntimeError("no consecutive free ports")


async def test_two_workers_from_one_command(pg_url: str | None, tmp_path: Path) -> None:
    if pg_url is None:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    base = consecutive_free_ports(2)
    async with BotApiEmulator(token="123456:WORKERS") as emu:
        urls = [f"http://127.0.0.1:{base + i}/telegram" for i in range(2)]
        emu.deliver_webhook(urls)
        env = worker_env(emu, pg_url, base, register=True)
        env.pop("RATE_LIMIT_REDIS_URL")
        supervisor = BotProcess(env, tmp_path, "--webhook", "--workers", "2")
        supervisor.start_timeout = 90.0
        await supervisor.start()
        try:
            for i in range(2):
                await supervisor.line_with(f"worker {i} started")
            await supervisor.until(
                lambda: sum("serving HTTP on" in line for line in supervisor.lines) == 2,
                "both workers serving",
            )
            await supervisor.until(lambda: emu.webhook is not None, "setWebhook")
            users = [emu.user(100 + i, language_code="en") for i in range(4)]
            for user in users:
                await user.send("/help")
            await supervisor.until(lambda: all(u.messages for u in users), "every answer")
            assert len(emu.calls_for("setWebhook")) == 1  # worker 0 only
            assert emu.webhook is not None and emu.webhook["secret_token"] == SECRET
            assert emu.delivery is not None
            assert {p.url for p in emu.delivery.posts if p.status == 200} == set(urls)
            assert supervisor.proc is not None
            pids = [
                int(line.split("pid ")[1].split(",")[0])
                for line in supervisor.lines
                if "started (pid" in line
            ]
            supervisor.proc.send_signal(signal.SIGTERM)
            assert await supervisor.wait(60) == 0
            for pid in pids:  # every worker exited
                with pytest.raises(ProcessLookupError):
                    os.kill(pid, 0)
            assert "all workers stopped: exit codes [0, 0]" in supervisor.output
        finally:
            await supervisor.close()


def test_workers_need_a_webhook(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.processes import RUN_BOT

    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:X",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    env.pop("WEBHOOK_URL", None)
    done = subprocess.run(
        [sys.executable, RUN_BOT, "--workers", "2"], env=env, capture_output=True, text=True,
        cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "need WEBHOOK_URL" in done.stderr
