"""The dashboard beside the sandboxed bot, for its HTTP and browser tests.

``dashboard_box`` is the e2e sandbox (the real Application against the emulator) with the
dashboard mounted on a real aiohttp server on 127.0.0.1, exactly as the bot's own server
mounts it (bot/serve.add_dashboard), on the bot's sender: an answer pressed on the dashboard
is said through the emulator. ``sign_in_link`` gets a one-time link the way an operator
does: /dashboard in a private chat with the bot.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from bot.serve import add_dashboard
from tests.e2e_helpers import e2e_sandbox

OPERATOR = 900
LINK = re.compile(r"(https?://\S+/dashboard/signin\?t=[\w-]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DashBox:
    box: Sandbox
    url: str  # http://127.0.0.1:PORT

    @property
    def operator(self) -> EmuUser:
        return self.box.emu.user(OPERATOR, first_name="Huda", language_code="en")


@asynccontextmanager
async def dashboard_box(tmp_path: Path, **settings: Any) -> AsyncIterator[DashBox]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fields: dict[str, Any] = {"operator_ids": frozenset({OPERATOR}), "dashboard_url": url}
    fields.update(settings)
    async with e2e_sandbox(tmp_path, **fields) as box:
        web_app = web.Application()
        add_dashboard(web_app, box.app)
        runner = web.AppRunner(web_app, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield DashBox(box, url)
        finally:
            await runner.cleanup()


async def sign_in_link(d: DashBox, user: EmuUser | None = None) -> str:
    """/dashboard from an operator's private chat; the link in the bot's answer."""
    user = user or d.operator
    await user.send("/dashboard")
    await d.box.settle()
    found = LINK.search(user.last.text or "") if user.last else None
    assert found, f"no sign-in link in {user.last.text if user.last else None!r}"
    return found.group(1)


async def signed_in(d: DashBox, http: aiohttp.ClientSession) -> str:
    """Sign ``http`` in through a fresh link (GET the form, POST it); the CSRF token."""
    link = await sign_in_link(d)
    async with http.get(link) as r:
        assert r.status == 200
    token = link.split("t=", 1)[1]
    async with http.post(
        f"{d.url}/dashboard/signin", data={"t": token, "lang": "en"}, allow_redirects=False
    ) as r:
        assert r.status == 303
    async with http.get(f"{d.url}/dashboard/") as r:
        assert r.status == 200
        page = await r.text()
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)
