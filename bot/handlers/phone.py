"""A volunteer's phone number: what we tell them about who sees it, and a contact shared later.

Who sees the number, as the code does it (the copy below must say exactly this):
- the operators who verify volunteers, on the approval notice sent when the sign-up is
  submitted (render.py, Event.OPS_VERIFY), whatever the volunteer answers;
- the person whose request the volunteer accepts, only after a "yes" to the consent
  question (the job's VOLUNTEER_COMING notice).
Sharing the contact is never consent by itself.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.keyboards import consent_keyboard, main_menu
from bot.handlers.plumbing import query
from bot.i18n import _
from bot.services import volunteering
from domain.volunteers import is_active


def signup_prompt() -> str:
    """The sign-up's optional phone step."""
    return _(
        "Optional: share your phone number. The operators who verify your registration see it; the person whose request you accept gets it only if you agree. Press Skip to continue without it."
    )


def consent_question() -> str:
    return _("Share this number with the person whose request you accept?")


def consent_answer(share: bool, *, at_signup: bool) -> str:
    """What was stored, and who sees the number because of it.

    At sign-up the number goes to the operators with the registration; a number added
    on the profile later is not sent to anyone until a request is accepted.
    """
    if at_signup:
        return (
            _(
                "Your phone number is seen by the operators who verify your registration, and given to each person whose request you accept."
            )
            if share
            else _(
                "Your phone number is seen only by the operators who verify your registration. It is not given to the people you help."
            )
        )
    return (
        _("Your phone number will be given to each person whose request you accept.")
        if share
        else _("Your phone number stays on your profile and is not given to the people you help.")
    )


async def contact_shared(update: Update, context: BotContext) -> None:
    """A contact sent outside sign-up: a volunteer's own number, shared with consent."""
    msg = inputs.message(update)
    uid = inputs.sender_id(update)
    if msg.contact is None or msg.contact.user_id != uid:
        await msg.reply_text(
            _("Please share your own phone number with the button."), reply_markup=main_menu()
        )
        return
    vol = await query(context, lambda s: volunteering.get_profile(s, uid))
    if not is_active(vol):
        await msg.reply_text(
            _("You are not registered as a volunteer yet. Press “🙋 Volunteer” to register."),
            reply_markup=main_menu(),
        )
        return
    phone = msg.contact.phone_number
    await query(context, lambda s: volunteering.set_phone(s, person_id=uid, phone=phone))
    await msg.reply_text(_("Your phone number is saved."), reply_markup=main_menu())
    await msg.reply_text(consent_question(), reply_markup=consent_keyboard())


def handlers() -> list[object]:
    return [MessageHandler(filters.CONTACT, contact_shared)]
