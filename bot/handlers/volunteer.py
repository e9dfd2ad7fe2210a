"""Volunteer sign-up and availability: conduct, skills, equipment, location, phone, duty, hours.

Nothing proceeds before the code of conduct is accepted; a pending volunteer
gets no alerts; a position that stops arriving takes a volunteer off alerts.
"""

from __future__ import annotations

import warnings

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import formatting
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.keyboards import exact, location_request, main_menu
from bot.handlers.plumbing import query, run, track
from bot.handlers.words import (
    button_cancel,
    button_skip,
    equipment_name,
    incident_label,
    menu_volunteer,
)
from bot.i18n import _, t, texts_match, use_locale
from bot.services import positions, volunteering
from domain.enums import VolunteerStatus
from domain.incidents import EQUIPMENT_ITEMS, IncidentType
from storage.types import utcnow

CONDUCT, SKILLS, EQUIPMENT, LOCATION, PHONE, PHONE_CONSENT = range(6)


def conduct_text() -> str:
    return "\n".join(
        (
            _("Volunteer code of conduct"),
            "",
            _("1. Confidentiality: what you learn about the people you help stays private."),
            _(
                "2. Responsibility and honesty: accept only what you can do, and say so when you cannot continue."
            ),
            _(
                "3. Professionalism and no conflict of interest: act within your training, never for personal gain."
            ),
            _(
                "4. Equal treatment: help everyone without discrimination by race, colour, sex, age, nationality, religion or disability."
            ),
            "",
            _("Act only after the required training, and follow the command and control centre."),
        )
    )


def skills_keyboard(mask: int, prefix: str = "skill") -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if mask & s.bit else "▫️ ") + incident_label(s),
                callback_data=f"{prefix}:{s.value}",
            )
        ]
        for s in IncidentType
    ]
    rows.append([InlineKeyboardButton(_("Continue ➡️"), callback_data=f"{prefix}:ok")])
    return InlineKeyboardMarkup(rows)


def equipment_keyboard(mask: int, prefix: str = "equip") -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if mask & item else "▫️ ") + equipment_name(item),
                callback_data=f"{prefix}:{int(item)}",
            )
        ]
        for item in EQUIPMENT_ITEMS
    ]
    rows.append([InlineKeyboardButton(_("Continue ➡️"), callback_data=f"{prefix}:ok")])
    return InlineKeyboardMarkup(rows)


def phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📞 Share my phone number"), request_contact=True)],
            [button_skip()],
            [button_cancel()],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def consent_question() -> str:
    return _("Share this number with the person whose request you accept?")


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("Yes, share it"), callback_data="pconsent:yes"),
                InlineKeyboardButton(_("No, keep it private"), callback_data="pconsent:no"),
            ]
        ]
    )


def consent_answer(share: bool) -> str:
    return (
        _("Your phone number will be shared with people whose request you accept.")
        if share
        else _("Your phone number is kept and not shared with anyone.")
    )


async def begin(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    uid = update.effective_user.id
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    with use_locale(lang):
        if (
            vol is not None
            and vol.conduct_accepted_at is not None
            and vol.status == VolunteerStatus.VERIFIED
        ):
            state = _("on duty") if vol.on_duty else _("off duty")
            await update.effective_message.reply_text(
                t(
                    "You are a verified volunteer, currently {state}. Use /duty to switch, /profile to see your profile.",
                    state=state,
                ),
                reply_markup=main_menu(),
            )
            return ConversationHandler.END
        if (
            vol is not None
            and vol.status == VolunteerStatus.PENDING
            and vol.submitted_at is not None
        ):
            await update.effective_message.reply_text(
                _(
                    "Your profile is waiting for verification; you will receive no alerts until it is approved."
                ),
                reply_markup=main_menu(),
            )
            return ConversationHandler.END
        await update.effective_message.reply_text(
            conduct_text(),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            _("✅ I accept the code of conduct"), callback_data="conduct:ok"
                        )
                    ]
                ]
            ),
        )
    return CONDUCT


