"""The weekly chart: a valid PNG of the expected size, labelled in the reader's language,
mirrored for Arabic. (Its Arabic rendering was looked at: matplotlib 3.11 joins the letters and
lays them out right to left itself; see bot/handlers/charts.py.)"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from babel.dates import format_date
from matplotlib.patches import Rectangle

from bot.handlers import charts
from bot.i18n import use_locale
from bot.services.notices.teams import DayFigures, WeeklyDigest

WEEK = WeeklyDigest(
    team="الصقور",
    until=datetime(2026, 6, 4, 17, 0, tzinfo=UTC),
    members=6,
    days=tuple(
        DayFigures(
            date(2026, 5, 29 + i).isoformat() if i < 3 else date(2026, 6, i - 2).isoformat(), m, r
        )
        for i, (m, r) in enumerate(
            [(90, 2), (0, 0), (150, 3), (45, 1), (240, 4), (30, 1), (120, 2)]
        )
    ),
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_chart_is_a_png_of_the_expected_size(lang: str, tmp_path: Path) -> None:
    with use_locale(lang):
        data = charts.png(WEEK)
    assert png_size(data) == (800, 450)
    assert data.endswith(b"IEND\xaeB`\x82")  # complete, not truncated
    (tmp_path / f"week_{lang}.png").write_bytes(data)


def test_arabic_labels_are_arabic_in_logical_order_and_the_chart_is_mirrored() -> None:
    with use_locale("ar"):
        fig = charts.figure(WEEK)
    hours_ax, requests_ax = fig.axes
    ticks = [label.get_text() for label in hours_ax.get_xticklabels()]
    days = [date.fromisoformat(d.day) for d in WEEK.days]
    assert ticks == [format_date(d, "EEE d", locale="ar") for d in days]
    assert ticks[-1] == "الخميس 4"  # stored order: matplotlib shapes and reorders it
    assert hours_ax.get_title() == "الصقور: آخر 7 أيام"
    assert hours_ax.get_ylabel() == "الساعات المحتسبة" and requests_ax.get_ylabel() == "البلاغات"
    left, right = hours_ax.get_xlim()
    assert left > right  # oldest day on the right
    assert hours_ax.yaxis.get_label_position() == "right"
    assert "\u2068" not in hours_ax.get_title()  # no isolate marks drawn as boxes


def test_english_labels_and_bars() -> None:
    with use_locale("en"):
        fig = charts.figure(WEEK)
    hours_ax, requests_ax = fig.axes
    assert hours_ax.get_xticklabels()[0].get_text() == "Fri 29"
    assert hours_ax.get_ylabel() == "Hours credited" and requests_ax.get_ylabel() == "Requests"
    bars = [b for b in hours_ax.patches if isinstance(b, Rectangle)]
    assert [round(b.get_height(), 2) for b in bars] == [1.5, 0, 2.5, 0.75, 4, 0.5, 2]
    assert [float(y) for y in np.asarray(requests_ax.lines[0].get_ydata())] == [2, 0, 3, 1, 4, 1, 2]
    left, right = hours_ax.get_xlim()
    assert left < right
