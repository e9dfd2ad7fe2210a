"""/start, /help, the main menu, emergency numbers, /language and /cancel outside a conversation."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.commands import publish_user_commands
from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import language_picker, main_menu
from bot.handlers.plumbing import query
from bot.handlers.render import cancel_keyboard
from bot.handlers.replies import reply
from bot.handlers.words import numbers_lines
from bot.i18n import _, t, use_locale
from bot.services import people
from domain.incidents import ALL_NUMBERS

log = logging.getLogger(__name__)


async def start(update: Update, context: BotContext) -> None:
    """Greets in the person's language with the main menu (private chats only: groups.py)."""
    text = "\n".join(
        (
            t("Welcome to Musaada, {name}.", name=inputs.sender(update).first_name),
            _(
                "Musaada connects you with trained volunteers near you: for a fire, a rescue, someone trapped, a car stuck in the desert, a flood or first aid."
            ),
            "",
            _("⚠️ If a life is in danger, call the official emergency services now:"),
            numbers_lines(ALL_NUMBERS),
        )
    )
    await reply(update, text, markup=main_menu())


async def help_command(update: Update, context: BotContext) -> None:
    """What the bot can do, and the commands."""
    text = "\n".join(
        (
            _("How Musaada works:"),
            _("1. Press “Request help”, choose what happened and share your location."),
            _(
                "2. We alert the nearest trained volunteers; the first to accept gets your exact location."
            ),
            _("3. When the job is done, you confirm it."),
            "",
            _("/request – ask for help"),
            _("/volunteer – register as a volunteer"),
            _("/duty – go on or off duty"),
            _("/hours – your volunteer hours"),
            _("/profile – your volunteer profile"),
            _("/language – change the language"),
            _("/cancel – stop what you are doing"),
        )
    )
    await reply(update, text, markup=main_menu())


async def numbers(update: Update, context: BotContext) -> None:
    """The official emergency numbers, always one tap away."""
    await reply(
        update,
        _("Official emergency numbers in Saudi Arabia:") + "\n" + numbers_lines(ALL_NUMBERS),
        markup=main_menu(),
    )


async def language(update: Update, context: BotContext) -> None:
    """Offers العربية / English."""
    await inputs.message(update).reply_text(
        _("Choose your language:"), reply_markup=language_picker()
    )


async def language_chosen(update: Update, context: BotContext) -> None:
    """Stores the choice; it wins over Telegram's language from now on.

    The answer is in the new language (``use_locale``: the update's locale is the old
    one). A second tap on the picker shows what is already shown: not an error.
    """
    q = inputs.press(update)
    choice = buttons.parse_language(q.data)
    if choice is None:
        await stale_button(update, context)
        return
    code, uid = choice.code, q.from_user.id
    await query(context, lambda s: people.choose_language(s, person_id=uid, language=code))
    with use_locale(code):
        await q.answer(_("Language changed."))
        await replies.edit(q, _("Language changed."))
        await context.bot.send_message(
            q.message.chat.id if q.message else uid, _("Main menu:"), reply_markup=main_menu()
        )
    try:
        await publish_user_commands(context.bot, uid, code)
    except TelegramError:
        # The choice is stored and confirmed; only the command menu stays in the old language.
        log.warning("could not publish the command menu for %s", uid, exc_info=True)


async def cancel_outside(update: Update, context: BotContext) -> None:
    """/cancel with no conversation running: offer to cancel an open request, else show the menu."""
    uid = inputs.sender(update).id
    open_req = await query(context, lambda s: people.open_request(s, person_id=uid))
    if open_req is not None:
        await reply(
            update,
            t(
                "Your request #{request_id} is still open. Do you want to cancel it?",
                request_id=open_req.id,
            ),
            markup=cancel_keyboard(int(open_req.id)),
        )
        return
    await reply(update, _("Nothing to cancel."), markup=main_menu())


async def unknown_text(update: Update, context: BotContext) -> None:
    """Anything we did not understand gets the menu, never silence."""
    await reply(
        update, _("I did not understand that. Please use the menu below."), markup=main_menu()
    )
