"""The life of a help request, from creation to credited hours (``domain.lifecycle``).

Every state change is a conditional UPDATE (``storage.requests.transition``) inside the
caller's one transaction; the row count decides who won, and the lifecycle table decides
what may be asked at all. Timers are not kept in memory: each step writes
``next_timer_at`` on the row, returns it in the Outcome, and ``on_timer`` re-checks the row
before acting, so a timer that fires twice, late, or after a restart does the right
thing exactly once.

    ladder.py    creating a request (or a report linked to another), the widening waves,
                 the final wait, the escalation
    answers.py   a volunteer's answer to an alert (accept, decline) and failed deliveries
    job.py       after acceptance: arrived, done, confirm, release, cancel
    timers.py    what a due timer does (every open state has one), and the citizen's answer
                 to "did help come?"
    common.py    the steps every use case shares (who to tell, a move with its audit)
    approach.py  the volunteer approaching live, to the citizen alone
    linked.py, relink.py   linked reports
"""

from bot.services.dispatch.answers import (
    accept,
    alert_delivered,
    alerts_delivered,
    decline,
    recipient_unreachable,
)
from bot.services.dispatch.job import arrived, cancel, confirm, credit_minutes, done, release
from bot.services.dispatch.ladder import create_request
from bot.services.dispatch.refusals import show_open_request
from bot.services.dispatch.timers import fire_due, help_came, on_timer, pending_timers
from domain.incidents import life_threatening

__all__ = [
    "accept",
    "alert_delivered",
    "alerts_delivered",
    "arrived",
    "cancel",
    "confirm",
    "create_request",
    "credit_minutes",
    "decline",
    "done",
    "fire_due",
    "help_came",
    "life_threatening",
    "on_timer",
    "pending_timers",
    "recipient_unreachable",
    "release",
    "show_open_request",
]
