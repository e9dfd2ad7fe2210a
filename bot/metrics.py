"""Prometheus series of the bot, served at ``GET /metrics`` (bot/health.py).

One module holds every series, so their names and labels are decided once. The parts of
the bot that know when something happened call the small functions below
(``request_created``, ``first_alert``, …); nothing else touches prometheus-client.

The use cases' own events (a request created, closed, its first alert and first accept) are
facts they note on their database session (storage/facts.py); ``observe_committed_facts``
listens for commits and counts them here, so a rolled-back attempt counts nothing.
What is wired here, without the use cases: updates handled (a ``TypeHandler`` in an early
group, see ``bot/app.py``), Bot API errors (every call goes through ``CountingRequest``),
errors that reached the error handler, and the timer lag (read from the database on each
scrape). The outbox depth is read from a callback the outbox registers with
``register_outbox_depth``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest
from sqlalchemy import event
from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import CallbackContext
from telegram.request import RequestData

from bot.bot_api_http import AiohttpRequest
from storage.facts import Fact, FactKind, take

log = logging.getLogger(__name__)

__all__ = [
    "CONTENT_TYPE_LATEST",
    "CountingRequest",
    "alerts_sent",
    "bot_api_error",
    "count_update",
    "first_accept",
    "first_alert",
    "generate_latest",
    "handler_error",
    "observe_committed_facts",
    "refresh",
    "register_outbox_depth",
    "request_closed",
    "request_created",
    "set_timer_lag",
]

UPDATES = Counter("musaada_updates_handled", "Updates taken from Telegram, by kind.", ["kind"])
REQUESTS_CREATED = Counter(
    "musaada_help_requests_created", "Help requests created, by incident type.", ["incident"]
)
REQUESTS_CLOSED = Counter(
    "musaada_help_requests_closed",
    "Help requests that reached an outcome (confirmed, disputed, cancelled, escalated, "
    "unanswered), by incident type and outcome.",
    ["incident", "outcome"],
)
ALERTS = Counter("musaada_alerts_sent", "Alerts handed to the Bot API for volunteers.")
FIRST_ALERT = Histogram(
    "musaada_time_to_first_alert_seconds",
    "From a request's creation to its first alert handed to the Bot API.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
FIRST_ACCEPT = Histogram(
    "musaada_time_to_first_accept_seconds",
    "From a request's creation to the first volunteer's accept.",
    buckets=(5, 10, 20, 40, 60, 90, 120, 180, 300, 600, 1200, 3600),
)
API_ERRORS = Counter(
    "musaada_bot_api_errors", "Failed Bot API calls, by method and kind.", ["method", "kind"]
)
HANDLER_ERRORS = Counter(
    "musaada_handler_errors",
    "Exceptions that reached the error handler, by exception type.",
    ["error"],
)
OUTBOX_DEPTH = Gauge("musaada_outbox_depth", "Notices written but not yet sent.")
TIMER_LAG = Gauge(
    "musaada_timer_lag_seconds",
    "How late the most overdue request timer is (0 when none is late).",
)

_UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "inline_query",
)

# A failed call's kind, from the HTTP status Telegram answered with; a few 400s the bot meets
# every day get their own kind, so "message is not modified" is not mistaken for a bug.
_STATUS_KINDS = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    429: "retry_after",
}
_BAD_REQUEST_KINDS = (
    ("message is not modified", "not_modified"),
    ("query is too old", "query_too_old"),
    ("not found", "not_found"),
)

OutboxDepth = Callable[[], Awaitable[float]]
_outbox_depth: OutboxDepth | None = None


# --- calls for the use cases and the outbox (the lead wires these) ---------------------------


def request_created(incident: str) -> None:
    """A help request was committed."""
    REQUESTS_CREATED.labels(incident=str(incident)).inc()


def request_closed(incident: str, outcome: str) -> None:
    """A request reached an outcome: confirmed, disputed, cancelled, escalated or unanswered."""
    REQUESTS_CLOSED.labels(incident=str(incident), outcome=str(outcome)).inc()


def alerts_sent(count: int = 1) -> None:
    """Alerts were handed to the Bot API (count them when the send succeeded)."""
    ALERTS.inc(count)


def first_alert(seconds: float) -> None:
    """A request's first alert was sent, ``seconds`` after the request was created."""
    FIRST_ALERT.observe(max(0.0, seconds))


