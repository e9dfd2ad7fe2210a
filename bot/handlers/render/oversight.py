"""What the command centre reads: /open, /request, /audit, /who and /stats, and what
operators' decisions tell people (a promotion, a suspension, a request closed or re-sent)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from babel.numbers import format_percent

from bot import formatting
from bot.handlers.buttons import OpsAction, make_oversight
from bot.handlers.render.base import Rendered, kb, renders
from bot.handlers.render.ops import timeline_event
from bot.handlers.words import city_name, equipment_name, incident_name, list_of
from bot.i18n import _, babel_locale, current_language, format_number, t, tn
from bot.services.notices import TimelineLine
from bot.services.notices.ops import (
    JobReassigned,
    OperatorDemoted,
    OperatorPromoted,
    OpsAuditView,
    OpsPersonView,
    OpsRequestList,
    OpsRequestView,
    OpsStats,
    RequestClosedByOps,
    SearchRestarted,
    Spread,
    TimelineItem,
    VolunteerCard,
    VolunteerReinstated,
    VolunteerReplaced,
    VolunteerSuspended,
)
from domain.enums import AuditKind, CreditStatus, RequestStatus, VolunteerStatus
from domain.incidents import EQUIPMENT_ITEMS, skills_from_mask
from domain.matching.geo import city_by_name

MAX_TEXT = 4000  # Telegram's limit is 4096 characters


def stamp(moment: datetime) -> str:
    """Date and time to the second, Asia/Riyadh: the audit's resolution."""
    pattern = "yyyy-MM-dd HH:mm:ss"
    return str(format_datetime(moment, pattern, tzinfo=formatting.LOCAL_TZ, locale=babel_locale()))


def status_name(status: str) -> str:
    """A request's, a volunteer's or a person's standing, in the reader's language."""
    names = {
        RequestStatus.DISPATCHING: _("searching"),
        RequestStatus.ASSIGNED: _("assigned"),
        RequestStatus.ON_SCENE: _("on scene"),
        RequestStatus.COMPLETED: _("done, awaiting confirmation"),
        RequestStatus.CONFIRMED: _("confirmed"),
        RequestStatus.DISPUTED: _("disputed"),
        RequestStatus.CANCELLED: _("cancelled"),
        RequestStatus.UNANSWERED: _("unanswered"),
        RequestStatus.ESCALATED: _("escalated"),
        VolunteerStatus.PENDING: _("waiting for verification"),
        VolunteerStatus.VERIFIED: _("verified"),
        VolunteerStatus.REJECTED: _("not approved"),
        VolunteerStatus.SUSPENDED: _("suspended"),
        VolunteerStatus.LEFT: _("left the programme"),
        "operator": _("operator"),
        "none": _("no role"),
        "allowed": _("allowed"),
        "blocked": _("blocked"),
        CreditStatus.PENDING: _("pending confirmation"),
    }
    return names.get(status, status)  # type: ignore[call-overload]


def _city(name_en: str) -> str:
    """A city stored by its English name, in the reader's language."""
    city = city_by_name(name_en)
    return city.name_ar if city is not None and current_language() == "ar" else name_en


def _fit(lines: list[str]) -> str:
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _event(item: TimelineItem) -> str:
    """One audit record in words: the command centre's own kinds here, the rest as ops.py says."""
    d = item.detail or {}
    labels = {
        AuditKind.CONFIRMED: _("The requester confirmed it was solved"),
        AuditKind.AUTO_CONFIRMED: _("Confirmed automatically: the requester did not answer"),
        AuditKind.DISPUTED: _("The requester said it was not solved: no credit"),
        AuditKind.AUTO_DISPUTED: _("Closed as not solved: no credit"),
        AuditKind.ALERT_FAILED: _("An alert could not be delivered"),
        AuditKind.OPS_CANCELLED: _("Closed by the command centre"),
        AuditKind.REDISPATCHED: _("Sent out again by the command centre, from the first wave"),
        AuditKind.REASSIGNED: _("The command centre took the job from its volunteer"),
        AuditKind.REFUSED: _("Refused: not an operator"),
    }
    if item.kind == AuditKind.DONE and "minutes" in d:
        minutes = formatting.duration(int(str(d["minutes"])))
        return t("The volunteer finished: {duration} to credit", duration=minutes)
    if item.kind in labels:
        return labels[item.kind]  # type: ignore[index]
    return timeline_event(TimelineLine(item.at, item.kind, dict(d)))


