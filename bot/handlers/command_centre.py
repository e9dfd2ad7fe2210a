"""The command centre's linked reports and major-incident mode: /link, /unlink and the request
view's Link / Unlink buttons; /major (start, end, list) and /broadcast.

Every handler is wrapped in ``guard.operator_only``: the role is checked, and a refusal
recorded, before the arguments are looked at (a forged ``lnk:`` button included). The use
cases check it again (bot/services/dispatch/relink.py, bot/services/major.py).
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.errors import stale_button
from bot.handlers.guard import operator_only
from bot.handlers.ops_replies import number, rendered, result_text, say
from bot.handlers.oversight import oversight_view
from bot.handlers.plumbing import query, run
from bot.i18n import _
from bot.services import major
from bot.services.dispatch import relink
from bot.services.notices import Outcome, Result
from domain.matching.geo import cities
from storage.types import utcnow

MAX_CALL_OUT = 1000  # characters of an operator's call-out
_POINT = re.compile(r"^(-?[0-9]{1,2}(?:\.[0-9]+)?),(-?[0-9]{1,3}(?:\.[0-9]+)?)$")
# /major's verbs as an operator may type them in either language.
START_WORDS = frozenset({"start", "بدء", "ابدأ"})
END_WORDS = frozenset({"end", "إنهاء", "انهاء", "أنهِ"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789.")


def _request_id(word: str | None) -> int | None:
    return number(word, inputs.RECORD_ID_MAX)


async def _act(update: Update, context: BotContext, use_case: Any, **kwargs: Any) -> Outcome:
    outcome = await run(context, use_case, operator_id=inputs.sender_id(update), **kwargs)
    if outcome.result != Result.OK:
        await replies.reply(update, result_text(outcome.result))
    return outcome


# --- linked reports --------------------------------------------------------------------------


@operator_only("link")
async def link_command(update: Update, context: BotContext) -> None:
    """/link ID PRIMARY: request ID follows request PRIMARY from now on (no dispatch of its own)."""
    args = inputs.arguments(context.args)
    rid = _request_id(args[0] if args else None)
    pid = _request_id(args[1] if len(args) > 1 else None)
    if rid is None or pid is None:
        await replies.reply(update, _("Usage: /link ID PRIMARY_ID (the report, then the request it follows)."))  # fmt: skip
        return
    await _act(update, context, relink.link, request_id=rid, primary_id=pid)


@operator_only("unlink")
async def unlink_command(update: Update, context: BotContext) -> None:
    """/unlink ID: a linked report is dispatched on its own."""
    args = inputs.arguments(context.args)
    rid = _request_id(args[0] if args else None)
    if rid is None:
        await replies.reply(update, _("Usage: /unlink ID (a linked report)."))
        return
    await _act(update, context, relink.unlink, request_id=rid)


@operator_only("button")
async def link_button(update: Update, context: BotContext) -> None:
    """The request view's Link to #N and Unlink: applied, then the view shown as it is now."""
    q = inputs.press(update)
    pressed = buttons.parse_linking(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    operator_id = inputs.sender_id(update)
    if pressed.primary_id is None:
        outcome = await run(
            context, relink.unlink, request_id=pressed.request_id, operator_id=operator_id
        )
    else:
        outcome = await run(
            context,
            relink.link,
            request_id=pressed.request_id,
            primary_id=pressed.primary_id,
            operator_id=operator_id,
        )
    await replies.answer(q, result_text(outcome.result), alert=outcome.result != Result.OK)
    view = await oversight_view(context, pressed.request_id)
    if view is not None:
        shown = rendered(update, context, view)
        await replies.edit(q, shown.text, markup=shown.markup)


# --- major-incident mode ---------------------------------------------------------------------


def _major_usage() -> str:
    return _(
        "Usage: /major start CITY HOURS, or /major start LAT,LON RADIUS_KM HOURS; /major end [ID]; /major to list."
    )


def _city_of(words: list[str]) -> str | None:
    said = " ".join(words).casefold()
    return next((c.name_en for c in cities() if said in (c.name_en.casefold(), c.name_ar)), None)


def _positive(word: str) -> float | None:
    """A positive number, in Western or Arabic-Indic digits."""
    try:
        value = float(word.translate(_DIGITS))
    except ValueError:
        return None
    return value if value > 0 and value == value and value != float("inf") else None


def _area(words: list[str]) -> dict[str, Any] | None:
    """/major start's area and period: ``CITY HOURS`` or ``LAT,LON RADIUS_KM HOURS``."""
    if len(words) < 2 or (hours := _positive(words[-1])) is None:
        return None
    point = _POINT.match(words[0].translate(_DIGITS))
    if point is not None and len(words) == 3 and (radius := _positive(words[1])) is not None:
        lat, lon = float(point[1]), float(point[2])
        return {"city": None, "lat": lat, "lon": lon, "radius_km": radius, "hours": hours}
    city = _city_of(words[:-1])
    if city is None:
        return None
    return {"city": city, "lat": None, "lon": None, "radius_km": None, "hours": hours}


@operator_only("major")
async def major_command(update: Update, context: BotContext) -> None:
    """/major: the active areas; /major start …; /major end [ID]."""
    args = inputs.arguments(context.args)
    verb = args[0].lower() if args else ""
    if not args:
        listing = await query(context, lambda s: major.listing(s, now=utcnow()))
        await say(update, context, listing)
        return
    if verb in START_WORDS and (area := _area(args[1:])) is not None:
        await _act(update, context, major.start, **area)
        return
    if verb in END_WORDS and len(args) <= 2:
        which = _request_id(args[1]) if len(args) == 2 else None
        if len(args) == 2 and which is None:
            await replies.reply(update, _major_usage())
            return
        await _act(update, context, major.end, major_id=which)
        return
    await replies.reply(update, _major_usage())


@operator_only("broadcast")
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast TEXT: a call-out to every verified volunteer in the major-incident areas."""
    text = (inputs.message(update).text or "").partition(" ")[2].strip()
    if not text:
        await replies.reply(update, _("Usage: /broadcast TEXT (to the volunteers of the major-incident areas)."))  # fmt: skip
        return
    await run(
        context,
        major.broadcast,
        operator_id=inputs.sender_id(update),
        text=text[:MAX_CALL_OUT],
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("link", link_command),
        CommandHandler("unlink", unlink_command),
        CommandHandler("major", major_command),
        CommandHandler("broadcast", broadcast_command),
        CallbackQueryHandler(link_button, pattern=buttons.LINKING),
    ]
