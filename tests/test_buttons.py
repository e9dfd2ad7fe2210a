"""Every button's callback data: made and parsed in one place, byte-identical to what old
messages carry, and junk (forged, truncated, out of range) parsed to None."""

from __future__ import annotations

import re

import pytest
from telegram import InlineKeyboardMarkup

from bot.handlers import buttons as b
from bot.handlers import inputs
from bot.i18n import use_locale
from domain.incidents import EQUIPMENT_ITEMS, Equipment, IncidentType
from domain.matching.geo import cities
from domain.volunteers import ALERTS_PER_HOUR_CHOICES, QUIET_CHOICES, RADIUS_CHOICES_KM

# What the bot has always written (old buttons in people's chats must keep working).
LEGACY = [
    (b.make_incident(IncidentType.LOST_DESERT), "inc:lost_desert", b.INCIDENT),
    (b.make_language("ar"), "lang:ar", b.LANGUAGE),
    (b.make_conduct(accept=True), "conduct:ok", b.CONDUCT),
    (b.make_skill(IncidentType.FIRST_AID), "skill:first_aid", b.SKILL),
    (b.make_skill(None), "skill:ok", b.SKILL),
    (b.make_equipment(Equipment.BOAT), "equip:16", b.EQUIPMENT),
    (b.make_equipment(None), "equip:ok", b.EQUIPMENT),
    (b.make_profile_skill(IncidentType.FIRE), "pskill:fire", b.PROFILE_SKILL),
    (b.make_profile_equipment(Equipment.TOOLS), "pequip:32", b.PROFILE_EQUIPMENT),
    (b.make_profile_equipment(None), "pequip:ok", b.PROFILE_EQUIPMENT),
    (b.make_consent(share=True), "pconsent:yes", b.CONSENT),
    (b.make_consent(share=False), "pconsent:no", b.CONSENT),
    (b.make_profile(b.ProfilePart.EQUIPMENT), "prof:equip", b.PROFILE),
    (b.make_profile(b.ProfilePart.LEAVE), "prof:leave", b.PROFILE),
    (b.make_duty(on=False), "pduty:off", b.DUTY),
    (b.make_phone(add=True), "pphone:add", b.PHONE),
    (b.make_phone(add=False), "pphone:off", b.PHONE),
    (b.make_radius(0), "prad:0", b.RADIUS),
    (b.make_radius(50), "prad:50", b.RADIUS),
    (b.make_quiet((1320, 360)), "pquiet:1320-360", b.QUIET),
    (b.make_quiet(None), "pquiet:off", b.QUIET),
    (b.make_cap(10), "pcap:10", b.CAP),
    (b.make_leave(leave=True), "pleave:yes", b.LEAVE),
    (b.make_offer(b.OfferAction.ACCEPT, 7), "offer:acc:7", b.OFFER),
    (b.make_offer(b.OfferAction.DECLINE, 7), "offer:dec:7", b.OFFER),
    (b.make_job(b.JobAction.ARRIVED, 3), "job:arr:3", b.JOB),
    (b.make_job(b.JobAction.DONE, 3), "job:done:3", b.JOB),
    (b.make_job(b.JobAction.RELEASE, 3), "job:rel:3", b.JOB),
    (b.make_request(b.RequestAction.CANCEL, 1), "req:cancel:1", b.REQUEST),
    (b.make_request(b.RequestAction.SOLVED, 1), "req:yes:1", b.REQUEST),
    (b.make_request(b.RequestAction.NOT_SOLVED, 1), "req:no:1", b.REQUEST),
    (b.make_vet(approve=True, volunteer_id=4503599627370496), "vet:ok:4503599627370496", b.VET),
    (b.make_vet(approve=False, volunteer_id=10), "vet:no:10", b.VET),
    (b.make_help_came(came=True, request_id=5), "came:yes:5", b.HELP_CAME),
    (b.make_help_came(came=False, request_id=5), "came:no:5", b.HELP_CAME),
    (b.make_hours_page(0), "hours:0", b.HOURS_PAGE),
    (b.make_hours_page(12), "hours:12", b.HOURS_PAGE),
    (b.make_rate(1, 42), "rate:1:42", b.RATE),
    (b.make_rate(5, 42), "rate:5:42", b.RATE),
    (b.make_rate(None, 42), "rate:skip:42", b.RATE),
    (b.make_team(b.TeamAction.PAGE, 3, 0), "tm:pg:3:0", b.TEAM),
    (b.make_team(b.TeamAction.REMOVE, 3, 4503599627370496), "tm:rm:3:4503599627370496", b.TEAM),
    (b.make_team(b.TeamAction.REMOVE_YES, 3, 21), "tm:rmy:3:21", b.TEAM),
    (b.make_team(b.TeamAction.ROTATE, 3), "tm:rot:3", b.TEAM),
    (b.make_team(b.TeamAction.LEAVE, 3), "tm:lv:3", b.TEAM),
    (b.make_team(b.TeamAction.DISMISS, 3), "tm:no:3", b.TEAM),
    (b.make_join("Ab3_-x9Z"), "tj:Ab3_-x9Z", b.JOIN),
    (b.make_team_city("Jeddah"), "nt:city:Jeddah", b.TEAM_CITY),
    (b.make_team_radius(25), "nt:r:25", b.TEAM_RADIUS),
]
PARSERS = [
    b.parse_incident, b.parse_language, b.parse_conduct, b.parse_skill, b.parse_equipment,
    b.parse_profile_skill, b.parse_profile_equipment, b.parse_consent, b.parse_profile,
    b.parse_duty, b.parse_phone, b.parse_radius, b.parse_quiet, b.parse_cap, b.parse_leave,
    b.parse_offer, b.parse_job, b.parse_request, b.parse_vet, b.parse_help_came,
    b.parse_hours_page, b.parse_rate,
    b.parse_team, b.parse_join, b.parse_team_city, b.parse_team_radius,
]  # fmt: skip
PATTERNS = [
    b.INCIDENT, b.LANGUAGE, b.CONDUCT, b.SKILL, b.EQUIPMENT, b.PROFILE_SKILL,
    b.PROFILE_EQUIPMENT, b.CONSENT, b.PROFILE, b.DUTY, b.PHONE, b.RADIUS, b.QUIET, b.CAP,
    b.LEAVE, b.OFFER, b.JOB, b.REQUEST, b.VET, b.HELP_CAME, b.HOURS_PAGE, b.RATE,
    b.TEAM, b.JOIN, b.TEAM_CITY,
    b.TEAM_RADIUS,
]  # fmt: skip


