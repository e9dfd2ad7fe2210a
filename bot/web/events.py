"""Live without reloading: server-sent events read from the database.

One reader per process (``Live``) reads the open requests every DASHBOARD_POLL_S while at
least one browser watches, compares them with its previous read and sends what changed to
every stream: markers added or changed, markers gone (closed). Readiness (a count over every
on-duty volunteer: seconds on SQLite with 200,000 of them) is counted apart, every
DASHBOARD_READINESS_S, and sent when it moved; a new stream's snapshot takes the last count.
Both read in read-only transactions (on SQLite they take no lock: the bot's writes never
wait for the dashboard). Read from the database, never from this process's memory, so a change another
worker made shows here within a poll (and a change made while the reader slept shows at the
next read). A new stream subscribes first, then reads its own snapshot: a change between the
two arrives twice, never not at all (markers are replaced, not added up).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.services import dashboard
from bot.web.api import map_state
from bot.web.auth import OPERATOR, current_operator, operator_only
from bot.web.state import DASH, Dash
from storage.types import utcnow

log = logging.getLogger(__name__)
KEEPALIVE_S = 15.0  # a comment line, so proxies keep an idle stream open
RECHECK_S = 30.0  # how often a stream checks that its session still lives


def frame(event: str, data: Any) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {body}\n\n".encode()


class Live:
    """The process's one reader of changes, shared by every open stream."""

    def __init__(self, dash: Dash) -> None:
        self.dash = dash
        self.streams: set[asyncio.Queue[bytes | None]] = set()
        self.watched = asyncio.Event()
        self.rows: dict[int, list[object]] | None = None
        self.readiness: list[dict[str, Any]] | None = None
        self.counted_at = 0.0  # the loop's clock at the last readiness count
        self.counting = asyncio.Lock()

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=256)
        self.streams.add(queue)
        self.watched.set()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes | None]) -> None:
        self.streams.discard(queue)
        if not self.streams:
            self.watched.clear()
            self.rows = None  # the next watcher starts from a fresh read

    def close_all(self) -> None:
        for queue in list(self.streams):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    def _broadcast(self, data: bytes) -> None:
        for queue in list(self.streams):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:  # a stalled browser: end its stream, it reconnects
                self.streams.discard(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(None)

    async def run(self, every_s: float, step: Callable[[], Awaitable[None]]) -> None:
        """``step`` every ``every_s`` while someone watches."""
        while True:
            await self.watched.wait()
            try:
                await step()
            except Exception:  # a database hiccup: the next pass tries again
                log.warning("the dashboard could not read the database", exc_info=True)
            await asyncio.sleep(every_s)

    async def read_once(self) -> None:
        """The open requests, compared with the previous read: what changed goes out."""
        now = utcnow()
        async with self.dash.db.read_session() as s:
            rows = await dashboard.markers(s)
        previous, self.rows = self.rows, rows
        if previous is None:
            return
        upsert = [row for rid, row in rows.items() if previous.get(rid) != row]
        remove = [rid for rid in previous if rid not in rows]
        if upsert or remove:
            changes = {"now": int(now.timestamp()), "upsert": upsert, "remove": remove}
            self._broadcast(frame("changes", changes))

    async def count_readiness(self) -> list[dict[str, Any]]:
        """Count readiness now (one count at a time); sent to the streams when it moved."""
        async with self.counting:
            async with self.dash.db.read_session() as s:
                found = await dashboard.readiness(s, self.dash.cfg, now=utcnow())
            ready = [r.__dict__ for r in found]
            self.counted_at = asyncio.get_running_loop().time()
            if self.readiness is not None and ready != self.readiness:
                self._broadcast(frame("readiness", ready))
            self.readiness = ready
            return ready

    async def recount(self) -> None:
        await self.count_readiness()

    async def readiness_now(self) -> list[dict[str, Any]]:
        """The last count while it is fresh (DASHBOARD_READINESS_S), else a new one."""
        age = asyncio.get_running_loop().time() - self.counted_at
        if self.readiness is not None and age < self.dash.settings.dashboard_readiness_s:
            return self.readiness
        return await self.count_readiness()


LIVE = web.AppKey("live", Live)


async def start_live(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the reader runs as long as the server does."""
    live = Live(app[DASH])
    app[LIVE] = live
    settings = live.dash.settings
    tasks = [
        asyncio.create_task(live.run(settings.dashboard_poll_s, live.read_once), name="dash-poll"),
        asyncio.create_task(
            live.run(settings.dashboard_readiness_s, live.recount), name="dash-readiness"
        ),
    ]
    yield
    live.close_all()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def on_shutdown(app: web.Application) -> None:
    """Streams end when the server stops, so it does not wait on them."""
    if LIVE in app:
        app[LIVE].close_all()


@operator_only
async def state(request: web.Request) -> web.Response:
    """The live map's state in one answer (the event stream's snapshot, without the stream)."""
    data = await map_state(request, await request.app[LIVE].readiness_now())
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=body, content_type="application/json", charset="utf-8")


@operator_only
async def stream(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/events: a snapshot, then the changes as they are read."""
    live = request.app[LIVE]
    queue = live.subscribe()
    try:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        try:
            state = await map_state(request, await live.readiness_now())
            await response.write(b"retry: 1000\n\n" + frame("snapshot", state))
        except ConnectionResetError:
            return response
        await _pump(request, response, queue)
        return response
    finally:
        live.unsubscribe(queue)


async def _pump(
    request: web.Request, response: web.StreamResponse, queue: asyncio.Queue[bytes | None]
) -> None:
    loop = asyncio.get_running_loop()
    checked = loop.time()
    operator = request[OPERATOR]
    while True:
        try:
            data = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
        except TimeoutError:
            data = b": keepalive\n\n"
        if data is None:
            return
        if loop.time() - checked > RECHECK_S:
            checked = loop.time()
            still = await current_operator(request)
            if still is None or still.person_id != operator.person_id:
                await response.write(frame("signed_out", {}))
                return
        try:
            await response.write(data)
        except ConnectionResetError:  # the browser went away
            return
