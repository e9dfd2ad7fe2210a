"""The Bot API methods the emulator implements: one small function per method, in one table.

Why a table: adding a method is one function and one line in :data:`METHODS`, and the HTTP
surface dispatches on the lower-cased name as Telegram does. Every function checks all its
parameters before it changes anything, so a call that answers an error leaves no trace.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.devtools.emulator.checks import (
    NOT_MODIFIED,
    QUERY_INVALID,
    chat_of,
    inline_markup,
    location_params,
    markup,
    message_text,
    new_message,
    reply_to,
    sent_message,
)
from bot.devtools.emulator.files import FILE_SENDERS, LIVE_METHODS
from bot.devtools.emulator.state import EmulatorState
from bot.devtools.emulator.users import EmuMessage
from bot.devtools.emulator.wire import ApiError, Params, as_int, scope_key

__all__ = ["CHAT_METHODS", "METHODS", "SEND_METHODS", "Method"]

#: A method: the state and the decoded parameters in, the ``result`` out (or an ApiError).
Method = Callable[[EmulatorState, Params], Any | Awaitable[Any]]

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


# ---------------------------------------------------------------------- the bot and updates
def get_me(state: EmulatorState, params: Params) -> dict[str, Any]:
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _keep_allowed(state: EmulatorState, allowed: Any) -> None:
    if isinstance(allowed, list) and allowed:
        state._updates = [u for u in state._updates if u.kind in allowed]


async def get_updates(state: EmulatorState, params: Params) -> list[dict[str, Any]]:
    """Long polling: confirm by ``offset``, wait up to ``timeout`` s; a newer poll wins."""
    if state.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = as_int(params.get("offset"))
    limit = min(max(as_int(params.get("limit")) or 100, 1), 100)
    timeout = max(float(params.get("timeout") or 0), 0.0)
    allowed = params.get("allowed_updates")
    if offset is not None:
        if offset < 0:
            state._updates = state._updates[offset:]
        else:
            state._updates = [u for u in state._updates if u.update_id >= offset]
    _keep_allowed(state, allowed)
    state._poll_generation += 1
    generation = state._poll_generation
    state._notify()  # an older long poll still waiting returns [] (superseded)

    def superseded() -> bool:
        return state._closing or generation != state._poll_generation

    def ready() -> bool | None:
        if superseded():
            return True
        _keep_allowed(state, allowed)
        return True if state._updates else None

    try:
        await state._wait_until(ready, timeout)
    except TimeoutError:
        pass
    if superseded():
        return []
    batch = state._updates[:limit]
    for update in batch:
        update.fetched = True
    if batch:
        state._touch()
    return [u.body for u in batch]


def set_webhook(state: EmulatorState, params: Params) -> bool:
    url = params.get("url") or ""
    state.webhook = dict(params) if url else None
    if params.get("drop_pending_updates"):
        state._updates.clear()
    return True


def delete_webhook(state: EmulatorState, params: Params) -> bool:
    state.webhook = None
    if params.get("drop_pending_updates"):
        state._updates.clear()
    return True


def get_webhook_info(state: EmulatorState, params: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": (state.webhook or {}).get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(state._updates),
    }
    if state.webhook and state.webhook.get("allowed_updates"):
        info["allowed_updates"] = state.webhook["allowed_updates"]
    return info


def get_chat(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
    return {**chat.chat_json(), "accent_color_id": 0, "max_reaction_count": 11}


# ---------------------------------------------------------------------- sending
def send_message(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
    text, entities = message_text(params)
    msg = new_message(
        chat.id,
        "sendMessage",
        text=text,
        entities=entities,
        reply_markup=markup(params.get("reply_markup")),
        reply_to_message_id=reply_to(state, chat, params),
        history=[text],
    )
    return state._store(chat, msg)


def send_photo(state: EmulatorState, params: Params) -> dict[str, Any]:
    """An uploaded photo (a file_id or URL is taken as is); Telegram's caption limit holds."""
    chat = chat_of(state, params)
    photo = params.get("photo")
    if not photo:
        raise ApiError(400, "Bad Request: there is no photo in the request")
    caption = params.get("caption")
    if caption is not None and len(str(caption)) > 1024:
        raise ApiError(400, "Bad Request: message caption is too long")
    msg = new_message(
        chat.id,
        "sendPhoto",
        photo=photo if isinstance(photo, dict) else {"file_id": str(photo)},
        caption=None if caption is None else str(caption),
        reply_markup=markup(params.get("reply_markup")),
        reply_to_message_id=reply_to(state, chat, params),
        history=[None if caption is None else str(caption)],
    )
    return state._store(chat, msg)


