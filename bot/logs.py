"""Logging set-up: one filter that keeps the token and the webhook secret out of every line.

Why a filter on the handlers and not care at each call site: the secrets reach log lines
through other people's code. python-telegram-bot puts the token in the Bot API URL (logged
by PTB at DEBUG, and by httpx at INFO wherever httpx makes a call) and in the text of ``InvalidToken``; at DEBUG it logs the
parameters of ``setWebhook``, secret included; a base URL without ``/bot`` turns the token
into the "port" of an ``InvalidURL`` error. Redacting the finished record (message, arguments,
traceback, stack) on the way out is the one place that catches all of them, whatever the
mode, level or format.

``LOG_FORMAT=json`` makes each line one JSON object (time, level, logger, message,
exception) for log collectors; the same filter runs before it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import quote

REDACTED = "[REDACTED]"
_HANDLER_NAME = "musaada"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Shorter than this is no secret worth hiding, and would blank out ordinary words.
_MIN_SECRET_LEN = 6


class Redactor(logging.Filter):
    """Replaces every known secret in a record by ``[REDACTED]``; never drops a record.

    Secrets can be added after start-up (the webhook secret is known only once the mode is
    chosen); the filter reads the current set on every record.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        """Hide these values from now on, with their URL-encoded forms. A bot token's
        secret half (after the colon) is hidden on its own too."""
        for secret in secrets:
            if not secret:
                continue
            forms = {secret, quote(secret, safe=""), quote(secret)}
            _, colon, tail = secret.partition(":")
            if colon and len(tail) >= _MIN_SECRET_LEN:
                forms.add(tail)
            self._secrets |= {f for f in forms if len(f) >= _MIN_SECRET_LEN}

    def redact(self, text: str) -> str:
        # Longest first, so the whole token goes before its tail does.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, still redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: The one redactor of this process: installed on the root handlers by ``configure_logging``.
REDACTOR = Redactor()


def hide(*secrets: str | None) -> None:
    """Keep these values out of every log line from now on (the token, the webhook secret)."""
    REDACTOR.add(*secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _RedactingFormatter(logging.Formatter):
    """The last line of defence: whatever a formatter produced is redacted once more."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return REDACTOR.redact(self._inner.format(record))


def configure_logging(
    *, level: int = logging.INFO, json_format: bool = False, secrets: Iterable[str | None] = ()
) -> None:
    """Root logging for the whole process, redacted, in text or JSON.

    Python warnings and uncaught exceptions are routed through logging too, so they are
    redacted and formatted like every other line.
    """
    hide(*secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(REDACTOR)
    inner = JsonFormatter() if json_format else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(_RedactingFormatter(inner))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)  # configured twice: replace ours, leave others' handlers be
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every Bot API call (URL with the token) at INFO: only with --verbose.
    logging.getLogger("httpx").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    )
    logging.getLogger("httpcore").setLevel(logging.INFO)  # its DEBUG is per-socket noise
    # Every worker polls the timers and the outbox each second or two: APScheduler would log
    # two lines per job run at INFO. Its warnings (a job skipped or missed) still show.
    quiet = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    logging.getLogger("apscheduler").setLevel(quiet)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("musaada").critical("uncaught exception", exc_info=(kind, exc, tb))
