"""The emulator's file and live-location methods: sendVoice, sendVideo (by
file_id, as a bot relays what people sent it), editMessageLiveLocation and
stopMessageLiveLocation (a live location the bot shares, moved until it is stopped)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.devtools.emulator.checks import (
    NOT_MODIFIED,
    chat_of,
    location_params,
    markup,
    new_message,
    reply_to,
    sent_message,
)
from bot.devtools.emulator.state import EmulatorState
from bot.devtools.emulator.users import EmuMessage
from bot.devtools.emulator.wire import ApiError, Params

Method = Callable[[EmulatorState, Params], Any]

#: What each file-sending method takes, as Telegram names it (a file_id the bot saw before).
FILE_METHODS = {"sendVoice": "voice", "sendVideo": "video"}


def _file_sender(method: str) -> Method:
    """sendVoice / sendVideo by file_id (sendPhoto is methods.py's: uploads too), with an optional caption (0-1024)."""
    kind = FILE_METHODS[method]

    def send_file(state: EmulatorState, params: Params) -> dict[str, Any]:
        chat = chat_of(state, params)
        file_id = params.get(kind)
        if not isinstance(file_id, str) or not file_id:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        msg = new_message(
            chat.id,
            method,
            caption=None if caption is None else str(caption),
            media={"kind": kind, "file_id": file_id},
            reply_markup=markup(params.get("reply_markup")),
            reply_to_message_id=reply_to(state, chat, params),
            history=[None if caption is None else str(caption)],
        )
        return state._store(chat, msg)

    return send_file


def _live_message(state: EmulatorState, params: Params) -> EmuMessage:
    chat = chat_of(state, params)
    msg = sent_message(chat, params, "edit")
    if msg.location is None or not msg.location.get("live_period"):
        raise ApiError(400, "Bad Request: message can't be edited")
    if msg.live_stopped:
        raise ApiError(400, "Bad Request: message can't be edited")
    return msg


def edit_message_live_location(state: EmulatorState, params: Params) -> dict[str, Any]:
    """Move a live location the bot sent; refused once it was stopped."""
    msg = _live_message(state, params)
    location = location_params(params)
    if (
        location["latitude"] == msg.location["latitude"]  # type: ignore[index]
        and location["longitude"] == msg.location["longitude"]  # type: ignore[index]
    ):
        raise ApiError(400, NOT_MODIFIED)
    msg.location = {**msg.location, **location}  # type: ignore[dict-item]
    msg.edits += 1
    msg.edit_date = int(time.time())
    chat = chat_of(state, params)
    return state._message_json(chat, msg)


def stop_message_live_location(state: EmulatorState, params: Params) -> dict[str, Any]:
    """Stop a live location the bot sent: no edit is taken after."""
    msg = _live_message(state, params)
    msg.live_stopped = True
    msg.edits += 1
    return state._message_json(chat_of(state, params), msg)


FILE_SENDERS: dict[str, Method] = {name: _file_sender(name) for name in FILE_METHODS}
LIVE_METHODS: dict[str, Method] = {
    "editMessageLiveLocation": edit_message_live_location,
    "stopMessageLiveLocation": stop_message_live_location,
}
