"""A local Telegram Bot API emulator that the real python-telegram-bot stack talks to.

Why this exists: Telegram is unreachable from the build machine, yet the end-to-end tests and
the offline demo must exercise the *real* ``telegram.ext.Application`` — its HTTP layer,
polling loop, de_json parsing and error mapping. Mocking PTB would test our assumptions about
PTB; this emulator instead speaks the Bot API over HTTP on 127.0.0.1 with the response shapes
and error texts Telegram uses, and records what the bot did so tests can assert on it.

Parameters are accepted the way PTB 22 sends them (``POST`` with urlencoded or multipart form
fields whose complex values are JSON strings), as a JSON body, or as a query string.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from bot.devtools.emulator.entities import EntityParseError, parse_text, utf16_len
from bot.devtools.emulator.users import EmuChat, EmuGroup, EmuMessage, EmuUser, TranscriptEvent

__all__ = ["ApiError", "BotApiEmulator", "Call"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = dict[str, Any]

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

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, turned into the JSON reply."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call:
    """One Bot API request the bot made, with decoded parameters and the reply it got."""

    method: str
    params: Params
    ok: bool
    response: dict[str, Any]
    at: float


@dataclass
class _Fault:
    """An injected error waiting for the next matching call(s)."""

    method: str  # lower-case
    times: int
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | None


@dataclass
class _Update:
    """A queued update and whether a getUpdates answer has carried it yet (for ``idle``)."""

    body: dict[str, Any]
    fetched: bool = False
    update_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.update_id = int(self.body["update_id"])

    @property
    def kind(self) -> str:
        return next(k for k in self.body if k != "update_id")


def _as_int(value: Any) -> int | None:
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


def _decode_param(name: str, value: str) -> Any:
    """Turn a form/query string back into the JSON value PTB encoded."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class BotApiEmulator:
    """An aiohttp server on 127.0.0.1 that emulates the Telegram Bot API for one bot.

    Use :meth:`user` / :meth:`group` to create chats, drive them (send, press, share a
    location), and read ``chat.messages`` to see what the bot answered. ``calls`` records every
    request; ``fail_next`` and ``block`` inject the failures Telegram produces in real life.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "musaada_test_bot",
        *,
        bot_name: str = "Musaada",
        host: str = "127.0.0.1",
        port: int = 0,
        quiet_period: float = 0.3,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = _as_int(token.split(":", 1)[0]) or 123456
        self.host = host
        self.port = port
        self.quiet_period = quiet_period

        self.calls: list[Call] = []
        self.unknown_methods: list[str] = []
        self.callback_answers: dict[str, Params] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, Params] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.webhook: Params | None = None
        self.on_event: Callable[[TranscriptEvent], object] | None = None

        self._chats: dict[int, EmuChat] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[_Update] = []
        self._next_update_id = 1
        self._callbacks_issued: dict[str, int] = {}
        self._callback_counter = 0
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._tick = asyncio.Event()
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None

        self._methods: dict[str, Callable[[Params], Any]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "sendLocation": self._send_location,
                "sendContact": self._send_contact,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendChatAction": self._send_chat_action,
                "getChat": self._get_chat,
                "setMyDescription": self._setting("setMyDescription"),
                "setMyShortDescription": self._setting("setMyShortDescription"),
                "setMyName": self._setting("setMyName"),
                "setChatMenuButton": self._setting("setChatMenuButton"),
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Bind the server (a free port unless one was given) and start serving."""
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        address = runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        self._closing = True
        self._notify()
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.sleep(0)
            await runner.cleanup()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ chats
    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> EmuUser:
        """The user with this id and their private chat (created on first use, then reused)."""
        existing = self._chats.get(user_id)
        if existing is not None:
            if not isinstance(existing, EmuUser):
                raise ValueError(f"chat {user_id} is a group, not a user")
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = EmuUser(
            self,
            user_id,
            first_name=first_name or f"User{user_id}",
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        self._chats[user_id] = user
        return user

    def group(self, chat_id: int, title: str = "Group") -> EmuGroup:
        """A group chat (negative id) the bot is a member of; created on first use."""
        existing = self._chats.get(chat_id)
        if existing is not None:
            if not isinstance(existing, EmuGroup):
                raise ValueError(f"chat {chat_id} is a private chat, not a group")
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        group = EmuGroup(self, chat_id, title)
        self._chats[chat_id] = group
        return group

    def chat(self, chat_id: int) -> EmuChat:
        """A chat created earlier with :meth:`user` or :meth:`group`."""
        return self._chats[chat_id]

    @property
    def chats(self) -> list[EmuChat]:
        return list(self._chats.values())

    # ------------------------------------------------------------------ inspection
    def calls_for(self, method: str) -> list[Call]:
        """Recorded calls of one method (case-insensitive, as Telegram treats names)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set for a scope (default scope when None) and language."""
        return self.commands.get((self._scope_key(scope), language_code), [])

    def pending_updates(self) -> int:
        """Queued updates the bot has not confirmed yet (fetched or not)."""
        return len(self._updates)

    def quiet_now(self) -> bool:
        """Every queued update fetched and no request of the bot's in flight, at this instant."""
        return self._inflight == 0 and all(u.fetched for u in self._updates)

    async def idle(self, timeout: float = 5.0, quiet: float | None = None) -> None:
        """Wait until every queued update was fetched and the bot has been quiet for a while.

        Quiet means no request other than getUpdates in flight and none started or finished
        (and no update delivered) for ``quiet`` seconds (default ``quiet_period``, 0.3 s).
        """
        quiet = self.quiet_period if quiet is None else quiet
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            unfetched = sum(1 for u in self._updates if not u.fetched)
            if not unfetched and self._inflight == 0 and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise AssertionError(
                    f"bot not idle after {timeout}s: {unfetched} update(s) never fetched "
                    f"(is it polling?), {self._inflight} request(s) in flight"
                )
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (for ``chat_id`` only, if given) with an
        error instead of executing them. ``retry_after`` is only sent with error code 429."""
        if error_code == 429:
            desc = description or f"Too Many Requests: retry after {retry_after}"
            retry = retry_after
        else:
            desc = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
            retry = None
        self._faults.append(_Fault(method.lower(), times, error_code, desc, retry, chat_id))

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to their chat answer 403 from now on."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    # ------------------------------------------------------------------ internals: sync
    def _notify(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            tick = self._tick
            try:
                await asyncio.wait_for(tick.wait(), remaining)
            except TimeoutError:
                pass

    def _emit(
        self, kind: str, chat_id: int, who: str, text: str | None, buttons: list[str]
    ) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(TranscriptEvent(kind, chat_id, who, text, buttons))
        except Exception:
            log.exception("emulator on_event hook failed")

    # ------------------------------------------------------------------ internals: updates
    def _push_update(self, body: dict[str, Any]) -> None:
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        self._updates.append(_Update(update))
        self._touch()
        self._notify()

    def _new_message_id(self, chat: EmuChat) -> int:
        mid = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = mid + 1
        return mid

    async def _queue_user_message(
        self, chat: EmuChat, by: EmuUser, fields: dict[str, Any], transcript: str
    ) -> int:
        mid = self._new_message_id(chat)
        message = {
            "message_id": mid,
            "from": by.user_json(),
            "chat": chat.chat_json(),
            "date": int(time.time()),
            **fields,
        }
        chat.incoming[mid] = message
        self._emit("user", chat.id, by.display_name, transcript, [])
        self._push_update({"message": message})
        await asyncio.sleep(0)
        return mid

    async def _queue_location_edit(
        self, chat: EmuUser, message_id: int, latitude: float, longitude: float
    ) -> None:
        original = chat.incoming[message_id]
        location = {**original["location"], "latitude": latitude, "longitude": longitude}
        edited = {**original, "location": location, "edit_date": int(time.time())}
        chat.incoming[message_id] = edited
        self._emit("user", chat.id, chat.display_name, f"📍 moved to {latitude}, {longitude}", [])
        self._push_update({"edited_message": edited})
        await asyncio.sleep(0)

    async def _queue_text_edit(self, chat: EmuUser, message_id: int, text: str) -> None:
        original = chat.incoming[message_id]
        edited = {**original, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        chat.incoming[message_id] = edited
        self._emit("user", chat.id, chat.display_name, f"✎ edited to: {text}", [])
        self._push_update({"edited_message": edited})
        await asyncio.sleep(0)

    async def _queue_callback(
        self, chat: EmuChat, by: EmuUser, msg: EmuMessage, data: str, label: str
    ) -> str:
        self._callback_counter += 1
        cq_id = str(4_000_000_000_000_000_000 + self._callback_counter * 7919 + by.id)
        self._callbacks_issued[cq_id] = chat.id
        query = {
            "id": cq_id,
            "from": by.user_json(),
            "message": self._message_json(chat, msg),
            "chat_instance": chat._chat_instance,
            "data": data,
        }
        self._emit("user", chat.id, by.display_name, f"[{label}]", [])
        self._push_update({"callback_query": query})
        await asyncio.sleep(0)
        return cq_id

    # ------------------------------------------------------------------ internals: HTTP
    async def _read_params(self, request: web.Request) -> Params:
        params: Params = {k: _decode_param(k, v) for k, v in request.query.items()}
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            for key, value in body.items():
                params[key] = _decode_param(key, value) if isinstance(value, str) else value
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_param(key, value)
            elif isinstance(value, bytes | bytearray):
                params[key] = {"size": len(value)}
            else:  # an uploaded file
                content = value.file.read()
                params[key] = {
                    "file_name": value.filename,
                    "content_type": value.content_type,
                    "size": len(content),
                }
        return params

    async def _handle_file(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        is_poll = method.lower() == "getupdates"
        if not is_poll:
            self._inflight += 1
            self._touch()
        params: Params = {}
        try:
            params = await self._read_params(request)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            result = await self._dispatch(method, params)
            payload: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as err:
            payload, status = err.payload(), err.code
        except (ValueError, TypeError, KeyError) as err:
            payload = {"ok": False, "error_code": 400, "description": f"Bad Request: {err}"}
            status = 400
        finally:
            if not is_poll:
                self._inflight -= 1
                self._touch()
        self.calls.append(Call(method, params, payload["ok"], payload, time.time()))
        self._notify()
        return web.json_response(payload, status=status)

    async def _dispatch(self, method: str, params: Params) -> Any:
        handler = self._methods.get(method.lower())
        if handler is None:
            self.unknown_methods.append(method)
            raise ApiError(404, "Not Found: method not found")
        chat_id = _as_int(params.get("chat_id"))
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.error_code, fault.description, fault.retry_after)
        if chat_id in self._blocked and method.lower().startswith(
            ("send", "edit", "copy", "forward")
        ):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    # ------------------------------------------------------------------ shapes
    def bot_user(self) -> dict[str, Any]:
        """The bot's ``User`` object (``from`` of every bot message)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _message_json(self, chat: EmuChat, msg: EmuMessage, nested: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self.bot_user(),
            "chat": chat.chat_json(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if nested and msg.reply_to_message_id is not None:
            replied = self._any_message_json(chat, msg.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = replied
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.location is not None:
            data["location"] = msg.location
        if msg.contact is not None:
            data["contact"] = msg.contact
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        return data

    def _any_message_json(self, chat: EmuChat, message_id: int) -> dict[str, Any] | None:
        for msg in chat.messages:
            if msg.message_id == message_id and not msg.deleted:
                return self._message_json(chat, msg, nested=False)
        incoming = chat.incoming.get(message_id)
        return dict(incoming) if incoming is not None else None

    # ------------------------------------------------------------------ validation helpers
    def _chat(self, params: Params) -> EmuChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _as_int(raw)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _find_bot_message(self, chat: EmuChat, params: Params, verb: str) -> EmuMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        for msg in chat.messages:
            if msg.message_id == message_id and not msg.deleted:
                return msg
        if verb == "edit" and message_id in chat.incoming:
            raise ApiError(400, "Bad Request: message can't be edited")
        raise ApiError(400, f"Bad Request: message to {verb} not found")

    @staticmethod
    def _markup(raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ApiError(
                    400, "Bad Request: can't parse reply keyboard markup JSON object"
                ) from None
        if not isinstance(raw, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array')
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise ApiError(400, "Bad Request: can't parse inline keyboard button")
                    kinds = set(button) - {"text"}
                    if not kinds:
                        raise ApiError(
                            400, "Bad Request: text buttons are unallowed in the inline keyboard"
                        )
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return raw

    @staticmethod
    def _text(params: Params) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(raw)
        entities = params.get("entities")
        if isinstance(entities, list):
            plain, parsed = text, entities
        else:
            try:
                plain, parsed = parse_text(text, params.get("parse_mode"))
            except EntityParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, parsed

    def _reply_to(self, chat: EmuChat, params: Params) -> int | None:
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = _as_int(params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if self._any_message_json(chat, message_id) is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return message_id

    def _store(self, chat: EmuChat, msg: EmuMessage) -> dict[str, Any]:
        chat.messages.append(msg)
        body = msg.text
        if body is None and msg.location is not None:
            body = f"📍 {msg.location['latitude']}, {msg.location['longitude']}"
        if body is None and msg.contact is not None:
            body = f"📇 {msg.contact['phone_number']}"
        self._emit("bot", chat.id, self.bot_name, body, msg.buttons or msg.reply_buttons)
        return self._message_json(chat, msg)

    # ------------------------------------------------------------------ Bot API methods
    def _true(self, params: Params) -> bool:
        return True

    def _setting(self, method: str) -> Callable[[Params], bool]:
        """A handler that records bot-profile settings (``emu.settings[method]``)."""

        def record(params: Params) -> bool:
            self.settings[method] = params
            return True

        return record

    def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u.update_id >= offset]
        if isinstance(allowed, list) and allowed:
            self._updates = [u for u in self._updates if u.kind in allowed]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting returns [] (superseded)

        def ready() -> bool | None:
            if self._closing or generation != self._poll_generation:
                return True
            if isinstance(allowed, list) and allowed:
                self._updates = [u for u in self._updates if u.kind in allowed]
            return True if self._updates else None

        try:
            await self._wait_until(ready, timeout)
        except TimeoutError:
            pass
        if self._closing or generation != self._poll_generation:
            return []
        batch = self._updates[:limit]
        for update in batch:
            update.fetched = True
        if batch:
            self._touch()
        return [u.body for u in batch]

    def _set_webhook(self, params: Params) -> bool:
        url = params.get("url") or ""
        self.webhook = dict(params) if url else None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: Params) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook and self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _get_chat(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        return {**chat.chat_json(), "accent_color_id": 0, "max_reaction_count": 11}

    def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._text(params)
        markup = self._markup(params.get("reply_markup"))
        msg = EmuMessage(
            message_id=self._new_message_id(chat),
            chat_id=chat.id,
            date=int(time.time()),
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params),
            method="sendMessage",
            history=[text],
        )
        return self._store(chat, msg)

    def _send_location(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        try:
            latitude = float(params["latitude"])
            longitude = float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApiError(400, "Bad Request: wrong latitude or longitude")
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if params.get(key) is not None:
                location[key] = params[key]
        msg = EmuMessage(
            message_id=self._new_message_id(chat),
            chat_id=chat.id,
            date=int(time.time()),
            location=location,
            reply_markup=self._markup(params.get("reply_markup")),
            reply_to_message_id=self._reply_to(chat, params),
            method="sendLocation",
            history=[None],
        )
        return self._store(chat, msg)

    def _send_contact(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        phone = params.get("phone_number")
        first_name = params.get("first_name")
        if not phone:
            raise ApiError(400, "Bad Request: phone number is empty")
        if not first_name:
            raise ApiError(400, "Bad Request: first name is empty")
        contact: dict[str, Any] = {"phone_number": str(phone), "first_name": str(first_name)}
        for key in ("last_name", "vcard"):
            if params.get(key):
                contact[key] = str(params[key])
        msg = EmuMessage(
            message_id=self._new_message_id(chat),
            chat_id=chat.id,
            date=int(time.time()),
            contact=contact,
            reply_markup=self._markup(params.get("reply_markup")),
            reply_to_message_id=self._reply_to(chat, params),
            method="sendContact",
            history=[None],
        )
        return self._store(chat, msg)

    def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        msg = self._find_bot_message(chat, params, "edit")
        if msg.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(params)
        new_markup = self._markup(params.get("reply_markup"))
        if new_markup is not None and "inline_keyboard" not in new_markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        current_inline = (
            msg.reply_markup if msg.reply_markup and "inline_keyboard" in msg.reply_markup else None
        )
        if text == msg.text and entities == msg.entities and new_markup == current_inline:
            raise ApiError(400, _NOT_MODIFIED)
        msg.text = text
        msg.entities = entities
        # Like Telegram, an edit without reply_markup drops the inline keyboard.
        if new_markup is not None or current_inline is not None:
            msg.reply_markup = new_markup
        msg.edits += 1
        msg.edit_date = int(time.time())
        msg.history.append(text)
        self._emit("edit", chat.id, self.bot_name, text, msg.buttons)
        return self._message_json(chat, msg)

    def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        msg = self._find_bot_message(chat, params, "edit")
        new_markup = self._markup(params.get("reply_markup"))
        if new_markup is not None and "inline_keyboard" not in new_markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        current_inline = (
            msg.reply_markup if msg.reply_markup and "inline_keyboard" in msg.reply_markup else None
        )
        if new_markup == current_inline:
            raise ApiError(400, _NOT_MODIFIED)
        msg.reply_markup = new_markup
        msg.edits += 1
        msg.edit_date = int(time.time())
        self._emit("edit", chat.id, self.bot_name, msg.text, msg.buttons)
        return self._message_json(chat, msg)

    def _delete_message(self, params: Params) -> bool:
        chat = self._chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is not None and message_id in chat.incoming:
            del chat.incoming[message_id]
            return True
        msg = self._find_bot_message(chat, params, "delete")
        msg.deleted = True
        self._emit("delete", chat.id, self.bot_name, msg.text, [])
        return True

    def _answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callbacks_issued or query_id in self.callback_answers:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        chat_id = self._callbacks_issued[query_id]
        shown = None if text is None else str(text)
        if shown is not None and params.get("show_alert"):
            shown = f"(alert) {shown}"
        self._emit("answer", chat_id, self.bot_name, shown, [])
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if scope is None or scope == "":
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True, separators=(",", ":"))

    def _set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned: list[dict[str, Any]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            command = str(item.get("command", ""))
            description = str(item.get("description", ""))
            if not (1 <= len(command) <= 32) or not all(
                c.islower() or c.isdigit() or c == "_" for c in command
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description must be non-empty")
            cleaned.append({"command": command, "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self.commands.get(key, []))

    def _delete_my_commands(self, params: Params) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    def _send_chat_action(self, params: Params) -> bool:
        chat = self._chat(params)
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((chat.id, action))
        return True
