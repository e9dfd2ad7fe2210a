"""Parameter checks shared by the Bot API methods, with Telegram's own error texts.

Why this exists: the bot must meet the errors it would meet in production (an empty text,
a callback_data over 64 bytes, a markup Telegram cannot parse) at the same moment, so
each check raises the :class:`ApiError` Telegram answers with. They read the state, never
change it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.devtools.emulator.entities import EntityParseError, parse_text, utf16_len
from bot.devtools.emulator.state import EmulatorState
from bot.devtools.emulator.users import EmuChat, EmuMessage
from bot.devtools.emulator.wire import ApiError, Params, as_int

__all__ = [
    "NOT_MODIFIED",
    "QUERY_INVALID",
    "chat_of",
    "inline_markup",
    "markup",
    "message_text",
    "reply_to",
    "sent_message",
]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"


def chat_of(state: EmulatorState, params: Params) -> EmuChat:
    """The chat ``chat_id`` names; 400 when it is missing or unknown."""
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat = state.find_chat(as_int(raw))
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    return chat


def sent_message(chat: EmuChat, params: Params, verb: str) -> EmuMessage:
    """The bot's (not deleted) message ``message_id`` in ``chat``, to ``verb`` (edit/delete)."""
    if params.get("inline_message_id"):
        raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
    message_id = as_int(params.get("message_id"))
    if message_id is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    for msg in chat.messages:
        if msg.message_id == message_id and not msg.deleted:
            return msg
    if verb == "edit" and message_id in chat.incoming:
        raise ApiError(400, "Bad Request: message can't be edited")
    raise ApiError(400, f"Bad Request: message to {verb} not found")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
            if not set(button) - {"text"}:
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def markup(raw: Any) -> dict[str, Any] | None:
    """A ``reply_markup`` as sent (any keyboard kind), checked like Telegram checks it."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ApiError(400, _BAD_MARKUP) from None
    if not isinstance(raw, dict):
        raise ApiError(400, _BAD_MARKUP)
    if "inline_keyboard" in raw:
        _check_inline_keyboard(raw["inline_keyboard"])
    return raw


def inline_markup(raw: Any) -> dict[str, Any] | None:
    """A markup for an edit: only an inline keyboard may replace one."""
    new = markup(raw)
    if new is not None and "inline_keyboard" not in new:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    return new


def message_text(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of ``text`` (after ``parse_mode``), or Telegram's 400."""
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


def reply_to(state: EmulatorState, chat: EmuChat, params: Params) -> int | None:
    """The message id a send replies to (``reply_parameters`` or the legacy field), checked."""
    reply = params.get("reply_parameters")
    message_id: int | None = None
    allow_missing = bool(params.get("allow_sending_without_reply"))
    if isinstance(reply, dict):
        message_id = as_int(reply.get("message_id"))
        allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
    elif params.get("reply_to_message_id") is not None:
        message_id = as_int(params.get("reply_to_message_id"))
    if message_id is None:
        return None
    if state._any_message_json(chat, message_id) is None:
        if allow_missing:
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")
    return message_id


def new_message(chat_id: int, method: str, **fields: Any) -> EmuMessage:
    """A message about to be stored; its id is given by ``state._store``."""
    return EmuMessage(message_id=0, chat_id=chat_id, date=int(time.time()), method=method, **fields)


def location_params(params: Params) -> dict[str, Any]:
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
    return location
