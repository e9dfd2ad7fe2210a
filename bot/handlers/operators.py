"""Operators verify volunteers: /pending, /approve ID, /reject ID (and buttons on the notice).

The role (OPERATOR_IDS and the promoted operators; for /approve, /reject and the buttons
also team leaders, whose decision volunteering.decide limits to their own team's members) is
checked by ``guard.operator_only`` before anything else, and a refusal recorded: anyone else
learns only that, never how the command is used.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.guard import operator_only, refusal
from bot.handlers.plumbing import query, run
from bot.i18n import _, t
from bot.services import volunteering


@operator_only("pending")
async def pending(update: Update, context: BotContext) -> None:
    """/pending: the volunteers waiting for verification."""
    msg = inputs.message(update)
    waiting = await query(context, volunteering.pending)
    if not waiting:
        await msg.reply_text(_("No volunteer is waiting for verification."))
        return
    lines = [_("Waiting for verification:")] + [
        t("{name} – /approve {id} or /reject {id}", name=name, id=pid) for pid, name in waiting
    ]
    await msg.reply_text("\n".join(lines))


@operator_only("approve", leaders=True)
async def decide(update: Update, context: BotContext) -> None:
    """/approve ID and /reject ID."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    approve = (msg.text or "").split()[0].lower().startswith("/approve")
    volunteer_id = inputs.person_id_argument(context.args)
    if volunteer_id == "missing":
        await msg.reply_text(_("Usage: /approve ID or /reject ID (see /pending)."))
        return
    if volunteer_id == "out_of_range":  # a number, but no person's id (zero, or far too large)
        await msg.reply_text(_("No such volunteer."))
        return
    outcome = await run(
        context, volunteering.decide, operator_id=uid, volunteer_id=volunteer_id, approve=approve
    )
    text = {
        "ok": _("Done: the volunteer is verified.")
        if approve
        else _("Done: the volunteer is not approved."),
        "not_operator": refusal(),  # demoted between the check and the decision
        "unknown": _("No such volunteer."),
        "already": _("This volunteer was already decided."),
        "other_team": _("This volunteer is not in your team; nothing was changed."),
    }[outcome.result]
    await msg.reply_text(text)


def handlers() -> list[object]:
    return [CommandHandler("pending", pending), CommandHandler(["approve", "reject"], decide)]
