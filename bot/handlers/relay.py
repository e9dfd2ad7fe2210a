"""Talk through the bot: a citizen's or a volunteer's message during a job, passed on.

Registered after the flows (bot/app.py): a message a flow takes is the flow's. Outside a
flow, text (not a command, a menu button or a keyboard's Cancel/Skip), a voice note, a
photo or a video from someone whose job is on goes to the other side, silently (a failure
is reported by the outbox). After the job ended it gets a clear answer and goes nowhere;
from anyone else it travels on to the ordinary handlers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import citizen_media, flows, inputs
from bot.handlers.keyboards import exact, main_menu
from bot.handlers.plumbing import query, run
from bot.handlers.replies import reply
from bot.handlers.words import button_cancel, button_not_for_me, button_send_now, button_skip
from bot.i18n import t
from bot.services import relay
from bot.services.notices import Result
from storage.types import utcnow


def _relayable() -> filters.BaseFilter:
    keyboard = [button_cancel, button_skip, button_send_now, button_not_for_me]
    buttons = filters.Regex("|".join(exact(fn) for fn in keyboard))
    words = filters.TEXT & ~filters.COMMAND & ~flows.menu_texts() & ~buttons
    return (words | citizen_media.SENDABLE) & filters.UpdateType.MESSAGE


async def relay_message(update: Update, context: BotContext) -> None:
    msg = inputs.message(update)
    item = citizen_media.attached(msg)
    if item is not None and item[2] is not None and item[2] >= citizen_media.MAX_BYTES:
        await _too_large(update, context)
        return
    kind, file_id = (str(item[0]), item[1]) if item else ("text", "")
    text = (msg.caption or "") if item else (msg.text or "")
    out = await run(
        context,
        relay.forward,
        sender_id=inputs.sender(update).id,
        kind=kind,
        text=text,
        file_id=file_id,
    )
    if out.result == Result.IDLE:
        return  # no job: the ordinary handlers answer it
    if out.result == Result.CLOSED:
        await _closed(update, out.request_id or 0)
    raise ApplicationHandlerStop


async def _closed(update: Update, request_id: int) -> None:
    await reply(
        update,
        t(
            "Request #{request_id} has ended, so messages are no longer passed on. To ask for help again, press “🆘 Request help”.",
            request_id=request_id,
        ),
        markup=main_menu(),
    )


async def _too_large(update: Update, context: BotContext) -> None:
    """A video over Telegram's limit during (or just after) a job: say so, relay nothing."""
    uid = inputs.sender(update).id
    result, req = await query(context, lambda s: relay.conversation(s, sender_id=uid, now=utcnow()))
    if result == Result.IDLE:
        return
    if result == Result.CLOSED and req is not None:
        await _closed(update, req.id or 0)
    else:
        await reply(update, citizen_media.too_large())
    raise ApplicationHandlerStop


def handler() -> MessageHandler[BotContext, None]:
    return MessageHandler(_relayable(), relay_message)
