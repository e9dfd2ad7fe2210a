"""The vocabularies of states stored in the database (incident types: ``domain.incidents``).

They live at the bottom of the dependency graph so that storage, matching,
services and handlers all speak the same words. Values are stored as text,
so renaming a member is a migration, not a refactor.
"""

from __future__ import annotations

from enum import StrEnum


class VolunteerStatus(StrEnum):
    """Where a volunteer stands with the programme; only VERIFIED ones are ever alerted."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    # An operator stopped their alerts (with a reason, in the audit); reinstated by an operator.
    SUSPENDED = "suspended"
    LEFT = "left"


class RequestStatus(StrEnum):
    """The life of a help request: its allowed moves are ``domain.lifecycle.ALLOWED``."""

    DISPATCHING = "dispatching"
    ASSIGNED = "assigned"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    # Another citizen's report of the same incident nearby (``help_request.linked_to``): no
    # dispatch of its own, its citizen kept informed of that request's progress
    # (bot/services/links.py); ``closed_at`` is set when that request closes.
    LINKED = "linked"


class OfferStatus(StrEnum):
    """One alert to one volunteer: sent, then answered or closed by what happened to the request."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TAKEN = "taken"  # someone else accepted first
    WITHDRAWN = "withdrawn"  # the request was cancelled
    EXPIRED = "expired"  # the ladder moved on and the request went unanswered
    RELEASED = "released"  # accepted, then the volunteer could not continue
    FAILED = "failed"  # Telegram refused delivery (e.g. the volunteer blocked the bot)


class MediaKind(StrEnum):
    """What a person may send through the bot besides words: relayed by Telegram file_id."""

    VOICE = "voice"
    PHOTO = "photo"
    VIDEO = "video"


class CreditStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    # A dispute an operator decided not to credit: final, counted nowhere.
    REJECTED = "rejected"


class CorrectionKind(StrEnum):
    """Why an hour credit changed (storage.hours_models.HourCorrection.kind)."""

    MINUTES = "minutes"  # an operator adjusted the minutes
    CREDITED = "credited"  # a dispute decided: credit it
    REJECTED = "rejected"  # a dispute decided: no credit


class AuditKind(StrEnum):
    """What an audit event records. The timeline and the command centre read these."""

    CREATED = "created"
    WAVE = "wave"
    FINAL_WAIT = "final_wait"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALERT_FAILED = "alert_failed"
    RELEASED = "released"
    ARRIVED = "arrived"
    DONE = "done"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    AUTO_CONFIRMED = "auto_confirmed"
    AUTO_DISPUTED = "auto_disputed"
    CANCELLED = "cancelled"
    ARRIVAL_REMINDER = "arrival_reminder"
    ON_SCENE_REMINDER = "on_scene_reminder"
    HELP_CHECK = "help_check"  # the citizen was asked whether help came
    HELP_CAME = "help_came"  # ... and said yes
    NO_SHOW = "no_show"  # ... and said nobody came: the job was taken back
    JOB_TIMED_OUT = "job_timed_out"  # ... and never answered: the job was taken back
    RATE_LIMITED = "rate_limited"  # a request refused by the hourly limit
    RELAYED = "relayed"  # a message passed on between the two sides (its kind, not its content)
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    CONDUCT_ACCEPTED = "conduct_accepted"
    PHONE_CONSENT = "phone_consent"
    VOLUNTEER_SUBMITTED = "volunteer_submitted"
    VOLUNTEER_VERIFIED = "volunteer_verified"
    VOLUNTEER_REJECTED = "volunteer_rejected"
    VOLUNTEER_LEFT = "volunteer_left"
    # The command centre (bot/services/roles.py, standing.py, dispatch/operator.py)
    REFUSED = "refused"  # someone who is not an operator tried an operator command or button
    OPERATOR_PROMOTED = "operator_promoted"
    OPERATOR_DEMOTED = "operator_demoted"
    VOLUNTEER_SUSPENDED = "volunteer_suspended"
    VOLUNTEER_REINSTATED = "volunteer_reinstated"
    CITIZEN_BLOCKED = "citizen_blocked"
    CITIZEN_UNBLOCKED = "citizen_unblocked"
    OPS_CANCELLED = "ops_cancelled"  # an operator closed the request
    REDISPATCHED = "redispatched"  # an operator restarted the ladder from its first wave
    REASSIGNED = "reassigned"  # an operator released the volunteer and re-dispatched
    # An operator's answer to an escalation (bot/services/dispatch/escalation.py)
    WIDER_SEARCH = "wider_search"  # one wave beyond the ladder's widest
    VOLUNTEER_NAMED = "volunteer_named"  # one named volunteer alerted
    HANDED_TO_OFFICIALS = "handed_to_officials"  # closed: the official services have it
    FALSE_ALARM = "false_alarm"  # closed: nobody needed help
    # Linked reports (bot/services/links.py) and major-incident mode (bot/services/major.py)
    LINKED = "linked"  # a report joined to another request (automatically or by an operator)
    UNLINKED = "unlinked"  # an operator separated it: dispatched on its own
    LINK_CLOSED = "link_closed"  # the request it was linked to closed
    MAJOR_STARTED = "major_started"
    MAJOR_ENDED = "major_ended"
    BROADCAST = "broadcast"  # an operator's call-out to the volunteers of a major-incident area
    EMERGENCY_CALLOUTS = "emergency_callouts"  # a volunteer opted in to (or out of) call-outs
    CREDIT_CORRECTED = "credit_corrected"
    DISPUTE_DECIDED = "dispute_decided"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_REVOKED = "certificate_revoked"
    RATED = "rated"
    # Teams (bot/services/teams.py): every operator and leader action on a team
    TEAM_CREATED = "team_created"
    TEAM_LEADER_ADDED = "team_leader_added"
    TEAM_LEADER_REMOVED = "team_leader_removed"
    TEAM_CODE_ROTATED = "team_code_rotated"
    TEAM_JOINED = "team_joined"
    TEAM_LEFT = "team_left"
    TEAM_MOVED = "team_moved"
    TEAM_MEMBER_REMOVED = "team_member_removed"
    LEADER_VERIFIED = "leader_verified"
    LEADER_REJECTED = "leader_rejected"
    TEAM_REFUSED = "team_refused"  # a leader reached for another team: nothing changed
    DIGEST_REQUESTED = "digest_requested"
    # The operators' web dashboard (bot/services/dashboard_auth.py, bot/web/)
    DASHBOARD_LINK = "dashboard_link"  # a one-time sign-in link was sent
    DASHBOARD_SIGNED_IN = "dashboard_signed_in"
    DASHBOARD_SIGNED_OUT = "dashboard_signed_out"
    DASHBOARD_REFUSED = "dashboard_refused"  # an expired, spent or unknown link, or no operator
    DASHBOARD_ACTION = "dashboard_action"  # an answer pressed on the dashboard, and its result


class DigestKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class DigestStatus(StrEnum):
    """What became of one scheduled digest (``digest_record.status``)."""

    QUEUED = "queued"  # claimed and in the outbox, in one transaction: on its way
    SENT = "sent"
    BLOCKED = "blocked"  # the leader blocked the bot: skipped, the others still get theirs
    NOT_LEADER = "not_leader"  # removed as leader (or the team is gone) before it was built
    FAILED = "failed"  # Telegram refused it for another reason, or the retries ran out
