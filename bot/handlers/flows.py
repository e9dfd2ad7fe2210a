"""What every multi-step flow (the /request and /volunteer conversations) shares.

A flow owns the person's input while it runs, but never traps them: /start, /help,
/language, /request, /volunteer and the main-menu buttons (in either language) end the
current flow and then do their own job; /cancel ends it with a word; a flow left
alone for ``CONVERSATION_TIMEOUT_S`` is closed and the person told.

How the pieces fit (bot/app.py): each conversation sits in its own handler group,
before the group holding every other handler. An input a flow accepts raises
``ApplicationHandlerStop`` (``owned``), so nothing later sees it. An escape is a
fallback that ends the flow quietly and lets the update travel on, so the other
flow (its entry point, or its own escape) and then the ordinary handlers act on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import media
from bot.handlers.keyboards import main_menu, texts_in_all_languages
from bot.handlers.replies import send
from bot.handlers.words import menu_language, menu_numbers, menu_request, menu_volunteer
from bot.i18n import _, use_locale

# Commands that end any flow before doing their own job.
ESCAPE_COMMANDS = ("start", "help", "language", "request", "sos", "volunteer")
# Commands and buttons that start a flow: the ordinary handlers leave them to the flows.
ENTRY_COMMANDS = ("request", "sos", "volunteer")

StateCallback = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


def _texts_regex(*fns: Callable[[], str]) -> str:
    texts = [text for fn in fns for text in texts_in_all_languages(fn)]
    return "^(" + "|".join(re.escape(s) for s in texts) + ")$"


def menu_texts() -> filters.BaseFilter:
    """Any main-menu button, in any language: never an answer to a flow's question."""
    return filters.TEXT & filters.Regex(
        _texts_regex(menu_request, menu_volunteer, menu_numbers, menu_language)
    )


def answer_text(cancel_text: filters.BaseFilter) -> filters.BaseFilter:
    """A typed answer to a flow's question: fresh text, not a command, Cancel or a menu button.

    An edit of an old message is no answer to the current question.
    """
    return (
        filters.TEXT & ~filters.COMMAND & ~cancel_text & ~menu_texts() & ~filters.UpdateType.EDITED
    )


def sos_link() -> filters.BaseFilter:
    """The deep link ``t.me/<bot>?start=sos``: Telegram sends it as ``/start sos``."""
    return filters.TEXT & filters.Regex(r"^/start(@\w+)?\s+sos\s*$")


def entry_updates() -> filters.BaseFilter:
    """/request, /sos, /volunteer, the ``?start=sos`` link and their menu buttons: handled
    by the flows alone."""
    commands = filters.Regex(r"^/(" + "|".join(ENTRY_COMMANDS) + r")(@\w+)?(\s|$)")
    buttons = filters.Regex(_texts_regex(menu_request, menu_volunteer))
    return filters.TEXT & (commands | buttons) | sos_link()


def owned(callback: StateCallback) -> StateCallback:
    """The flow consumed this update: move to the returned state and stop here."""

    @wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> object:
        raise ApplicationHandlerStop(await callback(update, context))

    return wrapper


def escapes(leave: StateCallback) -> list[BaseHandler[Update, BotContext, Any]]:
    """The fallbacks every flow shares.

    The escapes end the flow quietly and let the command or button do its own job. Last,
    media or a contact at a step with no answer of its own (media.py): the flow stays on
    its step and the person is told to answer the question on screen.
    """
    return [
        CommandHandler(list(ESCAPE_COMMANDS), leave),
        MessageHandler(menu_texts(), leave),
        MessageHandler(media.UNREAD, owned(media.in_a_flow)),
    ]


def timeout_state(
    forget: Callable[[BotContext], None],
) -> dict[object, list[BaseHandler[Update, BotContext, Any]]]:
    """The TIMEOUT state: forget the flow's answers and tell the person it was closed."""

    async def timed_out(update: Update, context: BotContext) -> None:
        forget(context)
        user = update.effective_user
        if user is None:
            return
        # A job, not an update: record_sender did not run in this task, so the locale is
        # set here from the language recorded when the flow's last update arrived.
        with use_locale(context.language):
            await send(
                context,
                user.id,
                _(
                    "This was left unfinished for a while, so I closed it. Nothing was sent. Start again from the menu whenever you are ready."
                ),
                markup=main_menu(),
            )

    return {ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]}


def forget_keys(context: BotContext, keys: tuple[str, ...]) -> None:
    if context.user_data is not None:
        for key in keys:
            context.user_data.pop(key, None)


def forgetting(keys: tuple[str, ...]) -> tuple[Callable[[BotContext], None], StateCallback]:
    """A flow's ``forget`` (drop its answers) and ``leave`` (an escape: end quietly)."""

    def forget(context: BotContext) -> None:
        forget_keys(context, keys)

    async def leave(update: Update, context: BotContext) -> int:
        """A menu button or another command mid-flow: end quietly; that command does its own job."""
        forget(context)
        return ConversationHandler.END

    return forget, leave
