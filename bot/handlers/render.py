"""Notices into words and buttons, in the recipient's language. The only place copy is assembled."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import formatting
from bot.handlers.words import (
    city_name,
    emergency_block,
    equipment_name,
    incident_label,
    incident_name,
    list_of,
    timeline_event,
)
from bot.i18n import _, t, tn, use_locale
from bot.services.notices import Event, Notice
from domain.incidents import EQUIPMENT_ITEMS, rule_for, skills_from_mask


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    # Send this point (sendLocation) before the text: the exact location, only to the assigned volunteer.
    location: tuple[float, float] | None = None


def _kb(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def job_keyboard(request_id: int, *, on_scene: bool) -> InlineKeyboardMarkup:
    first = (
        [(_("✅ Done"), f"job:done:{request_id}")]
        if on_scene
        else [(_("📍 Arrived"), f"job:arr:{request_id}"), (_("✅ Done"), f"job:done:{request_id}")]
    )
    return _kb(first, [(_("✋ Can't continue"), f"job:rel:{request_id}")])


def cancel_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return _kb([(_("✖️ Cancel my request"), f"req:cancel:{request_id}")])


def _offer_closed(reason: str) -> str:
    return {
        "accepted": _("✅ You accepted this request. The details follow."),
        "taken": _("Another volunteer has already taken this request. Thank you for being ready."),
        "declined": _("You declined this request. You will not be alerted for it again."),
        "withdrawn": _("The person who asked for help cancelled this request."),
        "expired": _("This alert has expired."),
        "released": _("You released this request."),
        "failed": _("This alert has expired."),
        "sent": _("This alert has expired."),
    }.get(reason, _("This alert has expired."))


def render(notice: Notice) -> Rendered:
    with use_locale(notice.to.language):
        return _render(notice)


def _render(n: Notice) -> Rendered:
    p = n.params
    e = n.event
    rid = p.get("request_id")
    if e == Event.REQUEST_CREATED:
        incident = str(p["incident"])
        text = tn(
            "Your request #{request_id} ({incident}) was received. We alerted {n} volunteer nearby.",
            "Your request #{request_id} ({incident}) was received. We alerted {n} volunteers nearby.",
            int(p["alerted"]),
            request_id=rid,
            incident=incident_name(incident),
        )
        text += "\n" + _("We will tell you as soon as one of them accepts.")
        if rule_for(incident).life_threatening:
            text += "\n\n" + emergency_block(incident)
        return Rendered(text, cancel_keyboard(int(rid or 0)))
    if e == Event.SEARCH_WIDENED:
        return Rendered(
            tn(
                "No one has accepted yet, so we widened the search and alerted {n} more volunteer.",
                "No one has accepted yet, so we widened the search and alerted {n} more volunteers.",
                int(p["alerted"]),
            ),
            cancel_keyboard(int(rid or 0)),  # type: ignore[arg-type]
        )
    if e == Event.OFFER:
        text = "\n".join(
            (
                t("🚨 Help needed: {incident}", incident=incident_label(str(p["incident"]))),
                t("Distance: {distance}", distance=formatting.distance(float(p["distance_m"]))),
                t("Area: near {city}", city=city_name(p)),
                _("The exact location is sent to the volunteer who accepts."),
            )
        )
        oid = p["offer_id"]
        return Rendered(
            text, _kb([(_("✅ Accept"), f"offer:acc:{oid}"), (_("❌ Decline"), f"offer:dec:{oid}")])
        )
    if e == Event.OFFER_CLOSED:
        text = (
            t("Request: {incident}", incident=incident_label(str(p["incident"])))
            + "\n"
            + _offer_closed(str(p["reason"]))
        )
        return Rendered(text)
    if e == Event.JOB_ASSIGNED:
        lines = [
            t(
                "You are assigned to request #{request_id}: {incident}.",
                request_id=rid,
                incident=incident_name(str(p["incident"])),
            ),
            t(
                "The exact location is above ({distance} from you).",
                distance=formatting.distance(float(p["distance_m"])),
            ),
            t("Person asking for help: {name}", name=p["requester"]),
        ]
        if p.get("username"):
            lines.append(t("Telegram: @{username}", username=p["username"]))
        if p.get("phone"):
            lines.append(t("Phone: {phone}", phone=p["phone"]))
        if p.get("description"):
            lines.append(t("Details: {description}", description=p["description"]))
        lines.append(_("Keep this information private. Press Arrived when you reach them."))
        return Rendered(
            "\n".join(lines),
            job_keyboard(int(rid or 0), on_scene=False),  # type: ignore[arg-type]
            location=(float(p["lat"]), float(p["lon"])),
        )
    if e == Event.VOLUNTEER_COMING:
        text = t(
            "A volunteer, {name}, accepted your request and is {distance} away. They are on their way.",
            name=p["volunteer"],
            distance=formatting.distance(float(p["distance_m"])),
        )
        if p.get("phone"):
            text += "\n" + t("You can call them: {phone}", phone=p["phone"])
        return Rendered(text, cancel_keyboard(int(rid or 0)))  # type: ignore[arg-type]
    if e == Event.VOLUNTEER_ARRIVED:
        return Rendered(
            t("The volunteer {name} says they have arrived.", name=p["volunteer"]),
            cancel_keyboard(int(rid or 0)),
        )  # type: ignore[arg-type]
    if e == Event.JOB_ON_SCENE:
        return Rendered(
            _("Noted: you are on scene. Press Done when the job is finished."),
            job_keyboard(int(rid or 0), on_scene=True),
        )  # type: ignore[arg-type]
    if e == Event.CONFIRM_DONE:
        return Rendered(
            t(
                "The volunteer {name} says the job is done. Was your problem solved?",
                name=p["volunteer"],
            ),
            _kb([(_("👍 Yes, solved"), f"req:yes:{rid}"), (_("👎 No"), f"req:no:{rid}")]),
        )
    if e == Event.JOB_DONE_ACK:
        return Rendered(
            t(
                "Thank you! We asked the person to confirm. {minutes} will be credited once they do.",
                minutes=formatting.minutes(int(p["minutes"])),
            )
        )
    if e == Event.VOLUNTEER_RELEASED:
        return Rendered(
            tn(
                "The volunteer could not continue. We alerted {n} other volunteer.",
                "The volunteer could not continue. We alerted {n} other volunteers.",
                int(p["alerted"]),
            ),
            cancel_keyboard(int(rid or 0)),  # type: ignore[arg-type]
        )
    if e == Event.JOB_RELEASED_ACK:
        return Rendered(_("You released the job. We are alerting other volunteers. Thank you."))
    if e == Event.REQUEST_CANCELLED:
        return Rendered(t("Your request #{request_id} is cancelled. Stay safe.", request_id=rid))
    if e == Event.JOB_CANCELLED:
        return Rendered(
            t(
                "The person cancelled request #{request_id} ({incident}). You do not need to go.",
                request_id=rid,
                incident=incident_name(str(p["incident"])),
            )
        )
    if e == Event.HOURS_CREDITED:
        return Rendered(
            t(
                "The person confirmed the help. {minutes} credited to your volunteer hours. Total: {total}.",
                minutes=formatting.minutes(int(p["minutes"])),
                total=formatting.duration(int(p["total_minutes"])),
            )
        )
    if e == Event.CREDIT_DISPUTED:
        return Rendered(
            t(
                "The person said request #{request_id} was not solved, so no hours were credited for it.",
                request_id=rid,
            )
        )
    if e == Event.THANKS:
        return Rendered(_("Thank you for confirming. We are glad you are safe."))
    if e == Event.DISPUTE_ACK:
        return Rendered(
            _(
                "We are sorry it was not solved. We recorded your answer. If you still need help, request it again."
            )
            + "\n\n"
            + emergency_block(str(p["incident"]))
        )
    if e == Event.AUTO_CONFIRMED:
        return Rendered(t("Request #{request_id} was closed as solved.", request_id=rid))
    if e == Event.NO_VOLUNTEER:
        head = t("We received your request #{request_id}.", request_id=rid) + "\n"
        head += (
            _(
                "We are sorry: no volunteer is available for your request yet. The command centre has been told."
            )
            if p.get("ops_told", True)
            else _("We are sorry: no volunteer is available for your request right now.")
        )
        return Rendered(head + "\n\n" + emergency_block(str(p["incident"])))
    if e == Event.OPS_ESCALATION:
        lines = [
            t(
                "🚨 Unanswered request #{request_id}: {incident}",
                request_id=rid,
                incident=incident_name(str(p["incident"])),
            ),
            t("Area: near {city}", city=city_name(p)),
            t(
                "Location: {lat}, {lon}",
                lat=formatting.coordinate(float(p["lat"])),
                lon=formatting.coordinate(float(p["lon"])),
            ),
            t("Requester: {name} (id {id})", name=p["requester"], id=p["requester_id"]),
            t("Created: {time}", time=formatting.when(p["created_at"])),  # type: ignore[arg-type]
            tn("{n} volunteer alerted", "{n} volunteers alerted", int(p["alerted"])),
        ]
        if p.get("description"):
            lines.append(t("Details: {description}", description=p["description"]))
        lines.append(_("Timeline:"))
        for at, kind, detail in p["timeline"]:  # type: ignore[union-attr]
            lines.append(
                t("• {time} {event}", time=formatting.clock(at), event=timeline_event(kind, detail))
            )
        return Rendered("\n".join(lines), location=(float(p["lat"]), float(p["lon"])))
    if e == Event.ARRIVAL_REMINDER:
        return Rendered(
            t(
                "Request #{request_id} ({incident}): have you arrived? Please send an update.",
                request_id=rid,
                incident=incident_name(str(p["incident"])),
            ),
            job_keyboard(int(rid or 0), on_scene=False),  # type: ignore[arg-type]
        )
    if e == Event.STATUS_UPDATE:
        return Rendered(
            t(
                "The volunteer {name} is still on the way. We asked them for an update.",
                name=p["volunteer"],
            ),
            cancel_keyboard(int(rid or 0)),
        )  # type: ignore[arg-type]
    if e == Event.VOLUNTEER_PENDING:
        return Rendered(
            _(
                "Thank you for registering. Your profile is waiting for verification; you will receive no alerts until it is approved."
            )
        )
    if e == Event.OPS_VERIFY:
        skills = list_of([incident_name(s) for s in skills_from_mask(int(p["skills"]))])
        equipment = list_of([equipment_name(i) for i in EQUIPMENT_ITEMS if int(p["equipment"]) & i])
        lines = [
            t("New volunteer to verify: {name} (id {id})", name=p["name"], id=p["volunteer_id"]),
            t("Skills: {skills}", skills=skills),
            t("Equipment: {equipment}", equipment=equipment),
        ]
        if p.get("username"):
            lines.append(t("Telegram: @{username}", username=p["username"]))
        if p.get("phone"):
            lines.append(t("Phone: {phone}", phone=p["phone"]))
        vid = p["volunteer_id"]
        return Rendered(
            "\n".join(lines),
            _kb([(_("✅ Approve"), f"vet:ok:{vid}"), (_("❌ Reject"), f"vet:no:{vid}")]),
        )
    if e == Event.VOLUNTEER_VERIFIED:
        return Rendered(
            _("You are verified. Share your location and go on duty with /duty to receive alerts.")
        )
    if e == Event.VOLUNTEER_REJECTED:
        return Rendered(
            _("Your volunteer registration was not approved. Contact your team leader for details.")
        )
    if e == Event.POSITION_STALE:
        return Rendered(
            _(
                "We have not received your location for a while, so you will not receive alerts. Share your location (or a live location) to resume."
            )
        )
    raise ValueError(f"no rendering for {e}")
