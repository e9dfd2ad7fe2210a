"""Numbers, distances, durations and times in the reader's locale, with Babel.

Times are shown in Asia/Riyadh: that is where every request happens.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal

from bot.i18n import babel_locale, t, tn

LOCAL_TZ = ZoneInfo("Asia/Riyadh")


def distance(metres: float) -> str:
    """Metres below 1 km (rounded to 10 m), kilometres with one decimal above."""
    loc = babel_locale()
    rounded = max(10, round(metres, -1))
    if rounded < 1000:
        return t("{n} m", n=format_decimal(rounded, locale=loc))
    return t("{n} km", n=format_decimal(round(metres / 1000.0, 1), format="#,##0.0", locale=loc))


def minutes(n: int) -> str:
    return tn("{n} minute", "{n} minutes", n)


def duration(total_minutes: int) -> str:
    """Hours and minutes for totals (volunteer hours), minutes alone below an hour."""
    if total_minutes < 60:
        return minutes(total_minutes)
    hours, rest = divmod(total_minutes, 60)
    h = tn("{n} hour", "{n} hours", hours)
    return h if rest == 0 else t("{hours} and {minutes}", hours=h, minutes=minutes(rest))


def when(moment: datetime) -> str:
    return str(_babel_datetime(moment, "short", tzinfo=LOCAL_TZ, locale=babel_locale()))


def clock(moment: datetime) -> str:
    return str(_babel_time(moment, "short", tzinfo=LOCAL_TZ, locale=babel_locale()))


def coordinate(degrees: float) -> str:
    """A latitude or longitude to five decimals (about a metre), in the reader's locale."""
    return str(format_decimal(degrees, format="0.00000", locale=babel_locale()))
