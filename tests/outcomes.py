"""Typed readers of what a use case returned, for tests.

An Outcome's ``request_id`` and its timers are Optional because not every use case creates a
request or arms a timer; a test that expects one reads it through these, which assert it is
there (a test failure, not a ``type: ignore``) and hand mypy the narrowed type.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.notices import Outcome


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
