"""The command centre's commands and buttons: oversight (/open, /request ID, /audit ID), people
(/who, /suspend, /reinstate, /block, /unblock), roles (/promote, /demote), /stats and /ops.

Every handler here is wrapped in ``guard.operator_only``: the role is checked, and a refusal
recorded, before the arguments are even looked at. ``/request`` with a number is the
operator's; without one it stays the citizen's way to ask for help (bot/handlers/citizen.py),
so the operator's is registered in a group before the flows (bot/app.py, OPS_GROUP).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.buttons import OpsAction
from bot.handlers.errors import stale_button
from bot.handlers.guard import operator_only
from bot.handlers.ops_replies import number, rendered, result_text, say
from bot.handlers.plumbing import UseCase, query, run
from bot.i18n import _
from bot.services import kpis, oversight, roles, standing
from bot.services.dispatch import operator
from bot.services.notices import Outcome, Payload, Result
from domain.matching.geo import cities
from storage.types import utcnow

# /stats' period, as an operator may type it in either language.
PERIOD_WORDS = {
    **{str(p): p for p in kpis.Period},
    "اليوم": kpis.Period.TODAY,
    "أسبوع": kpis.Period.WEEK,
    "الأسبوع": kpis.Period.WEEK,
    "شهر": kpis.Period.MONTH,
    "الشهر": kpis.Period.MONTH,
}
# /request 42 (also /request@bot #42): the operator's view of a request.
REQUEST_VIEW = r"^/request(@\w+)?\s+#?\d{1,18}\s*$"


async def _reply(update: Update, text: str) -> None:
    await replies.reply(update, text)


async def _id_or_usage(update: Update, context: BotContext, command: str) -> int | None:
    """The id the command's first word gives; None, with the command's usage said, without."""
    args = inputs.arguments(context.args)
    found = number(args[0] if args else None)
    if found is None:
        await _reply(update, _usage(command))
    return found


def _usage(command: str) -> str:
    usages = {
        "request": _("Usage: /request ID (see /open)."),
        "audit": _("Usage: /audit ID (a request's number)."),
        "who": _("Usage: /who ID or /who @username."),
        "promote": _("Usage: /promote ID or /demote ID (the person must have written to the bot)."),
        "suspend": _("Usage: /suspend ID reason."),
        "reinstate": _("Usage: /reinstate ID."),
        "block": _("Usage: /block ID reason, or /unblock ID."),
        "stats": _("Usage: /stats [today|week|month] [city]."),
    }
    return usages[command]


@operator_only("ops")
async def ops_help(update: Update, context: BotContext) -> None:
    """/ops: the operator commands."""
    lines = [
        _("Operator commands:"),
        _("/open – active requests"),
        _("/request ID – a request's timeline, with buttons to cancel, dispatch again or reassign"),
        _("/audit ID – a request's audit records"),
        _("/who ID or @username – a person's profile and record"),
        _("/pending, /approve ID, /reject ID – volunteers waiting for verification"),
        _("/suspend ID reason, /reinstate ID – a volunteer's alerts stopped or restored"),
        _("/block ID reason, /unblock ID – a citizen who abuses the service"),
        _("/promote ID, /demote ID – operators"),
        _("/stats [today|week|month] [city] – the figures"),
        _("/link ID PRIMARY_ID, /unlink ID – a report joined to another request, or separated"),
        _("/major – areas in major-incident mode; /major start CITY HOURS, /major end [ID]"),
        _("/broadcast TEXT – a call-out to the volunteers of the major-incident areas"),
        _("/dashboard – a sign-in link to the web dashboard"),
    ]
    await _reply(update, "\n".join(lines))


@operator_only("open")
async def open_requests(update: Update, context: BotContext) -> None:
    """/open: the first page of the active requests."""
    page = await query(context, lambda s: oversight.open_requests(s, page=0, now=utcnow()))
    await say(update, context, page)


async def _request_view(update: Update, context: BotContext) -> None:
    words = (inputs.message(update).text or "").split()
    rid = number(words[1].strip(inputs.MARKS) if len(words) > 1 else None)
    if rid is None:
        await _reply(update, _usage("request"))
        return
    view = await query(
        context,
        lambda s: oversight.request_view(
            s, request_id=rid, link_radius_m=context.cfg.link_radius_m
        ),
    )
    if view is None:
        await _reply(update, _("No such request."))
        return
    await say(update, context, view)


def _ask_for_help_hint() -> str:
    return _("To ask for help, send /request without a number.")


_guarded_view = operator_only("request", hint=_ask_for_help_hint)(_request_view)


async def request_view(update: Update, context: BotContext) -> None:
    """/request ID: before the flows, and the update stops here whatever the answer."""
    await _guarded_view(update, context)
    raise ApplicationHandlerStop


@operator_only("audit")
async def audit(update: Update, context: BotContext) -> None:
    """/audit ID: every audit record of a request."""
    rid = await _id_or_usage(update, context, "audit")
    if rid is None:
        return
    view = await query(context, lambda s: oversight.audit_view(s, request_id=rid))
    if view is None:
        await _reply(update, _("No such request."))
        return
    await say(update, context, view)


@operator_only("who")
async def who(update: Update, context: BotContext) -> None:
    """/who ID or @username."""
    args = inputs.arguments(context.args)
    if not args:
        await _reply(update, _usage("who"))
        return
    found = await query(context, lambda s: standing.who(s, context.cfg, who=args[0]))
    if found is None:
        await _reply(update, _("Nobody by that id or username has written to the bot."))
        return
    await say(update, context, found)


async def _act(update: Update, context: BotContext, use_case: UseCase, **kwargs: Any) -> Outcome:
    return await run(context, use_case, operator_id=inputs.sender_id(update), **kwargs)


@operator_only("promote")
async def promote(update: Update, context: BotContext) -> None:
    """/promote ID and /demote ID."""
    demote = (inputs.message(update).text or "").lower().startswith("/demote")
    pid = await _id_or_usage(update, context, "promote")
    if pid is None:
        return
    use_case = roles.demote if demote else roles.promote
    outcome = await _act(update, context, use_case, person_id=pid)
    await _reply(update, result_text(outcome.result))


@operator_only("suspend")
async def suspend(update: Update, context: BotContext) -> None:
    """/suspend ID reason (a reason is required: the volunteer is told it)."""
    args = inputs.arguments(context.args)
    vid = number(args[0] if args else None)
    reason = " ".join(args[1:])
    if vid is None or not reason:
        await _reply(update, _usage("suspend"))
        return
    outcome = await _act(update, context, standing.suspend, volunteer_id=vid, reason=reason)
    await _reply(update, result_text(outcome.result))


@operator_only("reinstate")
async def reinstate(update: Update, context: BotContext) -> None:
    """/reinstate ID."""
    vid = await _id_or_usage(update, context, "reinstate")
    if vid is None:
        return
    outcome = await _act(update, context, standing.reinstate, volunteer_id=vid)
    await _reply(update, result_text(outcome.result))


@operator_only("block")
async def block(update: Update, context: BotContext) -> None:
    """/block ID reason and /unblock ID."""
    unblock = (inputs.message(update).text or "").lower().startswith("/unblock")
    args = inputs.arguments(context.args)
    pid = number(args[0] if args else None)
    reason = " ".join(args[1:])
    if pid is None or (not unblock and not reason):
        await _reply(update, _usage("block"))
        return
    if unblock:
        outcome = await _act(update, context, standing.unblock, person_id=pid)
    else:
        outcome = await _act(update, context, standing.block, person_id=pid, reason=reason)
    await _reply(update, result_text(outcome.result))


def _city(words: list[str]) -> tuple[bool, str | None]:
    """(understood, the city's English name or None for every city): English or Arabic names."""
    if not words:
        return True, None
    said = " ".join(words).casefold()
    for city in cities():
        if said in (city.name_en.casefold(), city.name_ar):
            return True, city.name_en
    return False, None


@operator_only("stats")
async def stats(update: Update, context: BotContext) -> None:
    """/stats [today|week|month] [city]."""
    args = inputs.arguments(context.args)
    period = kpis.Period.WEEK
    if args and args[0].lower() in PERIOD_WORDS:
        period = PERIOD_WORDS[args.pop(0).lower()]
    known, city = _city(args)
    if not known:
        await _reply(update, _usage("stats"))
        return
    figures = await query(
        context,
        lambda s: kpis.stats(s, context.cfg, period=period, city=city, now=utcnow()),
    )
    await say(update, context, figures)


# --- buttons -------------------------------------------------------------------------------


@operator_only("button")
async def on_button(update: Update, context: BotContext) -> None:
    """The buttons of /open and /request: page, view, cancel, dispatch again, reassign."""
    q = inputs.press(update)
    pressed = buttons.parse_oversight(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    action, ident = pressed.action, pressed.ident
    if action is OpsAction.PAGE:
        page = await query(context, lambda s: oversight.open_requests(s, page=ident, now=utcnow()))
        await replies.answer(q)
        await _edit(update, context, page)
        return
    if action is OpsAction.VIEW:
        await replies.answer(q)
    else:
        outcome = await _act(update, context, _BUTTON_USE_CASES[action], request_id=ident)
        await replies.answer(q, result_text(outcome.result), alert=outcome.result != Result.OK)
    view = await oversight_view(context, ident)
    if view is not None:
        await _edit(update, context, view)


async def oversight_view(context: BotContext, request_id: int) -> Payload | None:
    """The request view as it is now, with the Link buttons' radius (LINK_RADIUS_M)."""
    radius = context.cfg.link_radius_m
    return await query(  # type: ignore[no-any-return]
        context, lambda s: oversight.request_view(s, request_id=request_id, link_radius_m=radius)
    )


_BUTTON_USE_CASES: dict[OpsAction, UseCase] = {
    OpsAction.CANCEL: operator.cancel,
    OpsAction.REDISPATCH: operator.redispatch,
    OpsAction.REASSIGN: operator.reassign,
}


async def _edit(update: Update, context: BotContext, payload: Payload) -> None:
    """The pressed view, shown again as it is now (pressed twice: the same view, no error)."""
    shown = rendered(update, context, payload)
    await replies.edit(inputs.press(update), shown.text, markup=shown.markup)


def early_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Before the flows (OPS_GROUP): /request with a number."""
    return [MessageHandler(filters.TEXT & filters.Regex(REQUEST_VIEW), request_view)]


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("ops", ops_help),
        CommandHandler("open", open_requests),
        CommandHandler("audit", audit),
        CommandHandler("who", who),
        CommandHandler(["promote", "demote"], promote),
        CommandHandler("suspend", suspend),
        CommandHandler("reinstate", reinstate),
        CommandHandler(["block", "unblock"], block),
        CommandHandler("stats", stats),
        CallbackQueryHandler(on_button, pattern=buttons.OVERSIGHT),
    ]
