"""The citizen's answer to "did help come?" (the check the request's timers end with).

Its own button prefix (``came:``) and handler, so the citizen's other buttons stay with
bot/handlers/jobs.py. The service checks the answer against the row (whose request, is the
question still open), so a forged, foreign, stale or double-tapped button changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.handlers.plumbing import run, track
from bot.handlers.render.citizen import parse_help_came
from bot.i18n import _, use_locale
from bot.services import dispatch
from bot.services.notices import Result


async def on_answer(update: Update, context: BotContext) -> None:
    """Yes (it is being handled) or no (nobody came), then the pressed message loses its buttons."""
    q = update.callback_query
    assert q is not None
    lang = await track(update, context)
    parsed = parse_help_came(q.data)
    if parsed is None:
        with use_locale(lang):
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
        return
    request_id, came = parsed
    outcome = await run(
        context, dispatch.help_came, request_id=request_id, requester_id=q.from_user.id, came=came
    )
    with use_locale(lang):
        if outcome.result == Result.OK:
            await q.answer()
            await _drop_buttons(q)
        elif outcome.result == Result.NOT_YOURS:
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
        else:
            await q.answer(_("This request has moved on; nothing was changed."))


async def _drop_buttons(q: object) -> None:
    from telegram.error import BadRequest

    try:
        await q.edit_message_reply_markup(None)  # type: ignore[attr-defined]
    except BadRequest:
        pass  # not modified, or the message is gone: the answer counted either way


def handler() -> CallbackQueryHandler[BotContext, None]:
    return CallbackQueryHandler(on_answer, pattern=r"^came:")
