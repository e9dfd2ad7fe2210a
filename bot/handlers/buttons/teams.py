"""Teams' buttons (bot/handlers/teams.py) and the operators' /newteam flow
(bot/handlers/team_admin.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.buttons._base import _ID, _alternatives, _full
from bot.handlers.inputs import PERSON_ID_MAX, RECORD_ID_MAX, bounded_id
from domain.matching.geo import cities

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
