"""The people and chats on the emulated Telegram side, as tests and the demo drive them.

Why this exists: end-to-end tests should read like a conversation ("Fatima sends /start,
presses *Accept*, sees the confirmation"), not like JSON plumbing. These classes turn such
actions into genuine Bot API updates queued on the emulator's state
(:class:`~bot.devtools.emulator.state.EmulatorState`), and expose what the bot sent to each
chat as :class:`EmuMessage` objects that follow later edits and deletions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.devtools.emulator.entities import bot_command_entities
from bot.devtools.emulator.media import incoming_media

if TYPE_CHECKING:
    from bot.devtools.emulator.state import EmulatorState

__all__ = ["ButtonMatcher", "EmuChat", "EmuGroup", "EmuMessage", "EmuUser", "TranscriptEvent"]

#: What :meth:`EmuChat.press` accepts: a button text / callback_data, or a predicate that is
#: called with each button's text and with its callback_data.
ButtonMatcher = str | Callable[[str], bool]


#: How long a wait for the bot may take before it counts as a failure. A deadline, never a
#: measure: a passing test never reaches it, so it is generous enough for a loaded machine
#: (the suite runs in several processes on two shared cores).
PATIENCE = 30.0


@dataclass
class TranscriptEvent:
    """One line of a readable transcript: a user action or a bot output.

    ``kind`` is ``"user"``, ``"bot"``, ``"edit"``, ``"answer"`` (answerCallbackQuery) or
    ``"delete"`` (deleteMessage; ``text`` is the deleted message's text).
    """

    kind: str
    chat_id: int
    who: str
    text: str | None
    buttons: list[str] = field(default_factory=list)


@dataclass
class EmuMessage:
    """A message the bot sent to a chat, kept current: edits update it, deletion flags it.

    ``reply_markup`` is the markup as the bot sent it (any keyboard type); ``history`` lists
    the text of every version, oldest first.
    """

    message_id: int
    chat_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    #: A voice note or video sent by file_id: ``{"kind": ..., "file_id": ...}``.
    media: dict[str, Any] | None = None
    #: A live location the bot stopped (stopMessageLiveLocation).
    live_stopped: bool = False
    # sendDocument: file_name, content_type, size and the file's bytes (``content``).
    document: dict[str, Any] | None = None
    # sendPhoto: the upload as the bot sent it (file_name, content_type, size, content) and its caption.
    photo: dict[str, Any] | None = None
    caption: str | None = None
    edits: int = 0
    deleted: bool = False
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    method: str = "sendMessage"
    history: list[str | None] = field(default_factory=list)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """The rows of the inline keyboard, or ``[]``."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def buttons(self) -> list[str]:
        """Texts of the inline buttons, row by row."""
        return [str(b.get("text", "")) for row in self.inline_keyboard for b in row]

    @property
    def button_data(self) -> list[str]:
        """callback_data of the inline buttons that have one, row by row."""
        return [
            str(b["callback_data"])
            for row in self.inline_keyboard
            for b in row
            if b.get("callback_data") is not None
        ]

    @property
    def reply_buttons(self) -> list[str]:
        """Texts of the reply keyboard (``keyboard``) if one was sent with this message."""
        if not self.reply_markup or not isinstance(self.reply_markup.get("keyboard"), list):
            return []
        texts: list[str] = []
        for row in self.reply_markup["keyboard"]:
            for button in row:
                texts.append(button if isinstance(button, str) else str(button.get("text", "")))
        return texts

    def __str__(self) -> str:
        state = " [deleted]" if self.deleted else (f" [edited x{self.edits}]" if self.edits else "")
        body = self.text
        if body is None and self.location is not None:
            body = f"<location {self.location.get('latitude')},{self.location.get('longitude')}>"
        if body is None and self.media is not None:
            body = f"<{self.media['kind']} {self.media['file_id']}> {self.caption or ''}"
        if body is None and self.contact is not None:
            body = f"<contact {self.contact.get('phone_number')}>"
        buttons = self.buttons or self.reply_buttons
        extra = f" {buttons}" if buttons else ""
        return f"#{self.message_id}{state}: {body!r}{extra}"


class EmuChat:
    """A chat as seen from the Telegram side: the bot's messages in it, and ways to react."""

    def __init__(self, emu: EmulatorState, chat_id: int) -> None:
        self._emu = emu
        self.id = chat_id
        self.messages: list[EmuMessage] = []
        #: Messages people sent in this chat (Bot API ``Message`` dicts, current state) by id.
        self.incoming: dict[int, dict[str, Any]] = {}
        self._chat_instance = str(abs(hash(("chat_instance", chat_id))) % 10**18)

    # -- Bot API shapes -------------------------------------------------------------------
    def chat_json(self) -> dict[str, Any]:
        """The ``Chat`` object Telegram sends for this chat."""
        raise NotImplementedError

    @property
    def display_name(self) -> str:
        return str(self.id)

    # -- reading --------------------------------------------------------------------------
    @property
    def last(self) -> EmuMessage:
        """The newest message the bot sent here (deleted ones included, flagged).

        Never None: a test that reads ``last`` expects the bot to have said something, so an
        empty chat is an AssertionError that says so (and mypy needs no ``assert`` first).
        """
        if not self.messages:
            raise AssertionError(
                f"expected a bot message in chat {self.id} ({self.display_name}), "
                f"but the bot has sent nothing here"
            )
        return self.messages[-1]

    def message(self, message_id: int) -> EmuMessage:
        """The bot message with this id; AssertionError if the bot never sent it."""
        for msg in self.messages:
            if msg.message_id == message_id:
                return msg
        raise AssertionError(f"no bot message #{message_id} in chat {self.id}\n{self.dump()}")

    def dump(self) -> str:
        """Human-readable list of the bot's messages in this chat, for assertion messages."""
        if not self.messages:
            return f"chat {self.id} ({self.display_name}): no bot messages"
        lines = [f"chat {self.id} ({self.display_name}) bot messages:"]
        lines += [f"  {m}" for m in self.messages]
        return "\n".join(lines)

    async def wait_for(
        self,
        match: str | Callable[[EmuMessage], bool],
        timeout: float = PATIENCE,
    ) -> EmuMessage:
        """Wait until a (non-deleted) bot message here matches, in its current state.

        ``match`` is a text fragment (searched in the message text) or a predicate on
        :class:`EmuMessage`. Returns the newest matching message.
        """

        def check() -> EmuMessage | None:
            for msg in reversed(self.messages):
                if msg.deleted:
                    continue
                if callable(match):
                    if match(msg):
                        return msg
                elif msg.text is not None and match in msg.text:
                    return msg
            return None

        try:
            return await self._emu._wait_until(check, timeout)
        except TimeoutError:
            what = repr(match) if isinstance(match, str) else "predicate"
            raise AssertionError(
                f"timed out after {timeout}s waiting for a bot message matching {what}\n"
                f"{self.dump()}"
            ) from None

    async def wait_for_count(self, n: int, timeout: float = PATIENCE) -> list[EmuMessage]:
        """Wait until the bot has sent at least ``n`` messages here; returns them all."""
        try:
            await self._emu._wait_until(lambda: len(self.messages) >= n or None, timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {n} bot messages, "
                f"have {len(self.messages)}\n{self.dump()}"
            ) from None
        return list(self.messages)

    # -- acting ---------------------------------------------------------------------------
    def _find_button(self, target: ButtonMatcher) -> tuple[EmuMessage, dict[str, Any]]:
        def matches(button: dict[str, Any]) -> bool:
            values = [str(button.get("text", ""))]
            if button.get("callback_data") is not None:
                values.append(str(button["callback_data"]))
            if callable(target):
                return any(target(v) for v in values)
            return target in values

        for msg in reversed(self.messages):
            if msg.deleted:
                continue
            for row in msg.inline_keyboard:
                for button in row:
                    if matches(button):
                        return msg, button
        visible = [
            f"#{m.message_id}: {[(b.get('text'), b.get('callback_data')) for r in m.inline_keyboard for b in r]}"
            for m in self.messages
            if m.inline_keyboard and not m.deleted
        ]
        raise AssertionError(
            f"no inline button matching {target!r} in chat {self.id}; visible buttons "
            f"(text, callback_data):\n  " + ("\n  ".join(visible) if visible else "(none)")
        )

    async def _press(self, target: ButtonMatcher, by: EmuUser) -> str:
        msg, button = self._find_button(target)
        if button.get("callback_data") is None:
            raise AssertionError(
                f"button {button.get('text')!r} on #{msg.message_id} has no callback_data "
                f"(it is {button}); pressing it would not reach the bot"
            )
        return await self._emu._queue_callback(
            self, by, msg, str(button["callback_data"]), label=str(button.get("text", ""))
        )

    async def _press_data(self, message_id: int, data: str, by: EmuUser) -> str:
        msg = self.message(message_id)
        return await self._emu._queue_callback(self, by, msg, data, label=f"data={data!r}")


class EmuUser(EmuChat):
    """A Telegram user and their private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        emu: EmulatorState,
        user_id: int,
        first_name: str,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        super().__init__(emu, user_id)
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self.username = username

    @property
    def display_name(self) -> str:
        return self.first_name

    def user_json(self) -> dict[str, Any]:
        """The ``User`` object for ``from`` fields."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    async def send(self, text: str) -> int:
        """Send a text message; a leading ``/command`` gets a ``bot_command`` entity.

        Returns the new message's id.
        """
        fields: dict[str, Any] = {"text": text}
        entities = bot_command_entities(text)
        if entities:
            fields["entities"] = entities
        return await self._emu._queue_user_message(self, self, fields, transcript=text)

    async def send_location(
        self, latitude: float, longitude: float, live_period: int | None = None
    ) -> int:
        """Share a location (a live one when ``live_period`` is given). Returns the message id."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        label = f"📍 {latitude}, {longitude}" + (f" (live {live_period}s)" if live_period else "")
        return await self._emu._queue_user_message(
            self, self, {"location": location}, transcript=label
        )

    async def send_media(
        self, kind: str, file_id: str, *, size: int = 50_000, duration: int = 5
    ) -> int:
        """Send a voice note, photo or video (``kind``) as Telegram delivers it to bots: by
        file_id, with its size. Returns the message id."""
        fields = incoming_media(kind, file_id, size=size, duration=duration)
        return await self._emu._queue_user_message(
            self, self, fields, transcript=f"<{kind} {file_id}>"
        )

    async def edit_live_location(self, message_id: int, latitude: float, longitude: float) -> None:
        """Move a live location shared earlier: queues an ``edited_message`` update."""
        original = self.incoming.get(message_id)
        if original is None or "location" not in original:
            raise AssertionError(f"user {self.id} has no location message #{message_id}")
        if not original["location"].get("live_period"):
            raise AssertionError(f"message #{message_id} is not a live location")
        await self._emu._queue_location_edit(self, message_id, latitude, longitude)

    async def stop_live_location(self, message_id: int) -> None:
        """Stop sharing a live location early: Telegram's last edit, without ``live_period``."""
        original = self.incoming.get(message_id)
        if original is None or not original.get("location", {}).get("live_period"):
            raise AssertionError(f"message #{message_id} is not a live location")
        location = {k: v for k, v in original["location"].items() if k != "live_period"}
        self._emu._emit("user", self.id, self.display_name, "📍 stopped sharing", [])
        await self._emu._queue_edit(self, message_id, {"location": location})

    def delete_bot_message(self, message_id: int) -> None:
        """Delete one of the bot's messages in this chat, as a person can (the bot is not told)."""
        self.message(message_id).deleted = True

    async def edit_text(self, message_id: int, text: str) -> None:
        """Edit a text message sent earlier: queues an ``edited_message`` update."""
        original = self.incoming.get(message_id)
        if original is None or "text" not in original:
            raise AssertionError(f"user {self.id} has no text message #{message_id}")
        await self._emu._queue_text_edit(self, message_id, text)

    async def share_contact(self, phone_number: str, user_id: int | None = None) -> int:
        """Share a contact card; ``user_id`` defaults to this user's own id (their own number)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        if self.last_name and user_id in (None, self.id):
            contact["last_name"] = self.last_name
        return await self._emu._queue_user_message(
            self, self, {"contact": contact}, transcript=f"📇 {phone_number}"
        )

    async def send_raw(self, fields: dict[str, Any], transcript: str | None = None) -> int:
        """Send a message with exactly these fields besides the envelope (a photo, a sticker,
        a poll, a venue, text with entities of your own). Returns the message id."""
        label = transcript if transcript is not None else str(sorted(fields))
        return await self._emu._queue_user_message(self, self, dict(fields), transcript=label)

    async def press(self, target: ButtonMatcher) -> str:
        """Press an inline button on the newest bot message that has a matching one.

        ``target`` equals the button's text or callback_data, or is a predicate called with
        each of them. Returns the callback query id. AssertionError lists visible buttons if
        nothing matches.
        """
        return await self._press(target, self)

    async def press_data(self, message_id: int, data: str) -> str:
        """Send a callback query with arbitrary ``data`` on bot message ``message_id``
        (a forged or stale button). Returns the callback query id."""
        return await self._press_data(message_id, data, self)


class EmuGroup(EmuChat):
    """A group chat (negative id) the bot posts to, e.g. an operations chat."""

    def __init__(self, emu: EmulatorState, chat_id: int, title: str, kind: str = "group") -> None:
        super().__init__(emu, chat_id)
        self.title = title
        self.kind = kind  # "group" or "supergroup"

    @property
    def display_name(self) -> str:
        return self.title

    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.kind, "title": self.title}

    async def send(self, text: str, *, by: EmuUser) -> int:
        """Member ``by`` writes ``text`` in the group. Returns the message id."""
        fields: dict[str, Any] = {"text": text}
        entities = bot_command_entities(text)
        if entities:
            fields["entities"] = entities
        return await self._emu._queue_user_message(self, by, fields, transcript=text)

    async def send_raw(
        self, fields: dict[str, Any], *, by: EmuUser | None, transcript: str | None = None
    ) -> int:
        """A message with exactly these fields in the group; ``by`` None: no sender at all
        (an anonymous admin's or a linked channel's post, with ``sender_chat`` in ``fields``)."""
        label = transcript if transcript is not None else str(sorted(fields))
        return await self._emu._queue_user_message(self, by, dict(fields), transcript=label)

    async def press(self, target: ButtonMatcher, *, by: EmuUser) -> str:
        """Member ``by`` presses a button in the group (see :meth:`EmuUser.press`)."""
        return await self._press(target, by)

    async def press_data(self, message_id: int, data: str, *, by: EmuUser) -> str:
        """Member ``by`` sends a callback query with arbitrary data."""
        return await self._press_data(message_id, data, by)
