"""What the emulated Telegram holds: chats, the bot's messages, the updates queue, the records.

Why a module of its own: the Bot API methods (``methods.py``) and the people driving the chats
(``users.py``) both change this state, and the HTTP surface (``wire.py``) must not care how.
Everything here runs on the event loop, so a method is atomic unless it awaits: a call that
fails (a validation error or an injected fault) leaves no trace.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.devtools.emulator.media import sent_media_json
from bot.devtools.emulator.users import (
    PATIENCE,
    EmuChat,
    EmuGroup,
    EmuMessage,
    EmuUser,
    TranscriptEvent,
)
from bot.devtools.emulator.wire import Params, as_int, scope_key

if TYPE_CHECKING:
    from bot.devtools.emulator.faults import FaultKind

__all__ = ["CALLER_PORT", "Call", "EmulatorState"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Call:
    """One Bot API request the bot made, with decoded parameters and the reply it got.

    ``applied`` says whether the call took effect in the emulator: true for every successful
    call, and for a time-out injected as "delivered, answer lost" (``ok`` is then False: the
    bot never heard back). ``fault`` names the injected fault, if any.
    """

    method: str
    params: Params
    ok: bool
    response: dict[str, Any]
    at: float
    fault: FaultKind | None = None
    applied: bool = False
    peer: int | None = None  # the caller's TCP port: which process made the call


#: The caller's TCP port while a call is handled (a test's method override may read it to tell
#: worker processes apart).
CALLER_PORT: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "emulator_caller_port", default=None
)


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


class EmulatorState:
    """The emulated Telegram side of one bot: chats, messages, updates, and what was called."""

    def __init__(
        self, token: str, bot_username: str, bot_name: str, quiet_period: float = 0.3
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = as_int(token.split(":", 1)[0]) or 123456
        self.quiet_period = quiet_period

        self.calls: list[Call] = []
        self.unknown_methods: list[str] = []
        # Tests may stand in for a method (e.g. hold its answer until released): name -> handler.
        self.overrides: dict[str, Any] = {}
        self.callback_answers: dict[str, Params] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, Params] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.webhook: Params | None = None
        self.on_event: Callable[[TranscriptEvent], object] | None = None
        # Called with the id of a private chat nobody created yet, when the bot writes to it:
        # the user to create (None: Telegram's "chat not found"). The simulator's million
        # volunteers get their chat when the bot first alerts them, not all at start-up.
        self.chat_factory: Callable[[int], EmuUser | None] | None = None
        #: Every location people sent the bot, live fixes included, as (user id, latitude,
        #: longitude, time.time()): what a privacy scan checks the bot's calls against.
        self.shared_locations: list[tuple[int, float, float, float]] = []

        self._chats: dict[int, EmuChat] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[_Update] = []
        self._next_update_id = 1
        self._callbacks_issued: dict[str, int] = {}
        self._callback_counter = 0
        self._blocked: set[int] = set()
        self._tick = asyncio.Event()
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._poll_generation = 0
        self._closing = False

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

    def group(self, chat_id: int, title: str = "Group", kind: str = "group") -> EmuGroup:
        """A group chat (negative id) the bot is a member of; created on first use.
        ``kind``: "group" or "supergroup" (where anonymous admins and linked channels post)."""
        existing = self._chats.get(chat_id)
        if existing is not None:
            if not isinstance(existing, EmuGroup):
                raise ValueError(f"chat {chat_id} is a private chat, not a group")
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        group = EmuGroup(self, chat_id, title, kind)
        self._chats[chat_id] = group
        return group

    def chat(self, chat_id: int) -> EmuChat:
        """A chat created earlier with :meth:`user` or :meth:`group`."""
        return self._chats[chat_id]

    def find_chat(self, chat_id: int | None) -> EmuChat | None:
        if chat_id is None:
            return None
        chat = self._chats.get(chat_id)
        if chat is None and chat_id > 0 and self.chat_factory is not None:
            return self.chat_factory(chat_id)
        return chat

    @property
    def chats(self) -> list[EmuChat]:
        return list(self._chats.values())

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to their chat answer 403 from now on."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def is_blocked(self, chat_id: int | None) -> bool:
        return chat_id in self._blocked

    # ------------------------------------------------------------------ inspection
    def calls_for(self, method: str) -> list[Call]:
        """Recorded calls of one method (case-insensitive, as Telegram treats names)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def applied(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Calls of ``method`` that took effect (to ``chat_id`` only, if given).

        A delivered-but-unanswered time-out counts: the message is in the chat even though the
        bot did not hear back. Use it to check that a chat got a notice exactly once.
        """
        return [
            c
            for c in self.calls_for(method)
            if c.applied and (chat_id is None or as_int(c.params.get("chat_id")) == chat_id)
        ]

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set for a scope (default scope when None) and language."""
        return self.commands.get((scope_key(scope), language_code), [])

    @property
    def next_update_id(self) -> int:
        """The id the next queued update will get (ids count every update ever queued)."""
        return self._next_update_id

    def pending_updates(self) -> int:
        """Queued updates the bot has not confirmed yet (fetched or not)."""
        return len(self._updates)

    def quiet_now(self) -> bool:
        """Every queued update fetched and no request of the bot's in flight, at this instant."""
        return self._inflight == 0 and all(u.fetched for u in self._updates)

    async def idle(self, timeout: float = PATIENCE, quiet: float | None = None) -> None:
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

    # ------------------------------------------------------------------ sync
    def _notify(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float) -> T:
        """Re-run ``check`` whenever the state changes until it returns a value; TimeoutError."""
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

    # ------------------------------------------------------------------ updates
    def _push_update(self, body: dict[str, Any]) -> None:
        for message in (body.get("message"), body.get("edited_message")):
            if isinstance(message, dict) and isinstance(message.get("location"), dict):
                where = message["location"]
                who = int(message.get("from", {}).get("id", 0))
                point = (who, float(where["latitude"]), float(where["longitude"]), time.time())
                self.shared_locations.append(point)
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        self._updates.append(_Update(update))
        self._touch()
        self._notify()

    def _new_message_id(self, chat: EmuChat) -> int:
        mid = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = mid + 1
        return mid

    async def queue_update(self, body: dict[str, Any]) -> int:
        """Queue an update with exactly this body (``{"channel_post": …}``, a forged shape):
        for what no chat method makes. Returns its update_id."""
        update_id = self._next_update_id
        self._push_update(body)
        await asyncio.sleep(0)
        return update_id

    async def _queue_user_message(
        self, chat: EmuChat, by: EmuUser | None, fields: dict[str, Any], transcript: str
    ) -> int:
        mid = self._new_message_id(chat)
        message: dict[str, Any] = {
            "message_id": mid,
            "chat": chat.chat_json(),
            "date": int(time.time()),
        }
        if by is not None:  # a post by an anonymous admin or a linked channel has no sender
            message["from"] = by.user_json()
        message.update(fields)
        chat.incoming[mid] = message
        self._emit("user", chat.id, by.display_name if by else chat.display_name, transcript, [])
        self._push_update({"message": message})
        await asyncio.sleep(0)
        return mid

    async def _queue_edit(self, chat: EmuUser, message_id: int, changes: dict[str, Any]) -> None:
        """Queue an ``edited_message`` for a message the user sent earlier."""
        edited = {**chat.incoming[message_id], **changes, "edit_date": int(time.time())}
        if "text" in changes:
            edited.pop("entities", None)
        chat.incoming[message_id] = edited
        self._push_update({"edited_message": edited})
        await asyncio.sleep(0)

    async def _queue_location_edit(
        self, chat: EmuUser, message_id: int, latitude: float, longitude: float
    ) -> None:
        original = chat.incoming[message_id]
        location = {**original["location"], "latitude": latitude, "longitude": longitude}
        self._emit("user", chat.id, chat.display_name, f"📍 moved to {latitude}, {longitude}", [])
        await self._queue_edit(chat, message_id, {"location": location})

    async def _queue_text_edit(self, chat: EmuUser, message_id: int, text: str) -> None:
        self._emit("user", chat.id, chat.display_name, f"✎ edited to: {text}", [])
        await self._queue_edit(chat, message_id, {"text": text})

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
        if msg.media is not None:
            data.update(sent_media_json(msg.media))
        if msg.document is not None:
            file_id = f"doc-{chat.id}-{msg.message_id}"
            data["document"] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": msg.document.get("file_name"),
                "mime_type": msg.document.get("content_type"),
                "file_size": msg.document.get("size"),
            }
            if msg.text is not None:
                data["caption"] = data.pop("text")
        if msg.photo is not None:
            data["photo"] = [
                {
                    "file_id": f"photo-{chat.id}-{msg.message_id}",
                    "file_unique_id": f"p{chat.id}x{msg.message_id}",
                    "width": 800,
                    "height": 450,
                    "file_size": msg.photo.get("size", 0),
                }
            ]
            if msg.caption is not None:
                data["caption"] = msg.caption
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        return data

    def _any_message_json(self, chat: EmuChat, message_id: int) -> dict[str, Any] | None:
        for msg in chat.messages:
            if msg.message_id == message_id and not msg.deleted:
                return self._message_json(chat, msg, nested=False)
        incoming = chat.incoming.get(message_id)
        return dict(incoming) if incoming is not None else None

    def _store(self, chat: EmuChat, msg: EmuMessage) -> dict[str, Any]:
        """Add a message the bot sent (the id is taken only now: a failed send takes none)."""
        msg.message_id = self._new_message_id(chat)
        chat.messages.append(msg)
        body = msg.text
        if body is None and msg.location is not None:
            body = f"📍 {msg.location['latitude']}, {msg.location['longitude']}"
        if body is None and msg.contact is not None:
            body = f"📇 {msg.contact['phone_number']}"
        if body is None and msg.photo is not None:
            body = f"🖼 {msg.caption or ''}"
        self._emit("bot", chat.id, self.bot_name, body, msg.buttons or msg.reply_buttons)
        return self._message_json(chat, msg)
