"""Photos, voice notes, stickers, files, contacts and the like where nobody asked for them.

Musaada reads text, locations and its buttons; media are not relayed to volunteers yet.
Sent anyway, they always get an answer that says what is expected at that point:

- inside the request flow, its own per-step answer (bot/handlers/citizen.py);
- inside any other flow, at a step with no answer of its own, ``in_a_flow`` (a fallback
  every flow gets through ``flows.escapes``): answer the question on screen, or /cancel.
  It sends no keyboard, so the step's own keyboard stays;
- outside any flow, ``outside_a_flow`` (bot/app.py registers it right after the flows):
  what the bot can do, and the menu. A contact from someone who is no volunteer needs
  nothing; a volunteer's own number travels on to /profile's handler, which saves it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, filters

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.keyboards import main_menu
from bot.handlers.plumbing import query
from bot.handlers.replies import reply
from bot.i18n import _
from bot.services import volunteering
from domain.enums import VolunteerStatus

# What a person can attach besides text, a location (or a venue, which carries one) and a
# contact. New messages only: an edited caption answers nothing.
ATTACHMENTS = (
    filters.VOICE
    | filters.AUDIO
    | filters.PHOTO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.Sticker.ALL
    | filters.POLL
    | filters.Dice.ALL
) & filters.UpdateType.MESSAGE
CONTACTS = filters.CONTACT & filters.UpdateType.MESSAGE
UNREAD = ATTACHMENTS | CONTACTS


async def in_a_flow(update: Update, context: BotContext) -> None:
    """Media at a flow's step that has no answer of its own: stay on the step, say what to do."""
    await reply(
        update,
        _(
            "I cannot use that at this step. Please answer the question above with text or the buttons, or /cancel."
        ),
    )


async def outside_a_flow(update: Update, context: BotContext) -> None:
    """Media outside any flow: what the bot can do, and the menu. Stops here, except for a
    volunteer's contact (their phone number, for /profile's handler)."""
    msg = update.effective_message
    if msg is not None and msg.contact is not None:
        uid = inputs.sender(update).id
        vol = await query(context, lambda s: volunteering.get_profile(s, uid))
        if vol is not None and vol.status != VolunteerStatus.LEFT:
            return
        await reply(
            update,
            _(
                "Thank you, but no phone number is needed: Musaada reaches you in this chat. To ask for help, press “🆘 Request help”."
            ),
            markup=main_menu(),
        )
        raise ApplicationHandlerStop
    await reply(
        update,
        _(
            "I cannot use photos, voice notes, stickers or files. To ask for help, press “🆘 Request help”; to join as a volunteer, press “🙋 Volunteer”; /help tells you more."
        ),
        markup=main_menu(),
    )
    raise ApplicationHandlerStop
