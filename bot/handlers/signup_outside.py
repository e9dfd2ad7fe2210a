"""The sign-up's buttons pressed outside the sign-up: an old message, or a forged press.

Registered in group 0, after the flows (bot/app.py): while a sign-up runs, its own
ConversationHandler takes these buttons first (bot/handlers/signup.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import formatting
from bot.context import BotContext
from bot.handlers import buttons, inputs
from bot.handlers.errors import stale_button
from bot.handlers.plumbing import query
from bot.i18n import _, t
from bot.services import volunteering
from domain.volunteers import is_active


async def conduct_again(update: Update, context: BotContext) -> None:
    """A code-of-conduct button of an old message: nothing is recorded again."""
    q = inputs.press(update)
    answer = buttons.parse_conduct(q.data)
    if answer is None:
        await stale_button(update, context)
        return
    vol = await query(context, lambda s: volunteering.get_profile(s, q.from_user.id))
    if is_active(vol) and vol.conduct_accepted_at is not None:
        text = (
            t(
                "You already accepted the code of conduct on {time}.",
                time=formatting.when(vol.conduct_accepted_at),
            )
            if answer.accept
            else _("You are a volunteer already. To stop volunteering, use /leave.")
        )
    else:
        text = _("Press “🙋 Volunteer” to register.")
    await q.answer(text, show_alert=True)


async def picker_again(update: Update, context: BotContext) -> None:
    """A skills or equipment button of a sign-up message, pressed outside sign-up.

    Before the code of conduct (a forged press) nothing is stored; after sign-up the
    old keyboard is answered with where those choices live now.
    """
    q = inputs.press(update)
    vol = await query(context, lambda s: volunteering.get_profile(s, q.from_user.id))
    if not is_active(vol):
        text = _("Accept the code of conduct first: press “🙋 Volunteer” to start.")
    elif vol.submitted_at is None:
        text = _("Your sign-up is not finished: press “🙋 Volunteer” to go on.")
    else:
        text = _("Your sign-up is complete. Change your skills and equipment with /profile.")
    await q.answer(text, show_alert=True)


def handlers() -> list[object]:
    """The sign-up's buttons when no sign-up is running (group 0, after the flows)."""
    return [
        CallbackQueryHandler(conduct_again, pattern=buttons.CONDUCT),
        CallbackQueryHandler(picker_again, pattern=buttons.SIGNUP_PICKER),
    ]
