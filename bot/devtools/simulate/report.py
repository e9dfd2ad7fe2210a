"""What the person running the simulator sees: a progress bar, then a summary table.

The bar and the log go to standard error; standard output gets the table and, with
``--json``, the figures as one JSON object on its last line (for scripts and the tests).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.devtools.simulate.config import SimConfig


class Bar:
    """The rich progress bar over the surge's seconds, with the counts beside it."""

    def __init__(self, cfg: SimConfig, enabled: bool = True) -> None:
        self.cfg = cfg
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[counts]}"),
            console=self.console,
            disable=not enabled,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> Bar:
        self.progress.start()
        self.task = self.progress.add_task("preparing", total=self.cfg.duration, counts="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, stage: str, numbers: dict[str, float]) -> None:
        assert self.task is not None
        if stage != "surge":
            extra = f" ({int(numbers['n'])})" if "n" in numbers else ""
            self.progress.update(self.task, description=stage + extra)
            return
        counts = (
            f"{int(numbers['started'])} asked · {int(numbers['received'])} received · "
            f"{int(numbers['alerts'])} alerts · {int(numbers['429'])} × 429"
        )
        self.progress.update(
            self.task,
            description="surge",
            completed=min(self.cfg.duration, numbers["elapsed"]),
            counts=counts,
        )


ROWS = (
    ("requests sent / created / lost", ("requests_sent", "requests_created", "requests_lost")),
    ("linked to a nearby report that was reached", ("requests_linked",)),
    ("dispatched / accepted / escalated", ("dispatched", "accepted", "escalated")),
    ("requests per second (receipts)", ("requests_per_s",)),
    ("first alert p50 / p99 (ms)", ("first_alert_p50_ms", "first_alert_p99_ms")),
    ("first alert p99 by kind (ms)", ("first_alert_p99_ms_by_kind",)),
    ("first accept p50 (s)", ("first_accept_p50_s",)),
    ("alerts / per second / per volunteer", ("alerts", "alerts_per_s", "alerts_per_volunteer")),
    ("messages sent per second", ("sends_per_s",)),
    ("429 answered (limits on: " + "{rate_limited})", ("status_429",)),
    ("paid broadcasts sent (PAID_BROADCAST: " + "{paid_broadcast})", ("paid_sent",)),
    ("updates per second: sent / taken", ("updates_per_s", "updates_taken_per_s")),
    ("per request: SQL / transactions", ("sql_statements_per_request", "transactions_per_request")),
    ("per request: DB hand-offs / Bot API calls", ("db_handoffs_per_request", "bot_api_calls_per_request")),
    ("queue delay p99 by priority (ms)", ("queue_delay_p99_ms",)),
    ("peak RSS (MB)", ("peak_rss_mb",)),
)  # fmt: skip


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def table(fig: dict[str, Any]) -> Table:
    title = (
        f"{fig['city']}: {fig['volunteers']:,} on duty + {fig['national']:,} national, "
        f"{fig['rate']}/s for {fig['duration_s']} s, {fig['backend']}, {fig['workers']} worker(s)"
    )
    out = Table(title=title)
    out.add_column("figure")
    out.add_column("value", justify="right")
    for label, keys in ROWS:
        out.add_row(label.format(**fig), " / ".join(_show(fig.get(k)) for k in keys))
    for note in fig.get("notes", []):
        out.add_row("note", note)
    return out


def print_result(fig: dict[str, Any], *, as_json: bool) -> None:
    Console(file=sys.stdout, width=110).print(table(fig))
    if as_json:
        print(json.dumps(fig, ensure_ascii=False), flush=True)