@pytest.mark.parametrize(("made", "legacy", "pattern"), LEGACY, ids=[x[1] for x in LEGACY])
def test_made_data_is_the_legacy_string_and_only_its_pattern_matches(
    made: str, legacy: str, pattern: re.Pattern[str]
) -> None:
    assert made == legacy
    assert [p.pattern for p in PATTERNS if p.match(legacy)] == [pattern.pattern]
    assert sum(parse(legacy) is not None for parse in PARSERS) == 1
    assert len(legacy.encode()) <= 64  # Telegram's limit for callback_data


def test_round_trips() -> None:
    for incident in IncidentType:
        assert b.parse_incident(b.make_incident(incident)) == b.IncidentChoice(incident)
        assert b.parse_skill(b.make_skill(incident)) == b.SkillPress(incident)
        assert b.parse_profile_skill(b.make_profile_skill(incident)) == b.SkillPress(incident)
    for item in EQUIPMENT_ITEMS:
        assert b.parse_equipment(b.make_equipment(item)) == b.EquipmentPress(item)
    for km in (*RADIUS_CHOICES_KM, 0):
        assert b.parse_radius(b.make_radius(km)) == b.RadiusChoice(km)
    for window in (*QUIET_CHOICES, None):
        assert b.parse_quiet(b.make_quiet(window)) == b.QuietChoice(window)
    for n in ALERTS_PER_HOUR_CHOICES:
        assert b.parse_cap(b.make_cap(n)) == b.CapChoice(n)
    assert b.parse_offer("offer:acc:2147483647") == b.OfferPress(b.OfferAction.ACCEPT, 2**31 - 1)
    big = 2**63 - 1
    assert b.parse_vet(f"vet:no:{big}") == b.VetPress(approve=False, volunteer_id=big)
    assert b.parse_conduct("conduct:no") == b.ConductAnswer(accept=False)
    for page in (0, 1, 999999):
        assert b.parse_hours_page(b.make_hours_page(page)) == b.HoursPage(page)
    for stars in (None, 1, 2, 3, 4, 5):
        assert b.parse_rate(b.make_rate(stars, 2**31 - 1)) == b.RatePress(stars, 2**31 - 1)
    for action in (b.TeamAction.ROTATE, b.TeamAction.LEAVE, b.TeamAction.DISMISS):
        assert b.parse_team(b.make_team(action, 2**31 - 1)) == b.TeamPress(action, 2**31 - 1)
    assert b.parse_team(f"tm:rmy:9:{big}") == b.TeamPress(b.TeamAction.REMOVE_YES, 9, big)
    assert b.parse_team("tm:pg:9:12") == b.TeamPress(b.TeamAction.PAGE, 9, 12)
    for city in cities():
        assert b.parse_team_city(b.make_team_city(city.name_en)) == b.TeamCityChoice(city.name_en)
    for km in b.TEAM_RADII_KM:
        assert b.parse_team_radius(b.make_team_radius(km)) == b.TeamRadiusChoice(km)


