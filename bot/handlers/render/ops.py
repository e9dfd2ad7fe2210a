"""What the command centre and the operators read: escalations and volunteers to verify."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import formatting
from bot.handlers.buttons import EscalationAction, make_escalation, make_vet
from bot.handlers.render.base import Rendered, kb, renders
from bot.handlers.words import city_name, equipment_name, incident_name, list_of
from bot.i18n import _, format_number, t, tn
from bot.services.notices import OpsCancelled, OpsEscalation, OpsVerify, TimelineLine
from domain.enums import AuditKind
from domain.incidents import EQUIPMENT_ITEMS, skills_from_mask


@renders(OpsEscalation)
def _escalation(p: OpsEscalation) -> Rendered:
    return Rendered("\n".join(escalation_lines(p)), escalation_keyboard(p.request_id))


def escalation_keyboard(request_id: int) -> InlineKeyboardMarkup:
    """The four answers to an escalation (bot/handlers/escalation.py)."""
    return kb(
        [
            (_("🔁 Dispatch again, wider"), make_escalation(EscalationAction.WIDER, request_id)),
            (_("👤 Assign a volunteer"), make_escalation(EscalationAction.ASSIGN, request_id)),
        ],
        [
            (
                _("🚓 Official services have it"),
                make_escalation(EscalationAction.OFFICIALS, request_id),
            ),
            (_("🚫 False alarm"), make_escalation(EscalationAction.FALSE_ALARM, request_id)),
        ],
    )


def escalation_lines(p: OpsEscalation) -> list[str]:
    """The escalation's text: also the head of each copy edited once an operator answered."""
    lines = [
        t(
            "🚨 Unanswered request #{request_id}: {incident}",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        ),
        t("Area: near {city}", city=city_name(p.area)),
        t(
            "Location: {lat}, {lon}",
            lat=formatting.coordinate(p.lat),
            lon=formatting.coordinate(p.lon),
        ),
        t("Requester: {name} (id {id})", name=p.requester, id=p.requester_id),
        t("Created: {time}", time=formatting.when(p.created_at)),
        tn("{n} volunteer alerted", "{n} volunteers alerted", p.alerted),
    ]
    if p.description:
        lines.append(t("Details: {description}", description=p.description))
    lines.append(_("Timeline:"))
    for line in p.timeline:
        lines.append(
            t("• {time} {event}", time=formatting.clock(line.at), event=timeline_event(line))
        )
    return lines


@renders(OpsCancelled)
def _cancelled(p: OpsCancelled) -> Rendered:
    return Rendered(
        t(
            "The requester cancelled request #{request_id} ({incident}) after it was escalated: no action is needed.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )


def timeline_event(line: TimelineLine) -> str:
    """One audit event for the command centre, in its language. Unknown kinds show as stored."""
    d = line.detail
    if line.kind == AuditKind.WAVE and {"wave", "radius_m", "alerted"} <= d.keys():
        return tn(
            "Wave {wave}: {n} volunteer alerted within {distance}",
            "Wave {wave}: {n} volunteers alerted within {distance}",
            int(str(d["alerted"])),
            wave=format_number(int(str(d["wave"]))),
            distance=formatting.distance(float(str(d["radius_m"]))),
        )
    if line.kind == AuditKind.RELAYED:
        return (
            _("A message from the volunteer was passed on")
            if d.get("from") == "volunteer"
            else _("A message from the requester was passed on")
        )
    labels = {
        AuditKind.CREATED: _("Request created"),
        AuditKind.DECLINED: _("A volunteer declined"),
        AuditKind.ACCEPTED: _("A volunteer accepted"),
        AuditKind.RELEASED: _("The volunteer could not continue"),
        AuditKind.ARRIVED: _("The volunteer arrived"),
        AuditKind.DONE: _("The volunteer finished"),
        AuditKind.CANCELLED: _("Cancelled by the requester"),
        AuditKind.ARRIVAL_REMINDER: _("Arrival reminder sent"),
        AuditKind.ON_SCENE_REMINDER: _("On-scene reminder sent"),
        AuditKind.HELP_CHECK: _("The requester was asked whether help came"),
        AuditKind.HELP_CAME: _("The requester said help came"),
        AuditKind.NO_SHOW: _("The requester said nobody came: the job was taken back"),
        AuditKind.JOB_TIMED_OUT: _("No answer from either side: the job was taken back"),
        AuditKind.FINAL_WAIT: _("Nobody new to alert: waiting for the open alerts"),
        AuditKind.UNANSWERED: _("No volunteer accepted"),
        AuditKind.ESCALATED: _("Escalated to the command centre"),
        AuditKind.WIDER_SEARCH: _("The command centre dispatched it again, wider"),
        AuditKind.VOLUNTEER_NAMED: _("The command centre alerted a volunteer it named"),
        AuditKind.HANDED_TO_OFFICIALS: _("Handed to the official services by the command centre"),
        AuditKind.FALSE_ALARM: _("Closed as a false alarm by the command centre"),
    }
    return labels.get(line.kind, line.kind)  # type: ignore[call-overload]


@renders(OpsVerify)
def _verify(p: OpsVerify) -> Rendered:
    skills = list_of([incident_name(s) for s in skills_from_mask(p.skills)])
    equipment = list_of([equipment_name(i) for i in EQUIPMENT_ITEMS if p.equipment & i])
    lines = [
        t("New volunteer to verify: {name} (id {id})", name=p.name, id=p.volunteer_id),
        t("Skills: {skills}", skills=skills),
        t("Equipment: {equipment}", equipment=equipment),
    ]
    if p.username:
        lines.append(t("Telegram: @{username}", username=p.username))
    if p.phone:
        lines.append(t("Phone: {phone}", phone=p.phone))
    vid = p.volunteer_id
    return Rendered(
        "\n".join(lines),
        kb(
            [
                (_("✅ Approve"), make_vet(approve=True, volunteer_id=vid)),
                (_("❌ Reject"), make_vet(approve=False, volunteer_id=vid)),
            ]
        ),
    )
