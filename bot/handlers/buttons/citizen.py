"""The citizen's buttons: the incident type, the language picker, "did help come?"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.handlers.buttons._base import _ID, _alternatives, _full
from bot.handlers.inputs import RECORD_ID_MAX, bounded_id
from bot.i18n import LANGUAGES
from domain.incidents import IncidentType

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
