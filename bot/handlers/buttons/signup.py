"""The sign-up's buttons: the code of conduct, the skill and equipment pickers (also on the
profile, where each tap is written at once), consent to share the phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.handlers.buttons._base import _alternatives, _full
from domain.incidents import EQUIPMENT_ITEMS, Equipment, IncidentType

# --- sign-up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConductAnswer:
    accept: bool


CONDUCT = re.compile(r"^conduct:(ok|no)$")


def make_conduct(*, accept: bool) -> str:
    return "conduct:ok" if accept else "conduct:no"


def parse_conduct(data: str | None) -> ConductAnswer | None:
    m = _full(data, CONDUCT)
    return ConductAnswer(m[1] == "ok") if m else None


@dataclass(frozen=True)
class SkillPress:
    """A tap on a skill (toggle it), or on Continue (``skill`` is None)."""

    skill: IncidentType | None


@dataclass(frozen=True)
class EquipmentPress:
    """A tap on an item (toggle it), or on Continue (``item`` is None)."""

    item: Equipment | None


_SKILL_VALUES = _alternatives([*(t.value for t in IncidentType), "ok"])
_EQUIPMENT_VALUES = _alternatives([*(int(i) for i in EQUIPMENT_ITEMS), "ok"])
SKILL = re.compile(r"^skill:" + _SKILL_VALUES + "$")
EQUIPMENT = re.compile(r"^equip:" + _EQUIPMENT_VALUES + "$")
# The same pickers on the profile, where each tap is written at once.
PROFILE_SKILL = re.compile(r"^pskill:" + _SKILL_VALUES + "$")
PROFILE_EQUIPMENT = re.compile(r"^pequip:" + _EQUIPMENT_VALUES + "$")
# A sign-up picker's button of either kind (pressed outside the sign-up).
SIGNUP_PICKER = re.compile(f"{SKILL.pattern}|{EQUIPMENT.pattern}")


def _skill_data(prefix: str, skill: IncidentType | None) -> str:
    return f"{prefix}:{skill.value if skill is not None else 'ok'}"


def _equipment_data(prefix: str, item: Equipment | None) -> str:
    return f"{prefix}:{int(item) if item is not None else 'ok'}"


def _skill_press(m: re.Match[str] | None) -> SkillPress | None:
    if m is None:
        return None
    return SkillPress(None if m[1] == "ok" else IncidentType(m[1]))


def _equipment_press(m: re.Match[str] | None) -> EquipmentPress | None:
    if m is None:
        return None
    return EquipmentPress(None if m[1] == "ok" else Equipment(int(m[1])))


def make_skill(skill: IncidentType | None) -> str:
    return _skill_data("skill", skill)


def parse_skill(data: str | None) -> SkillPress | None:
    return _skill_press(_full(data, SKILL))


def make_equipment(item: Equipment | None) -> str:
    return _equipment_data("equip", item)


def parse_equipment(data: str | None) -> EquipmentPress | None:
    return _equipment_press(_full(data, EQUIPMENT))


def make_profile_skill(skill: IncidentType | None) -> str:
    return _skill_data("pskill", skill)


def parse_profile_skill(data: str | None) -> SkillPress | None:
    return _skill_press(_full(data, PROFILE_SKILL))


def make_profile_equipment(item: Equipment | None) -> str:
    return _equipment_data("pequip", item)


def parse_profile_equipment(data: str | None) -> EquipmentPress | None:
    return _equipment_press(_full(data, PROFILE_EQUIPMENT))


@dataclass(frozen=True)
class ConsentAnswer:
    share: bool


CONSENT = re.compile(r"^pconsent:(yes|no)$")


def make_consent(*, share: bool) -> str:
    return "pconsent:yes" if share else "pconsent:no"


def parse_consent(data: str | None) -> ConsentAnswer | None:
    m = _full(data, CONSENT)
    return ConsentAnswer(m[1] == "yes") if m else None
