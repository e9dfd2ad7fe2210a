"""The run's figures, from what the people saw, what the emulator recorded and the database.

Definitions (the README's table uses them):

- ``requests_sent``: citizens who started asking; ``requests_lost``: of those, the ones with
  no receipt, no stored request, or a request that neither reached a volunteer (an alert
  handed to the Bot API) nor the command centre (escalated / unanswered);
  ``requests_linked``: reports linked to a nearby one of the same type that was reached (the
  linked citizen shares its volunteer and is kept informed: not lost).
- ``requests_per_s``: receipts per second, from the first receipt to the last.
- first alert: from the moment the citizen's last step (Skip or the details) was queued to
  the first alert of that request arriving at the emulator; first accept: from the request's
  creation to its assignment (the database's times).
- ``alerts_per_s``: alerts delivered in the window, from the first to the last (the bot
  still says its backlog while it stops: not counted); ``sends_per_s``: every message the
  bot sent in the window (citizens' included: the limits count them all).
- ``queue_delay_*_ms``: per outbox priority (0: first alerts of life-threatening types, 1:
  other first alerts, 2: later waves, 3: everything else), from a notice written to
  Telegram's answer (``sent_at``), for the notices written in the window;
  ``first_alert_*_ms_by_kind``: the first alert's latency, life-threatening types or not.
- ``paid_sent``: calls made with ``allow_paid_broadcast`` (``--paid-broadcast``).
- per request: SQL statements, transactions, hand-offs to the database and Bot API calls of
  the whole window (live locations and duty changes included) over the requests created.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from bot.devtools.emulator import Call
from bot.devtools.emulator.methods import CHAT_METHODS, SEND_METHODS
from bot.devtools.simulate import probes
from bot.devtools.simulate.config import SimConfig
from bot.devtools.simulate.people import Tally
from domain.enums import AuditKind, RequestStatus
from domain.incidents import IncidentType, rule_for
from storage.db import Database
from storage.models import AuditEvent, HelpRequest, Offer, OutboxMessage

REACHED_CENTRE = {RequestStatus.ESCALATED.value, RequestStatus.UNANSWERED.value}


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _rate(times: list[float]) -> float:
    if len(times) < 2:
        return 0.0
    span = max(times) - min(times)
    return (len(times) - 1) / span if span > 0 else 0.0


@dataclass
class Window:
    """The measured part of the run (``time.time()`` seconds) and what it cost."""

    start: float
    end: float
    calls: list[Call]
    counts: probes.Counts
    rss_mb: list[float]
    sqlite: bool
    notes: list[str] = field(default_factory=list)
    updates_taken: int = 0  # updates the bot took (polling: fetched; webhook: processed)


async def _rows(db: Database) -> tuple[list[Any], dict[int, int], set[int], list[Any]]:
    async with db.session() as s:
        reqs = list(
            (
                await s.exec(
                    select(
                        HelpRequest.id, HelpRequest.status, HelpRequest.created_at,
                        HelpRequest.assigned_at,
                    )
                )
            ).all()
        )  # fmt: skip
        pairs = await s.exec(select(Offer.id, Offer.request_id))
        offers = {int(o): int(r) for o, r in pairs if o is not None}
        kinds = [AuditKind.ESCALATED.value, AuditKind.UNANSWERED.value]
        escalated = {
            int(r)
            for r in (
                await s.exec(select(AuditEvent.request_id).where(col(AuditEvent.kind).in_(kinds)))
            )
            if r is not None
        }
        sent = list(
            (
                await s.exec(
                    select(
                        OutboxMessage.priority, OutboxMessage.created_at, OutboxMessage.sent_at
                    ).where(col(OutboxMessage.sent_at).is_not(None))
                )
            ).all()
        )
    return reqs, offers, escalated, sent


async def _follows(db: Database) -> dict[int, int]:
    """Each linked report and the request it follows."""
    async with db.session() as s:
        pairs = await s.exec(
            select(HelpRequest.id, HelpRequest.linked_to).where(
                col(HelpRequest.linked_to).is_not(None)
            )
        )
        return {int(r): int(m) for r, m in pairs if r is not None and m is not None}


def _reached(
    rid: int, alerted: dict[int, float], escalated: set[int], status: dict[int, Any]
) -> bool:
    """A volunteer was alerted for it, or the command centre has it."""
    return rid in alerted or rid in escalated or status.get(rid) in REACHED_CENTRE


@dataclass
class _Seen:
    """What became of each citizen's request."""

    lost: Counter[str] = field(default_factory=Counter)
    latency_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    receipts: list[float] = field(default_factory=list)
    linked: int = 0  # linked to a nearby report that was alerted or escalated


def _citizens(
    tally: Tally,
    first_alert: dict[int, float],
    status: dict[int, Any],
    escalated: set[int],
    follows: dict[int, int],
) -> _Seen:
    seen = _Seen()
    for c in tally.citizens:
        rid = c.request_id
        if c.receipt_at is None or rid is None:
            seen.lost[c.failed or "unfinished when the run ended"] += 1
            continue
        seen.receipts.append(c.receipt_at)
        if rid not in status:
            seen.lost["no request stored"] += 1
        elif rid in first_alert:
            assert c.last_step_at is not None
            seen.latency_ms.append((first_alert[rid] - c.last_step_at) * 1000)
            seen.by_kind[_kind(c.incident)].append(seen.latency_ms[-1])
        elif rid in follows and _reached(follows[rid], first_alert, escalated, status):
            seen.linked += 1  # a linked report shares the help of the one it follows
        elif not _reached(rid, first_alert, escalated, status):
            state = getattr(status[rid], "value", status[rid])
            seen.lost[f"neither alerted nor escalated ({state})"] += 1
    return seen


