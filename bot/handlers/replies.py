"""Telegram calls made inside handlers, with the known Bot API failures handled where they happen.

Why: a handler's reply, edit or callback answer can fail for reasons that are nobody's bug
(the person blocked the bot, tapped twice, the message is gone, the query is too old, the
network hiccupped). Letting those escape stops the handler half way: the person is stranded
(an edit to "Incident: Fire" failed, so "Share your location" was never sent) and the
conversation stays where it was. Each helper here does one call and, for those failures,
logs and returns instead of raising, so the handler says the next thing and the flow moves on.

The policy, the same for every helper:

- ``Forbidden`` (blocked, deactivated): logged; there is nobody to tell. Returns ``None``/False.
- ``BadRequest`` "message is not modified": the message already shows it. ``edit`` returns True.
- ``BadRequest`` "message to edit not found", "message can't be edited", "query is too old",
  "query ID is invalid", "message to be replied not found": logged, returns ``None``/False.
- ``NetworkError`` / ``TimedOut`` (5xx, time-outs): logged, returns ``None``/False. A time-out
  may even have been delivered; raising would only make the person repeat themselves.
- ``RetryAfter`` (429): re-raised. The Application's rate limiter already waited and
  retried; what to do next is the caller's decision.
- Any other ``BadRequest`` (something we sent is wrong: a bug) and every other error:
  re-raised to the error handler, which logs it and tells the person.

The API is small on purpose: ``reply`` (answer in the update's chat), ``document`` (a file,
as an answer in the update's chat), ``send`` (to a chat id), ``edit`` / ``edit_markup`` (the
message a button was pressed on) and ``answer`` (the callback query). Each returns what the caller may need and never ``raise``s for the above.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.context import BotContext

log = logging.getLogger(__name__)

T = TypeVar("T")
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

_UNCHANGED = "message is not modified"
_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message to be replied not found",
    "query is too old",
    "query id is invalid",
)


class _Unchanged:
    """The edit's content was already there (a double tap): as good as done."""


UNCHANGED = _Unchanged()


async def _guarded(call: Awaitable[T], what: str) -> T | _Unchanged | None:
    """Await one Bot API call; the known failures (see the module docstring) become None."""
    try:
        return await call
    except RetryAfter:
        raise
    except Forbidden as exc:
        log.info("%s: the person cannot be reached (%s)", what, exc.message)
    except BadRequest as exc:
        text = exc.message.lower()
        if _UNCHANGED in text:
            return UNCHANGED
        if not any(known in text for known in _GONE):
            raise
        log.info("%s: %s", what, exc.message)
    except NetworkError as exc:  # BadRequest is a NetworkError too: caught above
        log.warning("%s failed, moving on: %s", what, exc.message)
    return None


async def reply(update: Update, text: str, *, markup: ReplyMarkup | None = None) -> Message | None:
    """Answer in the chat the update came from; the sent message, or None when it failed."""
    message = update.effective_message
    if message is None:
        return None
    sent = await _guarded(message.reply_text(text, reply_markup=markup), "reply")
    return sent if isinstance(sent, Message) else None


async def document(update: Update, file: InputFile, *, caption: str) -> Message | None:
    """Answer with a file (a certificate, an export); the sent message, or None when it failed."""
    message = update.effective_message
    if message is None:
        return None
    sent = await _guarded(message.reply_document(file, caption=caption), "document")
    return sent if isinstance(sent, Message) else None


async def send(
    context: BotContext, chat_id: int, text: str, *, markup: ReplyMarkup | None = None
) -> Message | None:
    """Send to a chat; the sent message, or None when it failed."""
    sent = await _guarded(context.bot.send_message(chat_id, text, reply_markup=markup), "send")
    return sent if isinstance(sent, Message) else None


async def edit(
    query: CallbackQuery, text: str, *, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Replace the text (and inline keyboard) of the message the button was pressed on.

    True when the message now shows it (including "not modified"); False when it failed.
    """
    done = await _guarded(query.edit_message_text(text, reply_markup=markup), "edit")
    return done is not None


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Replace (None: remove) the inline keyboard of the pressed message; as ``edit``."""
    done = await _guarded(query.edit_message_reply_markup(markup), "edit markup")
    return done is not None


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer a button press (stops the client's spinner); ``alert`` shows a dialog."""
    done = await _guarded(query.answer(text, show_alert=alert), "answer")
    return done is not None
