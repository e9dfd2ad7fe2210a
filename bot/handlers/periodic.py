"""Periodic job-queue jobs, scheduled one way by every component that has one.

The job's name is its key (as python-telegram-bot's timerbot does it): scheduling again
replaces the job, so a restart of a component, or a test that schedules it twice, never
runs it twice. A run that starts late still runs (APScheduler's default would drop it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

# A run that starts late still runs.
LATE_STILL_RUNS: Mapping[str, Any] = {"misfire_grace_time": None}
# ... and runs are never concurrent: one still going when the next is due absorbs it.
ONE_AT_A_TIME: Mapping[str, Any] = {**LATE_STILL_RUNS, "max_instances": 1, "coalesce": True}


def repeat(
    app: Any,
    callback: Callable[[Any], Awaitable[object]],
    *,
    name: str,
    interval_s: float,
    first: float,
    job_kwargs: Mapping[str, Any] = LATE_STILL_RUNS,
) -> None:
    """Run ``callback`` every ``interval_s``, the first time after ``first`` seconds."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    app.job_queue.run_repeating(
        callback, interval=interval_s, first=first, name=name, job_kwargs=dict(job_kwargs)
    )