def send_location(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
    msg = new_message(
        chat.id,
        "sendLocation",
        location=location_params(params),
        reply_markup=markup(params.get("reply_markup")),
        reply_to_message_id=reply_to(state, chat, params),
        history=[None],
    )
    return state._store(chat, msg)


def send_document(state: EmulatorState, params: Params) -> dict[str, Any]:
    """A file upload (multipart); the caption is kept as the message's text for tests."""
    chat = chat_of(state, params)
    document = params.get("document")
    if not isinstance(document, dict) or "content" not in document:
        raise ApiError(400, "Bad Request: there is no document in the request")
    caption = params.get("caption")
    msg = new_message(
        chat.id,
        "sendDocument",
        text=str(caption) if caption is not None else None,
        document=document,
        reply_markup=markup(params.get("reply_markup")),
        reply_to_message_id=reply_to(state, chat, params),
        history=[caption],
    )
    return state._store(chat, msg)


def send_contact(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
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
    msg = new_message(
        chat.id,
        "sendContact",
        contact=contact,
        reply_markup=markup(params.get("reply_markup")),
        reply_to_message_id=reply_to(state, chat, params),
        history=[None],
    )
    return state._store(chat, msg)


def send_chat_action(state: EmulatorState, params: Params) -> bool:
    chat = chat_of(state, params)
    action = str(params.get("action") or "")
    if action not in _CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    state.chat_actions.append((chat.id, action))
    return True


# ---------------------------------------------------------------------- editing
def _current_inline(msg: EmuMessage) -> dict[str, Any] | None:
    return msg.reply_markup if msg.reply_markup and "inline_keyboard" in msg.reply_markup else None


def edit_message_text(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
    msg = sent_message(chat, params, "edit")
    if msg.text is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    text, entities = message_text(params)
    new_markup = inline_markup(params.get("reply_markup"))
    current_inline = _current_inline(msg)
    if text == msg.text and entities == msg.entities and new_markup == current_inline:
        raise ApiError(400, NOT_MODIFIED)
    msg.text = text
    msg.entities = entities
    # Like Telegram, an edit without reply_markup drops the inline keyboard.
    if new_markup is not None or current_inline is not None:
        msg.reply_markup = new_markup
    msg.edits += 1
    msg.edit_date = int(time.time())
    msg.history.append(text)
    state._emit("edit", chat.id, state.bot_name, text, msg.buttons)
    return state._message_json(chat, msg)


def edit_message_reply_markup(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = chat_of(state, params)
    msg = sent_message(chat, params, "edit")
    new_markup = inline_markup(params.get("reply_markup"))
    if new_markup == _current_inline(msg):
        raise ApiError(400, NOT_MODIFIED)
    msg.reply_markup = new_markup
    msg.edits += 1
    msg.edit_date = int(time.time())
    state._emit("edit", chat.id, state.bot_name, msg.text, msg.buttons)
    return state._message_json(chat, msg)


def delete_message(state: EmulatorState, params: Params) -> bool:
    chat = chat_of(state, params)
    message_id = as_int(params.get("message_id"))
    if message_id is not None and message_id in chat.incoming:
        del chat.incoming[message_id]
        return True
    msg = sent_message(chat, params, "delete")
    msg.deleted = True
    state._emit("delete", chat.id, state.bot_name, msg.text, [])
    return True


def answer_callback_query(state: EmulatorState, params: Params) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    if query_id not in state._callbacks_issued or query_id in state.callback_answers:
        raise ApiError(400, QUERY_INVALID)
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    state.callback_answers[query_id] = params
    shown = None if text is None else str(text)
    if shown is not None and params.get("show_alert"):
        shown = f"(alert) {shown}"
    state._emit("answer", state._callbacks_issued[query_id], state.bot_name, shown, [])
    return True


# ---------------------------------------------------------------------- bot profile
def _commands_key(params: Params) -> tuple[str, str]:
    return scope_key(params.get("scope")), str(params.get("language_code") or "")


def _command(item: Any) -> dict[str, str]:
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
    return {"command": command, "description": description}


def set_my_commands(state: EmulatorState, params: Params) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    cleaned = [_command(item) for item in commands]
    key = _commands_key(params)
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    return True


def get_my_commands(state: EmulatorState, params: Params) -> list[dict[str, Any]]:
    return list(state.commands.get(_commands_key(params), []))


def delete_my_commands(state: EmulatorState, params: Params) -> bool:
    state.commands.pop(_commands_key(params), None)
    return True


def _setting(method: str) -> Method:
    """A method that records a bot-profile setting (``emu.settings[method]``)."""

    def record(state: EmulatorState, params: Params) -> bool:
        state.settings[method] = params
        return True

    return record


def _true(state: EmulatorState, params: Params) -> bool:
    return True


METHODS: dict[str, Method] = {
    name.lower(): method
    for name, method in {
        "getMe": get_me,
        "getUpdates": get_updates,
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "sendMessage": send_message,
        "editMessageText": edit_message_text,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "sendLocation": send_location,
        "sendContact": send_contact,
        "sendDocument": send_document,
        "sendPhoto": send_photo,
        **FILE_SENDERS,
        **LIVE_METHODS,
        "answerCallbackQuery": answer_callback_query,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "sendChatAction": send_chat_action,
        "getChat": get_chat,
        "setMyDescription": _setting("setMyDescription"),
        "setMyShortDescription": _setting("setMyShortDescription"),
        "setMyName": _setting("setMyName"),
        "setChatMenuButton": _setting("setChatMenuButton"),
        "close": _true,
        "logOut": _true,
    }.items()
}

#: Methods that put a new message in a chat: what Telegram's send limits count.
SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendlocation",
        "sendcontact",
        "senddocument",
        "sendphoto",
        "sendvoice",
        "sendvideo",
    }
)

#: Methods addressed to one chat or one person's button press (lower-case): where Telegram's
#: per-chat failures (blocked, limits, lost answers) happen.
CHAT_METHODS = SEND_METHODS | frozenset(
    {
        "editmessagetext",
        "editmessagelivelocation",
        "stopmessagelivelocation",
        "editmessagereplymarkup",
        "deletemessage",
        "answercallbackquery",
        "sendchataction",
    }
)
