"""The citizen's answer to "did help come?" (the check the request's timers end with).

Its own button prefix (``came:``, made and parsed in bot/handlers/buttons.py) and handler,
so the citizen's other buttons stay with bot/handlers/alert_buttons.py. The service checks
the answer against the row (whose request, is the question still open), so a forged,
foreign, stale or double-tapped button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.handlers import buttons, inputs
from bot.handlers.errors import stale_button
from bot.handlers.plumbing import run
from bot.i18n import _
from bot.services import dispatch
from bot.services.notices import Result


async def on_answer(update: Update, context: BotContext) -> None:
    """👍 Yes, it is being handled / 👎 No, nobody came."""
    q = inputs.press(update)
    pressed = buttons.parse_help_came(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    outcome = await run(
        context,
        dispatch.help_came,
        request_id=pressed.request_id,
        requester_id=q.from_user.id,
        came=pressed.came,
    )
    if outcome.result == Result.OK:
        # The question is the citizen's status message: the answer's notice edits it (or
        # replaces it and takes its buttons), keeping Cancel while it can be used.
        await q.answer()
    elif outcome.result == Result.NOT_YOURS:
        await q.answer(_("This button is not for you, or it is no longer valid."), show_alert=True)
    else:
        await q.answer(_("This request has moved on; nothing was changed."))


def handler() -> CallbackQueryHandler[BotContext, None]:
    return CallbackQueryHandler(on_answer, pattern=buttons.HELP_CAME)
