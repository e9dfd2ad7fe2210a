"""/profile shows everything we hold about a volunteer and lets them change each part; /leave ends it.

Each change is written at once (no conversation state), so a button from an
old profile message still works as long as it makes sense, and a forged one
changes nothing it should not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import formatting
from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.buttons import ProfilePart
from bot.handlers.duty import not_registered
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import (
    choices,
    contact_request,
    equipment_keyboard,
    leave_keyboard,
    main_menu,
    skills_keyboard,
)
from bot.handlers.phone import consent_answer
from bot.handlers.plumbing import query
from bot.handlers.words import equipment_name, incident_name, list_of
from bot.i18n import _, t
from bot.services import volunteering
from domain.enums import VolunteerStatus
from domain.incidents import EQUIPMENT_ITEMS, skills_from_mask
from domain.matching.eligibility import position_fresh
from domain.volunteers import (
    ALERTS_PER_HOUR_CHOICES,
    QUIET_CHOICES,
    RADIUS_CHOICES_KM,
    is_active,
)
from storage.models import Volunteer
from storage.types import utcnow

Pressed = TypeVar("Pressed")
# A profile button's work, given the press, the volunteer who pressed it and what it says.
ProfileAction = Callable[[CallbackQuery, BotContext, Volunteer, Pressed], Awaitable[None]]
ButtonCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _status(vol: Volunteer) -> str:
    return {
        VolunteerStatus.PENDING: _("waiting for verification"),
        VolunteerStatus.VERIFIED: _("verified"),
        VolunteerStatus.REJECTED: _("not approved"),
        VolunteerStatus.LEFT: _("left the programme"),
    }.get(VolunteerStatus(vol.status), _("unknown"))


def _verification(vol: Volunteer, verified_by: str | None) -> str:
    if vol.status != VolunteerStatus.VERIFIED or vol.verified_at is None:
        return _("not yet")
    if verified_by:
        return t(
            "on {time} by {operator}", time=formatting.when(vol.verified_at), operator=verified_by
        )
    return t("on {time}, automatically", time=formatting.when(vol.verified_at))


def profile_text(
    vol: Volunteer,
    minutes: int,
    jobs: int,
    now: datetime,
    max_age_s: float,
    verified_by: str | None = None,
) -> str:
    skills = list_of([incident_name(s) for s in skills_from_mask(vol.skills)])
    equipment = list_of([equipment_name(i) for i in EQUIPMENT_ITEMS if vol.equipment & i])
    if vol.position_at is None:
        position = _("not shared")
    elif position_fresh(vol.position_at, now, max_age_s):
        position = t("shared at {time}", time=formatting.when(vol.position_at))
    else:
        position = t(
            "too old (shared at {time}): share it again to receive alerts",
            time=formatting.when(vol.position_at),
        )
    quiet = (
        t("{start}–{end}", start=hhmm(vol.quiet_start_min), end=hhmm(vol.quiet_end_min))
        if vol.quiet_start_min is not None and vol.quiet_end_min is not None
        else _("off")
    )
    lines = [
        _("Your volunteer profile"),
        t("Status: {status}", status=_status(vol)),
        t("Verified: {verification}", verification=_verification(vol, verified_by)),
        t("Duty: {state}", state=_("on duty") if vol.on_duty else _("off duty")),
        t("Skills: {skills}", skills=skills),
        t("Equipment: {equipment}", equipment=equipment),
        t("Location: {position}", position=position),
        t(
            "Alert radius: {radius}",
            radius=formatting.distance(vol.radius_km * 1000)
            if vol.radius_km
            else _("any distance"),
        ),
        t("Quiet hours: {quiet}", quiet=quiet),
        t("Alerts per hour at most: {n}", n=vol.max_alerts_per_hour),
        t(
            "Emergency call-outs (major incidents, even in quiet hours): {answer}",
            answer=_("yes") if vol.emergency_callouts else _("no"),
        ),
        t("Phone number: {phone}", phone=vol.phone or _("none")),
        t(
            "Phone shared with people you help: {answer}",
            answer=_("yes") if vol.phone and vol.share_phone else _("no"),
        ),
        t(
            "Code of conduct accepted: {time}",
            time=formatting.when(vol.conduct_accepted_at) if vol.conduct_accepted_at else _("no"),
        ),
        t("Confirmed volunteer hours: {total}", total=formatting.duration(minutes)),
    ]
    return "\n".join(lines)


def profile_keyboard(vol: Volunteer) -> InlineKeyboardMarkup:
    def button(text: str, part: ProfilePart) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=buttons.make_profile(part))

    duty_text = _("Go off duty") if vol.on_duty else _("Go on duty")
    rows = [
        [button(_("Skills"), ProfilePart.SKILLS), button(_("Equipment"), ProfilePart.EQUIPMENT)],
        [
            button(_("Alert radius"), ProfilePart.RADIUS),
            button(_("Quiet hours"), ProfilePart.QUIET),
        ],
        [
            button(_("Alerts per hour"), ProfilePart.CAP),
            InlineKeyboardButton(duty_text, callback_data=buttons.make_duty(on=not vol.on_duty)),
        ],
    ]
    phone = (
        (_("Delete my phone number"), buttons.make_phone(add=False))
        if vol.phone
        else (_("Add my phone number"), buttons.make_phone(add=True))
    )
    rows.append([InlineKeyboardButton(phone[0], callback_data=phone[1])])
    callouts = (
        _("Stop emergency call-outs") if vol.emergency_callouts else _("Allow emergency call-outs")
    )
    data = buttons.make_callouts(on=not vol.emergency_callouts)
    rows.append([InlineKeyboardButton(callouts, callback_data=data)])
    rows.append([button(_("Leave the programme"), ProfilePart.LEAVE)])
    return InlineKeyboardMarkup(rows)


async def _load_all(context: BotContext, uid: int) -> tuple[Volunteer | None, int, int, str | None]:
    async def fn(s):  # type: ignore[no-untyped-def]
        vol = await volunteering.get_profile(s, uid)
        minutes, jobs = await volunteering.hours(s, person_id=uid)
        by = await volunteering.verifier_name(s, vol) if vol else None
        return vol, minutes, jobs, by

    return await query(context, fn)  # type: ignore[no-any-return]


def _full_text(context: BotContext, loaded: tuple[Volunteer | None, int, int, str | None]) -> str:
    vol, minutes, jobs, by = loaded
    assert vol is not None
    return profile_text(vol, minutes, jobs, utcnow(), context.cfg.position_max_age_s, by)


def leave_question() -> str:
    return _(
        "Leaving ends your volunteering and deletes your location. Your credited hours stay on your record. Are you sure?"
    )


async def show(update: Update, context: BotContext) -> None:
    """/profile."""
    msg = inputs.message(update)
    loaded = await _load_all(context, inputs.sender_id(update))
    vol = loaded[0]
    if not is_active(vol):
        await msg.reply_text(not_registered(), reply_markup=main_menu())
        return
    await msg.reply_text(_full_text(context, loaded), reply_markup=profile_keyboard(vol))


def volunteer_button(
    parse: Callable[[str | None], Pressed | None],
) -> Callable[[ProfileAction[Pressed]], ButtonCallback]:
    """A profile button's handler: its data parsed, and only for a volunteer in the programme.

    Forged or stale data, or a press by someone who is no volunteer (any more), gets the
    stale-button answer and changes nothing.
    """

    def wrap(action: ProfileAction[Pressed]) -> ButtonCallback:
        @wraps(action)
        async def handler(update: Update, context: BotContext) -> None:
            q = inputs.press(update)
            pressed = parse(q.data)
            vol = (
                await query(context, lambda s: volunteering.get_profile(s, q.from_user.id))
                if pressed is not None
                else None
            )
            if pressed is None or not is_active(vol):
                await stale_button(update, context)
                return
            await action(q, context, vol, pressed)

        return handler

    return wrap


def _toast(note: str | None) -> str | None:
    """A short note also shows as the button's answer (Telegram cuts answers at 200)."""
    return note if note and len(note) <= 190 else None