@pytest.mark.parametrize(
    "data",
    [
        None, "", ":", "pquiet:abc", "pquiet:", "pquiet:1-2", "pquiet:1320-360-1", "prad:²",
        "prad:", "prad:7", "prad:05", "pcap:3", "pcap:٢", "pskill:nope", "pequip:3", "pequip:",
        "prof:", "prof:phone", "pduty:maybe", "pleave:", "lang:xx", "lang:", "inc:", "inc:FIRE",
        "conduct:", "conduct:maybe", "conduct:ok\n", "skill:fire ", " skill:fire",
        "offer:acc:", "offer:acc:abc", "offer:acc:0", "offer:acc:-1", "offer:acc:²",
        "offer:acc:١٢", "offer:acc:2147483648", "offer:acc:123456789012345678",
        "offer:xyz:1", "job:arr:123456789012345678", "job:fly:1", "req:cancel:00",
        "vet:ok:0", "vet:ok:9223372036854775808", "vet:ok:99999999999999999999", "vet:maybe:1",
        "offer:acc:1:2", "x" * 65, "came:yes:", "came:maybe:1", "came:no:0",
        "came:yes:2147483648", "hours:", "hours:-1", "hours:01", "hours:1234567", "hours:١",
        "hours:²", "rate:0:1", "rate:6:1", "rate:5:0", "rate:skip:", "rate:5:2147483648",
        "rate:٣:1", "rate:5:1:2",
        "came:yes:2147483648",
        "tm:pg:3", "tm:pg:3:1234567", "tm:rm:3", "tm:rmy:3:0", "tm:rot:3:1", "tm:no:3:1",
        "tm:lv:0", "tm:rot:2147483648", "tm:zap:3", "tm:rot:", "tm:pg:3:-1", "tm:rmy:3:²",
        "tj:", "tj:a b", "tj:" + "a" * 33, "tj:ab!", "nt:city:Atlantis", "nt:city:",
        "nt:city:jeddah", "nt:r:7", "nt:r:", "nt:r:25.5",
    ],
)  # fmt: skip
def test_junk_parses_to_none_everywhere(data: str | None) -> None:
    assert [parse.__name__ for parse in PARSERS if parse(data) is not None] == []


