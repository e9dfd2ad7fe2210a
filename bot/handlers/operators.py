"""Operators (OPERATOR_IDS) verify volunteers: /pending, /approve ID, /reject ID (and buttons on the notice)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers.plumbing import query, run, track
from bot.i18n import _, t, use_locale
from bot.services import volunteering


async def pending(update: Update, context: BotContext) -> None:
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    with use_locale(lang):
        if update.effective_user.id not in context.cfg.operator_ids:
            await update.effective_message.reply_text(_("Only operators can do this."))
            return
        waiting = await query(context, volunteering.pending)
        if not waiting:
            await update.effective_message.reply_text(
                _("No volunteer is waiting for verification.")
            )
            return
        lines = [_("Waiting for verification:")] + [
            t("{name} – /approve {id} or /reject {id}", name=name, id=pid) for pid, name in waiting
        ]
        await update.effective_message.reply_text("\n".join(lines))


async def decide(update: Update, context: BotContext) -> None:
    """/approve ID and /reject ID."""
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.text is not None and update.effective_user is not None
    approve = msg.text.split()[0].lower().startswith("/approve")
    # A line copied from /pending in Arabic carries invisible isolate marks around the id.
    args = [a.strip("\u2066\u2067\u2068\u2069\u200e\u200f") for a in (context.args or [])]
    with use_locale(lang):
        if not args or not args[0].isdigit():
            await msg.reply_text(_("Usage: /approve ID or /reject ID (see /pending)."))
            return
        outcome = await run(
            context,
            volunteering.decide,
            operator_id=update.effective_user.id,
            volunteer_id=int(args[0]),
            approve=approve,
        )
        text = {
            "ok": _("Done: the volunteer is verified.")
            if approve
            else _("Done: the volunteer is not approved."),
            "not_operator": _("Only operators can do this."),
            "unknown": _("No such volunteer."),
            "already": _("This volunteer was already decided."),
            "other_team": _("This volunteer is not in your team; nothing was changed."),
        }[outcome.result]
        await msg.reply_text(text)


def handlers() -> list[object]:
    return [CommandHandler("pending", pending), CommandHandler(["approve", "reject"], decide)]
