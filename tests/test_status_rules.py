"""The citizen's status message, as rules (bot/services/status.py): the happy path of item 2 of
issue 15 edits the one message except where the citizen must notice, every status notice of a
request that can still be cancelled carries Cancel and every end drops it, in both languages."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.handlers.render import render
from bot.i18n import use_locale
from bot.services import status
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
    Recipient,
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
from bot.services.notices.citizen import Approaching
from bot.services.notices.escalation import FalseAlarmClosed, HandedToOfficials
from bot.services.notices.links import LinkedProgress, LinkedToRequest, LinkStage, RequestStillOpen
from bot.services.notices.ops import RequestClosedByOps, SearchRestarted, VolunteerReplaced
from tests.factories import notice
from tests.notice_cases import CASES

CITIZEN = Recipient(7, 7, "en")

# Statuses of a request its citizen can still cancel (domain.lifecycle.CANCELLABLE): searching,
# assigned, on scene, escalated or unanswered, linked.
OPEN: set[type[Payload]] = {
    RequestCreated,
    SearchWidened,
    SearchRestarted,
    VolunteerComing,
    Approaching,
    StatusUpdate,
    VolunteerArrived,
    HelpCheck,
    HelpCameAck,
    VolunteerReleased,
    Redispatched,
    VolunteerReplaced,
    NoVolunteer,
    RequestStillOpen,
    LinkedToRequest,
}
# Done (the question that follows has its own buttons), or closed.
ENDED: set[type[Payload]] = {
    ConfirmDone,
    Thanks,
    DisputeAck,
    AutoConfirmed,
    RequestCancelled,
    RequestClosedByOps,
    HandedToOfficials,
    FalseAlarmClosed,
}
CLOSING_STAGES = {LinkStage.DONE, LinkStage.CLOSED, LinkStage.OFFICIALS}


def name(kind: type[Payload]) -> str:
    return kind.__name__


OPEN_KINDS: list[type[Payload]] = sorted(OPEN, key=name)
ENDED_KINDS: list[type[Payload]] = sorted(ENDED, key=name)


def mode(payload: Payload) -> status.Mode | None:
    return status.mode_of(Notice(CITIZEN, payload))


def samples(kind: type[Payload]) -> list[Notice]:
    return [notice(CITIZEN, kind.event, params) for params in CASES[kind.event]]


def buttons(n: Notice) -> list[str]:
    markup = render(n).markup
    rows = getattr(markup, "inline_keyboard", None) or ()
    return [str(b.callback_data) for row in rows for b in row]


def test_every_status_notice_is_either_open_or_an_end() -> None:
    assert set(status.MODES) == OPEN | ENDED | {LinkedProgress}
    assert not OPEN & ENDED


def test_the_happy_path_edits_except_where_the_citizen_must_notice() -> None:
    """Alerted N → widened → accepted by X (new) → approaching → arrived (new) → done: confirm?
    (new) → thanked (an edit of the question)."""
    rid = 42
    path = [
        RequestCreated(rid, "fire", 3),
        SearchWidened(rid, 5, "fire"),
        VolunteerComing(rid, "Sarah", 2000),
        Approaching(rid, "Sarah", 2000, now_m=900),
        VolunteerArrived(rid, "Sarah"),
        ConfirmDone(rid, "Sarah"),
        Thanks(rid, "fire"),
    ]
    new, edit = status.Mode.NEW, status.Mode.EDIT
    assert [mode(p) for p in path] == [new, edit, new, edit, new, new, edit]


def test_a_notice_with_its_own_message_to_edit_or_to_nobody_is_not_about_the_status() -> None:
    assert status.mode_of(Notice(CITIZEN, Thanks(1, "fire"), edit=MessageRef(7, 3))) is None
    assert status.mode_of(Notice(Recipient(None, -100, "en"), Thanks(1, "fire"))) is None


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_an_open_request_keeps_cancel_on_its_status(lang: str, kind: type[Payload]) -> None:
    with use_locale(lang):
        for n in samples(kind):
            rid = dataclasses.asdict(n.payload)["request_id"]
            assert f"req:cancel:{rid}" in buttons(n), n.payload


@pytest.mark.parametrize("kind", ENDED_KINDS)
def test_an_end_drops_cancel(kind: type[Payload]) -> None:
    for n in samples(kind):
        assert not [b for b in buttons(n) if b.startswith("req:cancel:")], n.payload


@pytest.mark.parametrize("stage", list(LinkStage))
def test_a_linked_citizen_keeps_cancel_until_their_report_closes(stage: LinkStage) -> None:
    n = Notice(CITIZEN, LinkedProgress(43, 42, "fire", stage))
    assert ("req:cancel:43" in buttons(n)) is (stage not in CLOSING_STAGES)
    # New where the request's own citizen is told anew; edited while searching and at the end.
    fresh = stage not in (LinkStage.SEARCHING, LinkStage.DONE)
    assert mode(n.payload) is (status.Mode.NEW if fresh else status.Mode.EDIT)


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize(
    "make",
    [
        lambda incident: SearchRestarted(1, 3, incident),
        lambda incident: VolunteerReplaced(1, 3, incident),
        lambda incident: Redispatched(1, 3, incident),
        lambda incident: RequestClosedByOps(1, incident),
    ],
    ids=["sent out again", "replaced", "taken back", "closed by ops"],
)
def test_an_edit_of_a_life_threatening_request_keeps_the_official_numbers(
    make: Any, lang: str
) -> None:
    """An edit replaces the whole text, so the numbers the status message showed would be gone
    unless the edit carries them again (safety first: a life-threatening type always shows
    them); a breakdown's does not, and a row written before the type was carried renders."""
    with use_locale(lang):
        fire = render(Notice(Recipient(5, 5, lang), make("fire"))).text
        breakdown = render(Notice(Recipient(5, 5, lang), make("breakdown"))).text
    assert "998" in fire and "911" in fire
    assert "998" not in breakdown
    if not isinstance(make("fire"), RequestClosedByOps):
        with use_locale(lang):
            old_row = render(Notice(Recipient(5, 5, lang), make(""))).text
        assert old_row and "998" not in old_row
