"""Typed readers of what a use case returned, for tests.

An Outcome's ``request_id`` and its timers are Optional because not every use case creates a
request or arms a timer, and a Notice's payload is typed as the base ``Payload``; a test that
expects one kind reads it through these, which assert it is there (a test failure, not a
``type: ignore``) and hand mypy the narrowed type, so a misspelt field is a type error.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from bot.services.notices import Event, Notice, Outcome, Payload

P = TypeVar("P", bound=Payload)


def request_id_of(out: Outcome) -> int:
    """The id of the request this use case created or acted on."""
    assert out.request_id is not None, out
    return out.request_id


def timer_of(out: Outcome, request_id: int) -> datetime:
    """When the request's timer must fire next, as this use case set it (it must set one)."""
    assert request_id in out.timers, (request_id, out.timers)
    due = out.timers[request_id]
    assert due is not None, (request_id, out.timers)
    return due


def events(out: Outcome, event: Event) -> list[Notice]:
    """The notices of one event this use case wants sent, in order."""
    return [n for n in out.notices if n.event == event]


def payload(notice: Notice, kind: type[P]) -> P:
    """The notice's payload, which must be of this type."""
    assert isinstance(notice.payload, kind), notice
    return notice.payload


def offer_id_of(notice: Notice) -> int:
    """The offer an alert notice is for (the id its sent message is remembered under)."""
    assert notice.offer_id is not None, notice
    return notice.offer_id


def offers_by_person(out: Outcome) -> dict[int | None, int]:
    """Person id -> offer id, for every alert this use case sends."""
    return {n.to.person_id: offer_id_of(n) for n in events(out, Event.OFFER)}
