"""The buttons on an escalation in the operations chat, and ``/assign REQUEST VOLUNTEER``.

🔁 Dispatch again, wider · 👤 Assign a volunteer (the nearest as buttons, ◀️ Back) ·
🚓 Official services have it · 🚫 False alarm. Every press meets the role check first
(``guard.operator_only``: the operations chat may hold people who are not operators); the
use cases (bot/services/dispatch/escalation.py) apply an answer once, however many operators
press at once, and edit every copy of the escalation through the outbox.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.buttons import EscalationAction
from bot.handlers.errors import stale_button
from bot.handlers.guard import operator_only
from bot.handlers.plumbing import query, run
from bot.handlers.render.escalation import candidates_keyboard, no_candidates
from bot.handlers.render.ops import escalation_keyboard
from bot.i18n import _
from bot.services import standing
from bot.services.dispatch import escalation
from bot.services.notices import Outcome, Result
from bot.services.notices.escalation import Decision
from storage.types import utcnow


def _answer_of(result: Result) -> str:
    texts = {
        Result.OK: _("Done."),
        Result.CLOSED: _("Already answered, or the request moved on: nothing was changed."),
        Result.NOBODY: _("Nobody new within the wider search: nothing was changed."),
        Result.BUSY: _("This volunteer is on another job."),
        Result.NOT_YOURS: _("This person is not a verified volunteer."),
        Result.UNKNOWN: _("Not found."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
    }
    return texts.get(result, _("Nothing was changed."))


async def _decide(
    update: Update, context: BotContext, action: EscalationAction, rid: int
) -> Outcome:
    uid = inputs.sender_id(update)
    if action is EscalationAction.WIDER:
        return await run(context, escalation.widen, request_id=rid, operator_id=uid)
    decision = Decision.OFFICIALS if action is EscalationAction.OFFICIALS else Decision.FALSE_ALARM
    return await run(context, escalation.close, request_id=rid, operator_id=uid, decision=decision)


@operator_only("escalation")
async def on_escalation(update: Update, context: BotContext) -> None:
    """One of the four answers, or the volunteers to name one (and back)."""
    q = inputs.press(update)
    pressed = buttons.parse_escalation(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    rid = pressed.request_id
    if pressed.action is EscalationAction.ASSIGN:
        found = await query(
            context, lambda s: escalation.candidates(s, context.cfg, request_id=rid, now=utcnow())
        )
        if not found:
            await replies.answer(q, no_candidates(), alert=True)
            return
        await replies.answer(q)
        listed = [(p.id or 0, p.first_name, m.distance_m) for p, m in found]
        await replies.edit_markup(q, candidates_keyboard(rid, listed))
        return
    if pressed.action is EscalationAction.BACK:
        await replies.answer(q)
        await replies.edit_markup(q, escalation_keyboard(rid))
        return
    outcome = await _decide(update, context, pressed.action, rid)
    await replies.answer(q, _answer_of(outcome.result), alert=outcome.result != Result.OK)
    # On success the outbox edits this copy with the others; otherwise it keeps its buttons.


@operator_only("escalation")
async def on_named(update: Update, context: BotContext) -> None:
    """A volunteer's button under "Assign a volunteer": alert them."""
    q = inputs.press(update)
    pressed = buttons.parse_named(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    outcome = await run(
        context,
        escalation.name_volunteer,
        request_id=pressed.request_id,
        operator_id=q.from_user.id,
        volunteer_id=pressed.volunteer_id,
    )
    await replies.answer(q, _answer_of(outcome.result), alert=outcome.result != Result.OK)


@operator_only("assign")
async def assign(update: Update, context: BotContext) -> None:
    """/assign REQUEST VOLUNTEER (an id or @username): alert that volunteer for the request."""
    args = [a for a in (context.args or []) if a.strip()]
    rid = inputs.bounded_id(args[0].lstrip("#"), inputs.RECORD_ID_MAX) if args else None
    if rid is None or len(args) != 2:
        await replies.reply(update, _("Usage: /assign REQUEST VOLUNTEER (an id or @username)."))
        return
    who = args[1]
    person = await query(context, lambda s: standing.find(s, who))
    if person is None or person.id is None:
        await replies.reply(update, _("Nobody by that id or username has written to the bot."))
        return
    outcome = await run(
        context,
        escalation.name_volunteer,
        request_id=rid,
        operator_id=inputs.sender_id(update),
        volunteer_id=person.id,
    )
    await replies.reply(update, _answer_of(outcome.result))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(on_escalation, pattern=buttons.ESCALATION),
        CallbackQueryHandler(on_named, pattern=buttons.NAMED),
        CommandHandler("assign", assign),
    ]
