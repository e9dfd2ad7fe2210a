"""The weekly digest's picture: hours credited and requests handled per day, as a PNG.

Arabic needs its letters joined into their contextual forms and its words laid out right to
left. Matplotlib 3.11 (pinned) does both itself through libraqm: a label is given in logical
order, as it is stored. Reshaping it first with arabic-reshaper and reordering it with
python-bidi, the recipe for older matplotlib, now reverses it a second time (checked by
looking at the picture). The font is DejaVu Sans (Debian's fonts-dejavu-core, else the copy
matplotlib ships), which has the Arabic letters. In Arabic the chart is mirrored too: the
oldest day on the right, the hours axis on the right.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.i18n import _, babel_locale, is_rtl, t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.services.notices.teams import WeeklyDigest

SIZE_IN = (8.0, 4.5)
DPI = 100  # 800 x 450 pixels
SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
HOURS_COLOUR = "#2e7d32"
REQUESTS_COLOUR = "#1565c0"


def label(text: str) -> str:
    """Text as matplotlib draws it: without the isolate marks t() adds for Telegram clients
    (matplotlib's own layout places each value; a mark could be drawn as a missing glyph)."""
    return text.translate({0x2066: None, 0x2067: None, 0x2068: None, 0x2069: None})


def _font() -> object:
    from matplotlib.font_manager import FontProperties

    if SYSTEM_FONT.exists():
        return FontProperties(fname=str(SYSTEM_FONT))
    return FontProperties(family="DejaVu Sans")


def figure(p: WeeklyDigest) -> Figure:
    """The chart, in the current locale, not yet drawn to pixels (tests read its labels)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = _font()
    fig = Figure(figsize=SIZE_IN, dpi=DPI)
    hours_ax = fig.add_subplot()
    requests_ax = hours_ax.twinx()
    days = [date.fromisoformat(d.day) for d in p.days]
    x = list(range(len(days)))
    hours = [d.minutes / 60 for d in p.days]
    counts = [d.requests for d in p.days]
    hours_ax.bar(x, hours, color=HOURS_COLOUR, width=0.6, label=label(_("Hours credited")))
    requests_ax.plot(
        x, counts, color=REQUESTS_COLOUR, marker="o", linewidth=2, label=label(_("Requests"))
    )
    hours_ax.set_xticks(x)
    hours_ax.set_xticklabels(
        [label(str(format_date(d, "EEE d", locale=babel_locale()))) for d in days],
        fontproperties=font,
    )
    hours_ax.set_ylabel(label(_("Hours credited")), fontproperties=font, color=HOURS_COLOUR)
    requests_ax.set_ylabel(label(_("Requests")), fontproperties=font, color=REQUESTS_COLOUR)
    requests_ax.set_ylim(0, max([*counts, 1]) * 1.25)
    hours_ax.set_ylim(0, max([*hours, 1.0]) * 1.25)
    requests_ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole requests only
    hours_ax.set_title(
        label(t("{team}: the last 7 days", team=p.team)), fontproperties=font, fontsize=14
    )
    if is_rtl():
        hours_ax.invert_xaxis()  # time runs right to left, as the reader reads
        hours_ax.yaxis.tick_right()
        hours_ax.yaxis.set_label_position("right")
        requests_ax.yaxis.tick_left()
        requests_ax.yaxis.set_label_position("left")
    handles = hours_ax.get_legend_handles_labels()
    more = requests_ax.get_legend_handles_labels()
    hours_ax.legend(
        handles[0] + more[0],
        handles[1] + more[1],
        loc="upper left" if is_rtl() else "upper right",
        prop=font,
    )
    fig.tight_layout()
    return fig


def png(p: WeeklyDigest) -> bytes:
    """The chart as PNG bytes, ready for sendPhoto."""
    buffer = io.BytesIO()
    figure(p).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
