"""The emulator's HTTP surface: routes, request decoding and the Bot API reply envelope.

Why a module of its own: how Telegram is reached (``/bot<token>/<method>``, form fields whose
complex values are JSON strings, ``{"ok": …}`` answers with ``parameters.retry_after``) is one
concern; what the methods do with the chats is another (``state.py``, ``methods.py``).

Parameters are accepted the way PTB 22 sends them (``POST`` with urlencoded or multipart form
fields), as a JSON body, or as a query string.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

__all__ = [
    "ApiError",
    "Params",
    "as_int",
    "build_app",
    "decode_param",
    "error_payload",
    "read_params",
    "reply",
    "success_payload",
]

Params = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Parameters whose form value is a plain string even when it looks like JSON ("123", "true").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "language_code",
        "url",
        "description",
        "short_description",
        "name",
        "action",
        "emoji",
        "title",
        "address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "query",
        "custom_emoji_id",
        "photo",
        "document",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
    }
)

#: The description Telegram puts in front of an error code when there is nothing more to say.
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, turned into the JSON reply."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        return error_payload(self.code, self.description, self.retry_after)


def error_payload(code: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    """Telegram's error envelope; ``retry_after`` goes in ``parameters`` (PTB raises RetryAfter)."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def success_payload(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def as_int(value: Any) -> int | None:
    """An id as Telegram reads it: an int, an integral float or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def decode_param(name: str, value: str) -> Any:
    """Turn a form/query string back into the JSON value PTB encoded."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> Params:
    """Every parameter of a Bot API request, from the query string and the body."""
    params: Params = {k: decode_param(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        for key, value in body.items():
            params[key] = decode_param(key, value) if isinstance(value, str) else value
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, str):
            params[key] = decode_param(key, value)
        elif isinstance(value, bytes | bytearray):
            params[key] = {"size": len(value)}
        else:  # an uploaded file
            content = value.file.read()
            params[key] = {
                "file_name": value.filename,
                "content_type": value.content_type,
                "size": len(content),
                "content": content,  # tests read what a sent document holds
            }
    return params


async def _no_files(request: web.Request) -> web.Response:
    """The emulator stores no files: every download is 404, as for an expired file_id."""
    return web.json_response(error_payload(404, "Not Found"), status=404)


def build_app(handle_method: Handler) -> web.Application:
    """The aiohttp application: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_route("*", "/file/bot{token}/{path:.*}", _no_files)
    return app


def reply(payload: dict[str, Any]) -> web.Response:
    """The HTTP answer for an envelope: its status is the error code, 200 when ok."""
    status = 200 if payload.get("ok") else int(payload.get("error_code") or 500)
    return web.json_response(payload, status=status)


def scope_key(scope: Any) -> str:
    """One key per command scope, however PTB serialised it (default scope when empty)."""
    if scope is None or scope == "":
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))
