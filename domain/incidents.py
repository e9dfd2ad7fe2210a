"""The one table of incident types: everything that differs by type is one entry here.

Adding a type is one member of ``IncidentType``, one ``IncidentRule`` in ``RULES`` and
its two catalog strings (the name and, for a life-threatening type, nothing more: the
numbers' names are shared). Matching, the dispatch ladder, the copy and the database's
skill masks all read this table; ``tests/test_incidents.py`` proves every type has
every attribute and pins the stored bits.

Skill and equipment bits are stored in the database as masks, so each bit is written
out explicitly: reordering or inserting a member must never renumber a stored mask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntFlag, StrEnum

from domain.matching.ladder import ROAD, URBAN, WIDE, LadderShape, Wave, waves_of
from domain.text import N_


class IncidentType(StrEnum):
    """What happened. Also the set of volunteer skills: a skill is 'can help with X'.

    Values are stored as text, so renaming a member is a migration, not a refactor.
    """

    FIRE = "fire"
    RESCUE = "rescue"
    ENTRAPMENT = "entrapment"
    LOST_DESERT = "lost_desert"
    BREAKDOWN = "breakdown"
    FLOOD = "flood"
    FIRST_AID = "first_aid"

    @property
    def bit(self) -> int:
        """The bit of this type in a volunteer's ``skills`` mask (SQL-friendly: ``skills & bit``)."""
        return RULES[self].skill_bit


class Equipment(IntFlag):
    """Means a volunteer brings. Stored as a bit mask so matching filters in SQL."""

    NONE = 0
    FOUR_BY_FOUR = 1
    RECOVERY_KIT = 2
    FIRST_AID_KIT = 4
    EXTINGUISHER = 8
    BOAT = 16
    TOOLS = 32


# The names of equipment, in the order the sign-up shows them.
EQUIPMENT_NAMES: dict[Equipment, str] = {
    Equipment.FOUR_BY_FOUR: N_("4x4 vehicle"),
    Equipment.RECOVERY_KIT: N_("Tow rope / recovery kit"),
    Equipment.FIRST_AID_KIT: N_("First-aid kit"),
    Equipment.EXTINGUISHER: N_("Fire extinguisher"),
    Equipment.BOAT: N_("Boat"),
    Equipment.TOOLS: N_("Tools"),
}
EQUIPMENT_ITEMS: tuple[Equipment, ...] = tuple(EQUIPMENT_NAMES)


@dataclass(frozen=True)
class EmergencyNumber:
    """An official number and its service's name (marked for the catalogs)."""

    number: str
    name: str


CIVIL_DEFENSE = EmergencyNumber("998", N_("Civil Defense"))
RED_CRESCENT = EmergencyNumber("997", N_("Red Crescent"))
POLICE = EmergencyNumber("999", N_("Police"))
UNIFIED = EmergencyNumber("911", N_("Unified emergency number"))
ALL_NUMBERS = (UNIFIED, CIVIL_DEFENSE, RED_CRESCENT, POLICE)


@dataclass(frozen=True)
class IncidentRule:
    """Everything that differs by incident type."""

    incident: IncidentType
    name: str  # marked with N_, translated when rendered
    emoji: str
    life_threatening: bool
    # The numbers shown first for this type (the unified 911 is always shown too).
    numbers: tuple[EmergencyNumber, ...]
    # A volunteer must carry at least one of these (empty: no equipment needed).
    needs_any: Equipment
    # How the dispatch widens (domain.matching.ladder).
    ladder: LadderShape
    # This type's bit in a volunteer's stored skills mask. Never renumber one.
    skill_bit: int
    # How fast a volunteer is assumed to come, for the citizen's estimated arrival before
    # their live location gives a closing speed (domain/approach.py).
    approach_kmh: float = 40.0


