"""What team leaders and members read: leadership, approvals, moves and the digests.

A digest is rendered whole here; the outbox's sender (bot/handlers/outbox.py) splits a long
one at line boundaries into messages within Telegram's limit, and sends the weekly one as its
chart (bot/handlers/charts.py) with the words as the caption. Long lists are cut with "and N more"
so a busy day stays readable.
"""

from __future__ import annotations

from functools import partial

from bot import formatting
from bot.handlers import charts
from bot.handlers.render.base import Rendered, kb, renders
from bot.handlers.words import equipment_name, incident_label, incident_name, list_of
from bot.i18n import _, current_language, t, tn, use_locale
from bot.services.notices.teams import (
    DailyDigest,
    HandledLine,
    LeaderNamed,
    LeaderVerify,
    RegionLine,
    TeamJoined,
    TeamMoved,
    TeamRemoved,
    VettingDecided,
    WeeklyDigest,
)
from domain.enums import RequestStatus
from domain.incidents import EQUIPMENT_ITEMS, skills_from_mask

# At most this many lines per list in a digest; the rest is counted.
LIST_CAP = 25


@renders(LeaderNamed)
def _leader_named(p: LeaderNamed) -> Rendered:
    return Rendered(
        t(
            "👥 You are now a leader of the team {team}. /team shows its members, /invite its invite link, /digest today's digest.",
            team=p.team,
        )
    )


@renders(LeaderVerify)
def _leader_verify(p: LeaderVerify) -> Rendered:
    skills = list_of([incident_name(s) for s in skills_from_mask(p.skills)])
    equipment = list_of([equipment_name(i) for i in EQUIPMENT_ITEMS if p.equipment & i])
    lines = [
        t(
            "New member of your team {team} to verify: {name} (id {id})",
            team=p.team,
            name=p.name,
            id=p.volunteer_id,
        ),
        t("Skills: {skills}", skills=skills),
        t("Equipment: {equipment}", equipment=equipment),
    ]
    if p.username:
        lines.append(t("Telegram: @{username}", username=p.username))
    vid = p.volunteer_id
    return Rendered(
        "\n".join(lines),
        kb([(_("✅ Approve"), f"vet:ok:{vid}"), (_("❌ Reject"), f"vet:no:{vid}")]),
    )


@renders(VettingDecided)
def _decided(p: VettingDecided) -> Rendered:
    if p.approved:
        text = t(
            "✅ {name} (id {id}) was approved by {decider}.",
            name=p.name,
            id=p.volunteer_id,
            decider=p.decider,
        )
    else:
        text = t(
            "❌ {name} (id {id}) was not approved; decided by {decider}.",
            name=p.name,
            id=p.volunteer_id,
            decider=p.decider,
        )
    return Rendered(text)


@renders(TeamJoined)
def _joined(p: TeamJoined) -> Rendered:
    return Rendered(t("👥 You joined the team {team}. /leaveteam leaves it.", team=p.team))


@renders(TeamRemoved)
def _removed(p: TeamRemoved) -> Rendered:
    return Rendered(t("A leader removed you from the team {team}.", team=p.team))


@renders(TeamMoved)
def _moved(p: TeamMoved) -> Rendered:
    return Rendered(t("👥 An operator moved you to the team {team}.", team=p.team))


# --- the daily digest ------------------------------------------------------------------------


def span(seconds: int) -> str:
    """A time to accept or arrive: seconds under a minute, then minutes and hours."""
    if seconds < 60:
        return tn("{n} second", "{n} seconds", max(0, seconds))
    return formatting.duration(round(seconds / 60))


def status_word(status: str) -> str:
    words = {
        RequestStatus.CONFIRMED: _("confirmed by the requester"),
        RequestStatus.COMPLETED: _("done, awaiting confirmation"),
        RequestStatus.ON_SCENE: _("on scene now"),
        RequestStatus.ASSIGNED: _("on the way"),
        RequestStatus.DISPUTED: _("disputed by the requester"),
        RequestStatus.CANCELLED: _("cancelled by the requester"),
        RequestStatus.DISPATCHING: _("released, back to dispatch"),
        RequestStatus.UNANSWERED: _("unanswered"),
        RequestStatus.ESCALATED: _("escalated to the command centre"),
    }
    return words.get(status, status)  # type: ignore[call-overload]


