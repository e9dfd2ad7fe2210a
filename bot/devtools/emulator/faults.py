"""Telegram's failures on demand, and its send limits: for the reliability tests.

Why this exists: in production a share of Bot API calls fail (429 with ``retry_after``, 502,
a lost connection, a user who blocked the bot, an edit that lost a race), and the bot must
lose nothing when they do. A test chooses which calls fail (:class:`FaultRule`: some methods or
every chat-addressed one, one chat or all, a seeded share or "the next N"), and reads back
every fault injected (:class:`InjectedFault`) beside every call that took effect.

A failed call leaves no trace: the method is not run. The one exception is the ambiguous
time-out Telegram sometimes produces, the message delivered but the answer lost
(``Fault(kind, delivered=True)`` for :attr:`FaultKind.TIMEOUT` and
:attr:`FaultKind.DISCONNECT`).
"""

from __future__ import annotations

import enum
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.devtools.emulator.checks import NOT_MODIFIED, QUERY_INVALID
from bot.devtools.emulator.wire import DEFAULT_DESCRIPTIONS, ApiError, Params

__all__ = ["Fault", "FaultKind", "FaultRule", "InjectedFault", "SendLimiter", "SendLimits"]


class FaultKind(enum.StrEnum):
    """What Telegram answers instead of doing the call."""

    RETRY_AFTER = "retry_after"  # 429 Too Many Requests, parameters.retry_after
    BAD_GATEWAY = "bad_gateway"  # 502 Bad Gateway
    TIMEOUT = "timeout"  # no answer until the client gives up (PTB: TimedOut)
    DISCONNECT = "disconnect"  # the connection closed without an answer (PTB: NetworkError)
    BLOCKED = "blocked"  # 403 Forbidden: bot was blocked by the user (private chats)
    NOT_MODIFIED = "not_modified"  # 400 on an edit
    EDIT_NOT_FOUND = "edit_not_found"  # 400 on an edit: message to edit not found
    QUERY_TOO_OLD = "query_too_old"  # 400 on answerCallbackQuery
    ERROR = "error"  # any other code and description (``fail_next``)
    RATE_LIMITED = "rate_limited"  # 429 from the enforced send limits (not injected by rules)


#: Kinds that only make sense for some methods: a rule skips every other call.
_ONLY_FOR: dict[FaultKind, Callable[[str, int | None], bool]] = {
    FaultKind.BLOCKED: lambda m, chat: chat is not None and chat > 0,
    FaultKind.NOT_MODIFIED: lambda m, chat: m.startswith("edit"),
    FaultKind.EDIT_NOT_FOUND: lambda m, chat: m.startswith("edit"),
    FaultKind.QUERY_TOO_OLD: lambda m, chat: m == "answercallbackquery",
}

_NO_ANSWER = frozenset({FaultKind.TIMEOUT, FaultKind.DISCONNECT})


@dataclass(frozen=True)
class Fault:
    """One way to fail a call.

    ``retry_after`` is sent with 429s; ``hold_s`` is how long a TIMEOUT keeps the connection
    open (longer than any client time-out: the client gives up first and closes it);
    ``delivered`` runs the call before the answer is lost (TIMEOUT and DISCONNECT only);
    ``error_code`` and ``description`` define an ERROR.
    """

    kind: FaultKind
    retry_after: int = 1
    hold_s: float = 60.0
    delivered: bool = False
    error_code: int = 500
    description: str | None = None

    def __post_init__(self) -> None:
        if self.delivered and self.kind not in _NO_ANSWER:
            raise ValueError(f"only a time-out or a disconnect can be delivered, not {self.kind}")

    @property
    def answers(self) -> bool:
        """False when the bot gets no HTTP answer at all."""
        return self.kind not in _NO_ANSWER

    def error(self) -> ApiError:
        """The Bot API error this fault answers with (for the kinds that answer)."""
        kind = self.kind
        if kind in (FaultKind.RETRY_AFTER, FaultKind.RATE_LIMITED):
            text = f"Too Many Requests: retry after {self.retry_after}"
            return ApiError(429, self.description or text, self.retry_after)
        fixed = {
            FaultKind.BAD_GATEWAY: (502, "Bad Gateway"),
            FaultKind.BLOCKED: (403, "Forbidden: bot was blocked by the user"),
            FaultKind.NOT_MODIFIED: (400, NOT_MODIFIED),
            FaultKind.EDIT_NOT_FOUND: (400, "Bad Request: message to edit not found"),
            FaultKind.QUERY_TOO_OLD: (400, QUERY_INVALID),
        }
        if kind in fixed:
            code, text = fixed[kind]
            return ApiError(code, self.description or text)
        code = self.error_code
        return ApiError(code, self.description or DEFAULT_DESCRIPTIONS.get(code, f"Error {code}"))


@dataclass
class FaultRule:
    """Which calls a fault hits: ``methods`` (lower-case), one ``chat_id`` or any, a ``share``
    of the matching calls drawn from a seeded RNG, at most ``times`` of them (None: no cap)."""

    fault: Fault
    methods: frozenset[str]
    chat_id: int | None = None
    share: float = 1.0
    times: int | None = None
    seed: int = 0
    fired: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError("share is a fraction of calls, between 0 and 1")
        self._rng = random.Random(self.seed)

    @property
    def spent(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def hits(self, method: str, chat_id: int | None) -> bool:
        """Whether this call fails; counts it when it does. One draw per applicable call."""
        if self.spent or method not in self.methods:
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        applies = _ONLY_FOR.get(self.fault.kind)
        if applies is not None and not applies(method, chat_id):
            return False
        if self.share < 1.0 and self._rng.random() >= self.share:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class InjectedFault:
    """The record of one fault answered: which call, which kind, whether it was delivered."""

    kind: FaultKind
    method: str
    chat_id: int | None
    params: Params
    delivered: bool
    at: float


@dataclass(frozen=True)
class SendLimits:
    """Telegram's documented send limits (messages a bot may send in a window)."""

    per_bot_per_s: int = 30
    per_private_chat_per_s: int = 1
    per_group_per_min: int = 20
    # Sends with allow_paid_broadcast count here instead of in the bot's 30 a second.
    per_bot_paid_per_s: int = 1000


class SendLimiter:
    """Sliding windows over the sends that took effect; answers 429 once one would overflow.

    ``clock`` is injectable so that a test can hold time still instead of racing it.
    """

    def __init__(self, limits: SendLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._bot: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def _windows(
        self, chat_id: int, paid: bool = False
    ) -> Iterable[tuple[deque[float], int, float]]:
        if paid:
            yield self._paid, self.limits.per_bot_paid_per_s, 1.0
        else:
            yield self._bot, self.limits.per_bot_per_s, 1.0
        chat = self._chats.setdefault(chat_id, deque())
        if chat_id > 0:
            yield chat, self.limits.per_private_chat_per_s, 1.0
        else:
            yield chat, self.limits.per_group_per_min, 60.0

    def retry_after(self, chat_id: int, paid: bool = False) -> int | None:
        """Seconds to wait before a send to ``chat_id`` is allowed, or None when it is now.
        ``paid``: sent with ``allow_paid_broadcast`` (the paid window, not the bot's)."""
        now = self.clock()
        wait = 0.0
        for window, limit, span in self._windows(chat_id, paid):
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                wait = max(wait, window[0] + span - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int, paid: bool = False) -> None:
        now = self.clock()
        for window, _limit, _span in self._windows(chat_id, paid):
            window.append(now)
