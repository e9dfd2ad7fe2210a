"""The citizen's rating buttons (on the thank-you after confirming) and the optional comment.

``rate:<stars>:<request>`` records the rating and asks for a comment, with a Skip button
(``rate:skip:<request>``). The comment is the citizen's next plain message while the rating's
row still asks for one: ``capture_comment`` runs in its own early group (bot/app.py) and
lets every other message travel on, so a command or a menu button is never eaten as a
comment; it ends the wait instead.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.keyboards import texts_in_all_languages
from bot.handlers.plumbing import query, run, track
from bot.handlers.render.citizen import rate_data
from bot.handlers.words import menu_language, menu_numbers, menu_request, menu_volunteer
from bot.i18n import _, t, use_locale
from bot.services import feedback
from bot.services.notices import Result
from storage.types import utcnow

RATE_DATA = re.compile(r"^rate:([1-5]|skip):(\d{1,18})$")


def parse_rate(data: str) -> tuple[int | None, int] | None:
    """(stars, request id), stars None for Skip; None when the data is not ours."""
    m = RATE_DATA.match(data)
    if m is None:
        return None
    return (None if m[1] == "skip" else int(m[1])), int(m[2])


def skip_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Skip"), callback_data=rate_data("skip", request_id))]]
    )


async def on_rate(update: Update, context: BotContext) -> None:
    """A star pressed (or Skip on the comment question)."""
    lang = await track(update, context)
    q = update.callback_query
    assert q is not None and q.data is not None
    parsed = parse_rate(q.data)
    with use_locale(lang):
        if parsed is None:
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
            return
        stars, request_id = parsed
        if stars is None:
            await run(context, feedback.comment, citizen_id=q.from_user.id, text=None)
            await q.answer(_("Thank you."))
            await _drop_buttons(q)
            return
        outcome = await run(
            context, feedback.rate, request_id=request_id, citizen_id=q.from_user.id, rating=stars
        )
        if outcome.result != Result.OK:
            await q.answer(
                _("You rated this help already.")
                if outcome.result == Result.ALREADY
                else _("This button is not for you, or it is no longer valid."),
                show_alert=outcome.result == Result.NOT_YOURS,
            )
            return
        await q.answer()
        await _drop_buttons(q)
        if q.message is not None:
            await context.bot.send_message(
                q.message.chat.id,
                t(
                    "Thank you for your rating ({stars} of 5). Would you like to add a short comment? Write it now, or press Skip.",
                    stars=stars,
                ),
                reply_markup=skip_keyboard(request_id),
            )


async def _drop_buttons(q: object) -> None:
    try:
        await q.edit_message_reply_markup(None)  # type: ignore[attr-defined]
    except BadRequest:
        pass


def _menu_texts() -> set[str]:
    return {
        text
        for fn in (menu_request, menu_volunteer, menu_numbers, menu_language)
        for text in texts_in_all_languages(fn)
    }


async def capture_comment(update: Update, context: BotContext) -> None:
    """The citizen's comment, when one is being waited for; everything else travels on."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None or msg.text is None:
        return
    now = utcnow()
    if not await query(
        context, lambda s: feedback.waiting_for_comment(s, citizen_id=user.id, now=now)
    ):
        return
    text = msg.text.strip()
    if text.startswith("/") or text in _menu_texts():
        # A command or a menu button: the person moved on; stop waiting, and let it do its job.
        await run(context, feedback.comment, citizen_id=user.id, text=None)
        return
    lang = await track(update, context)
    with use_locale(lang):
        if len(text) > feedback.MAX_COMMENT:
            await msg.reply_text(
                t(
                    "That is a little long: please keep the comment under {max} characters, or press Skip.",
                    max=feedback.MAX_COMMENT,
                )
            )
            raise ApplicationHandlerStop
        outcome = await run(context, feedback.comment, citizen_id=user.id, text=text)
        if outcome.result == Result.OK:
            await msg.reply_text(_("Thank you. Your comment was recorded."))
    raise ApplicationHandlerStop


def handlers() -> list[object]:
    return [CallbackQueryHandler(on_rate, pattern=r"^rate:")]


def comment_handler() -> MessageHandler[BotContext, None]:
    return MessageHandler(
        filters.TEXT & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, capture_comment
    )
