"""Names of things (incident types, equipment, services, menu buttons), always through gettext."""

from __future__ import annotations

from bot.i18n import _, current_language, t
from bot.services.notices import Area
from domain.incidents import (
    EQUIPMENT_NAMES,
    EmergencyNumber,
    Equipment,
    IncidentType,
    life_threatening,
    numbers_for,
    rule_for,
)


def incident_name(incident: IncidentType | str) -> str:
    return _(rule_for(incident).name)


def incident_label(incident: IncidentType | str) -> str:
    """Name with its emoji, for buttons."""
    return f"{rule_for(incident).emoji} {incident_name(incident)}"


def equipment_name(item: Equipment) -> str:
    return _(EQUIPMENT_NAMES[item])


def service_name(number: EmergencyNumber) -> str:
    return _(number.name)


def numbers_lines(numbers: tuple[EmergencyNumber, ...]) -> str:
    return "\n".join(
        t("☎️ {service}: {number}", service=service_name(n), number=n.number) for n in numbers
    )


def emergency_block(incident: IncidentType | str) -> str:
    """The official numbers, shown with every life-threatening request. We never replace them."""
    return "\n".join(
        (
            _("⚠️ If a life is in danger, call the official emergency services now:"),
            numbers_lines(numbers_for(incident)),
            _("Musaada volunteers support the official services; they do not replace them."),
        )
    )


def urgent_numbers(incident: IncidentType | str) -> str:
    """The official numbers after a blank line for a life-threatening type, else nothing (also
    for an outbox row written before its payload carried the type)."""
    return "\n\n" + emergency_block(incident) if incident and life_threatening(incident) else ""


def city_name(area: Area) -> str:
    return area.city_ar if current_language() == "ar" else area.city_en


# Menu buttons (reply keyboard). Matching a pressed button compares against every language.
def menu_request() -> str:
    return _("🆘 Request help")


def menu_volunteer() -> str:
    return _("🙋 Volunteer")


def menu_numbers() -> str:
    return _("☎️ Emergency numbers")


def menu_language() -> str:
    return _("🌐 Language")


def button_share_location() -> str:
    return _("📍 Share my location")


def button_not_for_me() -> str:
    return _("👤 It is not for me")


def button_send_now() -> str:
    return _("📨 Send now")


def button_cancel() -> str:
    return _("✖️ Cancel")


def button_skip() -> str:
    return _("Skip")


def list_of(items: list[str]) -> str:
    """A list in the reader's language ("a, b and c" / "أ، ب و ج"); "none" when empty."""
    from babel.lists import format_list

    from bot.i18n import babel_locale

    return str(format_list(items, locale=babel_locale())) if items else _("none")
