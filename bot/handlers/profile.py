"""/profile shows everything we hold about a volunteer and lets them change each part; /leave ends it.

Each change is written at once (no conversation state), so a button from an
old profile message still works as long as it makes sense, and a forged one
changes nothing it should not.
"""

from __future__ import annotations

from datetime import datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import formatting
from bot.context import BotContext
from bot.handlers.keyboards import main_menu
from bot.handlers.plumbing import query, track
from bot.handlers.volunteer import (
    consent_answer,
    consent_keyboard,
    consent_question,
    equipment_keyboard,
    skills_keyboard,
)
from bot.handlers.words import equipment_name, incident_name
from bot.i18n import _, t, use_locale
from bot.services import volunteering
from domain.enums import VolunteerStatus
from domain.incidents import EQUIPMENT_ITEMS, IncidentType, skills_from_mask
from domain.matching.eligibility import position_fresh
from storage.models import Volunteer
from storage.types import utcnow

RADII_KM = (2, 5, 10, 20, 50)
QUIET = ((22 * 60, 6 * 60), (23 * 60, 7 * 60), (0, 6 * 60))
CAPS = (2, 4, 6, 10)


def _hhmm(minutes: int) -> str:
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
    skills = ", ".join(incident_name(s) for s in skills_from_mask(vol.skills)) or _("none")
    equipment = ", ".join(equipment_name(i) for i in EQUIPMENT_ITEMS if vol.equipment & i) or _(
        "none"
    )
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
        t("{start}–{end}", start=_hhmm(vol.quiet_start_min), end=_hhmm(vol.quiet_end_min))
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


def contact_request() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📞 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def profile_keyboard(vol: Volunteer) -> InlineKeyboardMarkup:
    duty = ("pduty:off", _("Go off duty")) if vol.on_duty else ("pduty:on", _("Go on duty"))
    rows = [
        [
            InlineKeyboardButton(_("Skills"), callback_data="prof:skills"),
            InlineKeyboardButton(_("Equipment"), callback_data="prof:equip"),
        ],
        [
            InlineKeyboardButton(_("Alert radius"), callback_data="prof:radius"),
            InlineKeyboardButton(_("Quiet hours"), callback_data="prof:quiet"),
        ],
        [
            InlineKeyboardButton(_("Alerts per hour"), callback_data="prof:cap"),
            InlineKeyboardButton(duty[1], callback_data=duty[0]),
        ],
    ]
    if vol.phone:
        rows.append([InlineKeyboardButton(_("Delete my phone number"), callback_data="pphone:off")])
    else:
        rows.append([InlineKeyboardButton(_("Add my phone number"), callback_data="pphone:add")])
    rows.append([InlineKeyboardButton(_("Leave the programme"), callback_data="prof:leave")])
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


async def show(update: Update, context: BotContext) -> None:
    """/profile."""
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    loaded = await _load_all(context, update.effective_user.id)
    vol = loaded[0]
    with use_locale(lang):
        if vol is None or vol.conduct_accepted_at is None or vol.status == VolunteerStatus.LEFT:
            await update.effective_message.reply_text(
                _("You are not registered as a volunteer yet. Press “🙋 Volunteer” to register."),
                reply_markup=main_menu(),
            )
            return
        await update.effective_message.reply_text(
            _full_text(context, loaded), reply_markup=profile_keyboard(vol)
        )


