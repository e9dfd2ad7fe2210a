"""A volunteer's availability: /duty, and the positions they share (/hours: hours.py).

A position that stops arriving takes a volunteer off alerts (availability.py); a
shared location, or a live location's fixes, bring them back.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.keyboards import location_request, main_menu
from bot.handlers.plumbing import query
from bot.i18n import _
from bot.services import positions, volunteering
from domain.volunteers import is_rejected
from storage.models import Volunteer
from storage.types import utcnow


def not_registered() -> str:
    return _("You are not registered as a volunteer yet. Press “🙋 Volunteer” to register.")


def not_approved() -> str:
    return _(
        "Your volunteer registration was not approved, so you cannot go on duty. Contact your team leader for details."
    )


def duty_refusal(result: str, vol: Volunteer | None) -> str | None:
    """Why going on duty was refused, in words; None when it was not refused."""
    if result == "pending":  # any status but verified: say which
        return (
            not_approved()
            if is_rejected(vol)
            else _(
                "Your profile is waiting for verification; you will receive no alerts until it is approved."
            )
        )
    if result == "no_position":
        return _("Share your location first, then go on duty.")
    if result == "not_volunteer":
        return not_registered()
    return None


async def duty(update: Update, context: BotContext) -> None:
    """/duty toggles; /duty on and /duty off are explicit; anything else gets the usage."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    choice = inputs.duty_argument(context.args)
    if choice is None:
        await msg.reply_text(
            _("Usage: /duty to switch, /duty on or /duty off."), reply_markup=main_menu()
        )
        return
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    want = choice == "on" if choice != "toggle" else not (vol is not None and vol.on_duty)
    result = await query(
        context,
        lambda s: volunteering.set_duty(s, context.cfg, person_id=uid, on=want, now=utcnow()),
    )
    text = duty_refusal(result, vol) or (
        _("You are on duty. You will be alerted to requests near you.")
        if result == "on"
        else _("You are off duty. You will not receive alerts.")
    )
    markup = location_request() if result == "no_position" else main_menu()
    await msg.reply_text(text, reply_markup=markup)


def live_seconds(value: object) -> int | None:
    """Telegram's live_period, as seconds whatever PTB's datetime settings make of it."""
    if value is None:
        return None
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)  # type: ignore[call-overload]


async def move(
    context: BotContext, uid: int, lat: float, lon: float, live_period: int | None
) -> str:
    """Store a volunteer's position. Results: ok, outside (the service area), not_volunteer."""
    return await query(  # type: ignore[no-any-return]
        context,
        lambda s: volunteering.update_position(
            s,
            context.cfg,
            person_id=uid,
            lat=lat,
            lon=lon,
            now=utcnow(),
            region=context.settings.service_area,
            live_period_s=live_period,
        ),
    )


async def location_update(update: Update, context: BotContext) -> None:
    """A location outside any conversation: a volunteer's new position (live updates arrive edited)."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    loc = msg.location
    if loc is None:  # the filters let only locations through
        return
    if update.edited_message is not None:
        # A live-location fix: queued and written in batches, answered with nothing.
        positions.live_fix(
            context.positions,
            person_id=uid,
            lat=loc.latitude,
            lon=loc.longitude,
            now=utcnow(),
            region=context.settings.service_area,
        )
        return
    result = await move(context, uid, loc.latitude, loc.longitude, live_seconds(loc.live_period))
    if result == "ok":
        text = _("Location updated.")
    elif result == "outside":
        text = _("This location is outside the area Musaada serves.")
    else:
        text = _("To ask for help, press “🆘 Request help” first.")
    await msg.reply_text(text, reply_markup=main_menu())


def handlers() -> list[object]:
    """/duty (positions are registered later: ``position_handlers``)."""
    return [CommandHandler("duty", duty)]


def position_handlers() -> list[object]:
    """Registered late (after the buttons), as before: a shared location and live fixes."""
    return [
        MessageHandler(filters.LOCATION & ~filters.UpdateType.EDITED, location_update),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, location_update),
    ]
