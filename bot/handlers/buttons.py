"""Every inline button's callback data, written and read back in one place.

Telegram returns callback data exactly as the bot wrote it, but a modified client can
send any bytes, and old messages keep their buttons for ever. So each prefix has one
``make_…`` that writes it, one ``parse_…`` that reads it into a small frozen value, and
one anchored pattern for its ``CallbackQueryHandler``. Anything else (an unknown
action, a truncated or forged value, an id no row can have) parses to ``None``, and the
handler gives the stale-button answer. The strings are byte for byte those the bot has
always written, so buttons already in people's chats keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.inputs import PERSON_ID_MAX, RECORD_ID_MAX, bounded_id
from bot.i18n import LANGUAGES
from domain.incidents import EQUIPMENT_ITEMS, Equipment, IncidentType
from domain.matching.geo import cities
from domain.volunteers import ALERTS_PER_HOUR_CHOICES, QUIET_CHOICES, RADIUS_CHOICES_KM

# Up to 19 digits: every positive signed 64-bit integer; the range is checked after.
_ID = r"([0-9]{1,19})"


def _alternatives(values: object) -> str:
    return "(" + "|".join(re.escape(str(v)) for v in values) + ")"  # type: ignore[attr-defined]


def _full(data: str | None, pattern: re.Pattern[str]) -> re.Match[str] | None:
    return pattern.fullmatch(data) if data is not None else None


# --- the citizen's flow -------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentChoice:
    incident: IncidentType


INCIDENT = re.compile(r"^inc:" + _alternatives(t.value for t in IncidentType) + "$")


def make_incident(incident: IncidentType) -> str:
    return f"inc:{incident.value}"


def parse_incident(data: str | None) -> IncidentChoice | None:
    m = _full(data, INCIDENT)
    return IncidentChoice(IncidentType(m[1])) if m else None


# --- language -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageChoice:
    code: str


LANGUAGE = re.compile(r"^lang:" + _alternatives(LANGUAGES) + "$")


def make_language(code: str) -> str:
    return f"lang:{code}"


def parse_language(data: str | None) -> LanguageChoice | None:
    m = _full(data, LANGUAGE)
    return LanguageChoice(m[1]) if m else None


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


# --- the profile --------------------------------------------------------------------------


class ProfilePart(StrEnum):
    """What a profile button opens."""

    SKILLS = "skills"
    EQUIPMENT = "equip"
    RADIUS = "radius"
    QUIET = "quiet"
    CAP = "cap"
    LEAVE = "leave"


@dataclass(frozen=True)
class ProfileOpen:
    part: ProfilePart


PROFILE = re.compile(r"^prof:" + _alternatives(p.value for p in ProfilePart) + "$")


def make_profile(part: ProfilePart) -> str:
    return f"prof:{part.value}"


def parse_profile(data: str | None) -> ProfileOpen | None:
    m = _full(data, PROFILE)
    return ProfileOpen(ProfilePart(m[1])) if m else None


@dataclass(frozen=True)
class DutyPress:
    on: bool


DUTY = re.compile(r"^pduty:(on|off)$")


def make_duty(*, on: bool) -> str:
    return "pduty:on" if on else "pduty:off"


def parse_duty(data: str | None) -> DutyPress | None:
    m = _full(data, DUTY)
    return DutyPress(m[1] == "on") if m else None


@dataclass(frozen=True)
class PhonePress:
    """Add a number (ask for the contact) or delete the stored one."""

    add: bool


PHONE = re.compile(r"^pphone:(add|off)$")


def make_phone(*, add: bool) -> str:
    return "pphone:add" if add else "pphone:off"


def parse_phone(data: str | None) -> PhonePress | None:
    m = _full(data, PHONE)
    return PhonePress(m[1] == "add") if m else None


@dataclass(frozen=True)
class RadiusChoice:
    """An alert radius in km; 0 means any distance."""

    km: int


RADIUS = re.compile(r"^prad:" + _alternatives([*RADIUS_CHOICES_KM, 0]) + "$")


def make_radius(km: int) -> str:
    return f"prad:{km}"


def parse_radius(data: str | None) -> RadiusChoice | None:
    m = _full(data, RADIUS)
    return RadiusChoice(int(m[1])) if m else None


@dataclass(frozen=True)
class QuietChoice:
    """Quiet hours as (start, end) minutes of the local day; None turns them off."""

    window: tuple[int, int] | None


QUIET = re.compile(
    r"^pquiet:" + _alternatives([*(f"{a}-{b}" for a, b in QUIET_CHOICES), "off"]) + "$"
)


def make_quiet(window: tuple[int, int] | None) -> str:
    return "pquiet:off" if window is None else f"pquiet:{window[0]}-{window[1]}"


def parse_quiet(data: str | None) -> QuietChoice | None:
    m = _full(data, QUIET)
    if m is None:
        return None
    if m[1] == "off":
        return QuietChoice(None)
    start, end = m[1].split("-")
    return QuietChoice((int(start), int(end)))


@dataclass(frozen=True)
class CapChoice:
    per_hour: int


CAP = re.compile(r"^pcap:" + _alternatives(ALERTS_PER_HOUR_CHOICES) + "$")


def make_cap(per_hour: int) -> str:
    return f"pcap:{per_hour}"


def parse_cap(data: str | None) -> CapChoice | None:
    m = _full(data, CAP)
    return CapChoice(int(m[1])) if m else None


@dataclass(frozen=True)
class LeaveAnswer:
    leave: bool


LEAVE = re.compile(r"^pleave:(yes|no)$")


def make_leave(*, leave: bool) -> str:
    return "pleave:yes" if leave else "pleave:no"


def parse_leave(data: str | None) -> LeaveAnswer | None:
    m = _full(data, LEAVE)
    return LeaveAnswer(m[1] == "yes") if m else None


# --- alerts, jobs, requests, verification -------------------------------------------------


class OfferAction(StrEnum):
    ACCEPT = "acc"
    DECLINE = "dec"


class JobAction(StrEnum):
    ARRIVED = "arr"
    DONE = "done"
    RELEASE = "rel"


class RequestAction(StrEnum):
    CANCEL = "cancel"
    SOLVED = "yes"
    NOT_SOLVED = "no"


@dataclass(frozen=True)
class OfferPress:
    action: OfferAction
    offer_id: int


@dataclass(frozen=True)
class JobPress:
    action: JobAction
    request_id: int


@dataclass(frozen=True)
class RequestPress:
    action: RequestAction
    request_id: int


@dataclass(frozen=True)
class VetPress:
    approve: bool
    volunteer_id: int


OFFER = re.compile(r"^offer:" + _alternatives(a.value for a in OfferAction) + ":" + _ID + "$")
JOB = re.compile(r"^job:" + _alternatives(a.value for a in JobAction) + ":" + _ID + "$")
REQUEST = re.compile(r"^req:" + _alternatives(a.value for a in RequestAction) + ":" + _ID + "$")
VET = re.compile(r"^vet:(ok|no):" + _ID + "$")


def make_offer(action: OfferAction, offer_id: int) -> str:
    return f"offer:{action.value}:{offer_id}"


def parse_offer(data: str | None) -> OfferPress | None:
    m = _full(data, OFFER)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return OfferPress(OfferAction(m[1]), ident) if m and ident else None


def make_job(action: JobAction, request_id: int) -> str:
    return f"job:{action.value}:{request_id}"


def parse_job(data: str | None) -> JobPress | None:
    m = _full(data, JOB)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return JobPress(JobAction(m[1]), ident) if m and ident else None


def make_request(action: RequestAction, request_id: int) -> str:
    return f"req:{action.value}:{request_id}"


def parse_request(data: str | None) -> RequestPress | None:
    m = _full(data, REQUEST)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return RequestPress(RequestAction(m[1]), ident) if m and ident else None


def make_vet(*, approve: bool, volunteer_id: int) -> str:
    return f"vet:{'ok' if approve else 'no'}:{volunteer_id}"


def parse_vet(data: str | None) -> VetPress | None:
    m = _full(data, VET)
    ident = bounded_id(m[2], PERSON_ID_MAX) if m else None
    return VetPress(m[1] == "ok", ident) if m and ident else None


# --- the citizen's answer to "did help come?" (bot/handlers/followup.py) -------------------


@dataclass(frozen=True)
class HelpCamePress:
    came: bool  # yes, it is being handled / no, nobody came
    request_id: int


HELP_CAME = re.compile(r"^came:(yes|no):" + _ID + "$")


def make_help_came(*, came: bool, request_id: int) -> str:
    return f"came:{'yes' if came else 'no'}:{request_id}"


def parse_help_came(data: str | None) -> HelpCamePress | None:
    m = _full(data, HELP_CAME)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return HelpCamePress(m[1] == "yes", ident) if m and ident else None


# --- hours: the /hours pages and the citizen's rating (bot/handlers/hours.py, feedback.py) ---


@dataclass(frozen=True)
class HoursPage:
    """A page of /hours' job list, 0 the newest."""

    page: int


