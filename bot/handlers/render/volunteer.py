"""What a volunteer reads: alerts, the job, and the volunteer programme's notices."""

from __future__ import annotations

import math

from bot import formatting
from bot.handlers.buttons import OfferAction, make_offer
from bot.handlers.render.base import Rendered, job_keyboard, kb, renders
from bot.handlers.words import city_name, incident_label, incident_name
from bot.i18n import _, t
from bot.services.notices import (
    AlertClosed,
    AlertOffer,
    ArrivalReminder,
    CreditDisputed,
    ExactLocation,
    HoursCredited,
    JobAssigned,
    JobCancelled,
    JobDoneAck,
    JobLastCall,
    JobOnScene,
    JobReleasedAck,
    JobTakenBack,
    OnSceneReminder,
    PositionStale,
    VolunteerPending,
    VolunteerRejected,
    VolunteerVerified,
)
from domain.enums import OfferStatus


@renders(AlertOffer)
def _offer(p: AlertOffer) -> Rendered:
    text = "\n".join(
        (
            t("🚨 Help needed: {incident}", incident=incident_label(p.incident)),
            t("Distance: {distance}", distance=formatting.distance(float(p.distance_m))),
            t("Area: near {city}", city=city_name(p.area)),
            _("The exact location is sent to the volunteer who accepts."),
        )
    )
    oid = p.offer_id
    return Rendered(
        text,
        kb(
            [
                (_("✅ Accept"), make_offer(OfferAction.ACCEPT, oid)),
                (_("❌ Decline"), make_offer(OfferAction.DECLINE, oid)),
            ]
        ),
    )


def closed_reason(reason: OfferStatus) -> str:
    """Why an alert no longer has buttons. Every status has its line (tests/test_render.py)."""
    expired = _("This alert has expired.")
    return {
        OfferStatus.ACCEPTED: _("✅ You accepted this request. The details follow."),
        OfferStatus.TAKEN: _(
            "Another volunteer has already taken this request. Thank you for being ready."
        ),
        OfferStatus.DECLINED: _("You declined this request. You will not be alerted for it again."),
        OfferStatus.WITHDRAWN: _("The person who asked for help cancelled this request."),
        OfferStatus.EXPIRED: expired,
        OfferStatus.RELEASED: _("You released this request."),
        OfferStatus.FAILED: expired,
        OfferStatus.SENT: expired,
    }[reason]


@renders(AlertClosed)
def _closed(p: AlertClosed) -> Rendered:
    return Rendered(
        t("Request: {incident}", incident=incident_label(p.incident))
        + "\n"
        + closed_reason(p.reason)
    )


