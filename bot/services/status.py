"""The citizen's one status message: which notices edit it and which send a new one.

A request has one message that says where it stands, with the Cancel button while it can
be used (``help_request.status_message_id``). Most steps edit it, so the chat does not fill
up; a step the citizen must notice sends a new message, because Telegram notifies a new
message and not an edit. The new one becomes the status message and the old one loses its
buttons (``StatusRetired``), so only the newest offers Cancel.

New, where the citizen must notice: a volunteer accepted, arrived, says it is done (confirm?);
a question only they can answer (did help come?); the volunteer who was coming is no longer
(released, taken back, replaced by the command centre); nobody could be found (the official
numbers); the command centre closed it or passed it to the official services; and the
request shown again when they ask for another (one open request at a time). Edited: the
search widening or sent out again, the volunteer's distance and arrival time, and the end
of what the citizen did themselves (cancelled, confirmed or not, "help came"). A linked
report's citizen (bot/services/dispatch/linked.py) has a status message of their own, for
their report: the same rule, by the stage of the request it follows (``LINKED``).

Resolved when the notice is said, not when it is written (bot/handlers/outbox.py): the
status message of a request may still be on its way when its next step is written, and
notices to one chat leave in order, so the sender knows the latest one by then. An edit
of a status message the citizen deleted sends a new one, remembered in its place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.notices import (
    AutoConfirmed,
    ConfirmDone,
    DisputeAck,
    HelpCameAck,
    HelpCheck,
    MessageRef,
    Notice,
    NoVolunteer,
    Payload,
    Redispatched,
    RequestCancelled,
    RequestCreated,
    SearchWidened,
    StatusUpdate,
    Thanks,
    VolunteerArrived,
    VolunteerComing,
    VolunteerReleased,
)
from bot.services.notices.citizen import Approaching, StatusRetired
from bot.services.notices.escalation import FalseAlarmClosed, HandedToOfficials
from bot.services.notices.links import LinkedProgress, LinkedToRequest, LinkStage, RequestStillOpen
from bot.services.notices.ops import RequestClosedByOps, SearchRestarted, VolunteerReplaced
from storage import requests


class Mode(StrEnum):
    EDIT = "edit"  # edit the status message (a new one when there is none, or it was deleted)
    NEW = "new"  # a new message that becomes the status message; the old one loses its buttons


# A linked report's citizen, by the stage of the request their report follows: new where the
# requester of that request is told anew (accepted, arrived, nobody found, closed by the
# command centre), edited where the search goes on or the volunteer finished (no question
# for them: their report simply closes).
LINKED: dict[LinkStage, Mode] = {
    LinkStage.SEARCHING: Mode.EDIT,
    LinkStage.ACCEPTED: Mode.NEW,
    LinkStage.ARRIVED: Mode.NEW,
    LinkStage.DONE: Mode.EDIT,
    LinkStage.ESCALATED: Mode.NEW,
    LinkStage.UNANSWERED: Mode.NEW,
    LinkStage.OFFICIALS: Mode.NEW,
    LinkStage.CLOSED: Mode.NEW,
}


def _linked(p: Payload) -> Mode:
    assert isinstance(p, LinkedProgress)
    return LINKED[p.stage]


MODES: dict[type[Payload], Mode | Callable[[Payload], Mode]] = {
    RequestCreated: Mode.NEW,
    SearchWidened: Mode.EDIT,
    SearchRestarted: Mode.EDIT,
    VolunteerComing: Mode.NEW,
    Approaching: Mode.EDIT,
    StatusUpdate: Mode.EDIT,
    VolunteerArrived: Mode.NEW,
    ConfirmDone: Mode.NEW,
    Thanks: Mode.EDIT,
    DisputeAck: Mode.EDIT,
    AutoConfirmed: Mode.EDIT,
    RequestCancelled: Mode.EDIT,
    HelpCameAck: Mode.EDIT,
    VolunteerReleased: Mode.NEW,
    Redispatched: Mode.NEW,
    VolunteerReplaced: Mode.NEW,
    NoVolunteer: Mode.NEW,
    HelpCheck: Mode.NEW,
    RequestClosedByOps: Mode.NEW,
    HandedToOfficials: Mode.NEW,
    FalseAlarmClosed: Mode.NEW,
    RequestStillOpen: Mode.NEW,
    LinkedToRequest: Mode.NEW,
    LinkedProgress: _linked,
}


def mode_of(notice: Notice) -> Mode | None:
    """How this notice treats the status message; None: it is not about it."""
    if notice.edit is not None or notice.to.person_id is None:
        return None
    mode = MODES.get(type(notice.payload))
    return mode(notice.payload) if callable(mode) else mode


def _request_id(notice: Notice) -> int | None:
    named = getattr(notice.payload, "request_id", None)
    return named if isinstance(named, int) else None


Book = dict[int, int | None]  # request id -> its status message (for its requester)


async def book(session: AsyncSession, notices: Sequence[Notice]) -> Book:
    """The status messages a batch of notices may edit or replace, read at once (one query
    for the batch): for each request a status notice names, its status message if the
    notice goes to its requester (anyone else has none). The sender keeps it current as
    it says the batch, a chat's notices in order."""
    wanted = {rid for n in notices if mode_of(n) is not None and (rid := _request_id(n))}
    found = await requests.status_messages(session, sorted(wanted))
    out: Book = {}
    for n in notices:
        rid = _request_id(n)
        if mode_of(n) is not None and rid in found and found[rid][0] == n.to.person_id:
            out[rid] = found[rid][1]
    return out


def current(notice: Notice, known: Book) -> int | None:
    """The status message this notice would edit or replace (None: there is none yet)."""
    rid = _request_id(notice)
    return known.get(rid) if rid is not None else None


def keep(notice: Notice, message_id: int | None, known: Book) -> None:
    """A status notice just said: the rest of its batch edits or replaces what it made (the
    batch is recorded in the database once it is all said, ``said``)."""
    request_id = _request_id(notice)
    if request_id is not None and message_id is not None and request_id in known:
        known[request_id] = message_id


async def said(
    session: AsyncSession,
    notice: Notice,
    *,
    message_id: int | None,
    previous: int | None,
    known: Book,
) -> list[Notice]:
    """A status notice was said: a new message (``message_id``) becomes the status message
    (in ``known`` too, for the rest of the batch), and the one it replaced loses its buttons
    (the returned notice). An edit: nothing."""
    request_id = _request_id(notice)
    if request_id is None or message_id is None or message_id == previous:
        return []
    if request_id not in known:
        return []  # not to the request's citizen (``book`` knows only theirs): no status message
    known[request_id] = message_id
    await requests.set_status_message(session, request_id, message_id)
    if previous is None or mode_of(notice) is not Mode.NEW:
        return []  # an edit that found its message gone: nothing left to take buttons from
    return [
        Notice(
            notice.to,
            StatusRetired(request_id),
            edit=MessageRef(notice.to.chat_id, previous),
        )
    ]
