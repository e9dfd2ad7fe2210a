"""A person's private chat is their private chat: nothing personal happens in a group.

Flows, alerts, jobs, duty, profiles: everything the bot does for a person happens in
their private chat with it. An update from a group or a channel is stopped here, before
any flow or command sees it (bot/app.py registers this guard right after the sender is
recorded): a command in a family group must not start a request whose questions the whole
group reads, and a volunteer's ``/duty@bot on`` must not change anything from there.

The bot answers in a group only when it is spoken to (a command for it, a mention, a
reply to one of its messages, a button press), and then only with a pointer to its
private chat; everything else in a busy group is left alone. Channels get silence.

The operations chat (``OPS_CHAT_ID``) has its own role: it is told about escalations.
Button presses there travel on to the handlers that serve it; nothing else is answered.
"""

from __future__ import annotations

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.handlers.replies import answer, reply
from bot.i18n import _

# The deep-link payload of the pointer: /start in the private chat, with where it came from.
START_PAYLOAD = "group"


async def private_chats_only(update: object, context: BotContext) -> None:
    """Let private chats through; stop everything else, pointing the way when spoken to."""
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if chat.id == context.settings.ops_chat_id:
        if update.callback_query is not None:
            return  # the command centre's buttons: its handlers decide
        raise ApplicationHandlerStop
    if update.callback_query is not None:
        await answer(
            update.callback_query,
            _(
                "Musaada works only in a private chat, so that nothing personal is posted here. Open a private chat with the bot to continue."
            ),
            alert=True,
        )
    elif (
        chat.type != ChatType.CHANNEL
        and update.message is not None
        and addressed_to(update.message, context.bot)
    ):
        await reply(
            update,
            _(
                "Musaada works only in a private chat, so that nothing personal is posted here. Open it with the button below."
            ),
            markup=open_private_chat(context.bot.username),
        )
    raise ApplicationHandlerStop


def open_private_chat(username: str) -> InlineKeyboardMarkup:
    """A deep link that opens the private chat and sends /start there."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("💬 Open the private chat"),
                    url=f"https://t.me/{username}?start={START_PAYLOAD}",
                )
            ]
        ]
    )


def addressed_to(message: Message, bot: Bot) -> bool:
    """A command for this bot (bare, or ``/cmd@this_bot``), a mention of it, or a reply to it."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    name = bot.username.casefold()
    for entity, text in message.parse_entities().items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _command, _at, target = text.partition("@")
            if not target or target.casefold() == name:
                return True
        if _mentions(entity, text, bot.id, name):
            return True
    return any(
        _mentions(entity, text, bot.id, name)
        for entity, text in message.parse_caption_entities().items()
    )


def _mentions(entity: MessageEntity, text: str, bot_id: int, name: str) -> bool:
    if entity.type == MessageEntity.MENTION:
        return text.casefold() == f"@{name}"
    return (
        entity.type == MessageEntity.TEXT_MENTION
        and entity.user is not None
        and entity.user.id == bot_id
    )
