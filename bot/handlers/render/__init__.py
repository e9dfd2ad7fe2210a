"""Notices into words and buttons, in the recipient's language. The only place copy is assembled.

One small function per payload type, registered with ``@renders``: a payload without a
renderer fails ``tests/test_render.py``, and a renderer reads typed fields, so a
missing one is a mypy error. The functions live by audience and subject: ``citizen.py``,
``volunteer.py``, ``hours.py``, ``teams.py`` and ``links.py``; ``ops.py`` and
``escalation.py`` (what the command centre is asked to answer), ``oversight.py`` (what it
reads) and ``decisions.py`` (what its decisions tell the people they concern).
"""

from __future__ import annotations

from bot.handlers.render import (
    approach,
    citizen,
    decisions,
    escalation,
    hours,
    links,
    ops,
    oversight,
    relay,
    teams,
    volunteer,
)
from bot.handlers.render.base import RENDERERS, Rendered, cancel_keyboard, job_keyboard, renders
from bot.i18n import use_locale
from bot.services.notices import Notice

__all__ = [
    "RENDERERS",
    "Rendered",
    "approach",
    "cancel_keyboard",
    "citizen",
    "decisions",
    "escalation",
    "hours",
    "job_keyboard",
    "links",
    "ops",
    "oversight",
    "relay",
    "render",
    "renders",
    "teams",
    "volunteer",
]


def render(notice: Notice) -> Rendered:
    with use_locale(notice.to.language):
        return RENDERERS[type(notice.payload)](notice.payload)
