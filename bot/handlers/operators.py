"""Operators (OPERATOR_IDS) verify volunteers: /pending, /approve ID, /reject ID (and buttons on the notice).

Team leaders may /approve and /reject their own team's members too. The role is checked
before anything else: someone who is neither learns only that, never how the command is used.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.plumbing import query, run
from bot.i18n import _, t
from bot.services import teams, volunteering


def _refused() -> str:
    return _("Only operators can do this.")


async def pending(update: Update, context: BotContext) -> None:
    msg = inputs.message(update)
    if inputs.sender_id(update) not in context.cfg.operator_ids:
        await msg.reply_text(_refused())
        return
    waiting = await query(context, volunteering.pending)
    if not waiting:
        await msg.reply_text(_("No volunteer is waiting for verification."))
        return
    lines = [_("Waiting for verification:")] + [
        t("{name} – /approve {id} or /reject {id}", name=name, id=pid) for pid, name in waiting
    ]
    await msg.reply_text("\n".join(lines))


async def decide(update: Update, context: BotContext) -> None:
    """/approve ID and /reject ID."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    # Operators, and team leaders for their own team's members (volunteering.decide checks
    # which team; bot/services/team_vetting.py).
    if uid not in context.cfg.operator_ids and not await query(
        context, lambda s: teams.led_teams(s, uid)
    ):
        await msg.reply_text(_refused())
        return
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
        "not_operator": _refused(),
        "unknown": _("No such volunteer."),
        "already": _("This volunteer was already decided."),
        "other_team": _("This volunteer is not in your team; nothing was changed."),
    }[outcome.result]
    await msg.reply_text(text)


def handlers() -> list[object]:
    return [CommandHandler("pending", pending), CommandHandler(["approve", "reject"], decide)]
