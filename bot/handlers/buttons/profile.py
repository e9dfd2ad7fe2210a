"""The profile's buttons (/profile): what to open, duty, phone, radius, quiet hours, the
hourly cap, leaving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.buttons._base import _alternatives, _full
from domain.volunteers import ALERTS_PER_HOUR_CHOICES, QUIET_CHOICES, RADIUS_CHOICES_KM

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
