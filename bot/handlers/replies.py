"""Editing the pressed message in place, where a double tap is normal and not an error.

A second tap on the same button asks Telegram to show exactly what is already shown,
and Telegram answers "message is not modified". That is the person's double tap, not a
fault: handled here, at the call site, as rules-bot does; every other error travels on
to the error handler.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest


def _not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


async def edit_text(
    q: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` (and ``markup``; none removes the buttons) on the pressed message."""
    try:
        await q.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if not _not_modified(error):
            raise


async def edit_markup(q: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace (or, with None, remove) the pressed message's buttons."""
    try:
        await q.edit_message_reply_markup(markup)
    except BadRequest as error:
        if not _not_modified(error):
            raise
