"""The surge simulator (``python -m bot.simulate``) with tiny numbers: it runs the real bot,
prints every figure the issue asks for, loses nothing, and a recorded run is what /stats,
the leader's digest and the dashboard's figures read. No figure is timed here (bench/ and the
README hold the measurements); only that the numbers exist and add up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.devtools.simulate.cli import main
from bot.devtools.simulate.config import SimConfig
from bot.devtools.simulate.run import simulate
from bot.devtools.simulate.show import show
from storage.db import Database
from storage.models import HelpRequest

REQUIRED = {
    "requests_sent", "requests_lost", "requests_per_s", "first_alert_p50_ms",
    "first_alert_p99_ms", "first_accept_p50_s", "alerts_per_s", "rate_limited", "status_429",
    "peak_rss_mb", "queue_delay_p99_ms", "dispatched", "accepted", "escalated",
    "alerts_per_volunteer", "updates_per_s", "sql_statements_per_request",
    "db_handoffs_per_request", "bot_api_calls_per_request",
}  # fmt: skip

#: A few seconds of a small town: fifty times faster than life, so volunteers answer and the
#: ladder runs within the test.
TINY = [
    "--volunteers", "150", "--rate", "2", "--duration", "2", "--pace", "0.05",
    "--linger", "3", "--live-share", "0.1", "--duty-churn", "1", "--no-progress",
]  # fmt: skip


def test_a_small_surge_prints_every_figure_as_the_last_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main([*TINY, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(out[-1])
    assert REQUIRED <= figures.keys(), REQUIRED - figures.keys()
    assert figures["requests_sent"] >= 1
    assert figures["requests_lost"] == 0, figures["lost_reasons"]
    assert code == 0
    assert figures["requests_created"] == figures["requests_sent"]
    assert figures["dispatched"] >= 1 and figures["first_alert_p50_ms"] is not None
    assert figures["rate_limited"] is False and figures["status_429"] == 0
    assert figures["paid_sent"] == 0  # PAID_BROADCAST is off by default
    assert figures["sql_statements_per_request"] > 0 and figures["db_handoffs_per_request"] > 0
    assert isinstance(figures["queue_delay_p99_ms"], dict) and figures["queue_delay_p99_ms"]
    assert figures["peak_rss_mb"] > 0
    assert any("requests sent" in line for line in out[:-1])  # the summary table came first
    assert "15 live locations" in " ".join(figures["notes"])


def test_limits_on_are_enforced_by_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    """With --rate-limits the bot keeps its limiter and the emulator counts every 429 it gave."""
    main([*TINY, "--rate-limits", "--json"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["rate_limited"] is True
    assert figures["requests_lost"] == 0, figures["lost_reasons"]
    assert isinstance(figures["status_429"], int)


def test_paid_broadcast_sends_the_major_areas_alerts_paid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--paid-broadcast: the operator declares the city a major-incident area first, and its
    alerts go with allow_paid_broadcast (the control: the first test's run sends none)."""
    main([*TINY, "--rate-limits", "--paid-broadcast", "--json"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["major"] is True and figures["paid_broadcast"] is True
    assert figures["requests_lost"] == 0, figures["lost_reasons"]
    assert figures["paid_sent"] >= 1  # the area's (a suburb's request may lie outside it)
    assert any(n.startswith("major-incident mode:") for n in figures["notes"])
    assert set(figures["first_alert_p99_ms_by_kind"]) <= {"life_threatening", "other"}


async def test_a_recorded_run_is_what_stats_and_the_digest_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "surge.db"
    cfg = SimConfig(volunteers=150, rate=2, duration=2, pace=0.05, linger_s=2, record=str(target))
    figures = await simulate(cfg)
    assert target.exists() and figures["requests_created"] >= 1
    db = Database(f"sqlite:///{target}")
    try:
        async with db.session() as s:
            stored = (await s.exec(select(func.count()).select_from(HelpRequest))).one()
    finally:
        await db.dispose()
    assert stored == figures["requests_created"]
    shown = await show(str(target))
    assert shown["total"] == stored
    printed = capsys.readouterr().out
    assert "--- /stats today" in printed and "--- /digest" in printed
    assert "http://127.0.0.1:8080/dashboard" in printed  # the operator's one-time link
    with pytest.raises(SystemExit, match="exists"):
        await simulate(cfg)  # a recording is never overwritten


def test_a_linked_report_is_lost_only_when_the_request_it_follows_was_not_reached() -> None:
    from typing import Any, cast

    from bot.devtools.simulate.figures import _citizens
    from bot.devtools.simulate.people import Citizen, Tally

    def citizen(request_id: int) -> Citizen:
        user = cast(Any, None)
        return Citizen(
            user, "fire", (24.7, 46.7), last_step_at=1.0, receipt_at=1.5, request_id=request_id
        )

    tally = Tally(citizens=[citizen(1), citizen(2), citizen(3), citizen(4)])
    status = {1: "dispatching", 2: "linked", 3: "linked", 4: "dispatching"}
    seen = _citizens(
        tally, first_alert={1: 2.0}, status=status, escalated=set(), follows={2: 1, 3: 4}
    )
    assert seen.linked == 1  # 2 follows 1, which was alerted
    assert dict(seen.lost) == {  # 3 follows 4, and neither was alerted
        "neither alerted nor escalated (linked)": 1,
        "neither alerted nor escalated (dispatching)": 1,
    }
    assert seen.latency_ms == [1000.0]