# A page number, not a row id: 0 is the first page; six digits are more pages than anyone has.
HOURS_PAGE = re.compile(r"^hours:(0|[1-9][0-9]{0,5})$")


def make_hours_page(page: int) -> str:
    return f"hours:{page}"


def parse_hours_page(data: str | None) -> HoursPage | None:
    m = _full(data, HOURS_PAGE)
    return HoursPage(int(m[1])) if m else None


@dataclass(frozen=True)
class RatePress:
    """Stars for a request's help (1–5), or Skip on the comment question (``stars`` None)."""

    stars: int | None
    request_id: int


RATE = re.compile(r"^rate:([1-5]|skip):" + _ID + "$")


def make_rate(stars: int | None, request_id: int) -> str:
    return f"rate:{stars if stars is not None else 'skip'}:{request_id}"


def parse_rate(data: str | None) -> RatePress | None:
    m = _full(data, RATE)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return RatePress(None if m[1] == "skip" else int(m[1]), ident) if m and ident else None


# --- teams (bot/handlers/teams.py) ---------------------------------------------------------


class TeamAction(StrEnum):
    PAGE = "pg"  # show page ``arg`` of the members
    REMOVE = "rm"  # ask to confirm removing member ``arg``
    REMOVE_YES = "rmy"  # remove member ``arg`` (checked against the team by the service)
    ROTATE = "rot"  # a new invite link
    LEAVE = "lv"  # the presser leaves the team
    DISMISS = "no"  # "Not now": the buttons go, nothing changes


