"""The command centre's buttons: /open's pages, /request's actions (bot/handlers/oversight.py),
an escalation's answers (bot/handlers/escalation.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.buttons._base import _ID, _alternatives, _full
from bot.handlers.inputs import PERSON_ID_MAX, RECORD_ID_MAX, bounded_id

# --- the command centre's views: /open's pages, /request's actions (bot/handlers/oversight.py)


class OpsAction(StrEnum):
    PAGE = "page"  # /open: show page N (from 0)
    VIEW = "view"  # show request N (/request N)
    CANCEL = "cancel"
    REDISPATCH = "redo"
    REASSIGN = "reas"


@dataclass(frozen=True)
class OpsPress:
    """Which action on which request (or page): whether it still applies is the use case's."""

    action: OpsAction
    ident: int


OVERSIGHT = re.compile(r"^ovr:" + _alternatives(a.value for a in OpsAction) + ":" + _ID + "$")


def make_oversight(action: OpsAction, ident: int) -> str:
    return f"ovr:{action.value}:{ident}"


def parse_oversight(data: str | None) -> OpsPress | None:
    m = _full(data, OVERSIGHT)
    if m is None:
        return None
    action = OpsAction(m[1])
    if action is OpsAction.PAGE:  # pages count from 0
        page = 0 if m[2] == "0" else bounded_id(m[2], RECORD_ID_MAX)
        return OpsPress(action, page) if page is not None else None
    ident = bounded_id(m[2], RECORD_ID_MAX)
    return OpsPress(action, ident) if ident else None


# --- an escalation's answers (bot/handlers/escalation.py) ------------------------------------


class EscalationAction(StrEnum):
    WIDER = "wide"
    ASSIGN = "who"  # show the nearest volunteers to name one
    OFFICIALS = "off"
    FALSE_ALARM = "false"
    BACK = "back"  # from the volunteers back to the four answers


@dataclass(frozen=True)
class EscalationPress:
    action: EscalationAction
    request_id: int


@dataclass(frozen=True)
class NamedVolunteer:
    request_id: int
    volunteer_id: int


ESCALATION = re.compile(
    r"^esc:" + _alternatives(a.value for a in EscalationAction) + ":" + _ID + "$"
)
NAMED = re.compile(r"^esc:to:" + _ID + ":" + _ID + "$")


def make_escalation(action: EscalationAction, request_id: int) -> str:
    return f"esc:{action.value}:{request_id}"


def parse_escalation(data: str | None) -> EscalationPress | None:
    m = _full(data, ESCALATION)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return EscalationPress(EscalationAction(m[1]), ident) if m and ident else None


def make_named(request_id: int, volunteer_id: int) -> str:
    return f"esc:to:{request_id}:{volunteer_id}"


def parse_named(data: str | None) -> NamedVolunteer | None:
    m = _full(data, NAMED)
    rid = bounded_id(m[1], RECORD_ID_MAX) if m else None
    vid = bounded_id(m[2], PERSON_ID_MAX) if m else None
    return NamedVolunteer(rid, vid) if rid and vid else None
