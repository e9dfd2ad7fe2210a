"""The Bot API's HTTP client (bot/bot_api_http.py) against a small local server: what PTB's
default client would send and raise."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.bot_api_http import AiohttpRequest


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[Any]]]:
    seen: list[Any] = []

    async def echo(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form["document"]
            assert isinstance(upload, web.FileField)
            seen.append((dict(form), upload.filename, upload.file.read(), request.headers))
        else:
            seen.append((dict(await request.post()), None, None, request.headers))
        return web.json_response({"ok": True, "result": True}, status=200)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    async def limited(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}
        return web.json_response(body, status=429)

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    app.router.add_post("/limited", limited)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def _client(**kwargs: Any) -> AiohttpRequest:
    request = AiohttpRequest(4, **kwargs)
    await request.initialize()
    return request


async def test_parameters_go_as_a_form_of_json_values(server: tuple[str, list[Any]]) -> None:
    base, seen = server
    request = await _client()
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("text", "حريق في المبنى"),
            RequestParameter.from_input("reply_markup", {"inline_keyboard": [[{"text": "✓"}]]}),
        ]
    )
    try:
        status, body = await request.do_request(f"{base}/echo", "POST", data)
    finally:
        await request.shutdown()
    assert status == 200 and b'"ok": true' in body
    form, _, _, headers = seen[0]
    assert form == data.json_parameters
    assert headers["User-Agent"].startswith("python-telegram-bot")


async def test_a_file_goes_as_multipart_with_its_name(server: tuple[str, list[Any]]) -> None:
    base, seen = server
    request = await _client()
    document = InputFile(b"%PDF-1.4 hours", filename="hours.pdf")
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("document", document),
        ]
    )
    try:
        status, _ = await request.do_request(f"{base}/echo", "POST", data)
    finally:
        await request.shutdown()
    form, filename, content, _ = seen[0]
    assert status == 200 and filename == "hours.pdf" and content == b"%PDF-1.4 hours"
    assert form["chat_id"] == "42"


async def test_an_error_status_is_handed_to_ptb_as_is(server: tuple[str, list[Any]]) -> None:
    base, _ = server
    request = await _client()
    try:
        status, body = await request.do_request(f"{base}/limited", "POST", RequestData([]))
    finally:
        await request.shutdown()
    assert status == 429 and b"retry_after" in body


async def test_a_slow_answer_is_timed_out(server: tuple[str, list[Any]]) -> None:
    base, _ = server
    request = await _client(read_timeout=0.2)
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{base}/slow", "POST", RequestData([]))
        with pytest.raises(TimedOut):  # a call's own time-out wins over the default
            await request.do_request(f"{base}/slow", "POST", RequestData([]), read_timeout=0.1)
    finally:
        await request.shutdown()


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens there
    request = await _client()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"http://127.0.0.1:{port}/x", "POST", RequestData([]))
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_call_before_initialize_or_after_shutdown_is_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/x", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/x", "POST")