async def show_again(q: CallbackQuery, context: BotContext, note: str | None = None) -> None:
    """The profile again on the pressed message, with what just happened below it."""
    await q.answer(_toast(note))
    loaded = await _load_all(context, q.from_user.id)
    if loaded[0] is None:
        return
    text = _full_text(context, loaded) + (f"\n\n{note}" if note else "")
    await replies.edit(q, text, markup=profile_keyboard(loaded[0]))


async def show_picker(
    q: CallbackQuery, picker: InlineKeyboardMarkup, note: str | None = None
) -> None:
    await q.answer(_toast(note))
    await replies.edit(q, note or _("Choose:"), markup=picker)


def _picker(part: ProfilePart, vol: Volunteer) -> InlineKeyboardMarkup:
    if part is ProfilePart.SKILLS:
        return skills_keyboard(vol.skills, profile=True)
    if part is ProfilePart.EQUIPMENT:
        return equipment_keyboard(vol.equipment, profile=True)
    if part is ProfilePart.RADIUS:
        return choices(
            [(formatting.distance(r * 1000), buttons.make_radius(r)) for r in RADIUS_CHOICES_KM]
            + [(_("any distance"), buttons.make_radius(0))]
        )
    if part is ProfilePart.QUIET:
        return choices(
            [(f"{hhmm(a)}–{hhmm(b)}", buttons.make_quiet((a, b))) for a, b in QUIET_CHOICES]
            + [(_("off"), buttons.make_quiet(None))]
        )
    if part is ProfilePart.CAP:
        return choices([(str(n), buttons.make_cap(n)) for n in ALERTS_PER_HOUR_CHOICES])
    return leave_keyboard()


