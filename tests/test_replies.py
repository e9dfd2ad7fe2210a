"""The call-site policy of bot/handlers/replies.py: which Bot API failures a handler survives.

Each case raises the exception python-telegram-bot raises for that Bot API answer; the
end-to-end tests (test_e2e_citizen.py) show the same failures through the emulator.
"""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.handlers.replies import UNCHANGED, _guarded


async def failing(exc: TelegramError) -> object:
    raise exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), None),
        (BadRequest("Message is not modified: specified new message content"), UNCHANGED),
        (BadRequest("Message to edit not found"), None),
        (BadRequest("Message can't be edited"), None),
        (BadRequest("Query is too old and response timeout expired or query id is invalid"), None),
        (NetworkError("Internal Server Error (500)"), None),
        (TimedOut(), None),
    ],
)
async def test_known_failures_are_survived(exc: TelegramError, expected: object) -> None:
    assert await _guarded(failing(exc), "test") is expected


@pytest.mark.parametrize(
    "exc",
    [RetryAfter(3), BadRequest("Can't parse entities: unsupported start tag"), TelegramError("?")],
)
async def test_everything_else_reaches_the_caller(exc: TelegramError) -> None:
    with pytest.raises(type(exc)):
        await _guarded(failing(exc), "test")


async def test_a_successful_call_returns_its_result() -> None:
    async def ok() -> str:
        return "sent"

    assert await _guarded(ok(), "test") == "sent"
