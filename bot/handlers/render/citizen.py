"""What the person who asked for help reads."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import formatting
from bot.handlers.buttons import RequestAction, make_help_came, make_rate, make_request
from bot.handlers.render.base import Rendered, cancel_keyboard, kb, renders
from bot.handlers.words import emergency_block, incident_name, numbers_lines
from bot.i18n import _, t, tn
from bot.services.notices import (
    AutoConfirmed,
    ConfirmDone,
    DisputeAck,
    HelpCameAck,
    HelpCheck,
    NoVolunteer,
    Redispatched,
    RequestCancelled,
    RequestCreated,
    RequestLimited,
    SearchWidened,
    StatusUpdate,
    Thanks,
    VolunteerArrived,
    VolunteerComing,
    VolunteerReleased,
)
from bot.services.notices.ops import RequestBlocked
from domain.incidents import ALL_NUMBERS, life_threatening


@renders(RequestCreated)
def _created(p: RequestCreated) -> Rendered:
    text = tn(
        "Your request #{request_id} ({incident}) was received. We alerted {n} volunteer nearby.",
        "Your request #{request_id} ({incident}) was received. We alerted {n} volunteers nearby.",
        p.alerted,
        request_id=p.request_id,
        incident=incident_name(p.incident),
    )
    text += "\n" + _("We will tell you as soon as one of them accepts.")
    if life_threatening(p.incident):
        text += "\n\n" + emergency_block(p.incident)
    return Rendered(text, cancel_keyboard(p.request_id))


@renders(SearchWidened)
def _widened(p: SearchWidened) -> Rendered:
    return Rendered(
        tn(
            "No one has accepted yet, so we widened the search and alerted {n} more volunteer.",
            "No one has accepted yet, so we widened the search and alerted {n} more volunteers.",
            p.alerted,
        ),
        cancel_keyboard(p.request_id),
    )


@renders(VolunteerComing)
def _coming(p: VolunteerComing) -> Rendered:
    text = t(
        "A volunteer, {name}, accepted your request and is {distance} away. They are on their way.",
        name=p.volunteer,
        distance=formatting.distance(float(p.distance_m)),
    )
    if p.phone:
        text += "\n" + t("You can call them: {phone}", phone=p.phone)
    return Rendered(text, cancel_keyboard(p.request_id))


@renders(VolunteerArrived)
def _arrived(p: VolunteerArrived) -> Rendered:
    return Rendered(
        t("The volunteer {name} says they have arrived.", name=p.volunteer),
        cancel_keyboard(p.request_id),
    )


@renders(ConfirmDone)
def _confirm(p: ConfirmDone) -> Rendered:
    return Rendered(
        t(
            "The volunteer {name} says the job is done. Was your problem solved?",
            name=p.volunteer,
        ),
        kb(
            [
                (_("👍 Yes, solved"), make_request(RequestAction.SOLVED, p.request_id)),
                (_("👎 No"), make_request(RequestAction.NOT_SOLVED, p.request_id)),
            ]
        ),
    )


@renders(VolunteerReleased)
def _released(p: VolunteerReleased) -> Rendered:
    return Rendered(
        tn(
            "The volunteer could not continue. We alerted {n} other volunteer.",
            "The volunteer could not continue. We alerted {n} other volunteers.",
            p.alerted,
        ),
        cancel_keyboard(p.request_id),
    )


@renders(RequestCancelled)
def _cancelled(p: RequestCancelled) -> Rendered:
    return Rendered(
        t("Your request #{request_id} is cancelled. Stay safe.", request_id=p.request_id)
    )


@renders(Thanks)
def _thanks(p: Thanks) -> Rendered:
    """The thank-you carries the rating buttons: rating is optional, so it asks nothing more."""
    return Rendered(
        _("Thank you for confirming. We are glad you are safe.")
        + "\n"
        + _("How was the help? Rate it from 1 to 5 stars (optional)."),
        kb([(f"{n}⭐", make_rate(n, p.request_id)) for n in range(1, 6)]),
    )


@renders(DisputeAck)
def _dispute(p: DisputeAck) -> Rendered:
    return Rendered(
        _(
            "We are sorry it was not solved. We recorded your answer. If you still need help, request it again."
        )
        + "\n\n"
        + emergency_block(p.incident)
    )


@renders(AutoConfirmed)
def _auto(p: AutoConfirmed) -> Rendered:
    return Rendered(t("Request #{request_id} was closed as solved.", request_id=p.request_id))


@renders(NoVolunteer)
def _no_volunteer(p: NoVolunteer) -> Rendered:
    """What happens next first; the official numbers; the cancel button while it can be used."""
    head = (
        t(
            "The command centre is following up your request #{request_id}: no volunteer is available for it yet.",
            request_id=p.request_id,
        )
        if p.ops_told
        else t(
            "Please call the official numbers below if you still need help: no volunteer is available for your request #{request_id} right now.",
            request_id=p.request_id,
        )
    )
    tail = _("If you no longer need help, cancel the request with the button below.")
    return Rendered(
        head + "\n\n" + emergency_block(p.incident) + "\n\n" + tail,
        cancel_keyboard(p.request_id),
    )


@renders(StatusUpdate)
def _status(p: StatusUpdate) -> Rendered:
    return Rendered(
        t(
            "The volunteer {name} is still on the way. We asked them for an update.",
            name=p.volunteer,
        ),
        cancel_keyboard(p.request_id),
    )


def help_keyboard(request_id: int) -> InlineKeyboardMarkup:
    """The answers to "did help come?", and cancel."""
    return kb(
        [(_("👍 Yes, it is being handled"), make_help_came(came=True, request_id=request_id))],
        [(_("👎 No, nobody came"), make_help_came(came=False, request_id=request_id))],
        [(_("✖️ Cancel my request"), make_request(RequestAction.CANCEL, request_id))],
    )


@renders(HelpCheck)
def _help_check(p: HelpCheck) -> Rendered:
    head = (
        t(
            "Request #{request_id}: is the volunteer {name} still helping you? They have not answered our reminders.",
            request_id=p.request_id,
            name=p.volunteer,
        )
        if p.on_scene
        else t(
            "Request #{request_id}: has the volunteer {name} reached you? They have not answered our reminders.",
            request_id=p.request_id,
            name=p.volunteer,
        )
    )
    text = head + "\n" + _("If we hear nothing, we will alert other volunteers.")
    if life_threatening(p.incident):
        text += "\n\n" + emergency_block(p.incident)
    return Rendered(text, help_keyboard(p.request_id))


@renders(HelpCameAck)
def _help_came(p: HelpCameAck) -> Rendered:
    return Rendered(
        _("Thank you for telling us. We will check again later if the job is still open."),
        cancel_keyboard(p.request_id),
    )


@renders(Redispatched)
def _redispatched(p: Redispatched) -> Rendered:
    return Rendered(
        tn(
            "We took the job back from the volunteer and alerted {n} other volunteer.",
            "We took the job back from the volunteer and alerted {n} other volunteers.",
            p.alerted,
        ),
        cancel_keyboard(p.request_id),
    )


@renders(RequestLimited)
def _limited(p: RequestLimited) -> Rendered:
    text = tn(
        "You have sent {n} request in the last hour, the most we accept. Please wait a little before sending another.",
        "You have sent {n} requests in the last hour, the most we accept. Please wait a little before sending another.",
        p.limit,
    )
    if life_threatening(p.incident):
        text += "\n\n" + emergency_block(p.incident)
    return Rendered(text)


def blocked_text() -> str:
    """To a citizen an operator blocked: polite, and never without the official numbers.

    Also said by the request flow when it starts (bot/handlers/citizen.py).
    """
    return "\n".join(
        (
            _("We are sorry: Musaada cannot take requests from you any more."),
            _("⚠️ If a life is in danger, call the official emergency services now:"),
            numbers_lines(ALL_NUMBERS),
        )
    )


@renders(RequestBlocked)
def _blocked(p: RequestBlocked) -> Rendered:
    return Rendered(blocked_text())
