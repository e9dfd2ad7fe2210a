"""The citizen's side under failing Telegram calls and unexpected input, through the emulator.

Faults are injected with the emulator's ``fail_next`` (the next call of one method answers
with the given error): a failed courtesy message must never lose a request, and a failed
edit or callback answer must never stop the flow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.emulator import EmuUser
from bot.sandbox import Sandbox, sandbox
from storage import requests
from storage.types import utcnow
from tests.factories import RIYADH, offset, volunteer

HERE = (RIYADH.lat, RIYADH.lon)  # type: ignore[union-attr]
WENT_WRONG = "Something went wrong"


@pytest.fixture
async def box(tmp_path) -> AsyncIterator[Sandbox]:  # type: ignore[no-untyped-def]
    async with sandbox(f"sqlite:///{tmp_path}/citizen.db", wave_timeout_s=60) as b:
        await volunteer(b.db, 10, offset(*HERE, 0.5), utcnow())
        b.emu.user(10, first_name="Khalid", language_code="en")  # the chat alerts go to
        yield b


async def step(box: Sandbox, user: EmuUser, action: str | tuple[float, float]) -> None:
    if isinstance(action, tuple):
        await user.send_location(*action)
    elif action.startswith("inc:"):
        await user.press(action)
    else:
        await user.send(action)
    await box.settle()


def said(user: EmuUser) -> str:
    return "\n".join(m.text or "" for m in user.messages)


@pytest.mark.parametrize(
    ("method", "code", "description"),
    [
        ("editMessageText", 400, "Bad Request: message to edit not found"),
        ("editMessageText", 500, None),
        ("answerCallbackQuery", 400, None),  # the emulator's default: "query is too old"
        ("answerCallbackQuery", 403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_a_failed_edit_or_answer_does_not_stop_the_flow(
    box: Sandbox, method: str, code: int, description: str | None
) -> None:
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    await step(box, citizen, "/request")
    if method == "answerCallbackQuery" and description is None:
        description = "Bad Request: query is too old and response timeout expired"
    box.emu.fail_next(method, error_code=code, description=description, retry_after=None)
    await step(box, citizen, "inc:fire")
    assert "Share your location" in (citizen.last.text or ""), citizen.dump()  # type: ignore[union-attr]
    assert WENT_WRONG not in said(citizen)
    await step(box, citizen, HERE)
    assert "Anything the volunteer should know?" in (citizen.last.text or ""), citizen.dump()  # type: ignore[union-attr]
    await step(box, citizen, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.incident == "fire"


@pytest.mark.parametrize("failures", [1, 2])
async def test_a_failed_message_never_loses_the_request(box: Sandbox, failures: int) -> None:
    """Issue 10 item 2: the first message after Skip failed, and the request never existed.

    Now the request is stored (and its volunteer alerted) before anything is said: a failed
    receipt, or a failed answer after it, loses nothing and tells nobody it went wrong.
    """
    citizen = box.emu.user(1, first_name="Noura", language_code="en")
    for action in ("/request", "inc:breakdown", HERE):
        await step(box, citizen, action)
    box.emu.fail_next("sendMessage", times=failures, error_code=500, chat_id=1)
    await step(box, citizen, "Skip")
    async with box.db.session() as s:
        req = await requests.get_request(s, 1)
    assert req is not None and req.requester_id == 1
    alerts = box.emu.user(10).messages
    assert any("offer:acc:1" in m.button_data for m in alerts), box.emu.user(10).dump()
    assert WENT_WRONG not in said(citizen)
    # The flow is over: another text is no second request, and the ✖️ Cancel still on
    # screen offers to cancel the open one.
    await step(box, citizen, "hello?")
    async with box.db.session() as s:
        assert await requests.get_request(s, 2) is None
    await step(box, citizen, "✖️ Cancel")
    assert "request #1 is still open" in (citizen.last.text or ""), citizen.dump()  # type: ignore[union-attr]
    assert citizen.last.button_data == ["req:cancel:1"]  # type: ignore[union-attr]
