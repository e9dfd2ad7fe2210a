"""What a request costs inside the bot: SQL statements, transactions, hand-offs, memory.

Why from the outside: the product carries no counters for its own cost, and it should not.
SQLAlchemy's engine events see every statement and transaction of every engine in a process
(``Engine`` class-level listeners); aiosqlite hands every call to its thread through one
method, which is wrapped here. In worker processes the same probes are installed by a
``sitecustomize`` module the simulator puts on their ``PYTHONPATH`` (``worker_path``); a worker
writes its counts to a file when it gets SIGUSR1, so the simulator reads them before and
after the measured window.

Hand-offs: on SQLite, calls handed to aiosqlite's thread (each a queue put and a wake-up);
on PostgreSQL, network round trips, counted as statements plus transaction begins, commits
and rollbacks (asyncpg has no thread; SQLAlchemy's statement cache makes a prepare rare).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ENV = "MUSAADA_SIM_PROBES"  # the directory a worker writes its counts to


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0
    commits: int = 0
    thread_handoffs: int = 0

    def handoffs(self, sqlite: bool) -> int:
        if sqlite:
            return self.thread_handoffs
        return self.statements + self.transactions + self.commits

    def minus(self, other: Counts) -> Counts:
        return Counts(
            *(a - b for a, b in zip(asdict(self).values(), asdict(other).values(), strict=True))
        )

    def plus(self, other: Counts) -> Counts:
        return Counts(
            *(a + b for a, b in zip(asdict(self).values(), asdict(other).values(), strict=True))
        )


COUNTS = Counts()
_installed = False


def install() -> Counts:
    """Count from now on, in this process (idempotent)."""
    global _installed
    if _installed:
        return COUNTS
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def statement(*_args: Any) -> None:
        COUNTS.statements += 1

    def begin(*_args: Any) -> None:
        COUNTS.transactions += 1

    def commit(*_args: Any) -> None:
        COUNTS.commits += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "begin", begin)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", commit)
    _wrap_aiosqlite()
    _installed = True
    return COUNTS


def _wrap_aiosqlite() -> None:
    import aiosqlite.core

    original = aiosqlite.core.Connection._execute

    @functools.wraps(original)
    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS.thread_handoffs += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]


# --------------------------------------------------------------------------- worker processes
SITECUSTOMIZE = f'''"""Written by bot/devtools/simulate/probes.py: count a worker's SQL (the simulator)."""
import os
if os.environ.get("{ENV}"):
    from bot.devtools.simulate import probes
    probes.serve_counts(os.environ["{ENV}"])
'''


def worker_path() -> str:
    """A directory holding the ``sitecustomize`` that installs the probes in every worker."""
    folder = Path(tempfile.mkdtemp(prefix="musaada-sim-probes-"))
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return str(folder)


def serve_counts(folder: str) -> None:
    """In a worker: install the probes; SIGUSR1 writes the counts to ``folder/<pid>.json``."""
    install()

    def dump(_sig: int, _frame: object) -> None:
        path = Path(folder) / f"{os.getpid()}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(COUNTS)), encoding="utf-8")
        tmp.replace(path)

    signal.signal(signal.SIGUSR1, dump)


def read_counts(folder: str, pid: int) -> Counts | None:
    path = Path(folder) / f"{pid}.json"
    if not path.exists():
        return None
    return Counts(**json.loads(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- memory
def reset_peak(pid: int) -> bool:
    """Start ``pid``'s peak RSS (VmHWM) afresh (Linux: ``clear_refs`` 5); False when refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5", encoding="ascii")
        return True
    except OSError:
        return False


def rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    """``VmHWM`` (peak resident memory) or ``VmRSS`` of a process, in MB; None when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found
