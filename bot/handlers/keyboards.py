"""Reply and inline keyboards shared by several handlers (texts come from the catalogs)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.handlers.words import (
    button_cancel,
    button_share_location,
    button_skip,
    incident_label,
    menu_language,
    menu_numbers,
    menu_request,
    menu_volunteer,
)
from bot.i18n import LANGUAGES, native_names, use_locale
from domain.incidents import IncidentType


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[menu_request()], [menu_volunteer(), menu_numbers()], [menu_language()]],
        resize_keyboard=True,
    )


def location_request() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(button_share_location(), request_location=True)], [button_cancel()]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def skip_or_cancel() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[button_skip()], [button_cancel()]], resize_keyboard=True, one_time_keyboard=True
    )


def incident_picker() -> InlineKeyboardMarkup:
    types = list(IncidentType)
    rows = [
        [
            InlineKeyboardButton(incident_label(t), callback_data=f"inc:{t.value}")
            for t in types[i : i + 2]
        ]
        for i in range(0, len(types), 2)
    ]
    return InlineKeyboardMarkup(rows)


def language_picker() -> InlineKeyboardMarkup:
    names = native_names()
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(names[code], callback_data=f"lang:{code}") for code in LANGUAGES]]
    )


def texts_in_all_languages(fn: object) -> list[str]:
    """A button's text in every language, so a press is recognised whatever the keyboard's language."""
    out = []
    for code in LANGUAGES:
        with use_locale(code):
            out.append(fn())  # type: ignore[operator]
    return out


def exact(fn: object) -> str:
    """A regex matching a button's text in any language."""
    import re

    return "^(" + "|".join(re.escape(s) for s in texts_in_all_languages(fn)) + ")$"
