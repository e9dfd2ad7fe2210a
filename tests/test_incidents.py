"""The incident table: every type complete, stored bits pinned, every name translated."""

from __future__ import annotations

import pytest

from bot.i18n import _, use_locale
from domain.incidents import (
    EQUIPMENT_ITEMS,
    EQUIPMENT_NAMES,
    RULES,
    Equipment,
    IncidentType,
    LadderShape,
    skills_from_mask,
    skills_mask,
)

# Stored in volunteer.skills / volunteer.equipment: changing one corrupts every stored mask.
PINNED_SKILL_BITS = {
    "fire": 1,
    "rescue": 2,
    "entrapment": 4,
    "lost_desert": 8,
    "breakdown": 16,
    "flood": 32,
    "first_aid": 64,
}
PINNED_EQUIPMENT_BITS = {
    "FOUR_BY_FOUR": 1,
    "RECOVERY_KIT": 2,
    "FIRST_AID_KIT": 4,
    "EXTINGUISHER": 8,
    "BOAT": 16,
    "TOOLS": 32,
}


def test_every_type_has_one_complete_rule() -> None:
    assert set(RULES) == set(IncidentType)
    for incident, rule in RULES.items():
        assert rule.incident is incident
        assert rule.name and rule.emoji
        assert isinstance(rule.ladder, LadderShape)
        assert rule.skill_bit > 0 and rule.skill_bit & (rule.skill_bit - 1) == 0, "one bit"
        if rule.life_threatening:
            assert rule.numbers, f"{incident} threatens life but shows no number"


def test_stored_bits_are_pinned() -> None:
    assert {str(t): t.bit for t in IncidentType} == PINNED_SKILL_BITS
    assert {e.name: int(e) for e in Equipment if e} == PINNED_EQUIPMENT_BITS
    assert len({t.bit for t in IncidentType}) == len(IncidentType)


def test_masks_round_trip() -> None:
    for n in range(len(IncidentType) + 1):
        chosen = list(IncidentType)[:n]
        assert skills_from_mask(skills_mask(chosen)) == chosen


def test_every_equipment_item_is_named() -> None:
    assert set(EQUIPMENT_ITEMS) == {e for e in Equipment if e}
    assert set(EQUIPMENT_NAMES) == set(EQUIPMENT_ITEMS)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_name_is_in_the_catalogs(lang: str) -> None:
    names = [r.name for r in RULES.values()] + list(EQUIPMENT_NAMES.values())
    with use_locale(lang):
        for name in names:
            translated = _(name)
            assert translated
            if lang == "ar":
                assert translated != name, f"{name!r} has no Arabic translation"