def _handled(h: HandledLine) -> str:
    if h.arrive_s is None:
        return t(
            "• #{request_id} {incident} – {member}: accepted in {accept}, {outcome}",
            request_id=h.request_id,
            incident=incident_label(h.incident),
            member=h.member,
            accept=span(h.accept_s),
            outcome=status_word(h.status),
        )
    return t(
        "• #{request_id} {incident} – {member}: accepted in {accept}, arrived in {arrive}, {outcome}",
        request_id=h.request_id,
        incident=incident_label(h.incident),
        member=h.member,
        accept=span(h.accept_s),
        arrive=span(h.arrive_s),
        outcome=status_word(h.status),
    )


def _region(r: RegionLine) -> str:
    params = {
        "request_id": r.request_id,
        "incident": incident_label(r.incident),
        "time": formatting.when(r.since),
    }
    if r.kind == "unanswered":
        return t("• #{request_id} {incident}, {time}: nobody accepted", **params)
    if r.kind == "escalated":
        return t("• #{request_id} {incident}, {time}: escalated to the command centre", **params)
    if r.kind == "stalled_dispatch":
        return t(
            "• #{request_id} {incident}, since {time}: still looking for a volunteer, past the whole ladder",
            **params,
        )
    return t(
        "• #{request_id} {incident}, accepted {time}: no arrival yet, past the reminder", **params
    )


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= LIST_CAP:
        return lines
    rest = len(lines) - LIST_CAP
    return [*lines[:LIST_CAP], tn("… and {n} more", "… and {n} more", rest)]


@renders(DailyDigest)
def _daily(p: DailyDigest) -> Rendered:
    until = formatting.when(p.until)
    if p.quiet:
        return Rendered(
            tn(
                "📋 {team}, 24 hours to {time}: a quiet day, nothing handled and nothing waiting. {n} member on duty now.",
                "📋 {team}, 24 hours to {time}: a quiet day, nothing handled and nothing waiting. {n} members on duty now.",
                p.on_duty,
                team=p.team,
                time=until,
            )
        )
    lines = [
        t("📋 Daily digest: {team}", team=p.team),
        t("24 hours to {time}", time=until),
        tn("{n} member on duty now", "{n} members on duty now", p.on_duty)
        + " · "
        + tn("{n} member", "{n} members", p.members),
    ]
    if p.handled:
        lines += ["", tn("Requests handled ({n}):", "Requests handled ({n}):", len(p.handled))]
        lines += _capped([_handled(h) for h in p.handled])
    if p.credited:
        lines += ["", _("Hours credited:")]
        lines += _capped(
            [
                t("• {member}: {hours}", member=c.member, hours=formatting.duration(c.minutes))
                for c in p.credited
            ]
        )
    if p.region or p.open_in_region:
        lines += ["", _("In the team's region:")]
        lines += _capped([_region(r) for r in p.region])
        if p.open_in_region:
            lines.append(
                tn(
                    "{n} more request open and on track",
                    "{n} more requests open and on track",
                    p.open_in_region,
                )
            )
    if p.pending:
        lines += ["", t("Waiting for verification: {names}", names=list_of(list(p.pending)))]
    if p.stale:
        lines.append(t("On duty with a stale position: {names}", names=list_of(list(p.stale))))
    if p.readiness:
        lines += ["", _("Readiness: on duty now, against this week's requests in the region")]
        for r in p.readiness:
            line = t(
                "• {incident}: {ready} on duty, {seen} this week",
                incident=incident_label(r.incident),
                ready=r.on_duty,
                seen=r.seen,
            )
            lines.append(line + (" ⚠️" if r.seen and not r.on_duty else ""))
    return Rendered("\n".join(lines))


@renders(WeeklyDigest)
def _weekly(p: WeeklyDigest) -> Rendered:
    """The photo's caption (Telegram allows 1,024 characters: this stays far below)."""
    lines = [
        t("📊 Weekly digest: {team}, 7 days to {time}", team=p.team, time=formatting.when(p.until)),
        tn("{n} request handled", "{n} requests handled", p.requests)
        + " · "
        + t("{hours} credited", hours=formatting.duration(p.minutes)),
    ]
    if p.unanswered or p.escalated:
        lines.append(
            tn(
                "{n} request in the region unanswered",
                "{n} requests in the region unanswered",
                p.unanswered,
            )
            + " · "
            + tn("{n} escalated", "{n} escalated", p.escalated)
        )
    lines.append(tn("{n} member", "{n} members", p.members))
    return Rendered("\n".join(lines), photo=partial(_chart, p, current_language()))


def _chart(p: WeeklyDigest, language: str) -> bytes:
    """The chart's PNG, its labels in the recipient's language (drawn when it is sent)."""
    with use_locale(language):
        return charts.png(p)
