"""What operators' decisions tell the people they concern: a promotion or a demotion, a
suspension or a reinstatement, a job given to someone else (what the citizen reads of a request
the command centre closed or sent out again is render/citizen.py's: their status message)."""

from __future__ import annotations

from bot.handlers.render.base import Rendered, renders
from bot.handlers.words import incident_name
from bot.i18n import _, t
from bot.services.notices.ops import (
    JobReassigned,
    OperatorDemoted,
    OperatorPromoted,
    VolunteerReinstated,
    VolunteerSuspended,
)


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


@renders(JobReassigned)
def _reassigned(p: JobReassigned) -> Rendered:
    return Rendered(
        t(
            "The command centre gave request #{request_id} ({incident}) to another volunteer. You are free for new alerts.",
            request_id=p.request_id,
            incident=incident_name(p.incident),
        )
    )