async def conduct_accepted(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and update.effective_user is not None
    lang = await track(update, context)
    uid = update.effective_user.id
    outcome = await run(
        context, lambda s, cfg, now: volunteering.accept_conduct(s, person_id=uid, now=now)
    )
    context.user_data["skills"] = 0  # type: ignore[index]
    with use_locale(lang):
        await q.answer(_("Already accepted.") if outcome.result == "already" else _("Thank you."))
        await q.edit_message_reply_markup(None)
        await context.bot.send_message(
            q.from_user.id,
            _("Which kinds of help are you trained for? Choose all that apply."),
            reply_markup=skills_keyboard(0),
        )
    return SKILLS


async def toggle_skill(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    mask = int(context.user_data.get("skills", 0))  # type: ignore[union-attr]
    choice = q.data.split(":", 1)[1]
    with use_locale(lang):
        if choice == "ok":
            if mask == 0:
                await q.answer(_("Choose at least one."), show_alert=True)
                return SKILLS
            await q.answer()
            uid = q.from_user.id
            await query(context, lambda s: volunteering.set_skills(s, person_id=uid, skills=mask))
            context.user_data["equipment"] = 0  # type: ignore[index]
            await q.edit_message_text(
                _("Which equipment do you have with you? Choose all that apply, or none."),
                reply_markup=equipment_keyboard(0),
            )
            return EQUIPMENT
        try:
            mask ^= IncidentType(choice).bit
        except ValueError:
            await q.answer()
            return SKILLS
        context.user_data["skills"] = mask  # type: ignore[index]
        await q.answer()
        await q.edit_message_reply_markup(skills_keyboard(mask))
    return SKILLS


async def toggle_equipment(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    mask = int(context.user_data.get("equipment", 0))  # type: ignore[union-attr]
    choice = q.data.split(":", 1)[1]
    with use_locale(lang):
        if choice == "ok":
            await q.answer()
            uid = q.from_user.id
            await query(
                context, lambda s: volunteering.set_equipment(s, person_id=uid, equipment=mask)
            )
            await q.edit_message_reply_markup(None)
            await context.bot.send_message(
                uid,
                _(
                    "Now share your location so we can alert you to requests nearby. A live location keeps it current while you are on duty."
                ),
                reply_markup=location_request(),
            )
            return LOCATION
        if not choice.isdigit() or int(choice) not in {int(i) for i in EQUIPMENT_ITEMS}:
            await q.answer()
            return EQUIPMENT
        mask ^= int(choice)
        context.user_data["equipment"] = mask  # type: ignore[index]
        await q.answer()
        await q.edit_message_reply_markup(equipment_keyboard(mask))
    return EQUIPMENT


async def signup_location(update: Update, context: BotContext) -> int:
    msg = update.effective_message
    assert msg is not None and msg.location is not None and update.effective_user is not None
    lang = await track(update, context)
    result = await _move(
        context,
        update.effective_user.id,
        msg.location.latitude,
        msg.location.longitude,
        _seconds(msg.location.live_period),
    )
    with use_locale(lang):
        if result == "outside":
            await msg.reply_text(
                _(
                    "This location is outside the area Musaada serves, or at sea. Please share a location on land inside the area Musaada serves."
                ),
                reply_markup=location_request(),
            )
            return LOCATION
        await msg.reply_text(
            _(
                "Optional: share your phone number. It is given only to a person whose request you accept, and only with your consent. Press Skip to continue without it."
            ),
            reply_markup=phone_keyboard(),
        )
    return PHONE


async def signup_not_location(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    assert update.effective_message is not None
    with use_locale(lang):
        await update.effective_message.reply_text(
            _("Please press “📍 Share my location” below, or /cancel."),
            reply_markup=location_request(),
        )
    return LOCATION


async def signup_phone(update: Update, context: BotContext) -> int:
    msg = update.effective_message
    assert msg is not None and update.effective_user is not None
    lang = await track(update, context)
    uid = update.effective_user.id
    if msg.contact is not None:
        with use_locale(lang):
            if msg.contact.user_id != uid:
                await msg.reply_text(
                    _("Please share your own phone number with the button, or press Skip."),
                    reply_markup=phone_keyboard(),
                )
                return PHONE
            phone = msg.contact.phone_number
            await query(context, lambda s: volunteering.set_phone(s, person_id=uid, phone=phone))
            await msg.reply_text(consent_question(), reply_markup=consent_keyboard())
        return PHONE_CONSENT
    if not texts_match((msg.text or "").strip(), button_skip):
        with use_locale(lang):
            await msg.reply_text(
                _("Please use the buttons below: share your phone number, or Skip."),
                reply_markup=phone_keyboard(),
            )
        return PHONE
    return await _finish_signup(context, uid, lang)


async def signup_consent(update: Update, context: BotContext) -> int:
    """Yes / No to sharing the number just received; then the sign-up is submitted."""
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    uid = q.from_user.id
    share = q.data == "pconsent:yes"
    result = await query(
        context,
        lambda s: volunteering.set_phone_consent(s, person_id=uid, share=share, now=utcnow()),
    )
    with use_locale(lang):
        await q.answer()
        # Only what was stored is confirmed: a number withdrawn meanwhile is shared with no one.
        await q.edit_message_text(consent_answer(share and result == "ok"))
    return await _finish_signup(context, uid, lang)


async def signup_not_consent(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    assert update.effective_message is not None
    with use_locale(lang):
        await update.effective_message.reply_text(
            consent_question(), reply_markup=consent_keyboard()
        )
    return PHONE_CONSENT


async def _finish_signup(context: BotContext, uid: int, lang: str) -> int:
    outcome = await run(
        context, lambda s, cfg, now: volunteering.submit(s, cfg, person_id=uid, now=now)
    )
    with use_locale(lang):
        if outcome.result == "verified":
            text = _(
                "You are registered and on duty. You will be alerted to requests near you that match your skills. Use /duty to go off duty."
            )
        elif outcome.result != "pending":
            text = _(
                "Something is missing in your registration. Please start again with /volunteer."
            )
        else:
            text = _("Main menu:")
        await context.bot.send_message(uid, text, reply_markup=main_menu())
    forget(context)  # only the sign-up's own keys: another flow's stay
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    forget(context)
    with use_locale(lang):
        if update.callback_query:
            await update.callback_query.answer()
        if update.effective_message:
            await update.effective_message.reply_text(_("Cancelled."), reply_markup=main_menu())
    return ConversationHandler.END


def _seconds(value: object) -> int | None:
    """Telegram's live_period, as seconds whatever PTB's datetime settings make of it."""
    if value is None:
        return None
    from datetime import timedelta

    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)  # type: ignore[call-overload]


async def _move(
    context: BotContext, uid: int, lat: float, lon: float, live_period: int | None
) -> str:
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
    msg = update.effective_message
    assert msg is not None and msg.location is not None and update.effective_user is not None
    if update.edited_message is not None:
        # A live-location fix: queued and written in batches, answered with nothing.
        positions.live_fix(
            context.positions,
            person_id=update.effective_user.id,
            lat=msg.location.latitude,
            lon=msg.location.longitude,
            now=utcnow(),
            region=context.settings.service_area,
        )
        return
    lang = await track(update, context)
    result = await _move(
        context,
        update.effective_user.id,
        msg.location.latitude,
        msg.location.longitude,
        _seconds(msg.location.live_period),
    )
    with use_locale(lang):
        if result == "ok":
            await msg.reply_text(_("Location updated."), reply_markup=main_menu())
        elif result == "outside":
            await msg.reply_text(
                _("This location is outside the area Musaada serves."), reply_markup=main_menu()
            )
        else:
            await msg.reply_text(
                _("To ask for help, press “🆘 Request help” first."), reply_markup=main_menu()
            )


async def duty(update: Update, context: BotContext) -> None:
    """/duty toggles; /duty on and /duty off are explicit."""
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    uid = update.effective_user.id
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    args = [a.lower() for a in (context.args or [])]
    want = (not vol.on_duty) if vol is not None else True
    if args and args[0] in ("on", "off"):
        want = args[0] == "on"
    result = await query(
        context,
        lambda s: volunteering.set_duty(s, context.cfg, person_id=uid, on=want, now=utcnow()),
    )
    with use_locale(lang):
        text = {
            "on": _("You are on duty. You will be alerted to requests near you."),
            "off": _("You are off duty. You will not receive alerts."),
            "pending": _(
                "Your profile is waiting for verification; you will receive no alerts until it is approved."
            ),
            "no_position": _("Share your location first, then go on duty."),
            "not_volunteer": _(
                "You are not registered as a volunteer yet. Press “🙋 Volunteer” to register."
            ),
        }[result]
        markup = location_request() if result == "no_position" else main_menu()
        await update.effective_message.reply_text(text, reply_markup=markup)


async def hours(update: Update, context: BotContext) -> None:
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    uid = update.effective_user.id
    minutes, jobs = await query(context, lambda s: volunteering.hours(s, person_id=uid))
    with use_locale(lang):
        from bot.i18n import tn

        await update.effective_message.reply_text(
            t("Your confirmed volunteer hours: {total}", total=formatting.duration(minutes))
            + "\n"
            + tn("{n} job confirmed", "{n} jobs confirmed", jobs),
            reply_markup=main_menu(),
        )


forget, leave = flows.forgetting(("skills", "equipment"))


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    answer_text = flows.answer_text(cancel_text)
    # Per chat, not per message: the flow spans several messages (a picker, then a location).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("volunteer", begin),
                MessageHandler(filters.TEXT & filters.Regex(exact(menu_volunteer)), begin),
            ],
            states={
                CONDUCT: [
                    CallbackQueryHandler(flows.owned(conduct_accepted), pattern=r"^conduct:ok$")
                ],
                SKILLS: [
                    CallbackQueryHandler(flows.owned(toggle_skill), pattern=r"^skill:[a-z_]+$")
                ],
                EQUIPMENT: [
                    CallbackQueryHandler(flows.owned(toggle_equipment), pattern=r"^equip:(ok|\d+)$")
                ],
                LOCATION: [
                    # Later positions of a live location arrive as edits: the position handler's job.
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, flows.owned(signup_location)
                    ),
                    MessageHandler(answer_text, flows.owned(signup_not_location)),
                ],
                PHONE: [
                    MessageHandler(filters.CONTACT, flows.owned(signup_phone)),
                    MessageHandler(answer_text, flows.owned(signup_phone)),
                ],
                PHONE_CONSENT: [
                    CallbackQueryHandler(
                        flows.owned(signup_consent), pattern=r"^pconsent:(yes|no)$"
                    ),
                    MessageHandler(answer_text, flows.owned(signup_not_consent)),
                ],
                **flows.timeout_state(forget),
            },
            fallbacks=[
                CommandHandler("cancel", flows.owned(cancel)),
                MessageHandler(cancel_text, flows.owned(cancel)),
                *flows.escapes(leave),
            ],
            name="volunteer_signup",
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timeout_s,
        )
