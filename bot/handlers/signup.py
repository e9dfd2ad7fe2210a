"""The volunteer sign-up: code of conduct → skills → equipment → location → optional phone.

Nothing proceeds before the code of conduct is accepted, and declining it ends the
sign-up with a word on what that means. Each step answers anything else sent to it
(a location while the code of conduct is on screen, a text where a button is needed)
with what it expects. A submitted volunteer is pending until an operator approves.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from telegram import CallbackQuery, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import formatting
from bot.context import BotContext
from bot.handlers import buttons, flows, inputs, replies
from bot.handlers.duty import live_seconds, move, suspended
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import (
    conduct_keyboard,
    consent_keyboard,
    equipment_keyboard,
    exact,
    location_request,
    main_menu,
    phone_keyboard,
    skills_keyboard,
)
from bot.handlers.phone import consent_answer, consent_question, signup_prompt
from bot.handlers.plumbing import query, run
from bot.handlers.words import button_cancel, button_skip, menu_volunteer
from bot.i18n import _, t, texts_match
from bot.services import volunteering
from bot.services.notices import Result
from domain.enums import VolunteerStatus
from domain.volunteers import is_verified
from storage.types import utcnow

if TYPE_CHECKING:
    from datetime import datetime

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


def cooldown_text(again: datetime | None) -> str:
    """A rejected volunteer who applies again too soon (REAPPLY_COOLDOWN_S): from when they may."""
    if again is None:
        return _("You may apply again later.")
    return t("You may apply again from {date}.", date=formatting.when(again))


def not_now_text(result: Result, again: datetime | None = None) -> str:
    """Why this person may not sign up now: suspended by an operator, or inside the cool-down."""
    return suspended() if result == Result.SUSPENDED else cooldown_text(again)


async def begin(update: Update, context: BotContext) -> int:
    """/volunteer: a verified or waiting volunteer is told where they stand; others get the code.

    A suspended volunteer, and a rejected one inside the cool-down, are told why not now.
    """
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    allowed, again = await query(
        context, lambda s: volunteering.may_apply(s, context.cfg, person_id=uid, now=utcnow())
    )
    if allowed != Result.OK:
        await msg.reply_text(not_now_text(allowed, again), reply_markup=main_menu())
        return ConversationHandler.END
    if is_verified(vol):
        state = _("on duty") if vol.on_duty else _("off duty")
        await msg.reply_text(
            t(
                "You are a verified volunteer, currently {state}. Use /duty to switch, /profile to see your profile.",
                state=state,
            ),
            reply_markup=main_menu(),
        )
        return ConversationHandler.END
    if vol is not None and vol.status == VolunteerStatus.PENDING and vol.submitted_at is not None:
        await msg.reply_text(
            _(
                "Your profile is waiting for verification; you will receive no alerts until it is approved."
            ),
            reply_markup=main_menu(),
        )
        return ConversationHandler.END
    await msg.reply_text(conduct_text(), reply_markup=conduct_keyboard())
    return CONDUCT


async def conduct_answered(update: Update, context: BotContext) -> int:
    """✅ accept (then the skills) or ❌ decline (the sign-up ends, nothing is stored)."""
    q = inputs.press(update)
    answer = buttons.parse_conduct(q.data)
    if answer is None:
        await stale_button(update, context)
        return CONDUCT
    if not answer.accept:
        return await _declined(q, context)
    uid = q.from_user.id
    outcome = await run(
        context,
        lambda s, cfg, now: volunteering.accept_conduct(s, person_id=uid, now=now, cfg=cfg),
    )
    if outcome.result in (Result.SUSPENDED, Result.COOLDOWN):  # pressed on an old message
        await replies.answer(q, not_now_text(outcome.result), alert=True)
        await replies.edit_markup(q, None)
        return ConversationHandler.END
    context.user_data["skills"] = 0  # type: ignore[index]
    await q.answer(_("Already accepted.") if outcome.result == "already" else _("Thank you."))
    await replies.edit_markup(q, None)
    await context.bot.send_message(
        uid,
        _("Which kinds of help are you trained for? Choose all that apply."),
        reply_markup=skills_keyboard(0),
    )
    return SKILLS


async def _declined(q: CallbackQuery, context: BotContext) -> int:
    forget(context)
    await q.answer()
    await replies.edit_markup(q, None)
    await context.bot.send_message(q.from_user.id, declined_text(), reply_markup=main_menu())
    return ConversationHandler.END


def declined_text() -> str:
    return _(
        "You did not accept the code of conduct, so you are not registered as a volunteer and will receive no alerts. You can come back any time with “🙋 Volunteer”."
    )


async def toggle_skill(update: Update, context: BotContext) -> int:
    q = inputs.press(update)
    pressed = buttons.parse_skill(q.data)
    if pressed is None:
        await stale_button(update, context)
        return SKILLS
    mask = int(context.user_data.get("skills", 0))  # type: ignore[union-attr]
    if pressed.skill is None:  # Continue
        if mask == 0:
            await q.answer(_("Choose at least one."), show_alert=True)
            return SKILLS
        await q.answer()
        uid = q.from_user.id
        await query(context, lambda s: volunteering.set_skills(s, person_id=uid, skills=mask))
        context.user_data["equipment"] = 0  # type: ignore[index]
        await replies.edit(
            q,
            _("Which equipment do you have with you? Choose all that apply, or none."),
            markup=equipment_keyboard(0),
        )
        return EQUIPMENT
    mask ^= pressed.skill.bit
    context.user_data["skills"] = mask  # type: ignore[index]
    await q.answer()
    await replies.edit_markup(q, skills_keyboard(mask))
    return SKILLS


async def toggle_equipment(update: Update, context: BotContext) -> int:
    q = inputs.press(update)
    pressed = buttons.parse_equipment(q.data)
    if pressed is None:
        await stale_button(update, context)
        return EQUIPMENT
    mask = int(context.user_data.get("equipment", 0))  # type: ignore[union-attr]
    if pressed.item is None:  # Continue
        await q.answer()
        uid = q.from_user.id
        await query(context, lambda s: volunteering.set_equipment(s, person_id=uid, equipment=mask))
        await replies.edit_markup(q, None)
        await context.bot.send_message(uid, _location_prompt(), reply_markup=location_request())
        return LOCATION
    mask ^= int(pressed.item)
    context.user_data["equipment"] = mask  # type: ignore[index]
    await q.answer()
    await replies.edit_markup(q, equipment_keyboard(mask))
    return EQUIPMENT


def _location_prompt() -> str:
    return _(
        "Now share your location so we can alert you to requests nearby. A live location keeps it current while you are on duty."
    )


async def signup_location(update: Update, context: BotContext) -> int:
    msg = inputs.message(update)
    loc = msg.location
    if loc is None:  # the state's filter lets only locations through
        return await _expected(update, context, LOCATION)
    live = live_seconds(loc.live_period)
    result = await move(context, inputs.sender_id(update), loc.latitude, loc.longitude, live)
    if result == "outside":
        await msg.reply_text(
            _(
                "This location is outside the area Musaada serves, or at sea. Please share a location on land inside the area Musaada serves."
            ),
            reply_markup=location_request(),
        )
        return LOCATION
    await msg.reply_text(signup_prompt(), reply_markup=phone_keyboard())
    return PHONE


def _off(step: int) -> flows.StateCallback:
    """Anything but the step's own answer: say what this step expects, and stay on it."""

    async def answer(update: Update, context: BotContext) -> int:
        return await _expected(update, context, step)

    return answer


