"""Buttons on alerts and jobs: accept/decline, arrived/done/can't continue, cancel, confirm, verify.

Every button is checked against the database by the service (whose offer,
whose request, which state), so a forged, foreign, stale or double-tapped
button gets a clear answer and changes nothing.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.handlers.plumbing import run, track
from bot.i18n import _, use_locale
from bot.services import dispatch, volunteering
from bot.services.notices import MessageRef

PATTERN = re.compile(r"^(offer|job|req|vet):([a-z]+):(\d{1,18})$")


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


async def on_button(update: Update, context: BotContext) -> None:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    m = PATTERN.match(q.data)
    uid = q.from_user.id
    source = MessageRef(q.message.chat.id, q.message.message_id) if q.message else None
    if m is None:
        with use_locale(lang):
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
        return
    kind, action, raw_id = m.groups()
    ident = int(raw_id)
    actions = {
        ("offer", "acc"): lambda: run(
            context, dispatch.accept, offer_id=ident, volunteer_id=uid, source=source
        ),
        ("offer", "dec"): lambda: run(
            context, dispatch.decline, offer_id=ident, volunteer_id=uid, source=source
        ),
        ("job", "arr"): lambda: run(context, dispatch.arrived, request_id=ident, volunteer_id=uid),
        ("job", "done"): lambda: run(context, dispatch.done, request_id=ident, volunteer_id=uid),
        ("job", "rel"): lambda: run(context, dispatch.release, request_id=ident, volunteer_id=uid),
        ("req", "cancel"): lambda: run(
            context, dispatch.cancel, request_id=ident, requester_id=uid
        ),
        ("req", "yes"): lambda: run(
            context, dispatch.confirm, request_id=ident, requester_id=uid, solved=True
        ),
        ("req", "no"): lambda: run(
            context, dispatch.confirm, request_id=ident, requester_id=uid, solved=False
        ),
        ("vet", "ok"): lambda: run(
            context, volunteering.decide, operator_id=uid, volunteer_id=ident, approve=True
        ),
        ("vet", "no"): lambda: run(
            context, volunteering.decide, operator_id=uid, volunteer_id=ident, approve=False
        ),
    }
    handler = actions.get((kind, action))
    if handler is None:
        with use_locale(lang):
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
        return
    outcome = await handler()
    with use_locale(lang):
        if outcome.result == "ok":
            await q.answer()
            if kind in ("job", "req", "vet") and q.message is not None:
                # The pressed message's buttons are spent: the next step arrives as a new message.
                await _drop_buttons(q)
        else:
            await q.answer(
                _answers().get(outcome.result, _("Already done.")),
                show_alert=outcome.result in ("not_yours", "busy", "other_team"),
            )


async def _drop_buttons(q: object) -> None:
    from telegram.error import BadRequest

    try:
        await q.edit_message_reply_markup(None)  # type: ignore[attr-defined]
    except BadRequest:
        pass


def handler() -> CallbackQueryHandler[BotContext, None]:
    return CallbackQueryHandler(on_button, pattern=r"^(offer|job|req|vet):")
