"""A citizen asks for help: incident type → location → optional details → request created.

As few taps as possible for someone in distress; a text where a location is
expected gets a clear re-prompt, /cancel always works, and life-threatening
types show the official numbers before anything else is asked.
"""

from __future__ import annotations

import warnings

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import flows, inputs, media
from bot.handlers.keyboards import (
    exact,
    incident_picker,
    location_request,
    main_menu,
    skip_or_cancel,
)
from bot.handlers.outbox import sender_of
from bot.handlers.plumbing import query, run
from bot.handlers.render import render
from bot.handlers.render.citizen import blocked_text
from bot.handlers.replies import answer, edit, reply, send
from bot.handlers.words import (
    button_cancel,
    button_skip,
    emergency_block,
    incident_name,
    menu_request,
)
from bot.i18n import _, t, texts_match
from bot.services import dispatch, people, standing
from bot.services.notices import Notice, Recipient
from bot.services.notices.links import RequestStillOpen
from domain.incidents import IncidentType, rule_for
from domain.matching.region import in_service_area
from storage.models import HelpRequest

CHOOSE_TYPE, LOCATION, DETAILS = range(3)
MAX_DETAILS = 500


async def begin(update: Update, context: BotContext) -> int:
    """Request help: one open request at a time, then the incident types as buttons."""
    uid = inputs.sender(update).id

    async def standing_of(s: AsyncSession) -> tuple[bool, HelpRequest | None]:
        """Both checks in one transaction: blocked, else the open request if any."""
        if await standing.is_blocked(s, person_id=uid):
            return True, None
        return False, await people.open_request(s, person_id=uid)

    blocked, open_req = await query(context, standing_of)
    if blocked:
        await reply(update, blocked_text(), markup=main_menu())
        return ConversationHandler.END
    if open_req is not None:
        # One at a time: the one they have is shown (a linked report says whose help it shares).
        still = RequestStillOpen(
            int(open_req.id), open_req.incident, open_req.status, open_req.linked_to
        )
        shown = render(Notice(Recipient(uid, uid, context.language), still))
        await reply(update, shown.text, markup=shown.markup)
        return ConversationHandler.END
    await reply(update, _("What happened?"), markup=incident_picker())
    return CHOOSE_TYPE


async def chose_type(update: Update, context: BotContext) -> int:
    """A type was picked: the picker says which, and the location is asked for.

    The answer and the edit are courtesies: when they fail the location is still asked for.
    """
    q, data = inputs.press_data(update)
    try:
        incident = IncidentType(data.split(":", 1)[1])
    except ValueError:
        await answer(q)
        return CHOOSE_TYPE
    context.user_data["incident"] = incident.value  # type: ignore[index]
    await answer(q)
    await edit(q, t("Incident: {incident}", incident=incident_name(incident)))
    text = _("Share your location with the button below so the nearest volunteers can be alerted.")
    if rule_for(incident).life_threatening:
        text = emergency_block(incident) + "\n\n" + text
    await send(context, q.from_user.id, text, markup=location_request())
    return LOCATION


async def got_location(update: Update, context: BotContext) -> int:
    msg, where = inputs.message(update), inputs.location(update)
    lat, lon = where.latitude, where.longitude
    if not in_service_area(lat, lon, context.settings.service_area):
        await reply(
            update,
            _(
                "This location is outside the area Musaada serves. If you are in danger, call the official emergency numbers."
            )
            + "\n\n"
            + emergency_block(context.user_data.get("incident", IncidentType.RESCUE)),  # type: ignore[union-attr]
            markup=location_request(),
        )
        return LOCATION
    context.user_data["location"] = (lat, lon)  # type: ignore[index]
    text = _(
        "Anything the volunteer should know? (for example: how many people, the car, a landmark). Or press Skip."
    )
    if msg.venue is not None:
        # A place picked from Telegram's list, not necessarily where the person stands: say so.
        text = t("Using the location of “{place}”.", place=msg.venue.title) + "\n\n" + text
    await reply(update, text, markup=skip_or_cancel())
    return DETAILS