async def _expected(update: Update, context: BotContext, step: int) -> int:
    msg = inputs.message(update)
    if step == CONDUCT:
        await msg.reply_text(
            _(
                "To volunteer, first answer the code of conduct above: “✅ I accept the code of conduct” or “❌ I do not accept”."
            )
        )
    elif step == SKILLS:
        await msg.reply_text(
            _("Choose your skills with the buttons above, then press “Continue ➡️”.")
        )
    elif step == EQUIPMENT:
        await msg.reply_text(
            _("Choose your equipment with the buttons above, then press “Continue ➡️”.")
        )
    elif step == LOCATION:
        await msg.reply_text(
            _("Please press “📍 Share my location” below, or /cancel."),
            reply_markup=location_request(),
        )
    elif step == PHONE:
        await msg.reply_text(
            _("Please use the buttons below: share your phone number, or Skip."),
            reply_markup=phone_keyboard(),
        )
    else:
        await msg.reply_text(consent_question(), reply_markup=consent_keyboard())
    return step


async def signup_phone(update: Update, context: BotContext) -> int:
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    if msg.contact is not None:
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
        return await _expected(update, context, PHONE)
    return await _finish_signup(context, uid)


async def signup_consent(update: Update, context: BotContext) -> int:
    """Yes / No to sharing the number just received; then the sign-up is submitted."""
    q = inputs.press(update)
    answer = buttons.parse_consent(q.data)
    if answer is None:
        await stale_button(update, context)
        return PHONE_CONSENT
    uid = q.from_user.id
    result = await query(
        context,
        lambda s: volunteering.set_phone_consent(
            s, person_id=uid, share=answer.share, now=utcnow()
        ),
    )
    await q.answer()
    # Only what was stored is confirmed: a number withdrawn meanwhile is shared with no one.
    await replies.edit(q, consent_answer(answer.share and result == "ok", at_signup=True))
    return await _finish_signup(context, uid)


