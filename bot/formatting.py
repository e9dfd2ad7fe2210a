"""Numbers, distances, durations and times in the reader's locale, with Babel.

Times are shown in Asia/Riyadh: that is where every request happens. ``chunks`` cuts a long
text into Telegram-sized messages.
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


MESSAGE_LIMIT = 4096  # Telegram's longest text message, in characters


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Messages of at most ``limit`` characters, cut between lines; a line longer than the
    limit (a long list of names) is cut after a comma or a space, never inside a word."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = max(line.rfind(", ", 0, limit - 1) + 1, line.rfind(" ", 0, limit)) or limit
            head, line = line[:cut].rstrip(), line[cut:].lstrip()
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current:
        parts.append(current)
    return parts
