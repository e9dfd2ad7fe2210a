"""The profile's preference buttons: skills, equipment, alert radius, quiet hours, cap, duty,
emergency call-outs.

Each tap is written at once, and the profile shows again with the change. Every press is
parsed by bot/handlers/buttons.py, so only a value the profile offered is ever stored.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.handlers import buttons
from bot.handlers.duty import duty_refusal
from bot.handlers.keyboards import equipment_keyboard, skills_keyboard
from bot.handlers.plumbing import query
from bot.handlers.profile import show_again, show_picker, volunteer_button
from bot.services import volunteering
from storage.models import Volunteer
from storage.types import utcnow


@volunteer_button(buttons.parse_profile_skill)
async def skill_pressed(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.SkillPress
) -> None:
    """A skill toggled (and stored); Continue shows the profile."""
    if pressed.skill is None:
        await show_again(q, context)
        return
    mask = vol.skills ^ pressed.skill.bit
    uid = vol.person_id
    await query(context, lambda s: volunteering.set_skills(s, person_id=uid, skills=mask))
    await show_picker(q, skills_keyboard(mask, profile=True))


@volunteer_button(buttons.parse_profile_equipment)
async def equipment_pressed(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.EquipmentPress
) -> None:
    """An item toggled (and stored); Continue shows the profile."""
    if pressed.item is None:
        await show_again(q, context)
        return
    mask = vol.equipment ^ int(pressed.item)
    uid = vol.person_id
    await query(context, lambda s: volunteering.set_equipment(s, person_id=uid, equipment=mask))
    await show_picker(q, equipment_keyboard(mask, profile=True))


@volunteer_button(buttons.parse_radius)
async def radius_chosen(
    q: CallbackQuery, context: BotContext, vol: Volunteer, choice: buttons.RadiusChoice
) -> None:
    await _prefer(q, context, vol, radius_km=float(choice.km) or None)  # 0: any distance


@volunteer_button(buttons.parse_quiet)
async def quiet_chosen(
    q: CallbackQuery, context: BotContext, vol: Volunteer, choice: buttons.QuietChoice
) -> None:
    await _prefer(q, context, vol, quiet=choice.window)


@volunteer_button(buttons.parse_cap)
async def cap_chosen(
    q: CallbackQuery, context: BotContext, vol: Volunteer, choice: buttons.CapChoice
) -> None:
    await _prefer(q, context, vol, max_alerts_per_hour=choice.per_hour)


async def _prefer(q: CallbackQuery, context: BotContext, vol: Volunteer, **prefs: Any) -> None:
    """One preference written, then the profile shown again with it."""
    uid = vol.person_id
    await query(context, lambda s: volunteering.set_preferences(s, person_id=uid, **prefs))
    await show_again(q, context)


@volunteer_button(buttons.parse_duty)
async def duty_pressed(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.DutyPress
) -> None:
    """Go on / off duty from the profile; a refusal says why, below the profile."""
    uid = vol.person_id
    result = await query(
        context,
        lambda s: volunteering.set_duty(s, context.cfg, person_id=uid, on=pressed.on, now=utcnow()),
    )
    await show_again(q, context, duty_refusal(result, vol))


@volunteer_button(buttons.parse_callouts)
async def callouts_pressed(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.CalloutPress
) -> None:
    """Emergency call-outs on or off: in a major-incident area, alerts even in quiet hours and
    past the hourly cap (bot/services/major.py). Stored and audited."""
    uid, on = vol.person_id, pressed.on
    await query(context, lambda s: volunteering.set_callouts(s, person_id=uid, on=on, now=utcnow()))
    await show_again(q, context)


def handlers() -> list[object]:
    return [
        CallbackQueryHandler(skill_pressed, pattern=buttons.PROFILE_SKILL),
        CallbackQueryHandler(equipment_pressed, pattern=buttons.PROFILE_EQUIPMENT),
        CallbackQueryHandler(radius_chosen, pattern=buttons.RADIUS),
        CallbackQueryHandler(quiet_chosen, pattern=buttons.QUIET),
        CallbackQueryHandler(cap_chosen, pattern=buttons.CAP),
        CallbackQueryHandler(duty_pressed, pattern=buttons.DUTY),
        CallbackQueryHandler(callouts_pressed, pattern=buttons.CALLOUTS),
    ]
