"""Every notice payload has exactly one renderer, and survives the trip through storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handlers.render import RENDERERS
from bot.handlers.render.volunteer import closed_reason
from bot.i18n import use_locale
from bot.services.notices import (
    PAYLOADS,
    AlertClosed,
    Area,
    Event,
    OpsEscalation,
    Recipient,
    TimelineLine,
    from_json,
    to_json,
)
from domain.enums import OfferStatus
from tests.factories import notice
from tests.notice_cases import CASES


def test_every_event_has_a_payload_and_every_payload_a_renderer() -> None:
    assert set(PAYLOADS) == set(Event)
    assert set(RENDERERS) == set(PAYLOADS.values())


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_closing_reason_has_its_line(lang: str) -> None:
    with use_locale(lang):
        assert all(closed_reason(s) for s in OfferStatus)


def test_a_reason_given_as_text_is_typed() -> None:
    assert AlertClosed("fire", "taken").reason is OfferStatus.TAKEN  # type: ignore[arg-type]


@pytest.mark.parametrize("event", list(Event))
def test_payloads_round_trip_through_json(event: Event) -> None:
    for params in CASES[event]:
        payload = notice(Recipient(1, 1, "en"), event, params).payload
        assert from_json(to_json(payload)) == payload


def test_escalation_with_timeline_round_trips() -> None:
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    payload = OpsEscalation(
        request_id=1,
        incident="flood",
        lat=24.7,
        lon=46.7,
        requester="نورة",
        requester_id=5,
        created_at=t0,
        alerted=3,
        declined=1,
        area=Area("Riyadh", "الرياض", 2.5),
        timeline=(TimelineLine(t0, "wave", {"wave": 1, "radius_m": 5000, "alerted": 3}),),
    )
    back = from_json(to_json(payload))
    assert back == payload
    assert isinstance(back, OpsEscalation) and back.timeline[0].at == t0
