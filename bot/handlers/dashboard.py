"""/dashboard: an operator's one-time sign-in link to the web dashboard (bot/web/).

The link is the handler's own reply, never an outbox notice: the outbox keeps what it says
in the database, and the database must hold only the link's hash. It goes to the operator's
private chat (groups are stopped before this handler), without a link preview, so Telegram
does not open it first.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.formatting import clock
from bot.handlers import inputs, replies
from bot.handlers.guard import operator_only
from bot.handlers.plumbing import query
from bot.i18n import _, t, tn
from bot.services import dashboard_auth
from storage.types import utcnow


@operator_only("dashboard")
async def dashboard(update: Update, context: BotContext) -> None:
    """/dashboard: a link that signs this operator in once, within a few minutes."""
    settings = context.settings
    if not settings.dashboard_url:
        text = t("The web dashboard is not set up ({setting}).", setting="DASHBOARD_URL")
        await replies.reply(update, text)
        return
    uid = inputs.sender_id(update)
    ttl = settings.dashboard_link_ttl_s
    issued = await query(
        context,
        lambda s: dashboard_auth.issue_link(s, context.cfg, person_id=uid, ttl_s=ttl, now=utcnow()),
    )
    if issued is None:  # demoted between the guard and here
        await replies.reply(update, _("Only operators can do this."))
        return
    minutes = max(1, round(ttl / 60))
    link = f"{settings.dashboard_url}/dashboard/signin?t={issued.token}"
    lines = [
        _("Your sign-in link to the web dashboard:"),
        link,
        tn(
            "It works once, until {time} ({n} minute). Do not forward it.",
            "It works once, until {time} ({n} minutes). Do not forward it.",
            minutes,
            time=clock(issued.expires_at),
        ),
    ]
    await replies.reply(update, "\n".join(lines), preview=False)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("dashboard", dashboard)]