@renders(JobAssigned)
def _job(p: JobAssigned) -> Rendered:
    lines = [
        t(
            "You are assigned to request #{request_id}: {incident}.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        ),
        t(
            "The exact location is above ({distance} from you).",
            distance=formatting.distance(float(p.distance_m)),
        ),
        t("Person asking for help: {name}", name=p.requester),
    ]
    if p.for_other:
        lines.append(
            _(
                "👤 They asked for someone else: help is needed at the pin above, and the person there may not know you are coming."
            )
        )
    if p.scene_phone:
        lines.append(t("📞 Person at the scene: {phone}", phone=p.scene_phone))
    # Never the requester's Telegram account (``username``, kept for notices stored before):
    # the two sides talk through the bot (bot/services/relay.py).
    if p.phone:
        lines.append(t("Phone: {phone}", phone=p.phone))
    if p.description:
        lines.append(t("Details: {description}", description=p.description))
    lines.append(_("Keep this information private. Press Arrived when you reach them."))
    lines.append(_("💬 To talk to them, write here: the bot passes it on."))
    # The invitation to share a live location, with what it does: sharing one is the consent.
    lines.append(
        _(
            "📡 Let them see you coming: share your live location here (tap 📎, choose “Location”, then “Share my live location”). Only the person who asked for help sees it, only during this job; it stops when you arrive, finish or let go."
        )
    )
    return Rendered("\n".join(lines), job_keyboard(p.request_id, on_scene=False))


@renders(ExactLocation)
def _point(p: ExactLocation) -> Rendered:
    return Rendered("", location=(p.lat, p.lon))


@renders(JobOnScene)
def _on_scene(p: JobOnScene) -> Rendered:
    return Rendered(
        _("Noted: you are on scene. Press Done when the job is finished."),
        job_keyboard(p.request_id, on_scene=True),
    )


@renders(JobDoneAck)
def _done(p: JobDoneAck) -> Rendered:
    return Rendered(
        t(
            "Thank you! We asked the person to confirm. {minutes} will be credited once they do.",
            minutes=formatting.minutes(p.minutes),
        )
    )


@renders(JobReleasedAck)
def _released(p: JobReleasedAck) -> Rendered:
    return Rendered(_("You released the job. We are alerting other volunteers. Thank you."))


@renders(JobCancelled)
def _cancelled(p: JobCancelled) -> Rendered:
    return Rendered(
        t(
            "The person cancelled request #{request_id} ({incident}). You do not need to go.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )


@renders(HoursCredited)
def _credited(p: HoursCredited) -> Rendered:
    return Rendered(
        t(
            "The person confirmed the help. {minutes} credited to your volunteer hours. Total: {total}.",
            minutes=formatting.minutes(p.minutes),
            total=formatting.duration(p.total_minutes),
        )
    )


@renders(CreditDisputed)
def _disputed(p: CreditDisputed) -> Rendered:
    return Rendered(
        t(
            "The person said request #{request_id} was not solved, so no hours were credited for it.",
            request_id=p.request_id,
        )
    )


@renders(ArrivalReminder)
def _reminder(p: ArrivalReminder) -> Rendered:
    return Rendered(
        t(
            "Request #{request_id} ({incident}): have you arrived? Please send an update.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        ),
        job_keyboard(p.request_id, on_scene=False),
    )


@renders(VolunteerPending)
def _pending(p: VolunteerPending) -> Rendered:
    return Rendered(
        _(
            "Thank you for registering. Your profile is waiting for verification; you will receive no alerts until it is approved."
        )
    )


@renders(VolunteerVerified)
def _verified(p: VolunteerVerified) -> Rendered:
    return Rendered(
        _("You are verified. Share your location and go on duty with /duty to receive alerts.")
    )


@renders(VolunteerRejected)
def _rejected(p: VolunteerRejected) -> Rendered:
    return Rendered(
        _("Your volunteer registration was not approved. Contact your team leader for details.")
    )


@renders(PositionStale)
def _stale(p: PositionStale) -> Rendered:
    return Rendered(
        _(
            "We have not received your location for a while, so you will not receive alerts. Share your location (or a live location) to resume."
        )
    )


@renders(OnSceneReminder)
def _on_scene_reminder(p: OnSceneReminder) -> Rendered:
    return Rendered(
        t(
            "Request #{request_id} ({incident}): are you still on scene? Press Done when the job is finished, or Can't continue.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        ),
        job_keyboard(p.request_id, on_scene=True),
    )


@renders(JobLastCall)
def _last_call(p: JobLastCall) -> Rendered:
    return Rendered(
        t(
            "Request #{request_id} ({incident}): we have had no update from you, so we asked the person whether help came. Without an update within {minutes}, the job will be given to other volunteers.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
            minutes=formatting.minutes(max(1, math.ceil(p.wait_s / 60))),
        ),
        job_keyboard(p.request_id, on_scene=p.on_scene),
    )


@renders(JobTakenBack)
def _taken_back(p: JobTakenBack) -> Rendered:
    text = (
        t(
            "The person said nobody came, so request #{request_id} ({incident}) was given to other volunteers. You can receive alerts again.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
        if p.no_show
        else t(
            "We had no update from you, so request #{request_id} ({incident}) was given to other volunteers. You can receive alerts again.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )
    return Rendered(text)