async def pick_a_type(update: Update, context: BotContext) -> int:
    """Text, a location or media while the incident types are on screen: ask for a type."""
    await reply(
        update,
        _("Please choose what happened with the buttons below, or /cancel."),
        markup=incident_picker(),
    )
    return CHOOSE_TYPE


async def not_a_location(update: Update, context: BotContext) -> int:
    """A text, media or a contact where a location was expected: say exactly what to do."""
    await reply(
        update,
        _(
            "I need your location to find volunteers near you. Press “📍 Share my location” below (it needs location access on your phone), or /cancel."
        ),
        markup=location_request(),
    )
    return LOCATION


async def details_in_words(update: Update, context: BotContext) -> int:
    """Media or a contact at the details step: they are not relayed yet; words or Skip."""
    await reply(
        update,
        _(
            "Photos, voice notes, files and contacts are not passed on to volunteers yet. Please describe it in words, or press Skip."
        ),
        markup=skip_or_cancel(),
    )
    return DETAILS


async def got_details(update: Update, context: BotContext) -> int:
    text = (inputs.message(update).text or "").strip()
    details = None if texts_match(text, button_skip) else text[:MAX_DETAILS]
    return await _create(update, context, details)


async def _create(update: Update, context: BotContext, details: str | None) -> int:
    """Create the request first; only then say anything.

    The use case commits before any message is sent (its receipt is one of its notices), so
    no failed message can lose the request. The flow's answers are forgotten only once the
    request exists: if the commit fails, the person can send their answer again. Nothing
    is said after it (the receipt is the answer); the Skip/Cancel keyboard hides itself once
    used, and its ✖️ Cancel outside the flow offers to cancel the open request (common.py).
    """
    data = context.user_data or {}
    lat, lon = data["location"]
    await run(
        context,
        dispatch.create_request,
        requester_id=inputs.sender(update).id,
        incident=IncidentType(data["incident"]),
        lat=lat,
        lon=lon,
        description=details,
        backlog=sender_of(context.bot_data).backlog(),  # a surge shrinks the first wave
    )
    forget(context)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    forget(context)
    if update.callback_query:
        await answer(update.callback_query)
    await reply(update, _("Cancelled. Nothing was sent."), markup=main_menu())
    return ConversationHandler.END


forget, leave = flows.forgetting(("incident", "location"))


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    answer_text = flows.answer_text(cancel_text)
    # A live location's later positions arrive as edits: never a request's location.
    location = filters.LOCATION & ~filters.UpdateType.EDITED
    # Per chat, not per message: the flow spans several messages (a picker, then a location).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler(["request", "sos"], begin),
                MessageHandler(filters.TEXT & filters.Regex(exact(menu_request)), begin),
            ],
            states={
                CHOOSE_TYPE: [
                    CallbackQueryHandler(flows.owned(chose_type), pattern=r"^inc:[a-z_]+$"),
                    MessageHandler(answer_text | location | media.UNREAD, flows.owned(pick_a_type)),
                ],
                LOCATION: [
                    # A venue carries a location: it is taken as the location (see got_location).
                    MessageHandler(location, flows.owned(got_location)),
                    MessageHandler(answer_text | media.UNREAD, flows.owned(not_a_location)),
                ],
                DETAILS: [
                    MessageHandler(answer_text, flows.owned(got_details)),
                    # Shared again (moved, or a better fix): the newer location is the one sent.
                    MessageHandler(location, flows.owned(got_location)),
                    MessageHandler(media.UNREAD, flows.owned(details_in_words)),
                ],
                **flows.timeout_state(forget),
            },
            fallbacks=[
                CommandHandler("cancel", flows.owned(cancel)),
                MessageHandler(cancel_text, flows.owned(cancel)),
                *flows.escapes(leave),
            ],
            name="request_help",
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timeout_s,
        )
