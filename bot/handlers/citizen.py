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
from bot.handlers import citizen_media, flows, inputs, media, someone_else
from bot.handlers.keyboards import (
    cancel_only,
    exact,
    incident_picker,
    main_menu,
    scene_location_request,
    skip_or_cancel,
)
from bot.handlers.outbox import sender_of
from bot.handlers.plumbing import query, run
from bot.handlers.render.citizen import blocked_text
from bot.handlers.replies import answer, edit, reply, send
from bot.handlers.words import (
    button_cancel,
    button_not_for_me,
    button_send_now,
    button_skip,
    emergency_block,
    incident_name,
    menu_request,
)
from bot.i18n import _, t, texts_match
from bot.services import dispatch, people, standing
from bot.services.notices import Result
from domain.incidents import IncidentType, rule_for
from domain.matching.region import in_service_area
from storage.models import HelpRequest

CHOOSE_TYPE, LOCATION, DETAILS, SCENE_PHONE = range(4)
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
        # One at a time: the one they have is shown again, as its status message (a linked
        # report says whose help it shares).
        shown = await run(context, dispatch.show_open_request, requester_id=uid)
        if shown.result is Result.ALREADY:
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
    await send(context, q.from_user.id, text, markup=scene_location_request())
    return LOCATION


def _location_keyboard(context: BotContext) -> object:
    """Someone else's pin has no "my location" button: it would send the citizen's own."""
    return cancel_only() if someone_else.for_other(context) else scene_location_request()


async def got_location(update: Update, context: BotContext) -> int:
    """The citizen's location, or the pin they dropped for someone else (any point in the
    service area, however far from them); then the scene's number (for someone else) or
    the details."""
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
            markup=_location_keyboard(context),  # type: ignore[arg-type]
        )
        return LOCATION
    context.user_data["location"] = (lat, lon)  # type: ignore[index]
    prefix = ""
    if msg.venue is not None:
        # A place picked from Telegram's list, not necessarily where the person stands: say so.
        prefix = t("Using the location of “{place}”.", place=msg.venue.title) + "\n\n"
    if someone_else.for_other(context):
        await someone_else.ask_phone(update, context, prefix)
        return SCENE_PHONE
    await ask_details(update, prefix)
    return DETAILS


async def ask_details(update: Update, prefix: str = "") -> None:
    text = _(
        "Anything the volunteer should know? Type it, or send a voice note, photo or short video (for example: how many people, the car, a landmark). Or press Skip."
    )
    await reply(update, prefix + text, markup=skip_or_cancel())


async def not_for_me(update: Update, context: BotContext) -> int:
    """ "It is not for me", at any step after the type: the pin is asked for."""
    await someone_else.not_for_me(update, context)
    return LOCATION


async def scene_phone(update: Update, context: BotContext) -> int:
    """A number for the person at the scene, a contact, or Skip; then the details."""
    if not await someone_else.got_phone(update, context):
        return SCENE_PHONE
    await ask_details(update)
    return DETAILS


async def not_a_phone(update: Update, context: BotContext) -> int:
    await someone_else.ask_phone(update, context)
    return SCENE_PHONE


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
    if someone_else.for_other(context):
        await reply(update, someone_else.pin_instructions(), markup=cancel_only())
        return LOCATION
    await reply(
        update,
        _(
            "I need your location to find volunteers near you. Press “📍 Share my location” below (it needs location access on your phone), or /cancel."
        ),
        markup=scene_location_request(),
    )
    return LOCATION


async def details_in_words(update: Update, context: BotContext) -> int:
    """A sticker, a file, a contact at the details step: not passed on; say what is."""
    await reply(
        update,
        _(
            "Stickers, files and contacts are not passed on to volunteers. Describe it in words, send a voice note, photo or short video, or press Skip."
        ),
        markup=skip_or_cancel(),
    )
    return DETAILS


async def details_media(update: Update, context: BotContext) -> int:
    """A voice note, photo or video at the details step: kept for the request."""
    await citizen_media.got_media(update, context)
    return DETAILS


async def send_now(update: Update, context: BotContext) -> int:
    """ "📨 Send now" after media: the request, with no typed details."""
    return await _create(update, context, None)


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
        for_other=someone_else.for_other(context),
        scene_phone=data.get(someone_else.SCENE_PHONE),
        media_items=citizen_media.collected(context),
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


forget, leave = flows.forgetting(
    ("incident", "location", someone_else.FOR_OTHER, someone_else.SCENE_PHONE, citizen_media.MEDIA)
)


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    not_mine = filters.TEXT & filters.Regex(exact(button_not_for_me))
    send_text = filters.TEXT & filters.Regex(exact(button_send_now))
    answer_text = flows.answer_text(cancel_text) & ~not_mine & ~send_text
    not_for_me_button = MessageHandler(not_mine, flows.owned(not_for_me))
    # A live location's later positions arrive as edits: never a request's location.
    location = filters.LOCATION & ~filters.UpdateType.EDITED
    # Per chat, not per message: the flow spans several messages (a picker, then a location).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=[
                # /sos and the deep link ?start=sos: straight to the incident types.
                CommandHandler(["request", "sos"], begin),
                CommandHandler("start", begin, filters=flows.sos_link()),
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
                    not_for_me_button,
                    MessageHandler(answer_text | media.UNREAD, flows.owned(not_a_location)),
                ],
                SCENE_PHONE: [
                    MessageHandler(answer_text | media.CONTACTS, flows.owned(scene_phone)),
                    MessageHandler(location, flows.owned(got_location)),  # a better pin
                    not_for_me_button,
                    MessageHandler(media.ATTACHMENTS, flows.owned(not_a_phone)),
                ],
                DETAILS: [
                    not_for_me_button,
                    MessageHandler(send_text, flows.owned(send_now)),
                    MessageHandler(citizen_media.SENDABLE, flows.owned(details_media)),
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