async def on_button(update: Update, context: BotContext) -> None:
    """Every profile button: open a picker, or apply a choice and show the profile again."""
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    uid = q.from_user.id
    kind, _sep, value = q.data.partition(":")
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    with use_locale(lang):
        if vol is None or vol.status == VolunteerStatus.LEFT or vol.conduct_accepted_at is None:
            await q.answer(
                _("This button is not for you, or it is no longer valid."), show_alert=True
            )
            return
        picker: InlineKeyboardMarkup | None = None
        note: str | None = None
        if kind == "prof":
            picker = {
                "skills": lambda: skills_keyboard(vol.skills, prefix="pskill"),
                "equip": lambda: equipment_keyboard(vol.equipment, prefix="pequip"),
                "radius": lambda: _choices(
                    [(formatting.distance(r * 1000), f"prad:{r}") for r in RADII_KM]
                    + [(_("any distance"), "prad:0")]
                ),
                "quiet": lambda: _choices(
                    [(f"{_hhmm(a)}–{_hhmm(b)}", f"pquiet:{a}-{b}") for a, b in QUIET]
                    + [(_("off"), "pquiet:off")]
                ),
                "cap": lambda: _choices([(str(n), f"pcap:{n}") for n in CAPS]),
                "leave": lambda: _choices(
                    [(_("Yes, leave the programme"), "pleave:yes"), (_("No, stay"), "pleave:no")]
                ),
            }.get(value, lambda: None)()
            if value == "leave":
                note = _(
                    "Leaving ends your volunteering and deletes your location. Your credited hours stay on your record. Are you sure?"
                )
        elif kind in ("pskill", "pequip"):
            picker = await _toggle(context, vol, kind, value)
        elif kind == "prad" and value.isdigit():
            await query(
                context,
                lambda s: volunteering.set_preferences(
                    s, person_id=uid, radius_km=float(value) or None
                ),
            )
        elif kind == "pquiet":
            quiet = None if value == "off" else tuple(int(x) for x in value.split("-"))
            if quiet is not None and (len(quiet) != 2 or not all(0 <= x < 1440 for x in quiet)):
                quiet = None
            await query(
                context, lambda s: volunteering.set_preferences(s, person_id=uid, quiet=quiet)
            )
        elif kind == "pcap" and value.isdigit() and int(value) in CAPS:
            await query(
                context,
                lambda s: volunteering.set_preferences(
                    s, person_id=uid, max_alerts_per_hour=int(value)
                ),
            )
        elif kind == "pduty":
            result = await query(
                context,
                lambda s: volunteering.set_duty(
                    s, context.cfg, person_id=uid, on=value == "on", now=utcnow()
                ),
            )
            if result not in ("on", "off"):
                note = {
                    "pending": _(
                        "Your profile is waiting for verification; you will receive no alerts until it is approved."
                    ),
                    "no_position": _("Share your location first, then go on duty."),
                }.get(result)
        elif kind == "pphone" and value == "add":
            await q.answer()
            await context.bot.send_message(
                uid,
                _(
                    "Press the button below to share your phone number. You will then be asked whether to share it with the people you help."
                ),
                reply_markup=contact_request(),
            )
            return
        elif kind == "pphone":
            await query(context, lambda s: volunteering.set_phone(s, person_id=uid, phone=None))
            note = _("Your phone number is deleted.")
        elif kind == "pconsent":
            share = value == "yes"
            result = await query(
                context,
                lambda s: volunteering.set_phone_consent(
                    s, person_id=uid, share=share, now=utcnow()
                ),
            )
            note = (
                consent_answer(share) if result == "ok" else _("There is no phone number to share.")
            )
        elif kind == "pleave":
            if value == "yes":
                result = await query(
                    context, lambda s: volunteering.leave(s, person_id=uid, now=utcnow())
                )
                await q.answer()
                text = (
                    _(
                        "You have left the programme. Your location is deleted and your credited hours stay on your record. Thank you for your service."
                    )
                    if result == "ok"
                    else _("You are on a job right now. Finish it or press Can't continue first.")
                )
                await q.edit_message_text(text)
                return
        await q.answer(note if note and len(note) <= 190 else None)
        if picker is not None:
            await q.edit_message_text(note or _("Choose:"), reply_markup=picker)
            return
        loaded = await _load_all(context, uid)
        assert loaded[0] is not None
        await q.edit_message_text(
            _full_text(context, loaded) + (f"\n\n{note}" if note else ""),
            reply_markup=profile_keyboard(loaded[0]),
        )


async def _toggle(
    context: BotContext, vol: Volunteer, kind: str, value: str
) -> InlineKeyboardMarkup | None:
    """Skills and equipment: each tap is written at once; Continue shows the profile."""
    if value == "ok":
        return None
    uid = vol.person_id
    if kind == "pskill":
        try:
            mask = vol.skills ^ IncidentType(value).bit
        except ValueError:
            return skills_keyboard(vol.skills, prefix="pskill")
        await query(context, lambda s: volunteering.set_skills(s, person_id=uid, skills=mask))
        return skills_keyboard(mask, prefix="pskill")
    if not value.isdigit() or int(value) not in {int(i) for i in EQUIPMENT_ITEMS}:
        return equipment_keyboard(vol.equipment, prefix="pequip")
    mask = vol.equipment ^ int(value)
    await query(context, lambda s: volunteering.set_equipment(s, person_id=uid, equipment=mask))
    return equipment_keyboard(mask, prefix="pequip")


