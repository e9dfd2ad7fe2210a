"""Buttons on alerts, jobs, requests and verification notices: one handler per prefix.

accept/decline (``offer:``), arrived/done/can't continue (``job:``), cancel and
confirm (``req:``), approve/reject a volunteer (``vet:``). Every press is parsed by
bot/handlers/buttons.py and checked against the database by the service (whose offer,
whose request, which state), so a forged, foreign, stale or double-tapped button gets
a clear answer and changes nothing.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.handlers import buttons, inputs
from bot.handlers.buttons import JobAction, OfferAction, RequestAction
from bot.handlers.errors import stale_button
from bot.handlers.guard import operator_only
from bot.handlers.plumbing import run
from bot.i18n import _
from bot.services import dispatch, volunteering
from bot.services.notices import MessageRef, Outcome


def _answers() -> dict[str, str]:
    return {
        "not_yours": _("This button is not for you, or it is no longer valid."),
        "already": _("Already done."),
        "closed": _("This request has moved on; nothing was changed."),
        "taken": _("Another volunteer was faster. Thank you!"),
        "busy": _("You are already on another job. Finish or release it first."),
        "not_operator": _("Only operators can do this."),
        "unknown": _("This button is not for you, or it is no longer valid."),
        "other_team": _("This volunteer is not in your team; nothing was changed."),
    }


async def _answer(q: CallbackQuery, outcome: Outcome, *, spent: bool) -> None:
    """Done: a silent answer (and, when ``spent``, the pressed buttons go); else say why not."""
    if outcome.result == "ok":
        await q.answer()
        if spent and q.message is not None:
            # The pressed message's buttons are spent: the next step arrives as a new message.
            try:
                await q.edit_message_reply_markup(None)
            except BadRequest:
                pass  # already gone, or too old to edit: nothing to take back
        return
    await q.answer(
        _answers().get(outcome.result, _("Already done.")),
        show_alert=outcome.result in ("not_yours", "busy", "other_team"),
    )


async def on_offer(update: Update, context: BotContext) -> None:
    """✅ Accept / ❌ Decline on an alert."""
    q = inputs.press(update)
    pressed = buttons.parse_offer(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    source = MessageRef(q.message.chat.id, q.message.message_id) if q.message else None
    use_case = dispatch.accept if pressed.action is OfferAction.ACCEPT else dispatch.decline
    outcome = await run(
        context, use_case, offer_id=pressed.offer_id, volunteer_id=q.from_user.id, source=source
    )
    await _answer(q, outcome, spent=False)


_JOB_USE_CASES = {
    JobAction.ARRIVED: dispatch.arrived,
    JobAction.DONE: dispatch.done,
    JobAction.RELEASE: dispatch.release,
}


async def on_job(update: Update, context: BotContext) -> None:
    """📍 Arrived / ✅ Done / ✋ Can't continue on the assigned volunteer's job."""
    q = inputs.press(update)
    pressed = buttons.parse_job(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    outcome = await run(
        context,
        _JOB_USE_CASES[pressed.action],
        request_id=pressed.request_id,
        volunteer_id=q.from_user.id,
    )
    await _answer(q, outcome, spent=True)


async def on_request(update: Update, context: BotContext) -> None:
    """The requester's ✖️ Cancel my request, and 👍 / 👎 when asked whether it was solved."""
    q = inputs.press(update)
    pressed = buttons.parse_request(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    ident, uid = pressed.request_id, q.from_user.id
    if pressed.action is RequestAction.CANCEL:
        outcome = await run(context, dispatch.cancel, request_id=ident, requester_id=uid)
    else:
        solved = pressed.action is RequestAction.SOLVED
        outcome = await run(
            context, dispatch.confirm, request_id=ident, requester_id=uid, solved=solved
        )
    # Not spent here: these buttons are on the citizen's status message, which the answer's
    # notice edits (bot/services/status.py); taking them off would take Cancel off too.
    await _answer(q, outcome, spent=False)


@operator_only("vet", leaders=True)
async def on_vet(update: Update, context: BotContext) -> None:
    """✅ Approve / ❌ Reject on an operator's (or a team leader's) notice of a new volunteer."""
    q = inputs.press(update)
    pressed = buttons.parse_vet(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    outcome = await run(
        context,
        volunteering.decide,
        operator_id=q.from_user.id,
        volunteer_id=pressed.volunteer_id,
        approve=pressed.approve,
    )
    await _answer(q, outcome, spent=True)


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [
        CallbackQueryHandler(on_offer, pattern=buttons.OFFER),
        CallbackQueryHandler(on_job, pattern=buttons.JOB),
        CallbackQueryHandler(on_request, pattern=buttons.REQUEST),
        CallbackQueryHandler(on_vet, pattern=buttons.VET),
    ]