async def collect(db: Database, cfg: SimConfig, tally: Tally, w: Window) -> dict[str, Any]:
    reqs, offers, escalated, sent = await _rows(db)
    first_alert: dict[int, float] = {}
    for offer_id, at in tally.alert_at.items():
        rid = offers.get(offer_id)
        if rid is not None:
            first_alert[rid] = min(first_alert.get(rid, at), at)
    status = {int(r.id): r.status for r in reqs if r.id is not None}
    seen = _citizens(tally, first_alert, status, escalated, await _follows(db))
    lost, latency_ms, by_kind = seen.lost, seen.latency_ms, seen.by_kind
    accept_s = [
        (r.assigned_at - r.created_at).total_seconds() for r in reqs if r.assigned_at is not None
    ]
    created = len(status)
    delays: dict[int, list[float]] = defaultdict(list)
    for priority, made, done in sent:
        if w.start <= made.timestamp() <= w.end:
            delays[int(priority)].append((done - made).total_seconds() * 1000)
    return {
        **_settings_part(cfg),
        "requests_sent": len(tally.citizens),
        "requests_created": created,
        "requests_lost": sum(lost.values()),
        "lost_reasons": dict(lost),
        "requests_linked": seen.linked,  # linked to a nearby report that was alerted or escalated
        "requests_per_s": _r(_rate(seen.receipts), 2),
        "first_alert_p50_ms": _r(pct(latency_ms, 50)),
        "first_alert_p99_ms": _r(pct(latency_ms, 99)),
        "first_alert_p50_ms_by_kind": {k: _r(pct(v, 50)) for k, v in sorted(by_kind.items())},
        "first_alert_p99_ms_by_kind": {k: _r(pct(v, 99)) for k, v in sorted(by_kind.items())},
        "first_accept_p50_s": _r(pct(accept_s, 50), 2),
        "dispatched": len(first_alert),
        "accepted": len(accept_s),
        "escalated": len(escalated),
        **_alerts_part(tally, w),
        **_cost_part(w, created),
        "queue_delay_p50_ms": {str(p): _r(pct(v, 50)) for p, v in sorted(delays.items())},
        "queue_delay_p99_ms": {str(p): _r(pct(v, 99)) for p, v in sorted(delays.items())},
        "notes": w.notes,
    }


def _kind(incident: str) -> str:
    urgent = rule_for(IncidentType(incident)).life_threatening
    return "life_threatening" if urgent else "other"


def _settings_part(cfg: SimConfig) -> dict[str, Any]:
    return {
        "city": cfg.the_city().name_en,
        "volunteers": cfg.volunteers,
        "national": cfg.national,
        "rate": cfg.rate,
        "duration_s": cfg.duration,
        "response": cfg.response,
        "backend": cfg.backend,
        "workers": cfg.workers,
        "rate_limited": cfg.rate_limits,
        "major": cfg.major,
        "paid_broadcast": cfg.paid_broadcast,
        "pace": cfg.pace,
    }


def _alerts_part(tally: Tally, w: Window) -> dict[str, Any]:
    alerts = [at for at in tally.alert_at.values() if at <= w.end]  # not while the bot stops
    per_volunteer = list(tally.alerted_chats.values())
    sends = [c.at for c in w.calls if c.ok and c.method.lower() in SEND_METHODS and c.at <= w.end]
    paid = [c for c in w.calls if c.ok and c.params.get("allow_paid_broadcast") in (True, "true")]
    return {
        "paid_sent": len(paid),
        "alerts": len(alerts),
        "alerts_per_s": _r(_rate(alerts), 2),
        "sends_per_s": _r(_rate(sends), 2),
        "volunteers_alerted": len(per_volunteer),
        "alerts_per_volunteer": _r(sum(per_volunteer) / len(per_volunteer), 2)
        if per_volunteer
        else 0.0,
        "alerts_per_volunteer_max": max(per_volunteer, default=0),
        "status_429": sum(1 for c in w.calls if c.response.get("error_code") == 429),
        "updates_per_s": _r(tally.updates_sent / max(1e-9, w.end - w.start), 2),
        "updates_taken_per_s": _r(w.updates_taken / max(1e-9, w.end - w.start), 2),
    }


def _cost_part(w: Window, created: int) -> dict[str, Any]:
    n = max(1, created)
    bot_calls = [c for c in w.calls if c.method.lower() != "getupdates"]
    chat_calls = [c for c in bot_calls if c.method.lower() in CHAT_METHODS]
    return {
        "sql_statements_per_request": _r(w.counts.statements / n),
        "transactions_per_request": _r(w.counts.transactions / n),
        "db_handoffs_per_request": _r(w.counts.handoffs(w.sqlite) / n),
        "bot_api_calls_per_request": _r(len(bot_calls) / n),
        "chat_calls_per_request": _r(len(chat_calls) / n),
        "peak_rss_mb": _r(max(w.rss_mb, default=0.0)),
        "rss_mb_per_process": [_r(x) for x in w.rss_mb],
    }