def _choices(options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in options]
    )


async def leave_command(update: Update, context: BotContext) -> None:
    """/leave asks for confirmation with the same buttons as the profile."""
    lang = await track(update, context)
    assert update.effective_message is not None
    with use_locale(lang):
        await update.effective_message.reply_text(
            _(
                "Leaving ends your volunteering and deletes your location. Your credited hours stay on your record. Are you sure?"
            ),
            reply_markup=_choices(
                [(_("Yes, leave the programme"), "pleave:yes"), (_("No, stay"), "pleave:no")]
            ),
        )


async def contact_shared(update: Update, context: BotContext) -> None:
    """A contact sent outside sign-up: a volunteer's own number, shared with consent."""
    msg = update.effective_message
    assert msg is not None and msg.contact is not None and update.effective_user is not None
    lang = await track(update, context)
    uid = update.effective_user.id
    with use_locale(lang):
        if msg.contact.user_id != uid:
            await msg.reply_text(
                _("Please share your own phone number with the button."), reply_markup=main_menu()
            )
            return
        vol = await query(context, lambda s: volunteering.get_profile(s, uid))
        if vol is None or vol.status == VolunteerStatus.LEFT:
            await msg.reply_text(
                _("You are not registered as a volunteer yet. Press “🙋 Volunteer” to register."),
                reply_markup=main_menu(),
            )
            return
        phone = msg.contact.phone_number
        await query(context, lambda s: volunteering.set_phone(s, person_id=uid, phone=phone))
        await msg.reply_text(_("Your phone number is saved."), reply_markup=main_menu())
        await msg.reply_text(consent_question(), reply_markup=consent_keyboard())


async def conduct_again(update: Update, context: BotContext) -> None:
    """The accept button of an old code-of-conduct message, pressed outside sign-up."""
    q = update.callback_query
    assert q is not None
    lang = await track(update, context)
    uid = q.from_user.id
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    with use_locale(lang):
        if (
            vol is not None
            and vol.conduct_accepted_at is not None
            and vol.status != VolunteerStatus.LEFT
        ):
            await q.answer(
                t(
                    "You already accepted the code of conduct on {time}.",
                    time=formatting.when(vol.conduct_accepted_at),
                ),
                show_alert=True,
            )
        else:
            await q.answer(_("Press “🙋 Volunteer” to register."), show_alert=True)


async def signup_button_again(update: Update, context: BotContext) -> None:
    """A skills or equipment button of a sign-up message, pressed outside sign-up.

    Before the code of conduct (a forged press) nothing is stored; after sign-up the
    old keyboard is answered with where those choices live now.
    """
    q = update.callback_query
    assert q is not None
    lang = await track(update, context)
    uid = q.from_user.id
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    with use_locale(lang):
        if vol is None or vol.conduct_accepted_at is None or vol.status == VolunteerStatus.LEFT:
            await q.answer(
                _("Accept the code of conduct first: press “🙋 Volunteer” to start."),
                show_alert=True,
            )
        elif vol.submitted_at is None:
            await q.answer(
                _("Your sign-up is not finished: press “🙋 Volunteer” to go on."),
                show_alert=True,
            )
        else:
            await q.answer(
                _("Your sign-up is complete. Change your skills and equipment with /profile."),
                show_alert=True,
            )


def handlers() -> list[object]:
    return [
        CommandHandler("profile", show),
        CallbackQueryHandler(conduct_again, pattern=r"^conduct:ok$"),
        CallbackQueryHandler(signup_button_again, pattern=r"^(skill|equip):"),
        CommandHandler("leave", leave_command),
        CallbackQueryHandler(
            on_button,
            pattern=r"^(prof|pskill|pequip|prad|pquiet|pcap|pduty|pphone|pconsent|pleave):",
        ),
        MessageHandler(filters.CONTACT, contact_shared),
    ]
