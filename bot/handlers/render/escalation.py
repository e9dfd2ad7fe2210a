"""What an operator's answer to an escalation says: the copies edited, the citizen told, and
the volunteers offered under "Assign a volunteer"."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot import formatting
from bot.handlers.buttons import EscalationAction, make_escalation, make_named
from bot.handlers.render.base import Rendered, kb, renders
from bot.handlers.render.ops import escalation_lines
from bot.handlers.words import emergency_block, incident_name
from bot.i18n import _, t, tn
from bot.services.notices.escalation import (
    Decision,
    EscalationDecided,
    FalseAlarmClosed,
    HandedToOfficials,
)


def _decision(p: EscalationDecided) -> str:
    by = p.by or _("an operator")
    if p.decision is Decision.WIDER:
        return tn(
            "✅ {name} dispatched it again, wider: {n} volunteer alerted within {distance}.",
            "✅ {name} dispatched it again, wider: {n} volunteers alerted within {distance}.",
            p.alerted,
            name=by,
            distance=formatting.distance(p.radius_m),
        )
    if p.decision is Decision.NAMED:
        return t("✅ {name} alerted {volunteer}.", name=by, volunteer=p.volunteer)
    if p.decision is Decision.OFFICIALS:
        return t("✅ {name} handed it to the official services: closed.", name=by)
    return t("✅ {name} closed it as a false alarm.", name=by)


@renders(EscalationDecided)
def _decided(p: EscalationDecided) -> Rendered:
    return Rendered("\n".join([*escalation_lines(p.escalation), "", _decision(p)]))


@renders(HandedToOfficials)
def _officials(p: HandedToOfficials) -> Rendered:
    text = t(
        "The command centre passed your request #{request_id} ({incident}) to the official emergency services.",
        request_id=p.request_id,
        incident=incident_name(p.incident),
    )
    return Rendered(text + "\n\n" + emergency_block(p.incident))


@renders(FalseAlarmClosed)
def _false_alarm(p: FalseAlarmClosed) -> Rendered:
    text = t(
        "The command centre closed your request #{request_id} ({incident}): it found that no help was needed. If you still need help, send /request.",
        request_id=p.request_id,
        incident=incident_name(p.incident),
    )
    return Rendered(text + "\n\n" + emergency_block(p.incident))


def candidates_keyboard(
    request_id: int, volunteers: Sequence[tuple[int, str, float]]
) -> InlineKeyboardMarkup:
    """One button per volunteer (id, name, metres away), nearest first, then Back."""
    rows = [
        [
            (
                t("👤 {name} · {distance}", name=name, distance=formatting.distance(metres)),
                make_named(request_id, pid),
            )
        ]
        for pid, name, metres in volunteers
    ]
    back = [(_("◀️ Back"), make_escalation(EscalationAction.BACK, request_id))]
    return kb(*rows, back)


def no_candidates() -> str:
    return _(
        "Nobody the wider search would reach. Name a volunteer with /assign REQUEST VOLUNTEER."
    )
