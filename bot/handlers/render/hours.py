"""What volunteers and their reviewers read about hours: disputes, corrections, low ratings."""

from __future__ import annotations

from bot import formatting
from bot.handlers.render.base import Rendered, renders
from bot.handlers.words import incident_name
from bot.i18n import _, t
from bot.services.notices.hours import CreditCorrected, DisputeDecided, DisputeOpened, LowRating


def credit_word() -> str:
    """The /decide argument that credits a dispute, in the reader's language (both accepted)."""
    return _("credit")


def reject_word() -> str:
    """The /decide argument that does not credit it."""
    return _("reject")


@renders(DisputeOpened)
def _dispute_opened(p: DisputeOpened) -> Rendered:
    return Rendered(
        t(
            "⚖️ Dispute on request #{request_id} ({incident}): the citizen said it was not solved. Volunteer: {name} (id {volunteer_id}), {minutes}. Decide with /decide {request_id} {credit} REASON or /decide {request_id} {reject} REASON.",
            credit=credit_word(),
            reject=reject_word(),
            request_id=p.request_id,
            incident=incident_name(p.incident),
            name=p.volunteer,
            volunteer_id=p.volunteer_id,
            minutes=formatting.minutes(p.minutes),
        )
    )


@renders(DisputeDecided)
def _dispute_decided(p: DisputeDecided) -> Rendered:
    if p.credited:
        text = t(
            "The dispute on request #{request_id} was decided: {minutes} credited. Reason: {reason}",
            request_id=p.request_id,
            minutes=formatting.minutes(p.minutes),
            reason=p.reason,
        )
    else:
        text = t(
            "The dispute on request #{request_id} was decided: no hours credited. Reason: {reason}",
            request_id=p.request_id,
            reason=p.reason,
        )
    return Rendered(text)


@renders(CreditCorrected)
def _corrected(p: CreditCorrected) -> Rendered:
    return Rendered(
        t(
            "The hours for request #{request_id} were corrected from {before} to {after}. Reason: {reason}",
            request_id=p.request_id,
            before=formatting.minutes(p.before),
            after=formatting.minutes(p.after),
            reason=p.reason,
        )
    )


@renders(LowRating)
def _low_rating(p: LowRating) -> Rendered:
    text = t(
        "⚠️ Low rating on request #{request_id}: {rating} of 5 for {name} (id {volunteer_id}).",
        request_id=p.request_id,
        rating=p.rating,
        name=p.volunteer,
        volunteer_id=p.volunteer_id,
    )
    if p.comment:
        text += "\n" + t("Comment: {comment}", comment=p.comment)
    return Rendered(text)
