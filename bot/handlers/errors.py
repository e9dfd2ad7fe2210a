"""The last line: log the error, and tell the person something went wrong instead of going silent."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from bot.handlers.keyboards import main_menu
from bot.i18n import _, resolve_language, t, use_locale
from bot.services import people
from domain.incidents import UNIFIED

log = logging.getLogger(__name__)


async def _language_of(update: Update, context: BotContext) -> str:
    """The person's chosen language if the database answers, else their Telegram language."""
    user = update.effective_user
    chosen = None
    if user is not None:
        try:
            async with context.db.session() as s:
                chosen = await people.chosen_language(s, person_id=user.id)
        except Exception:
            log.warning("could not read the language of %s", user.id, exc_info=True)
    return resolve_language(chosen, user.language_code if user else None)


async def on_error(update: object, context: BotContext) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    with use_locale(await _language_of(update, context)):
        try:
            if update.callback_query:
                await update.callback_query.answer(
                    _("Something went wrong. Please try again."), show_alert=True
                )
            else:
                await context.bot.send_message(
                    update.effective_chat.id,
                    t(
                        "Something went wrong. Please try again. If a life is in danger, call {number}.",
                        number=UNIFIED.number,
                    ),
                    reply_markup=main_menu(),
                )
        except Exception:
            log.warning("could not tell the user about the error", exc_info=True)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from a message the bot no longer understands (old version, forged data)."""
    q = update.callback_query
    assert q is not None
    with use_locale(await _language_of(update, context)):
        await q.answer(_("This button is not for you, or it is no longer valid."), show_alert=True)
