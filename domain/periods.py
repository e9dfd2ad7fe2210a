"""Periods a certificate or an export covers, as people type them, and what a job's date is.

Pure rules, tested without a bot: ``2026``, ``2026-11``, ``2026-01-01..2026-06-30`` (or one
day, ``2026-03-05``), nothing for everything so far. A period that has not begun is refused;
one that runs past today ends today, so a certificate never states hours from the future.
Dates are days in Asia/Riyadh, where every job happens.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Riyadh")
# The first day anything can have happened: the programme did not exist before.
EPOCH = date(2020, 1, 1)

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_RANGE = re.compile(rf"^{_DAY}(?:\s*(?:\.\.|–|—)\s*{_DAY})?$")


class PeriodError(StrEnum):
    """Why a typed period was refused (each has its own answer)."""

    FORMAT = "format"
    FUTURE = "future"
    REVERSED = "reversed"


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included."""

    start: date
    end: date

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from local midnight of the first day to that of the day after."""
        lo = datetime.combine(self.start, time.min, LOCAL_TZ).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
        return lo, hi

    def iso(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def local_day(moment: datetime) -> date:
    """The day a moment falls on in Asia/Riyadh."""
    return moment.astimezone(LOCAL_TZ).date()


def month_of(today: date) -> Period:
    return Period(today.replace(day=1), today)


def parse_period(text: str | None, *, today: date) -> Period | PeriodError:
    """The period typed after a command, or why it cannot be used."""
    raw = (text or "").strip()
    if not raw:
        return Period(EPOCH, today)
    try:
        start, end = _bounds(raw)
    except ValueError:  # 2026-02-30, month 13: the right shape, no such day
        return PeriodError.FORMAT
    if start is None or end is None:
        return PeriodError.FORMAT
    if start > end:
        return PeriodError.REVERSED
    if start > today:
        return PeriodError.FUTURE
    return Period(max(start, EPOCH), min(end, today))


def _bounds(raw: str) -> tuple[date | None, date | None]:
    if m := _YEAR.match(raw):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if m := _MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if m := _RANGE.match(raw):
        first = date(int(m[1]), int(m[2]), int(m[3]))
        if m[4] is None:
            return first, first
        return first, date(int(m[4]), int(m[5]), int(m[6]))
    return None, None


def parse_day(text: str) -> date | None:
    """One ISO day (``2026-03-05``), for an export's ``from`` and ``to``."""
    m = re.fullmatch(_DAY, text.strip())
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