def first_accept(seconds: float) -> None:
    """A request was accepted for the first time, ``seconds`` after it was created."""
    FIRST_ACCEPT.observe(max(0.0, seconds))


def register_outbox_depth(read: OutboxDepth | None) -> None:
    """The outbox says how to count its unsent notices (an async read, run on each scrape)."""
    global _outbox_depth
    _outbox_depth = read


def set_timer_lag(seconds: float) -> None:
    TIMER_LAG.set(max(0.0, seconds))


# --- wired here ------------------------------------------------------------------------------


def update_kind(update: Update) -> str:
    return next((k for k in _UPDATE_KINDS if getattr(update, k, None) is not None), "other")


async def count_update(update: Update, _context: CallbackContext[Any, Any, Any, Any]) -> None:
    """A ``TypeHandler`` callback: counts every update, lets it travel on to the other groups."""
    UPDATES.labels(kind=update_kind(update)).inc()


async def handler_error(_update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """An extra error handler beside bot/handlers/errors.on_error: counts, never answers."""
    HANDLER_ERRORS.labels(error=type(context.error).__name__).inc()


def error_kind(status: int, body: bytes) -> str:
    """The kind of a failed call, from its HTTP status and (for 400) Telegram's description."""
    if status == 400:
        text = body[:500].decode("utf-8", "replace").lower()
        return next((kind for words, kind in _BAD_REQUEST_KINDS if words in text), "bad_request")
    if status >= 500:
        return "server_error"
    return _STATUS_KINDS.get(status, f"http_{status}")


def bot_api_error(method: str, kind: str) -> None:
    API_ERRORS.labels(method=method, kind=kind).inc()


def _method_of(url: str) -> str:
    # The last path segment is the Bot API method; the URL itself holds the token.
    return url.rsplit("/", 1)[-1][:64] or "unknown"


class CountingRequest(AiohttpRequest):
    """The Bot API's HTTP client (bot/bot_api_http.py), counting each failed call by method and
    kind.

    ``do_request`` is the extension point PTB gives HTTP back-ends: it sees every attempt,
    so a 429 the rate limiter retries counts once per attempt, and time-outs and network
    errors (raised before any answer) count as ``timed_out`` and ``network``.
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        write_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        connect_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        pool_timeout: Any = AiohttpRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            status, body = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            bot_api_error(_method_of(url), "timed_out")
            raise
        except NetworkError:
            bot_api_error(_method_of(url), "network")
            raise
        if not 200 <= status < 300:
            bot_api_error(_method_of(url), error_kind(status, body))
        return status, body


def _observe(fact: Fact) -> None:
    if fact.kind is FactKind.CREATED:
        request_created(fact.incident)
    elif fact.kind is FactKind.CLOSED:
        request_closed(fact.incident, fact.outcome)
    elif fact.kind is FactKind.FIRST_ALERT:
        first_alert(fact.seconds)
    elif fact.kind is FactKind.FIRST_ACCEPT:
        first_accept(fact.seconds)


def _committed(session: Session) -> None:
    for fact in take(session.info):
        _observe(fact)


def _rolled_back(session: Session) -> None:
    take(session.info)


def observe_committed_facts() -> None:
    """Count the facts of every session that commits, from now on (idempotent)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)


async def refresh() -> None:
    """Before a scrape: the outbox depth, read from its callback (bot/health sets the lag)."""
    if _outbox_depth is not None:
        try:
            OUTBOX_DEPTH.set(await _outbox_depth())
        except Exception:
            log.warning("could not read the outbox depth", exc_info=True)


def generate_latest() -> bytes:
    return _generate_latest(REGISTRY)