def _line(item: TimelineItem, *, details: bool = False) -> list[str]:
    lines = [t("• {time} {event}", time=stamp(item.at), event=_event(item))]
    if item.actor:
        lines.append(t("   by {name}", name=item.actor))
    if item.people:
        lines.append(t("   alerted: {names}", names=list_of(list(item.people))))
    d = item.detail or {}
    if details and "before" in d and "after" in d:
        lines.append(
            t(
                "   {before} → {after}",
                before=status_name(str(d["before"])),
                after=status_name(str(d["after"])),
            )
        )
    if d.get("reason") and d.get("reason") not in ("blocked", "suspended"):
        lines.append(t("   reason: {reason}", reason=str(d["reason"])))
    return lines


@renders(OpsRequestList)
def _open(p: OpsRequestList) -> Rendered:
    if not p.rows:
        return Rendered(_("No active requests."))
    lines = [
        t(
            "📋 Active requests: {n} (page {page} of {pages})",
            n=p.total,
            page=p.page + 1,
            pages=p.pages,
        )
    ]
    for row in p.rows:
        age = formatting.duration(max(0, int((p.as_of - row.created_at).total_seconds() // 60)))
        values = {
            "request_id": row.request_id,
            "incident": incident_name(row.incident),
            "status": status_name(row.status),
            "age": age,
            "city": city_name(row.area),
        }
        if row.volunteer:
            lines.append(
                t(
                    "#{request_id} {incident} · {status} · {age} · near {city} · {volunteer}",
                    volunteer=row.volunteer,
                    **values,
                )
            )
        else:
            lines.append(t("#{request_id} {incident} · {status} · {age} · near {city}", **values))
    views = [
        (f"#{row.request_id}", make_oversight(OpsAction.VIEW, row.request_id)) for row in p.rows
    ]
    rows = [views[i : i + 4] for i in range(0, len(views), 4)]
    paging = []
    if p.page > 0:
        paging.append((_("◀️ Previous"), make_oversight(OpsAction.PAGE, p.page - 1)))
    if p.page + 1 < p.pages:
        paging.append((_("Next ▶️"), make_oversight(OpsAction.PAGE, p.page + 1)))
    if paging:
        rows.append(paging)
    return Rendered(_fit(lines), kb(*rows))


@renders(OpsRequestView)
def _request(p: OpsRequestView) -> Rendered:
    lines = [
        t(
            "🔎 Request #{request_id}: {incident}",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        ),
        t("Status: {status}", status=status_name(p.status)),
        t("Area: near {city}", city=city_name(p.area)),
        t(
            "Location: {lat}, {lon}",
            lat=formatting.coordinate(p.lat),
            lon=formatting.coordinate(p.lon),
        ),
        t("Requester: {name} (id {id})", name=p.requester, id=p.requester_id),
    ]
    if p.volunteer_id is not None:
        lines.append(t("Volunteer: {name} (id {id})", name=p.volunteer, id=p.volunteer_id))
    if p.description:
        lines.append(t("Details: {description}", description=p.description))
    if p.credit_minutes:
        lines.append(
            t(
                "Credit: {duration} ({status})",
                duration=formatting.duration(p.credit_minutes),
                status=status_name(p.credit_status),
            )
        )
    lines.append(_("Timeline:"))
    for item in p.timeline:
        lines.extend(_line(item))
    buttons = []
    if p.can_cancel:
        buttons.append((_("✖️ Cancel request"), make_oversight(OpsAction.CANCEL, p.request_id)))
    if p.can_redispatch:
        buttons.append((_("🔁 Dispatch again"), make_oversight(OpsAction.REDISPATCH, p.request_id)))
    if p.can_reassign:
        buttons.append((_("🔀 Reassign"), make_oversight(OpsAction.REASSIGN, p.request_id)))
    refresh = [(_("🔄 Refresh"), make_oversight(OpsAction.VIEW, p.request_id))]
    return Rendered(_fit(lines), kb(buttons, refresh) if buttons else kb(refresh))


@renders(OpsAuditView)
def _audit(p: OpsAuditView) -> Rendered:
    lines = [t("🧾 Audit records of request #{request_id}", request_id=p.request_id)]
    for item in p.entries:
        lines.extend(_line(item, details=True))
    return Rendered(_fit(lines))


def _card(v: VolunteerCard) -> list[str]:
    skills = list_of([incident_name(s) for s in skills_from_mask(v.skills)])
    equipment = list_of([equipment_name(i) for i in EQUIPMENT_ITEMS if v.equipment & i])
    lines = [
        t(
            "Volunteer: {status}, {duty}",
            status=status_name(v.status),
            duty=_("on duty") if v.on_duty else _("off duty"),
        ),
        t("Skills: {skills}", skills=skills),
        t("Equipment: {equipment}", equipment=equipment),
    ]
    if v.position_at is not None:
        lines.append(t("Position seen: {time}", time=stamp(v.position_at)))
    if v.verified_at is not None:
        lines.append(
            t("Verified: {time} by {name}", time=stamp(v.verified_at), name=v.verified_by or "—")
        )
    if v.busy_request_id is not None:
        lines.append(t("On request #{request_id} now", request_id=v.busy_request_id))
    if v.reason and v.decided_at is not None:
        lines.append(
            t("Last decision: {time}, reason: {reason}", time=stamp(v.decided_at), reason=v.reason)
        )
    lines.append(
        t(
            "Hours: {duration} over {jobs} jobs",
            duration=formatting.duration(v.minutes),
            jobs=v.jobs,
        )
    )
    lines.append(
        t(
            "Alerts: {alerted}, accepted {accepted}, declined {declined}",
            alerted=v.alerted,
            accepted=v.accepted,
            declined=v.declined,
        )
    )
    for job in v.recent:
        lines.append(
            t(
                "• #{request_id} {incident} · {status} · {time}",
                request_id=job.request_id,
                incident=incident_name(job.incident),
                status=status_name(job.status),
                time=stamp(job.created_at),
            )
        )
    return lines


@renders(OpsPersonView)
def _who(p: OpsPersonView) -> Rendered:
    lines = [t("👤 {name} (id {id})", name=p.name, id=p.person_id)]
    if p.username:
        lines.append(t("Telegram: @{username}", username=p.username))
    if p.operator:
        lines.append(_("Operator"))
    if p.blocked:
        lines.append(t("Blocked by the command centre: {reason}", reason=p.block_reason or "—"))
    lines.append(tn("{n} request made", "{n} requests made", p.requests_made))
    if p.volunteer is not None:
        lines.extend(_card(p.volunteer))
    return Rendered(_fit(lines))


def _seconds(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 90:
        return tn("{n} second", "{n} seconds", round(s))
    return formatting.minutes(round(s / 60))


def _spread(label: str, s: Spread) -> str:
    return t(
        "{label}: median {median}, 90th percentile {p90} ({n} requests)",
        label=label,
        median=_seconds(s.median_s),
        p90=_seconds(s.p90_s),
        n=format_number(s.n),
    )


def _percent(share: float | None) -> str:
    return "—" if share is None else str(format_percent(share, locale=babel_locale()))


@renders(OpsStats)
def _stats(p: OpsStats) -> Rendered:
    period = {"today": _("today"), "week": _("the last 7 days"), "month": _("the last 30 days")}
    lines = [
        t(
            "📊 Figures for {period}: {city}",
            period=period.get(p.period, p.period),
            city=_city(p.city) if p.city else _("all cities"),
        ),
        tn("{n} request", "{n} requests", p.total),
    ]
    by_incident: dict[str, list[str]] = {}
    for row in p.by_type:
        by_incident.setdefault(row.incident, []).append(
            t("{status} {n}", status=status_name(row.outcome), n=row.n)
        )
    for incident, outcomes in by_incident.items():
        lines.append(
            t(
                "• {incident}: {outcomes}",
                incident=incident_name(incident),
                outcomes=list_of(outcomes),
            )
        )
    lines += [
        _spread(_("Time to first alert"), p.first_alert),
        _spread(_("Time to first accept"), p.first_accept),
        _spread(_("Time to arrival"), p.arrival),
        t(
            "Alerts accepted: {accepted} of {alerts} ({rate})",
            accepted=p.alerts_accepted,
            alerts=p.alerts,
            rate=_percent(p.acceptance_rate),
        ),
        t("Escalated: {n} ({share})", n=p.escalated, share=_percent(p.escalated_share)),
        t("Hours credited: {duration}", duration=formatting.duration(p.credited_minutes)),
        _("Readiness now (volunteers on duty / requests in the last 7 days):"),
    ]
    for r in p.readiness:
        lines.append(
            t(
                "• {city} – {incident}: {ready} / {requests}",
                city=_city(r.city),
                incident=incident_name(r.incident),
                ready=r.ready,
                requests=r.requests_week,
            )
        )
    return Rendered(_fit(lines))


@renders(OperatorPromoted)
def _promoted(p: OperatorPromoted) -> Rendered:
    return Rendered(
        t(
            "{name} made you an operator of Musaada. Send /ops to see the operator commands.",
            name=p.by or "—",
        )
    )


@renders(OperatorDemoted)
def _demoted(p: OperatorDemoted) -> Rendered:
    return Rendered(_("You are no longer an operator of Musaada."))


@renders(VolunteerSuspended)
def _suspended(p: VolunteerSuspended) -> Rendered:
    lines = [
        t("The command centre suspended your volunteering: {reason}", reason=p.reason or "—"),
        _("You will receive no alerts until an operator reinstates you."),
    ]
    if p.released_request_id is not None:
        lines.append(
            t(
                "Request #{request_id} was given to another volunteer.",
                request_id=p.released_request_id,
            )
        )
    return Rendered("\n".join(lines))


@renders(VolunteerReinstated)
def _reinstated(p: VolunteerReinstated) -> Rendered:
    return Rendered(_("The command centre reinstated you as a volunteer. Use /duty to go on duty."))


@renders(RequestClosedByOps)
def _closed(p: RequestClosedByOps) -> Rendered:
    return Rendered(
        t(
            "The command centre closed your request #{request_id} ({incident}).",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )


@renders(SearchRestarted)
def _restarted(p: SearchRestarted) -> Rendered:
    return Rendered(
        tn(
            "The command centre sent request #{request_id} out again: {n} volunteer alerted.",
            "The command centre sent request #{request_id} out again: {n} volunteers alerted.",
            p.alerted,
            request_id=p.request_id,
        )
    )


@renders(VolunteerReplaced)
def _replaced(p: VolunteerReplaced) -> Rendered:
    return Rendered(
        tn(
            "The command centre is finding you another volunteer for request #{request_id}: {n} volunteer alerted.",
            "The command centre is finding you another volunteer for request #{request_id}: {n} volunteers alerted.",
            p.alerted,
            request_id=p.request_id,
        )
    )


@renders(JobReassigned)
def _reassigned(p: JobReassigned) -> Rendered:
    return Rendered(
        t(
            "The command centre gave request #{request_id} ({incident}) to another volunteer. You are free for new alerts.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )


__all__ = ["stamp", "status_name"]
