"""Voice notes, photos and videos at the request's details step, instead of typing.

Each is kept as Telegram's file_id (never the bytes) in the flow's answers until the
request is sent, then stored with it; the assigned volunteer gets them all when they accept
(whoever accepts, whenever), the command centre on an escalation. Several may be sent; the
keyboard then offers "📨 Send now", so the whole flow works without typing.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import filters

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.keyboards import send_or_cancel
from bot.handlers.replies import reply
from bot.i18n import _
from domain.enums import MediaKind

MEDIA = "media"
# Enough for any description; more is most likely a mistake (a whole album).
MAX_ITEMS = 10
# Telegram serves bots files of at most 20 MB (getFile): anything larger could not be read
# by the command centre's tools, and is a long download for a volunteer on a weak signal.
MAX_BYTES = 20 * 1024 * 1024
SENDABLE = (filters.VOICE | filters.PHOTO | filters.VIDEO) & filters.UpdateType.MESSAGE


def attached(msg: Message) -> tuple[MediaKind, str, int | None] | None:
    """The voice note, photo (its largest size) or video a message carries."""
    if msg.voice is not None:
        return MediaKind.VOICE, msg.voice.file_id, msg.voice.file_size
    if msg.photo:
        largest = msg.photo[-1]
        return MediaKind.PHOTO, largest.file_id, largest.file_size
    if msg.video is not None:
        return MediaKind.VIDEO, msg.video.file_id, msg.video.file_size
    return None


def _received(kind: MediaKind) -> str:
    if kind == MediaKind.VOICE:
        return _("🎤 Voice note received. Send more, type the details, or press “📨 Send now”.")
    if kind == MediaKind.PHOTO:
        return _("🖼 Photo received. Send more, type the details, or press “📨 Send now”.")
    return _("🎬 Video received. Send more, type the details, or press “📨 Send now”.")


async def got_media(update: Update, context: BotContext) -> None:
    """Keep the item for the request (the caller stays on the details step)."""
    item = attached(inputs.message(update))
    if item is None:
        return
    kind, file_id, size = item
    if size is not None and size >= MAX_BYTES:
        await reply(update, too_large(), markup=send_or_cancel() if collected(context) else None)
        return
    items = context.user_data.setdefault(MEDIA, [])  # type: ignore[union-attr]
    if len(items) >= MAX_ITEMS:
        await reply(
            update,
            _("That is as many as one request can take. Press “📨 Send now” to send it."),
            markup=send_or_cancel(),
        )
        return
    items.append([str(kind), file_id])
    await reply(update, _received(kind), markup=send_or_cancel())


def too_large() -> str:
    return _(
        "This video is too large to pass on (20 MB or more). Send a shorter clip, a photo or a voice note instead, or describe it in words."
    )


def collected(context: BotContext) -> list[tuple[str, str]]:
    """The ``(kind, file_id)`` pairs kept so far, in the order they were sent."""
    return [(str(k), str(f)) for k, f in (context.user_data or {}).get(MEDIA, [])]
