"""What linked reports' citizens read, and major-incident mode's messages: to the operations
chat (declared, ended, the summary a minute), to operators (/major, /link, /broadcast) and
to volunteers (a call-out). A linked citizen reads the stage of the request they follow and
the official numbers for a life-threatening type, never who helps or who else asked."""

from __future__ import annotations

from bot import formatting
from bot.handlers.render.base import Rendered, cancel_keyboard, renders
from bot.handlers.words import city_name, incident_name, urgent_numbers
from bot.i18n import N_, _, current_language, t, tn
from bot.services.notices.links import (
    CallOut,
    CallOutSent,
    LinkedProgress,
    LinkedToRequest,
    LinkStage,
    MajorArea,
    MajorDeclared,
    MajorEnded,
    MajorList,
    MajorSummary,
    OpsLinkDone,
    RequestStillOpen,
)
from domain.enums import RequestStatus
from domain.matching.geo import city_by_name

MAX_TEXT = 4000


def _stage(stage: LinkStage, primary_id: int) -> str:
    texts = {  # N_: extracted here, translated by t() with the number isolated
        LinkStage.SEARCHING: N_("Volunteers near you are being alerted for request #{primary_id}."),
        LinkStage.ACCEPTED: N_("A volunteer accepted request #{primary_id} and is on the way."),
        LinkStage.ARRIVED: N_("The volunteer for request #{primary_id} has arrived at the scene."),
        LinkStage.DONE: N_("The volunteer finished request #{primary_id}."),
        LinkStage.ESCALATED: N_(
            "No volunteer has accepted request #{primary_id} yet: the command centre has it."
        ),
        LinkStage.UNANSWERED: N_("No volunteer could take request #{primary_id}."),
        LinkStage.OFFICIALS: N_(
            "The command centre passed request #{primary_id} to the official services."
        ),
        LinkStage.CLOSED: N_("Request #{primary_id} was closed."),
    }
    return t(texts[stage], primary_id=primary_id)


@renders(LinkedToRequest)
def _linked(p: LinkedToRequest) -> Rendered:
    text = t(
        "Thank you. Someone near you already reported this ({incident}): your report #{request_id} is joined to request #{primary_id}, and help is already on the way. We will keep you informed.",
        incident=incident_name(p.incident),
        request_id=p.request_id,
        primary_id=p.primary_id,
    )
    text += "\n" + _stage(p.stage, p.primary_id) + urgent_numbers(p.incident)
    return Rendered(text, cancel_keyboard(p.request_id))


@renders(LinkedProgress)
def _progress(p: LinkedProgress) -> Rendered:
    text = t("Your report #{request_id}:", request_id=p.request_id) + " "
    text += _stage(p.stage, p.primary_id)
    if p.stage in (LinkStage.DONE, LinkStage.CLOSED, LinkStage.OFFICIALS):
        text += "\n" + _("If you still need help, ask again with /request.")
    elif p.stage in (LinkStage.ESCALATED, LinkStage.UNANSWERED):
        text += "\n" + _("If a life is in danger, do not wait: call the official numbers.")
    alarming = p.stage not in (LinkStage.ACCEPTED, LinkStage.ARRIVED, LinkStage.DONE)
    text += urgent_numbers(p.incident) if alarming else ""
    markup = (
        None
        if p.stage in (LinkStage.DONE, LinkStage.CLOSED, LinkStage.OFFICIALS)
        else (cancel_keyboard(p.request_id))
    )
    return Rendered(text, markup)


@renders(RequestStillOpen)
def _still_open(p: RequestStillOpen) -> Rendered:
    if p.status == RequestStatus.LINKED and p.linked_to is not None:
        text = t(
            "Your report #{request_id} is still open: it is joined to request #{primary_id}, and help is on the way.",
            request_id=p.request_id,
            primary_id=p.linked_to,
        )
    else:
        text = t(
            "Your request #{request_id} is still open. We are working on it.",
            request_id=p.request_id,
        )
    return Rendered(text + urgent_numbers(p.incident), cancel_keyboard(p.request_id))


@renders(OpsLinkDone)
def _link_done(p: OpsLinkDone) -> Rendered:
    if p.linked:
        return Rendered(
            t(
                "Request #{request_id} is now linked to request #{primary_id}: its alerts were withdrawn and its requester follows #{primary_id}.",
                request_id=p.request_id,
                primary_id=p.primary_id or 0,
            )
        )
    return Rendered(
        tn(
            "Request #{request_id} is on its own again: {n} volunteer alerted.",
            "Request #{request_id} is on its own again: {n} volunteers alerted.",
            p.alerted,
            request_id=p.request_id,
        )
    )


