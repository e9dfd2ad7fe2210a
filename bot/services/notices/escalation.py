"""What an operator's answer to an escalation tells people (bot/services/dispatch/escalation.py).

Registered on ``notices.PAYLOADS`` like every other payload (the package imports this module);
rendered by bot/handlers/render/escalation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.services.notices.core import Event, Payload, _payload
from bot.services.notices.requests import OpsEscalation


class Decision(StrEnum):
    """The four answers on an escalation's buttons."""

    WIDER = "wider"  # dispatch again, wider than the ladder went
    NAMED = "named"  # alert one volunteer the operator names
    OFFICIALS = "officials"  # the official services handle it: closed
    FALSE_ALARM = "false_alarm"  # nobody needed help: closed


@_payload(Event.ESCALATION_DECIDED)
@dataclass(frozen=True)
class EscalationDecided(Payload):
    """Every copy of the escalation, edited: the request as it is now and who decided what,
    its buttons gone. ``alerted`` and ``radius_m`` for a wider search; ``volunteer`` for a
    named one."""

    escalation: OpsEscalation
    decision: Decision
    by: str
    alerted: int = 0
    radius_m: int = 0
    volunteer: str = ""


@_payload(Event.HANDED_TO_OFFICIALS)
@dataclass(frozen=True)
class HandedToOfficials(Payload):
    """To the citizen: the command centre passed their request to the official services."""

    request_id: int
    incident: str


@_payload(Event.FALSE_ALARM_CLOSED)
@dataclass(frozen=True)
class FalseAlarmClosed(Payload):
    """To the citizen: the command centre closed their request as a false alarm."""

    request_id: int
    incident: str
