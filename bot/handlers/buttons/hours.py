"""The /hours pages and the citizen's rating (bot/handlers/hours.py, feedback.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.handlers.buttons._base import _ID, _full
from bot.handlers.inputs import RECORD_ID_MAX, bounded_id

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
