"""Periods as people type them after /certificate and /export: pure rules, no bot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.periods import EPOCH, Period, PeriodError, local_day, parse_day, parse_period

TODAY = date(2026, 7, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026", Period(date(2026, 1, 1), TODAY)),  # runs past today: ends today
        ("2025", Period(date(2025, 1, 1), date(2025, 12, 31))),
        ("2026-02", Period(date(2026, 2, 1), date(2026, 2, 28))),
        ("2024-2", Period(date(2024, 2, 1), date(2024, 2, 29))),
        ("2026-01-01..2026-06-30", Period(date(2026, 1, 1), date(2026, 6, 30))),
        ("2026-01-01 – 2026-06-30", Period(date(2026, 1, 1), date(2026, 6, 30))),
        ("2026-03-05", Period(date(2026, 3, 5), date(2026, 3, 5))),
        ("٢٠٢٥-٠٣", Period(date(2025, 3, 1), date(2025, 3, 31))),  # Arabic-Indic digits
        ("", Period(EPOCH, TODAY)),
        (None, Period(EPOCH, TODAY)),
    ],
)
def test_periods_people_type(text: str | None, expected: Period) -> None:
    assert parse_period(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("last year", PeriodError.FORMAT),
        ("2026-13", PeriodError.FORMAT),
        ("2026-02-30", PeriodError.FORMAT),
        ("26", PeriodError.FORMAT),
        ("2027", PeriodError.FUTURE),
        ("2026-08", PeriodError.FUTURE),
        ("2026-07-16..2026-08-01", PeriodError.FUTURE),
        ("2026-06-30..2026-01-01", PeriodError.REVERSED),
    ],
)
def test_bad_periods_say_why(text: str, error: PeriodError) -> None:
    assert parse_period(text, today=TODAY) == error


def test_a_period_is_whole_days_in_riyadh() -> None:
    lo, hi = Period(date(2026, 1, 1), date(2026, 1, 31)).utc_bounds()
    assert lo == datetime(2025, 12, 31, 21, 0, tzinfo=UTC)  # midnight in Riyadh (UTC+3)
    assert hi == datetime(2026, 1, 31, 21, 0, tzinfo=UTC)
    # 22:30 UTC on 31 January is already 1 February in Riyadh.
    assert local_day(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)) == date(2026, 2, 1)


def test_export_days() -> None:
    assert parse_day("2026-01-31") == date(2026, 1, 31)
    assert parse_day("2026-02-31") is None
    assert parse_day("31/01/2026") is None
