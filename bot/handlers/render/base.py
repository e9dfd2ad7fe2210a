"""The registry of renderers, what one renders to, and the buttons several notices share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.buttons import JobAction, RequestAction, make_job, make_request
from bot.i18n import _
from bot.services.notices import Payload


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    # A point (sendLocation): the exact location, only to the assigned volunteer and the
    # operations chat; with no text, the notice is the point alone.
    location: tuple[float, float] | None = None
    # A live location (sendLocation with live_period; as an edit, editMessageLiveLocation):
    # the volunteer approaching, only to the citizen of their job.
    live_period: int | None = None
    # As an edit: stop the live location (stopMessageLiveLocation).
    stop_live: bool = False
    # A voice note, photo or video sent again by Telegram file_id: (kind, file_id); the
    # text is its caption.
    media: tuple[str, str] | None = None
    # A picture (sendPhoto, with the text as its caption), drawn only when it is sent: the
    # weekly digest's chart. A callable, so rendering a notice's words stays cheap.
    photo: Callable[[], bytes] | None = None


P = TypeVar("P", bound=Payload)
RENDERERS: dict[type[Payload], Callable[[Any], Rendered]] = {}


def renders(cls: type[P]) -> Callable[[Callable[[P], Rendered]], Callable[[P], Rendered]]:
    """Register the renderer of one payload type (one per type)."""

    def register(fn: Callable[[P], Rendered]) -> Callable[[P], Rendered]:
        assert cls not in RENDERERS, f"{cls.__name__} is rendered twice"
        RENDERERS[cls] = fn
        return fn

    return register


def kb(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def job_keyboard(request_id: int, *, on_scene: bool) -> InlineKeyboardMarkup:
    first = (
        [(_("✅ Done"), make_job(JobAction.DONE, request_id))]
        if on_scene
        else [
            (_("📍 Arrived"), make_job(JobAction.ARRIVED, request_id)),
            (_("✅ Done"), make_job(JobAction.DONE, request_id)),
        ]
    )
    return kb(first, [(_("✋ Can't continue"), make_job(JobAction.RELEASE, request_id))])


def cancel_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return kb([(_("✖️ Cancel my request"), make_request(RequestAction.CANCEL, request_id))])
