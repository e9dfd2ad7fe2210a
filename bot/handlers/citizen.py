"""A citizen asks for help: incident type → location → optional details → request created.

As few taps as possible for someone in distress; a text where a location is
expected gets a clear re-prompt, /cancel always works, and life-threatening
types show the official numbers before anything else is asked.
"""

from __future__ import annotations

import warnings

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.keyboards import (
    exact,
    incident_picker,
    location_request,
    main_menu,
    skip_or_cancel,
)
from bot.handlers.plumbing import query, run, track
from bot.handlers.render import cancel_keyboard
from bot.handlers.words import (
    button_cancel,
    button_skip,
    emergency_block,
    incident_name,
    menu_request,
)
from bot.i18n import _, t, texts_match, use_locale
from bot.services import dispatch, people
from domain.incidents import IncidentType, rule_for
from domain.matching.region import in_service_area

CHOOSE_TYPE, LOCATION, DETAILS = range(3)
MAX_DETAILS = 500


async def begin(update: Update, context: BotContext) -> int:
    """Request help: one open request at a time, then the incident types as buttons."""
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    uid = update.effective_user.id
    open_req = await query(context, lambda s: people.open_request(s, person_id=uid))
    with use_locale(lang):
        if open_req is not None:
            await update.effective_message.reply_text(
                t(
                    "Your request #{request_id} is still open. We are working on it.",
                    request_id=open_req.id,
                ),
                reply_markup=cancel_keyboard(int(open_req.id)),
            )
            return ConversationHandler.END
        await update.effective_message.reply_text(
            _("What happened?"), reply_markup=incident_picker()
        )
    return CHOOSE_TYPE


async def chose_type(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    try:
        incident = IncidentType(q.data.split(":", 1)[1])
    except ValueError:
        await q.answer()
        return CHOOSE_TYPE
    context.user_data["incident"] = incident.value  # type: ignore[index]
    with use_locale(lang):
        await q.answer()
        await q.edit_message_text(t("Incident: {incident}", incident=incident_name(incident)))
        text = _(
            "Share your location with the button below so the nearest volunteers can be alerted."
        )
        if rule_for(incident).life_threatening:
            text = emergency_block(incident) + "\n\n" + text
        await context.bot.send_message(
            q.message.chat.id if q.message else q.from_user.id,
            text,
            reply_markup=location_request(),
        )
    return LOCATION


async def got_location(update: Update, context: BotContext) -> int:
    msg = update.effective_message
    assert msg is not None and msg.location is not None
    lang = await track(update, context)
    lat, lon = msg.location.latitude, msg.location.longitude
    with use_locale(lang):
        if not in_service_area(lat, lon, context.settings.service_area):
            await msg.reply_text(
                _(
                    "This location is outside the area Musaada serves. If you are in danger, call the official emergency numbers."
                )
                + "\n\n"
                + emergency_block(context.user_data.get("incident", IncidentType.RESCUE)),  # type: ignore[union-attr]
                reply_markup=location_request(),
            )
            return LOCATION
        context.user_data["location"] = (lat, lon)  # type: ignore[index]
        await msg.reply_text(
            _(
                "Anything the volunteer should know? (for example: how many people, the car, a landmark). Or press Skip."
            ),
            reply_markup=skip_or_cancel(),
        )
    return DETAILS


async def not_a_location(update: Update, context: BotContext) -> int:
    """A text where a location was expected: say exactly what to do."""
    lang = await track(update, context)
    assert update.effective_message is not None
    with use_locale(lang):
        await update.effective_message.reply_text(
            _(
                "I need your location to find volunteers near you. Press “📍 Share my location” below (it needs location access on your phone), or /cancel."
            ),
            reply_markup=location_request(),
        )
    return LOCATION


async def got_details(update: Update, context: BotContext) -> int:
    msg = update.effective_message
    assert msg is not None and update.effective_user is not None
    text = (msg.text or "").strip()
    details = None if texts_match(text, button_skip) else text[:MAX_DETAILS]
    return await _create(update, context, details)


async def _create(update: Update, context: BotContext, details: str | None) -> int:
    assert update.effective_message is not None and update.effective_user is not None
    data = context.user_data or {}
    lat, lon = data["location"]
    incident = IncidentType(data["incident"])
    forget(context)
    lang = await track(update, context)
    with use_locale(lang):
        await update.effective_message.reply_text(
            _("Sending your request…"), reply_markup=ReplyKeyboardRemove()
        )
    await run(
        context,
        dispatch.create_request,
        requester_id=update.effective_user.id,
        incident=incident,
        lat=lat,
        lon=lon,
        description=details,
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    forget(context)
    with use_locale(lang):
        if update.callback_query:
            await update.callback_query.answer()
        if update.effective_message:
            await update.effective_message.reply_text(
                _("Cancelled. Nothing was sent."), reply_markup=main_menu()
            )
    return ConversationHandler.END


forget, leave = flows.forgetting(("incident", "location"))


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    answer_text = flows.answer_text(cancel_text)
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
                    CallbackQueryHandler(flows.owned(chose_type), pattern=r"^inc:[a-z_]+$")
                ],
                LOCATION: [
                    # A live location's later positions arrive as edits: never a request's location.
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, flows.owned(got_location)
                    ),
                    MessageHandler(answer_text, flows.owned(not_a_location)),
                ],
                DETAILS: [
                    MessageHandler(answer_text, flows.owned(got_details)),
                    # Shared again (moved, or a better fix): the newer location is the one sent.
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, flows.owned(got_location)
                    ),
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
