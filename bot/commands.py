"""The command menu Telegram shows, per language (setMyCommands with language_code)."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import LANGUAGES, _, use_locale


def commands() -> list[BotCommand]:
    return [
        BotCommand("request", _("Ask for help")),
        BotCommand("sos", _("Help now, no typing needed")),
        BotCommand("volunteer", _("Register as a volunteer")),
        BotCommand("duty", _("Go on or off duty")),
        BotCommand("hours", _("Your volunteer hours")),
        BotCommand("profile", _("Your volunteer profile")),
        BotCommand("language", _("Change the language")),
        BotCommand("help", _("How Musaada works")),
        BotCommand("cancel", _("Stop what you are doing")),
    ]


async def publish_commands(bot: Bot) -> None:
    """Default (English) for everyone, Arabic for Arabic Telegram clients."""
    with use_locale("en"):
        await bot.set_my_commands(commands())
    for code in LANGUAGES:
        with use_locale(code):
            await bot.set_my_commands(commands(), language_code=code)


async def publish_user_commands(bot: Bot, chat_id: int, language: str) -> None:
    """After /language, this chat's menu follows the choice rather than Telegram's language."""
    with use_locale(language):
        await bot.set_my_commands(commands(), scope=BotCommandScopeChat(chat_id))
