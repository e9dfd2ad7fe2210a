"""The HTTP client of every Bot API call: python-telegram-bot's ``BaseRequest`` over aiohttp.

Why not PTB's default (httpx): on a surge the bot's one event loop is the bottleneck, and the
Bot API's HTTP exchange was the largest single part of it (python -m bot.simulate, profiled:
httpx, httpcore and anyio under every send). aiohttp, already the web server's dependency,
parses HTTP in C and does the same exchange for about half the CPU. Behaviour is PTB's: the
same default time-outs (connect 5 s, read 5 s, write 5 s, pool 1 s, 20 s to write a file),
``TimedOut`` for any time-out, ``NetworkError`` for any other failure to get an answer, and
the status and body of whatever Telegram answered, which PTB's ``BaseRequest.post`` turns into
a result or its own errors (429 → ``RetryAfter`` and so on).
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 1.0}
MEDIA_WRITE_S = 20.0


class AiohttpRequest(BaseRequest):
    """One connection pool (``connection_pool_size`` at once) for the calls made through it."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        ssl_context: ssl.SSLContext | None = None,
        read_timeout: float | None = DEFAULT_TIMEOUTS["read"],
        connect_timeout: float | None = DEFAULT_TIMEOUTS["connect"],
        pool_timeout: float | None = DEFAULT_TIMEOUTS["pool"],
    ) -> None:
        self._pool_size = connection_pool_size
        self._ssl = ssl_context
        self._read = read_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, ssl=self._ssl if self._ssl is not None else True
            )
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = self._read if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._connect if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        pool = self._pool if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        write = write_timeout
        if write is BaseRequest.DEFAULT_NONE:
            write = MEDIA_WRITE_S if files else DEFAULT_TIMEOUTS["write"]
        # aiohttp has no write time-out of its own: the whole exchange is bounded by the sum.
        parts = (read, connect, pool, write)
        total = None if any(p is None for p in parts) else sum(parts)
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's ServerTimeoutError is one too
            raise TimedOut from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The call's parameters as PTB sends them: a form of JSON-encoded values, multipart when
    it carries a file."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
