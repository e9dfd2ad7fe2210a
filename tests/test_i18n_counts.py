"""Counts read right in both languages: hours, jobs, the command centre's wave lines and timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import formatting
from bot.handlers.render import render
from bot.handlers.render.ops import timeline_event
from bot.i18n import FSI, PDI, tn, use_locale
from bot.services.notices import Event, Recipient, TimelineLine
from storage.audit import details_of
from tests.factories import notice
from tests.notice_cases import CASES, T0


def iso(value: object) -> str:
    return f"{FSI}{value}{PDI}"


def jobs(n: int) -> str:
    # As /hours counts them (bot/handlers/hours.py).
    return tn("{n} job", "{n} jobs", n)


def hours(n: int) -> str:
    # Whole hours as /hours and the credit notices show them; 0 h is never a duration.
    return formatting.duration(n * 60) if n else tn("{n} hour", "{n} hours", 0)


HOURS_AR = {
    0: f"{iso(0)} ساعة",
    1: "ساعة واحدة",
    2: "ساعتان",
    3: f"{iso(3)} ساعات",
    11: f"{iso(11)} ساعة",
    100: f"{iso(100)} ساعة",
}

JOBS_AR = {
    0: f"{iso(0)} مهمة",
    1: "مهمة واحدة",
    2: "مهمتان",
    3: f"{iso(3)} مهام",
    11: f"{iso(11)} مهمة",
    100: f"{iso(100)} مهمة",
}


@pytest.mark.parametrize("n", sorted(HOURS_AR))
def test_arabic_plural_hours(n: int) -> None:
    with use_locale("ar"):
        assert hours(n) == HOURS_AR[n]


@pytest.mark.parametrize("n", sorted(JOBS_AR))
def test_arabic_plural_jobs(n: int) -> None:
    with use_locale("ar"):
        assert jobs(n) == JOBS_AR[n]


def test_english_plural_hours_and_jobs() -> None:
    with use_locale("en"):
        assert [hours(n) for n in (0, 1, 2)] == ["0 hours", "1 hour", "2 hours"]
        assert [jobs(n) for n in (0, 1, 2)] == ["0 jobs", "1 job", "2 jobs"]


def wave(alerted: int, lang: str) -> str:
    with use_locale(lang):
        return timeline_event(
            TimelineLine(T0, "wave", details_of(f"wave=2 radius_m=10000 alerted={alerted}"))
        )


def test_wave_line_counts_in_english() -> None:
    assert wave(1, "en") == "Wave 2: 1 volunteer alerted within 10.0 km"
    assert wave(2, "en") == "Wave 2: 2 volunteers alerted within 10.0 km"
    assert wave(1000, "en") == "Wave 2: 1,000 volunteers alerted within 10.0 km"


WAVE_AR = {
    0: "لم يتم تنبيه أي متطوع",
    1: "تم تنبيه متطوع واحد",
    2: "تم تنبيه متطوعَين",
    3: f"تم تنبيه {iso(3)} متطوعين",
    11: f"تم تنبيه {iso(11)} متطوعًا",
    100: f"تم تنبيه {iso(100)} متطوع",
}


@pytest.mark.parametrize("n", sorted(WAVE_AR))
def test_wave_line_counts_in_arabic(n: int) -> None:
    line = wave(n, "ar")
    assert line.startswith(f"الموجة {iso(2)}: ") and WAVE_AR[n] in line


def test_escalation_timeline_and_location_are_isolated_in_arabic() -> None:
    params = dict(CASES[Event.OPS_ESCALATION][0])
    params["timeline"] = [
        (T0, "created", ""),
        (T0 + timedelta(seconds=5), "wave", "wave=1 radius_m=5000 alerted=3"),
    ]
    text = render(notice(Recipient(None, -100, "ar"), Event.OPS_ESCALATION, params)).text
    with use_locale("ar"):
        clocks = [formatting.clock(T0), formatting.clock(T0 + timedelta(seconds=5))]
    bullets = [line for line in text.splitlines() if line.startswith("•")]
    assert len(bullets) == 2
    for line, clock in zip(bullets, clocks, strict=True):
        assert line.startswith(f"• {iso(clock)} {FSI}"), line  # the clock and the event isolated
        assert line.count(FSI) == line.count(PDI)
    assert iso("24.71360") in text and iso("46.67530") in text


def test_escalation_location_in_english() -> None:
    params = dict(CASES[Event.OPS_ESCALATION][0])
    text = render(notice(Recipient(None, -100, "en"), Event.OPS_ESCALATION, params)).text
    assert "Location: 24.71360, 46.67530" in text
