"""One notice over Telegram: rendered, then sent as a text, a photo, a point or a media file,
or an edit of a message it names (the citizen's status message among them). The outbox's
sender (outbox.py) decides what to say and records what was said; this is the saying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot
from telegram.error import BadRequest

from bot.budget import PriorityLimiter, Urgency
from bot.formatting import chunks
from bot.handlers.render import Rendered, render
from bot.services.notices import MessageRef, Notice
from domain.enums import MediaKind


@dataclass(frozen=True)
class Said:
    """What one notice became: its (first) message's id, None for an edit, its size, and
    when Telegram answered (a batch is recorded later, each row at its own time)."""

    message_id: int | None
    messages: int = 1
    chars: int = 0
    at: datetime | None = None


def _gone(exc: BadRequest) -> bool:
    """The message to edit is no more (deleted, or too old to edit)."""
    lowered = exc.message.lower()
    return "not found" in lowered or "can't be edited" in lowered


async def _edit(bot: Bot, ref: MessageRef, rendered: Rendered) -> bool:
    """Edit a message as ``rendered`` says (its text, a live location, or its buttons alone);
    False when the message is gone. Unchanged is done: Telegram's "message is not modified"."""
    chat_id, message_id = ref.chat_id, ref.message_id
    try:
        if rendered.stop_live:
            await bot.stop_message_live_location(chat_id, message_id)
        elif rendered.location is not None:
            lat, lon = rendered.location
            await bot.edit_message_live_location(chat_id, message_id, latitude=lat, longitude=lon)
        elif not rendered.text:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=rendered.markup)
        else:
            await bot.edit_message_text(
                rendered.text, chat_id, message_id, reply_markup=rendered.markup
            )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        if _gone(exc):
            return False
        raise
    return True


async def say(
    bot: Bot, notice: Notice, *, status_edit: int | None = None, urgency: Urgency | None = None
) -> Said:
    """One notice over Telegram: an edit, a photo with its caption, a point, or a text (cut
    into several messages when longer than Telegram allows). ``status_edit``: the citizen's
    status message to edit instead of sending; a new one when it is gone (bot/services/status.py).
    ``urgency``: its place in the send budget (bot/budget.py)."""
    rendered = render(notice)
    ranked: dict[str, Any] = {}
    if urgency is not None and isinstance(getattr(bot, "rate_limiter", None), PriorityLimiter):
        ranked["rate_limit_args"] = urgency  # only the budget reads it (bot/budget.py)
    if status_edit is not None:
        if await _edit(bot, MessageRef(notice.to.chat_id, status_edit), rendered):
            return Said(None, chars=len(rendered.text))
    elif notice.edit is not None:
        await _edit(bot, notice.edit, rendered)  # a vanished message has nothing left to edit
        return Said(None, chars=len(rendered.text))
    chat_id, size = notice.to.chat_id, len(rendered.text)
    # A major-incident area's alerts and call-outs with PAID_BROADCAST on: Telegram lets such
    # sends past its 30-a-second limit for a fee in Stars; every limiter on the way paces them
    # at PAID_BROADCAST_PER_S instead (bot/budget.py, bot/ratelimit.py, PTB's AIORateLimiter).
    sent = dict(ranked, allow_paid_broadcast=True) if notice.paid_broadcast else ranked
    if rendered.media is not None:
        return Said(await _send_media(bot, chat_id, rendered, sent), chars=size)
    if rendered.photo is not None:
        photo = await bot.send_photo(
            chat_id, rendered.photo(), caption=rendered.text, reply_markup=rendered.markup, **sent
        )
        return Said(photo.message_id, chars=size)
    if rendered.location is not None:
        point = await bot.send_location(
            chat_id, *rendered.location, live_period=rendered.live_period, **sent
        )
        if not rendered.text:
            return Said(point.message_id, chars=0)
    parts = chunks(rendered.text)
    first = None
    for i, part in enumerate(parts):  # the buttons go with the last part
        markup = rendered.markup if i == len(parts) - 1 else None
        message = await bot.send_message(chat_id, part, reply_markup=markup, **sent)
        first = first if first is not None else message.message_id
    return Said(first, messages=len(parts), chars=size)


async def _send_media(bot: Bot, chat_id: int, rendered: Rendered, extra: dict[str, Any]) -> int:
    """A voice note, photo or video sent again by its Telegram file_id (never downloaded);
    ``extra``: its place in the send budget."""
    assert rendered.media is not None
    kind, file_id = rendered.media
    caption, markup = rendered.text or None, rendered.markup
    if kind == MediaKind.VOICE:
        sent = await bot.send_voice(chat_id, file_id, caption=caption, reply_markup=markup, **extra)
    elif kind == MediaKind.PHOTO:
        sent = await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup, **extra)
    else:
        sent = await bot.send_video(chat_id, file_id, caption=caption, reply_markup=markup, **extra)
    return sent.message_id
