"""The one table of incident rules: what each type needs, whether it threatens life, whom to call.

Everything that differs by incident type is declared here and nowhere else, so
adding a type or changing what it needs is a one-line change that matching,
dispatch and the copy all follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.enums import Equipment, IncidentType


@dataclass(frozen=True)
class EmergencyNumber:
    """An official number. ``service`` is a key the renderer translates."""

    number: str
    service: str  # civil_defense | red_crescent | police | unified


CIVIL_DEFENSE = EmergencyNumber("998", "civil_defense")
RED_CRESCENT = EmergencyNumber("997", "red_crescent")
POLICE = EmergencyNumber("999", "police")
UNIFIED = EmergencyNumber("911", "unified")
ALL_NUMBERS = (UNIFIED, CIVIL_DEFENSE, RED_CRESCENT, POLICE)


@dataclass(frozen=True)
class IncidentRule:
    incident: IncidentType
    life_threatening: bool
    # The numbers shown first for this type (the unified 911 is always shown too).
    numbers: tuple[EmergencyNumber, ...]
    # A volunteer must carry at least one of these (empty: no equipment needed).
    needs_any: Equipment
    emoji: str


RULES: dict[IncidentType, IncidentRule] = {
    rule.incident: rule
    for rule in (
        IncidentRule(IncidentType.FIRE, True, (CIVIL_DEFENSE,), Equipment.EXTINGUISHER, "🔥"),
        IncidentRule(
            IncidentType.RESCUE, True, (CIVIL_DEFENSE, RED_CRESCENT), Equipment.NONE, "🛟"
        ),
        IncidentRule(IncidentType.ENTRAPMENT, True, (CIVIL_DEFENSE,), Equipment.NONE, "🚪"),
        IncidentRule(IncidentType.LOST_DESERT, True, (CIVIL_DEFENSE,), Equipment.FOUR_BY_FOUR, "🏜️"),
        IncidentRule(
            IncidentType.BREAKDOWN,
            False,
            (POLICE,),
            Equipment.TOOLS | Equipment.RECOVERY_KIT | Equipment.FOUR_BY_FOUR,
            "🚗",
        ),
        IncidentRule(
            IncidentType.FLOOD,
            True,
            (CIVIL_DEFENSE,),
            Equipment.BOAT | Equipment.FOUR_BY_FOUR,
            "🌊",
        ),
        IncidentRule(IncidentType.FIRST_AID, True, (RED_CRESCENT,), Equipment.FIRST_AID_KIT, "🩹"),
    )
}


def rule_for(incident: IncidentType | str) -> IncidentRule:
    return RULES[IncidentType(incident)]


def equipment_fits(incident: IncidentType | str, equipment: int) -> bool:
    """True when a volunteer's equipment mask satisfies the incident's needs."""
    needs = int(rule_for(incident).needs_any)
    return needs == 0 or bool(equipment & needs)


def numbers_for(incident: IncidentType | str) -> tuple[EmergencyNumber, ...]:
    """The numbers to show for a type: its own first, then the unified number."""
    own = rule_for(incident).numbers
    return (*own, UNIFIED) if UNIFIED not in own else own
