"""The citizen's view once a volunteer accepted, the volunteer approaching live, and the
status message's housekeeping (a replaced one loses its buttons)."""

from __future__ import annotations

from bot import formatting
from bot.handlers.render.base import Rendered, cancel_keyboard, renders
from bot.i18n import _, t
from bot.services.notices import VolunteerComing
from bot.services.notices.citizen import (
    ApproachAck,
    Approaching,
    CitizenUnreachable,
    LiveLocation,
    LiveMoved,
    LiveStopped,
    StatusRetired,
)


def _where(p: VolunteerComing) -> list[str]:
    """How far the volunteer is: now (their last fix, live or not), else at acceptance and
    how long ago; then when they should be there."""
    lines: list[str] = []
    if p.now_m is not None and p.fix_at is not None:
        lines.append(
            t(
                "📍 {distance} away now (at {time}).",
                distance=formatting.distance(float(p.now_m)),
                time=formatting.clock(p.fix_at),
            )
        )
        if p.live:
            lines.append(_("📡 Follow them on the live map in this chat."))
        elif p.sharing_ended:
            lines.append(_("They stopped sharing their location."))
    elif p.accepted_at is not None and p.as_of is not None:
        since = max(0, int((p.as_of - p.accepted_at).total_seconds() // 60))
        lines.append(
            t(
                "They were {distance} away when they accepted, {minutes} ago.",
                distance=formatting.distance(float(p.distance_m)),
                minutes=formatting.minutes(since),
            )
        )
    if p.eta_min is not None:
        lines.append(t("⏱ Expected in about {eta}.", eta=formatting.minutes(p.eta_min)))
    return lines


def _tail(p: VolunteerComing) -> list[str]:
    lines = []
    if p.phone:
        lines.append(t("You can call them: {phone}", phone=p.phone))
    lines.append(_("💬 To talk to them, write here: the bot passes it on."))
    return lines


@renders(VolunteerComing)
def _coming(p: VolunteerComing) -> Rendered:
    """The new message that says a volunteer accepted: it becomes the status message. For
    someone else the distance is to the pin the citizen dropped, not to them."""
    distance = formatting.distance(float(p.distance_m))
    lines = [
        t(
            "A volunteer, {name}, accepted your request and is {distance} from the pin you dropped. They are on their way there.",
            name=p.volunteer,
            distance=distance,
        )
        if p.for_other
        else t(
            "A volunteer, {name}, accepted your request and is {distance} away. They are on their way.",
            name=p.volunteer,
            distance=distance,
        )
    ]
    if p.eta_min is not None:
        lines.append(t("⏱ Expected in about {eta}.", eta=formatting.minutes(p.eta_min)))
    return Rendered("\n".join(lines + _tail(p)), cancel_keyboard(p.request_id))


@renders(Approaching)
def _approaching(p: Approaching) -> Rendered:
    """The same view, edited into the status message as the volunteer comes."""
    lines = [
        t(
            "🚗 {name} is on the way to the pin you dropped (request #{request_id}).",
            name=p.volunteer,
            request_id=p.request_id,
        )
        if p.for_other
        else t(
            "🚗 {name} is on the way to you (request #{request_id}).",
            name=p.volunteer,
            request_id=p.request_id,
        ),
        *_where(p),
    ]
    if p.reminded:
        lines.append(
            t(
                "The volunteer {name} is still on the way. We asked them for an update.",
                name=p.volunteer,
            )
        )
    return Rendered("\n".join(lines + _tail(p)), cancel_keyboard(p.request_id))


@renders(StatusRetired)
def _retired(p: StatusRetired) -> Rendered:
    """An edit of the buttons alone, to none: a newer message holds the request's status."""
    return Rendered("")


@renders(LiveLocation)
def _live(p: LiveLocation) -> Rendered:
    return Rendered("", location=(p.lat, p.lon), live_period=p.live_period_s)


@renders(LiveMoved)
def _moved(p: LiveMoved) -> Rendered:
    return Rendered("", location=(p.lat, p.lon))


@renders(LiveStopped)
def _stopped(p: LiveStopped) -> Rendered:
    return Rendered("", stop_live=True)


@renders(ApproachAck)
def _ack(p: ApproachAck) -> Rendered:
    if p.live:
        return Rendered(
            _(
                "📡 The person who asked for help now sees you coming on a live map, and nobody else does. It stops when you press “📍 Arrived”, finish or let go, or stop sharing."
            )
        )
    return Rendered(
        _(
            "📍 Thank you: we told the person who asked for help how far you are. To let them follow you as you come, share a live location: tap 📎, choose “Location”, then “Share my live location”."
        )
    )


@renders(CitizenUnreachable)
def _unreachable(p: CitizenUnreachable) -> Rendered:
    return Rendered(
        t(
            "⚠️ Request #{request_id}: the person who asked for help has blocked the bot, so our messages and yours no longer reach them. The job stands: go to the location you were given and use the buttons as usual.",
            request_id=p.request_id,
        )
    )
