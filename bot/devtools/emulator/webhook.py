"""Webhook delivery: the emulator posts queued updates to the bot, as Telegram does.

Why: several workers behind one webhook URL can only be tested end to end if updates arrive
the way Telegram sends them: an HTTPS POST per update with the secret header, up to
``max_connections`` at once, an update forgotten only once it got a 2xx, and posted again
after a failure (a worker that died mid-update, a refused connection). ``urls`` stands in for
the reverse proxy: each post goes to the next URL in turn, and a failed one is tried again on
the next, as nginx's ``proxy_next_upstream`` does. Without ``urls`` every post goes to the
URL given in ``setWebhook``. Nothing is posted until ``setWebhook`` was called.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from bot.devtools.emulator.state import EmulatorState, _Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_S = 0.1  # wait before a failed update is posted again
TIMEOUT_S = 60.0  # how long a post may take (Telegram gives a webhook about a minute)


@dataclass
class Post:
    """One attempt: which update, to which URL, and the answer (0: no answer at all)."""

    update_id: int
    url: str
    status: int
    at: float = field(default_factory=time.time)


class WebhookDelivery:
    """Posts every queued update to the bot's webhook until it is taken (2xx)."""

    def __init__(
        self, state: EmulatorState, urls: list[str] | None = None, max_connections: int = 40
    ) -> None:
        self.state = state
        self.urls = list(urls or [])
        self.max_connections = max_connections
        self.posts: list[Post] = []
        self._next_url = 0
        self._in_flight: set[int] = set()
        self._retry_at: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def failed(self) -> list[Post]:
        return [p for p in self.posts if not 200 <= p.status < 300]

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _ready(self) -> list[_Update]:
        if self.state.webhook is None:
            return []
        now = time.monotonic()
        return [
            u
            for u in self.state._updates
            if u.update_id not in self._in_flight and self._retry_at.get(u.update_id, 0) <= now
        ]

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.max_connections)
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=self.max_connections)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            posting: set[asyncio.Task[None]] = set()
            while not self.state._closing:
                for update in self._ready():
                    self._in_flight.add(update.update_id)
                    task = asyncio.create_task(self._post(http, slots, update))
                    posting.add(task)
                    task.add_done_callback(posting.discard)
                tick = self.state._tick
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(tick.wait(), RETRY_S / 2)

    def _url(self) -> str:
        if not self.urls:
            assert self.state.webhook is not None
            return str(self.state.webhook.get("url"))
        url = self.urls[self._next_url % len(self.urls)]
        self._next_url += 1
        return url

    async def _post(
        self, http: aiohttp.ClientSession, slots: asyncio.Semaphore, update: _Update
    ) -> None:
        async with slots:
            hook = self.state.webhook or {}
            headers = {SECRET_HEADER: str(hook["secret_token"])} if hook.get("secret_token") else {}
            url = self._url()
            status = 0
            self.state._inflight += 1  # the bot is busy with it: not idle
            try:
                async with http.post(url, json=update.body, headers=headers) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.debug("webhook post of update %s to %s failed: %s", update.update_id, url, exc)
            finally:
                self.state._inflight -= 1
                self.posts.append(Post(update.update_id, url, status))
                self._in_flight.discard(update.update_id)
                if 200 <= status < 300:
                    update.fetched = True
                    self._retry_at.pop(update.update_id, None)
                    with contextlib.suppress(ValueError):
                        self.state._updates.remove(update)
                else:
                    self._retry_at[update.update_id] = time.monotonic() + RETRY_S
                self.state._touch()
                self.state._notify()