# --- major-incident mode ------------------------------------------------------------------


def area_words(a: MajorArea) -> str:
    """The area as operators read it: a city, or a point and radius."""
    city = city_by_name(a.city) if a.city else None
    radius = formatting.distance(a.radius_km * 1000)
    if city is not None:
        name = city.name_ar if current_language() == "ar" else city.name_en
        return t("{city} (within {radius})", city=name, radius=radius)
    return t(
        "{lat}, {lon} (within {radius})",
        lat=formatting.coordinate(a.lat),
        lon=formatting.coordinate(a.lon),
        radius=radius,
    )


@renders(MajorDeclared)
def _declared(p: MajorDeclared) -> Rendered:
    lines = [
        t(
            "🚨 Major-incident mode #{major_id}: {area}, until {time}.",
            major_id=p.area.major_id,
            area=area_words(p.area),
            time=formatting.when(p.area.ends_at),
        ),
        t("Declared by {name}.", name=p.operator),
        _(
            "Requests there get a wider first wave; volunteers who accept emergency call-outs are alerted even in quiet hours and past their hourly limit; escalations come as one summary a minute."
        ),
    ]
    if p.area.paid_broadcast:
        lines.append(_("Alerts there are sent as paid broadcasts (Telegram Stars)."))
    return Rendered("\n".join(lines))


@renders(MajorEnded)
def _ended(p: MajorEnded) -> Rendered:
    text = t(
        "✅ Major-incident mode #{major_id} ({area}) has ended: the usual dispatch applies again.",
        major_id=p.area.major_id,
        area=area_words(p.area),
    )
    if p.operator:
        text += "\n" + t("Ended by {name}.", name=p.operator)
    else:
        text += "\n" + _("Its period ran out.")
    return Rendered(text)


@renders(MajorSummary)
def _summary(p: MajorSummary) -> Rendered:
    lines = [
        tn(
            "🚨 Major incident #{major_id}, {area}: {n} unanswered request since {time}.",
            "🚨 Major incident #{major_id}, {area}: {n} unanswered requests since {time}.",
            p.total,
            major_id=p.area.major_id,
            area=area_words(p.area),
            time=formatting.clock(p.since),
        )
    ]
    for row in p.rows:
        lines.append(
            t(
                "• #{request_id} {incident}, near {city}: {lat}, {lon} ({time})",
                request_id=row.request_id,
                incident=incident_name(row.incident),
                city=city_name(row.area),
                lat=formatting.coordinate(row.lat),
                lon=formatting.coordinate(row.lon),
                time=formatting.clock(row.escalated_at),
            )
        )
    if p.total > len(p.rows):
        lines.append(t("… and {n} more: see /open.", n=p.total - len(p.rows)))
    lines.append(_("Act on one with /request ID (in a private chat with the bot)."))
    text = "\n".join(lines)
    return Rendered(text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…")


@renders(MajorList)
def _list(p: MajorList) -> Rendered:
    if not p.areas:
        return Rendered(_("No area is in major-incident mode."))
    lines = [_("Areas in major-incident mode:")]
    for a in p.areas:
        lines.append(
            t(
                "• #{major_id} {area}, until {time}",
                major_id=a.major_id,
                area=area_words(a),
                time=formatting.when(a.ends_at),
            )
        )
    lines.append(_("End one with /major end ID, or all with /major end."))
    return Rendered("\n".join(lines))


@renders(CallOut)
def _call_out(p: CallOut) -> Rendered:
    city = city_by_name(p.city) if p.city else None
    where = (city.name_ar if current_language() == "ar" else city.name_en) if city else ""
    head = (
        t("📣 Call-out from the command centre (major incident in {city}):", city=where)
        if where
        else _("📣 Call-out from the command centre (major incident near you):")
    )
    footer = _("Go on duty with /duty to receive its alerts. Thank you.")
    return Rendered(f"{head}\n\n{p.text}\n\n{footer}")


@renders(CallOutSent)
def _call_out_sent(p: CallOutSent) -> Rendered:
    if not p.areas:
        return Rendered(
            _("No area is in major-incident mode: declare one with /major start first.")
        )
    return Rendered(
        tn(
            "Call-out queued for {n} verified volunteer in the area.",
            "Call-out queued for {n} verified volunteers in the area.",
            p.reached,
        )
    )
