"""The citizen's rating buttons (on the thank-you after confirming) and the optional comment.

``rate:<stars>:<request>`` records the rating and asks for a comment, with a Skip button
(``rate:skip:<request>``; both made and parsed in bot/handlers/buttons.py). The comment is the
citizen's next plain message while the rating's row still asks for one: ``capture_comment``
runs in its own group, after the private-chats guard and before the flows (bot/app.py), and
lets every other message travel on: a command or a menu button is never eaten as a comment
(it ends the wait instead), and a flow at a step (its row in the database) keeps its answers.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import texts_in_all_languages
from bot.handlers.plumbing import query, run
from bot.handlers.words import menu_language, menu_numbers, menu_request, menu_volunteer
from bot.i18n import _, t
from bot.services import feedback
from bot.services.notices import Result
from storage.types import utcnow


def skip_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Skip"), callback_data=buttons.make_rate(None, request_id))]]
    )


async def on_rate(update: Update, context: BotContext) -> None:
    """A star pressed (or Skip on the comment question)."""
    q = inputs.press(update)
    pressed = buttons.parse_rate(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    if pressed.stars is None:
        await run(context, feedback.comment, citizen_id=q.from_user.id, text=None)
        await replies.answer(q, _("Thank you."))
        await replies.edit_markup(q, None)
        return
    outcome = await run(
        context,
        feedback.rate,
        request_id=pressed.request_id,
        citizen_id=q.from_user.id,
        rating=pressed.stars,
    )
    if outcome.result != Result.OK:
        already = outcome.result == Result.ALREADY
        await replies.answer(
            q,
            _("You rated this help already.")
            if already
            else _("This button is not for you, or it is no longer valid."),
            alert=not already,
        )
        return
    await replies.answer(q)
    await replies.edit_markup(q, None)
    await replies.send(
        context,
        q.from_user.id,  # a person's private chat: the rating buttons are only ever there
        t(
            "Thank you for your rating ({stars} of 5). Would you like to add a short comment? Write it now, or press Skip.",
            stars=pressed.stars,
        ),
        markup=skip_keyboard(pressed.request_id),
    )


def _menu_texts() -> set[str]:
    return {
        text
        for fn in (menu_request, menu_volunteer, menu_numbers, menu_language)
        for text in texts_in_all_languages(fn)
    }


async def capture_comment(update: Update, context: BotContext) -> None:
    """The citizen's comment, when one is being waited for; everything else travels on."""
    msg, user = inputs.message(update), inputs.sender(update)
    if msg.text is None:
        return
    now = utcnow()
    if not await query(
        context,
        lambda s: feedback.waiting_for_comment(s, citizen_id=user.id, chat_id=msg.chat_id, now=now),
    ):
        return
    text = msg.text.strip()
    if text.startswith("/") or text in _menu_texts():
        # A command or a menu button: the person moved on; stop waiting, and let it do its job.
        await run(context, feedback.comment, citizen_id=user.id, text=None)
        return
    if len(text) > feedback.MAX_COMMENT:
        await replies.reply(
            update,
            t(
                "That is a little long: please keep the comment under {max} characters, or press Skip.",
                max=feedback.MAX_COMMENT,
            ),
        )
        raise ApplicationHandlerStop
    outcome = await run(context, feedback.comment, citizen_id=user.id, text=text)
    if outcome.result == Result.OK:
        await replies.reply(update, _("Thank you. Your comment was recorded."))
    raise ApplicationHandlerStop


def handlers() -> list[object]:
    return [CallbackQueryHandler(on_rate, pattern=buttons.RATE)]


def comment_handler() -> MessageHandler[BotContext, None]:
    return MessageHandler(
        filters.TEXT & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, capture_comment
    )
