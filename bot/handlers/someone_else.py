"""Help for someone else: "It is not for me" at the request's location step.

The citizen drops a pin where the person is (Telegram's location picker sends any point,
however far from the citizen) and may give a number for the person at the scene. The
number goes to the assigned volunteer alone: the prompt says so, and sending it is the
citizen's consent to exactly that.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.inputs import phone_number
from bot.handlers.keyboards import cancel_only, skip_or_cancel
from bot.handlers.replies import reply
from bot.handlers.words import button_skip
from bot.i18n import _, texts_match

FOR_OTHER, SCENE_PHONE = "for_other", "scene_phone"


def pin_instructions() -> str:
    return _(
        "Drop a pin where the person needs help: tap 📎, choose “Location”, move the map to the place and tap “Send selected location”."
    )


async def not_for_me(update: Update, context: BotContext) -> None:
    """The citizen asks for someone else: say how to drop a pin (the caller stays on LOCATION)."""
    context.user_data[FOR_OTHER] = True  # type: ignore[index]
    await reply(update, pin_instructions(), markup=cancel_only())


def for_other(context: BotContext) -> bool:
    return bool((context.user_data or {}).get(FOR_OTHER))


async def ask_phone(update: Update, context: BotContext, prefix: str = "") -> None:
    text = _(
        "Send a phone number for the person there, if you have one: type it or share their contact. Only the volunteer who accepts will see it, and sending it means you agree to that. Otherwise press Skip."
    )
    await reply(update, prefix + text, markup=skip_or_cancel())


async def got_phone(update: Update, context: BotContext) -> bool:
    """A typed number, a shared contact or Skip: True when the step is answered."""
    msg = inputs.message(update)
    if msg.contact is not None:
        number = phone_number(msg.contact.phone_number)
    else:
        text = (msg.text or "").strip()
        if texts_match(text, button_skip):
            return True
        number = phone_number(text)
    if number is None:
        await reply(
            update,
            _(
                "That does not look like a phone number. Type its digits (for example 0501234567), share a contact, or press Skip."
            ),
            markup=skip_or_cancel(),
        )
        return False
    context.user_data[SCENE_PHONE] = number  # type: ignore[index]
    return True