async def _finish_signup(context: BotContext, uid: int) -> int:
    outcome = await run(
        context, lambda s, cfg, now: volunteering.submit(s, cfg, person_id=uid, now=now)
    )
    if outcome.result == "verified":
        text = _(
            "You are registered and on duty. You will be alerted to requests near you that match your skills. Use /duty to go off duty."
        )
    elif outcome.result in (Result.SUSPENDED, Result.COOLDOWN):
        text = not_now_text(outcome.result)
    elif outcome.result != "pending":
        text = _("Something is missing in your registration. Please start again with /volunteer.")
    else:
        text = _("Main menu:")
    await context.bot.send_message(uid, text, reply_markup=main_menu())
    forget(context)  # only the sign-up's own keys: another flow's stay
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    forget(context)
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_message:
        await update.effective_message.reply_text(_("Cancelled."), reply_markup=main_menu())
    return ConversationHandler.END


forget, leave = flows.forgetting(("skills", "equipment"))


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    answer_text = flows.answer_text(cancel_text)
    # A location (never a live one's later fixes: those are positions) or a contact.
    shared = (filters.LOCATION | filters.CONTACT) & ~filters.UpdateType.EDITED
    elsewhere = answer_text | shared
    owned = flows.owned
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
                    CallbackQueryHandler(owned(conduct_answered), pattern=buttons.CONDUCT),
                    MessageHandler(elsewhere, owned(_off(CONDUCT))),
                ],
                SKILLS: [
                    CallbackQueryHandler(owned(toggle_skill), pattern=buttons.SKILL),
                    MessageHandler(elsewhere, owned(_off(SKILLS))),
                ],
                EQUIPMENT: [
                    CallbackQueryHandler(owned(toggle_equipment), pattern=buttons.EQUIPMENT),
                    MessageHandler(elsewhere, owned(_off(EQUIPMENT))),
                ],
                LOCATION: [
                    # Later positions of a live location arrive as edits: the position handler's job.
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, owned(signup_location)
                    ),
                    MessageHandler(elsewhere, owned(_off(LOCATION))),
                ],
                PHONE: [
                    MessageHandler(filters.CONTACT, owned(signup_phone)),
                    MessageHandler(answer_text, owned(signup_phone)),
                    MessageHandler(shared, owned(_off(PHONE))),
                ],
                PHONE_CONSENT: [
                    CallbackQueryHandler(owned(signup_consent), pattern=buttons.CONSENT),
                    MessageHandler(elsewhere, owned(_off(PHONE_CONSENT))),
                ],
                **flows.timeout_state(forget),
            },
            fallbacks=[
                CommandHandler("cancel", owned(cancel)),
                MessageHandler(cancel_text, owned(cancel)),
                *flows.escapes(leave),
            ],
            name="volunteer_signup",
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timeout_s,
        )
