"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram forgets every update below the ``offset`` of the next getUpdates. python-telegram-bot's
Updater calls the next getUpdates as soon as it has put a batch in the Application's queue, so
a process killed while it handles a batch had already confirmed it: those updates were lost
(the person got no answer). Webhook mode answers a POST only once its update is handled
(bot/webhook.py); this gives polling the same guarantee. Each getUpdates first waits until
every update fetched before it has been handled (``Queue.join``: the Application marks an
update done after its handlers ran). A kill mid-batch leaves the batch unconfirmed, and the
next process gets it again: what the first attempt committed is seen by the second, as in
webhook mode (an update can be handled twice, never lost).

At stop the Updater's last call confirms without waiting (``_is_last_call``).

What it costs: the next batch is fetched when the current one is done, not while it is
handled. So the gate is on only when updates are handled one at a time (UPDATE_CONCURRENCY=1):
with several chats at once, one chat waiting (a slow send, its lock) must not hold back every
other chat's next update, and polling then confirms on fetch as python-telegram-bot does.
Webhook mode keeps the guarantee at any concurrency; it is the production mode.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import RequestData

from bot.metrics import CountingRequest


class ConfirmWhenHandled(CountingRequest):
    """The getUpdates client (ApplicationBuilder.get_updates_request): each call waits until
    ``queue``, the Application's update queue, has no update left unhandled."""

    def __init__(self, queue: asyncio.Queue[object], *, gate: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue = queue
        self._gate = gate

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = CountingRequest.DEFAULT_NONE,
        write_timeout: Any = CountingRequest.DEFAULT_NONE,
        connect_timeout: Any = CountingRequest.DEFAULT_NONE,
        pool_timeout: Any = CountingRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._gate and not _is_last_call(request_data):
            await self._queue.join()
        return await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


def _is_last_call(request_data: RequestData | None) -> bool:
    """The Updater's last getUpdates when it stops (``timeout=0``, no long poll): it confirms
    at once, as before, since the Application still handles what is queued before it stops
    (a kill inside that shutdown window is the one that can still lose an update). Waiting
    there would hold a stopping updater as long as an update is in flight."""
    params = request_data.parameters if request_data is not None else {}
    return params.get("timeout") in (0, 0.0)
