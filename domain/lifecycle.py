"""The life of a help request on one screen: every allowed move of its status.

``storage.requests.transition`` refuses any move not listed here (a programming error,
raised, never a silent write), and ``tests/test_lifecycle.py`` walks the whole table on
a real database. A move to the same status is a claim on the row (the next wave, a
timer taken by exactly one worker), conditional like every other move.

    dispatching ──accept──▶ assigned ──arrived──▶ on_scene ──done──▶ completed ──▶ confirmed
      │  ▲  (next wave)       │   ▲ (reminder)      │                    └──────▶ disputed
      │  └────release─────────┴───┼─────────────────┘
      ├──no one after the last wave──▶ escalated (ops chat) | unanswered (none set)
      │                                   └──an operator re-dispatches──▶ dispatching (wave 0)
      └──cancel (any open state, and escalated)──▶ cancelled
"""

from __future__ import annotations

from domain.enums import RequestStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.DISPATCHING: frozenset({S.DISPATCHING, S.ASSIGNED, S.ESCALATED, S.UNANSWERED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.ON_SCENE, S.COMPLETED, S.DISPATCHING, S.CANCELLED}),
    S.ON_SCENE: frozenset({S.ON_SCENE, S.COMPLETED, S.DISPATCHING, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CONFIRMED, S.DISPUTED}),
    # The command centre may cancel it, or send it back to the ladder (bot/services/dispatch/operator.py).
    S.ESCALATED: frozenset({S.CANCELLED, S.DISPATCHING}),
    S.UNANSWERED: frozenset({S.CANCELLED, S.DISPATCHING}),
    S.CONFIRMED: frozenset(),
    S.DISPUTED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Someone may still act on these (alerts, the volunteer, the citizen); the others are closed.
OPEN: frozenset[S] = frozenset({S.DISPATCHING, S.ASSIGNED, S.ON_SCENE})
# Nobody accepted after the last wave: only an operator (or the citizen's cancel) moves it on.
UNANSWERED_ENDS: frozenset[S] = frozenset({S.ESCALATED, S.UNANSWERED})
# Where a request ends up, counted as its outcome (/metrics); an escalated or unanswered one
# may still be sent back to the ladder by an operator, and then reaches a second outcome.
OUTCOMES: frozenset[S] = frozenset(
    {S.CONFIRMED, S.DISPUTED, S.CANCELLED, S.ESCALATED, S.UNANSWERED}
)
# An operator may cancel, re-dispatch or reassign these (/request).
ACTIVE: frozenset[S] = OPEN | UNANSWERED_ENDS
# A volunteer is on the job.
ACTIVE_JOB: frozenset[S] = frozenset({S.ASSIGNED, S.ON_SCENE})
# The citizen may still cancel: before the job is done, and while the command centre has
# not acted on an escalation.
CANCELLABLE: frozenset[S] = frozenset(s for s, to in ALLOWED.items() if S.CANCELLED in to)


class IllegalTransition(RuntimeError):
    """A use case asked for a move the lifecycle does not allow: a bug, not a race."""


def check(from_status: S | str, to_status: S | str) -> None:
    """Raise unless the lifecycle allows ``from_status`` → ``to_status``."""
    if S(to_status) not in ALLOWED[S(from_status)]:
        raise IllegalTransition(f"a help request cannot go from {from_status} to {to_status}")