# The actions that name a member, and the one that names a page; the others name nothing.
_MEMBER_ACTIONS = (TeamAction.REMOVE, TeamAction.REMOVE_YES)
PAGE_MAX = 100_000


@dataclass(frozen=True)
class TeamPress:
    """A button on a team's message; every one carries the team it acts on."""

    action: TeamAction
    team_id: int
    arg: int | None = None  # the page (PAGE) or the member (REMOVE, REMOVE_YES)


TEAM = re.compile(
    r"^tm:" + _alternatives(a.value for a in TeamAction) + ":" + _ID + "(?::" + _ID + ")?$"
)


def make_team(action: TeamAction, team_id: int, arg: int | None = None) -> str:
    tail = f":{arg}" if arg is not None else ""
    return f"tm:{action.value}:{team_id}{tail}"


def parse_team(data: str | None) -> TeamPress | None:
    """A page needs its number, a removal its member; the other actions take nothing."""
    m = _full(data, TEAM)
    team_id = bounded_id(m[2], RECORD_ID_MAX) if m else None
    if m is None or team_id is None:
        return None
    action, raw = TeamAction(m[1]), m[3]
    if action is TeamAction.PAGE:
        page = int(raw) if raw is not None and len(raw) <= 6 else None
        return TeamPress(action, team_id, page) if page is not None and page <= PAGE_MAX else None
    if action in _MEMBER_ACTIONS:
        member = bounded_id(raw, PERSON_ID_MAX) if raw is not None else None
        return TeamPress(action, team_id, member) if member is not None else None
    return TeamPress(action, team_id) if raw is None else None


@dataclass(frozen=True)
class JoinPress:
    """✅ Join under an invite: the code the link carried (the service looks it up)."""

    code: str


JOIN = re.compile(r"^tj:([A-Za-z0-9_-]{1,32})$")


def make_join(code: str) -> str:
    return f"tj:{code}"


def parse_join(data: str | None) -> JoinPress | None:
    m = _full(data, JOIN)
    return JoinPress(m[1]) if m else None


# --- the operators' /newteam flow (bot/handlers/team_admin.py) -----------------------------

TEAM_RADII_KM = (10, 25, 50, 100)


@dataclass(frozen=True)
class TeamCityChoice:
    """A city of domain/data/saudi_cities.csv, by its English name, as the team's region."""

    city: str


@dataclass(frozen=True)
class TeamRadiusChoice:
    km: int


TEAM_CITY = re.compile(r"^nt:city:" + _alternatives(c.name_en for c in cities()) + "$")
TEAM_RADIUS = re.compile(r"^nt:r:" + _alternatives(TEAM_RADII_KM) + "$")


def make_team_city(name_en: str) -> str:
    return f"nt:city:{name_en}"


def parse_team_city(data: str | None) -> TeamCityChoice | None:
    m = _full(data, TEAM_CITY)
    return TeamCityChoice(m[1]) if m else None


def make_team_radius(km: int) -> str:
    return f"nt:r:{km}"


def parse_team_radius(data: str | None) -> TeamRadiusChoice | None:
    m = _full(data, TEAM_RADIUS)
    return TeamRadiusChoice(int(m[1])) if m else None