def test_patterns_are_anchored() -> None:
    for pattern in PATTERNS:
        assert pattern.pattern.startswith("^") and pattern.pattern.endswith("$"), pattern


def _team_keyboards() -> list[InlineKeyboardMarkup]:
    """The team screens' keyboards: a member page with paging, the /newteam pickers."""
    from bot.handlers import team_admin
    from bot.handlers.teams import page_view
    from bot.services.teams import TeamPage
    from storage.team_models import Team
    from storage.teams import MemberRow

    team = Team(
        id=3, name="Falcons", lat=24.7, lon=46.7, radius_km=25, invite_code="x", created_by=1
    )
    member = MemberRow(21, "Sara", "pending", True, False, None, 30)
    _text, page = page_view(TeamPage(team, [member], 1, 3, 21, ["Huda"]))
    assert page is not None
    return [page, team_admin.city_buttons(), team_admin.radius_buttons()]


def _data(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(btn.callback_data) for row in markup.inline_keyboard for btn in row]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_keyboard_the_bot_builds_parses(lang: str) -> None:
    """Keyboards from every module (render.py's too, until it builds them with buttons.py)."""
    from bot.handlers import keyboards, render
    from bot.handlers.feedback import skip_keyboard
    from bot.handlers.hours import pager
    from bot.handlers.profile import profile_keyboard
    from bot.services.hours import Summary
    from bot.services.notices import Thanks
    from storage.models import Volunteer

    def summary(page: int) -> Summary:
        return Summary(month={}, all_time={}, rating=None, ratings=0, jobs=[], page=page, pages=3)

    with use_locale(lang):
        markups = [
            keyboards.incident_picker(),
            keyboards.language_picker(),
            keyboards.conduct_keyboard(),
            keyboards.skills_keyboard(0),
            keyboards.skills_keyboard(3, profile=True),
            keyboards.equipment_keyboard(0),
            keyboards.equipment_keyboard(5, profile=True),
            keyboards.consent_keyboard(),
            keyboards.leave_keyboard(),
            profile_keyboard(Volunteer(person_id=1, on_duty=True, phone="+966")),
            profile_keyboard(Volunteer(person_id=1, on_duty=False)),
            render.job_keyboard(12, on_scene=False),
            render.job_keyboard(12, on_scene=True),
            render.cancel_keyboard(12),
            render.citizen.help_keyboard(12),
            skip_keyboard(12),
            *filter(None, (pager(summary(page)) for page in range(3))),
            *_team_keyboards(),
        ]
        thanks = render.RENDERERS[Thanks](Thanks(12, "fire")).markup
        assert isinstance(thanks, InlineKeyboardMarkup)
        markups.append(thanks)
    for markup in markups:
        for data in _data(markup):
            assert sum(parse(data) is not None for parse in PARSERS) == 1, data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["10"], 10),
        (["\u206810\u2069"], 10),  # copied from an Arabic /pending line
        (["١٠"], 10),  # typed on an Arabic keyboard
        (["4503599627370496"], 2**52),
        ([], "missing"),
        (None, "missing"),
        (["²"], "missing"),
        (["abc"], "missing"),
        (["-5"], "missing"),
        (["0"], "out_of_range"),
        (["9223372036854775808"], "out_of_range"),
        (["99999999999999999999999999"], "out_of_range"),
        (["9" * 5000], "out_of_range"),  # never handed to int(): no ValueError on huge input
    ],
)
def test_person_id_argument(raw: list[str] | None, expected: object) -> None:
    assert inputs.person_id_argument(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "toggle"),
        ([], "toggle"),
        (["on"], "on"),
        (["OFF"], "off"),
        (["maybe"], None),
        (["on", "off"], None),
        (["²"], None),
    ],
)
def test_duty_argument(raw: list[str] | None, expected: str | None) -> None:
    assert inputs.duty_argument(raw) == expected
