"""Reply and inline keyboards shared by several handlers (texts come from the catalogs)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.handlers import buttons
from bot.handlers.words import (
    button_cancel,
    button_not_for_me,
    button_send_now,
    button_share_location,
    button_skip,
    equipment_name,
    incident_label,
    menu_language,
    menu_numbers,
    menu_request,
    menu_volunteer,
)
from bot.i18n import LANGUAGES, _, native_names, use_locale
from domain.incidents import EQUIPMENT_ITEMS, Equipment, IncidentType


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


def scene_location_request() -> ReplyKeyboardMarkup:
    """The request's location step: my location, someone else's (a pin), or cancel."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(button_share_location(), request_location=True)],
            [button_not_for_me()],
            [button_cancel()],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def cancel_only() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[button_cancel()]], resize_keyboard=True, one_time_keyboard=True)


def send_or_cancel() -> ReplyKeyboardMarkup:
    """After a voice note, photo or video at the details step: send now, or cancel."""
    return ReplyKeyboardMarkup(
        [[button_send_now()], [button_cancel()]], resize_keyboard=True, one_time_keyboard=True
    )


def skip_or_cancel() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[button_skip()], [button_cancel()]], resize_keyboard=True, one_time_keyboard=True
    )


def incident_picker() -> InlineKeyboardMarkup:
    types = list(IncidentType)
    rows = [
        [
            InlineKeyboardButton(incident_label(t), callback_data=buttons.make_incident(t))
            for t in types[i : i + 2]
        ]
        for i in range(0, len(types), 2)
    ]
    return InlineKeyboardMarkup(rows)


def language_picker() -> InlineKeyboardMarkup:
    names = native_names()
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(names[code], callback_data=buttons.make_language(code))
                for code in LANGUAGES
            ]
        ]
    )


def choices(options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per row: (text, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in options]
    )


def conduct_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ I accept the code of conduct"),
                    callback_data=buttons.make_conduct(accept=True),
                )
            ],
            [
                InlineKeyboardButton(
                    _("❌ I do not accept"), callback_data=buttons.make_conduct(accept=False)
                )
            ],
        ]
    )


def skills_keyboard(mask: int, *, profile: bool = False) -> InlineKeyboardMarkup:
    """The skills picker of the sign-up, or (``profile``) the same on the profile."""
    make = buttons.make_profile_skill if profile else buttons.make_skill
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if mask & s.bit else "▫️ ") + incident_label(s), callback_data=make(s)
            )
        ]
        for s in IncidentType
    ]
    rows.append([InlineKeyboardButton(_("Continue ➡️"), callback_data=make(None))])
    return InlineKeyboardMarkup(rows)


def equipment_keyboard(mask: int, *, profile: bool = False) -> InlineKeyboardMarkup:
    """The equipment picker of the sign-up, or (``profile``) the same on the profile."""
    make = buttons.make_profile_equipment if profile else buttons.make_equipment
    rows: list[list[InlineKeyboardButton]] = [
        [
            InlineKeyboardButton(
                ("✅ " if mask & item else "▫️ ") + equipment_name(item),
                callback_data=make(Equipment(item)),
            )
        ]
        for item in EQUIPMENT_ITEMS
    ]
    rows.append([InlineKeyboardButton(_("Continue ➡️"), callback_data=make(None))])
    return InlineKeyboardMarkup(rows)


def phone_keyboard() -> ReplyKeyboardMarkup:
    """The sign-up's optional phone step: share the contact, skip, or cancel."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📞 Share my phone number"), request_contact=True)],
            [button_skip()],
            [button_cancel()],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def contact_request() -> ReplyKeyboardMarkup:
    """The profile's "add my phone number": just the contact button."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📞 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("Yes, share it"), callback_data=buttons.make_consent(share=True)
                ),
                InlineKeyboardButton(
                    _("No, don't share it"), callback_data=buttons.make_consent(share=False)
                ),
            ]
        ]
    )


def leave_keyboard() -> InlineKeyboardMarkup:
    return choices(
        [
            (_("Yes, leave the programme"), buttons.make_leave(leave=True)),
            (_("No, stay"), buttons.make_leave(leave=False)),
        ]
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