RULES: dict[IncidentType, IncidentRule] = {
    rule.incident: rule
    for rule in (
        IncidentRule(
            IncidentType.FIRE,
            name=N_("Fire"),
            emoji="🔥",
            life_threatening=True,
            numbers=(CIVIL_DEFENSE,),
            needs_any=Equipment.EXTINGUISHER,
            ladder=URBAN,
            skill_bit=1 << 0,
            approach_kmh=35.0,  # through a city
        ),
        IncidentRule(
            IncidentType.RESCUE,
            name=N_("Rescue"),
            emoji="🛟",
            life_threatening=True,
            numbers=(CIVIL_DEFENSE, RED_CRESCENT),
            needs_any=Equipment.NONE,
            ladder=URBAN,
            skill_bit=1 << 1,
            approach_kmh=35.0,  # through a city
        ),
        IncidentRule(
            IncidentType.ENTRAPMENT,
            name=N_("Entrapment"),
            emoji="🚪",
            life_threatening=True,
            numbers=(CIVIL_DEFENSE,),
            needs_any=Equipment.NONE,
            ladder=URBAN,
            skill_bit=1 << 2,
            approach_kmh=35.0,  # through a city
        ),
        IncidentRule(
            IncidentType.LOST_DESERT,
            name=N_("Lost in the desert"),
            emoji="🏜️",
            life_threatening=True,
            numbers=(CIVIL_DEFENSE,),
            needs_any=Equipment.FOUR_BY_FOUR,
            # The nearest 4x4 may be 50 km off.
            ladder=WIDE,
            skill_bit=1 << 3,
            approach_kmh=25.0,  # off-road, looking for someone
        ),
        IncidentRule(
            IncidentType.BREAKDOWN,
            name=N_("Vehicle or technical breakdown"),
            emoji="🚗",
            life_threatening=False,
            numbers=(POLICE,),
            needs_any=Equipment.TOOLS | Equipment.RECOVERY_KIT | Equipment.FOUR_BY_FOUR,
            # Mostly on the roads between towns.
            ladder=ROAD,
            skill_bit=1 << 4,
            approach_kmh=60.0,  # on the roads between towns
        ),
        IncidentRule(
            IncidentType.FLOOD,
            name=N_("Flood"),
            emoji="🌊",
            life_threatening=True,
            numbers=(CIVIL_DEFENSE,),
            needs_any=Equipment.BOAT | Equipment.FOUR_BY_FOUR,
            ladder=URBAN,
            skill_bit=1 << 5,
            approach_kmh=15.0,  # water on the roads
        ),
        IncidentRule(
            IncidentType.FIRST_AID,
            name=N_("First aid"),
            emoji="🩹",
            life_threatening=True,
            numbers=(RED_CRESCENT,),
            needs_any=Equipment.FIRST_AID_KIT,
            ladder=URBAN,
            skill_bit=1 << 6,
            approach_kmh=35.0,  # through a city
        ),
    )
}


def rule_for(incident: IncidentType | str) -> IncidentRule:
    return RULES[IncidentType(incident)]


def life_threatening(incident: IncidentType | str) -> bool:
    return rule_for(incident).life_threatening


def equipment_fits(incident: IncidentType | str, equipment: int) -> bool:
    """True when a volunteer's equipment mask satisfies the incident's needs."""
    needs = int(rule_for(incident).needs_any)
    return needs == 0 or bool(equipment & needs)


def numbers_for(incident: IncidentType | str) -> tuple[EmergencyNumber, ...]:
    """The numbers to show for a type: its own first, then the unified number."""
    own = rule_for(incident).numbers
    return (*own, UNIFIED) if UNIFIED not in own else own


def ladder_for(
    incident: IncidentType | str, *, radius_km: float, first_wave: int, timeout_s: float
) -> tuple[Wave, ...]:
    """The waves of this type's ladder, scaled by the settings."""
    return waves_of(
        rule_for(incident).ladder, radius_km=radius_km, first_wave=first_wave, timeout_s=timeout_s
    )


def skills_mask(skills: Iterable[IncidentType]) -> int:
    mask = 0
    for skill in skills:
        mask |= skill.bit
    return mask


def skills_from_mask(mask: int) -> list[IncidentType]:
    return [t for t in IncidentType if mask & t.bit]