@volunteer_button(buttons.parse_profile)
async def open_part(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.ProfileOpen
) -> None:
    """Skills, Equipment, Alert radius, Quiet hours, Alerts per hour, Leave: their choices."""
    note = leave_question() if pressed.part is ProfilePart.LEAVE else None
    await show_picker(q, _picker(pressed.part, vol), note)


@volunteer_button(buttons.parse_phone)
async def phone_pressed(
    q: CallbackQuery, context: BotContext, vol: Volunteer, pressed: buttons.PhonePress
) -> None:
    """Add my phone number (the contact button follows) / Delete my phone number."""
    uid = vol.person_id
    if pressed.add:
        await q.answer()
        await context.bot.send_message(
            uid,
            _(
                "Press the button below to share your phone number. You will then be asked whether to share it with the people you help."
            ),
            reply_markup=contact_request(),
        )
        return
    await query(context, lambda s: volunteering.set_phone(s, person_id=uid, phone=None))
    await show_again(q, context, _("Your phone number is deleted."))


@volunteer_button(buttons.parse_consent)
async def consent_chosen(
    q: CallbackQuery, context: BotContext, vol: Volunteer, answer: buttons.ConsentAnswer
) -> None:
    """Yes / No to giving a number added on the profile to the people the volunteer helps."""
    uid = vol.person_id
    result = await query(
        context,
        lambda s: volunteering.set_phone_consent(
            s, person_id=uid, share=answer.share, now=utcnow()
        ),
    )
    note = (
        consent_answer(answer.share, at_signup=False)
        if result == "ok"
        else _("There is no phone number to share.")
    )
    await show_again(q, context, note)


@volunteer_button(buttons.parse_leave)
async def leave_answered(
    q: CallbackQuery, context: BotContext, vol: Volunteer, answer: buttons.LeaveAnswer
) -> None:
    """Yes, leave the programme (unless on a job) / No, stay (the profile again)."""
    if not answer.leave:
        await show_again(q, context)
        return
    uid = vol.person_id
    result = await query(context, lambda s: volunteering.leave(s, person_id=uid, now=utcnow()))
    await q.answer()
    text = (
        _(
            "You have left the programme. Your location is deleted and your credited hours stay on your record. Thank you for your service."
        )
        if result == "ok"
        else _("You are on a job right now. Finish it or press Can't continue first.")
    )
    await replies.edit(q, text)


async def leave_command(update: Update, context: BotContext) -> None:
    """/leave asks for confirmation with the same buttons as the profile; only a volunteer."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    if not is_active(vol):
        await msg.reply_text(not_registered(), reply_markup=main_menu())
        return
    await msg.reply_text(leave_question(), reply_markup=leave_keyboard())


def handlers() -> list[object]:
    """/profile, /leave and the profile's own buttons (the preferences: preferences.py)."""
    return [
        CommandHandler("profile", show),
        CommandHandler("leave", leave_command),
        CallbackQueryHandler(open_part, pattern=buttons.PROFILE),
        CallbackQueryHandler(phone_pressed, pattern=buttons.PHONE),
        CallbackQueryHandler(consent_chosen, pattern=buttons.CONSENT),
        CallbackQueryHandler(leave_answered, pattern=buttons.LEAVE),
    ]
