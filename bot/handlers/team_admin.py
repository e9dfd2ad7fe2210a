"""Operators and teams: the /newteam guided flow, /teams, /addleader, /dropleader, /moveteam.

/newteam asks, one step at a time: the name; the region, as a city of
domain/data/saudi_cities.csv (a button, or its name typed in either language) or a shared
location; the radius; the leaders' Telegram ids. It is a flow like /request (bot/handlers/
flows.py): menu buttons and the other commands end it, /cancel ends it with a word.
"""

from __future__ import annotations

import re
import warnings

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.keyboards import exact, location_request, main_menu
from bot.handlers.plumbing import query, run, track
from bot.handlers.render.base import kb
from bot.handlers.teams import invite_link, refusal
from bot.handlers.words import button_cancel
from bot.i18n import _, current_language, t, use_locale
from bot.services import teams
from bot.services.notices import Result
from domain.matching.geo import cities

NAME, REGION, RADIUS, LEADERS = range(4)
RADII_KM = (10, 25, 50, 100)
KEYS = ("nt_name", "nt_city", "nt_lat", "nt_lon", "nt_radius")
_IDS = re.compile(r"\d{3,18}")


def _city_buttons() -> object:
    biggest = sorted(cities(), key=lambda c: -c.population)[:8]
    names = [(c.name_ar if current_language() == "ar" else c.name_en, c.name_en) for c in biggest]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    return kb(*[[(label, f"nt:city:{en}") for label, en in row] for row in rows])


async def begin(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    with use_locale(lang):
        if user.id not in context.cfg.operator_ids:
            await msg.reply_text(_("Only operators can do this."))
            return ConversationHandler.END
        forget(context)
        await msg.reply_text(_("New team. What is its name?"))
    return NAME


async def got_name(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    name = msg.text.strip()[:64]
    context.user_data["nt_name"] = name  # type: ignore[index]
    with use_locale(lang):
        await msg.reply_text(
            t(
                "Where does {team} work? Choose a city, type a city's name, or share a location.",
                team=name,
            ),
            reply_markup=_city_buttons(),  # type: ignore[arg-type]
        )
        await msg.reply_text(
            _("Or share the centre of its region:"), reply_markup=location_request()
        )
    return REGION


async def _ask_radius(context: BotContext, chat_id: int) -> int:
    await context.bot.send_message(
        chat_id,
        _("How far around it, in km? Choose or type a number."),
        reply_markup=kb([(t("{n} km", n=r), f"nt:r:{r}") for r in RADII_KM]),
    )
    return RADIUS


async def city_pressed(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    name = q.data.split(":", 2)[2]
    city = next((c for c in cities() if c.name_en == name), None)
    with use_locale(lang):
        await q.answer()
        if city is None:
            return REGION
        context.user_data.update(nt_city=city.name_en, nt_lat=city.lat, nt_lon=city.lon)  # type: ignore[union-attr]
        await q.edit_message_reply_markup(None)
        return await _ask_radius(context, q.from_user.id)


async def region_text(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    typed = msg.text.strip().casefold()
    city = next(
        (c for c in cities() if typed in (c.name_en.casefold(), c.name_ar.casefold())), None
    )
    with use_locale(lang):
        if city is None:
            await msg.reply_text(
                _("I do not know that city. Choose one of the buttons, or share a location."),
                reply_markup=_city_buttons(),  # type: ignore[arg-type]
            )
            return REGION
        context.user_data.update(nt_city=city.name_en, nt_lat=city.lat, nt_lon=city.lon)  # type: ignore[union-attr]
        return await _ask_radius(context, msg.chat_id)


async def region_location(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.location is not None
    loc = msg.location
    context.user_data.update(nt_city=None, nt_lat=loc.latitude, nt_lon=loc.longitude)  # type: ignore[union-attr]
    with use_locale(lang):
        await msg.reply_text(_("Location received."), reply_markup=main_menu())
        return await _ask_radius(context, msg.chat_id)


async def _ask_leaders(context: BotContext, chat_id: int) -> int:
    await context.bot.send_message(
        chat_id,
        _(
            "Who leads the team? Send their Telegram ids, separated by spaces. Each must have written to the bot once."
        ),
    )
    return LEADERS


async def radius_pressed(update: Update, context: BotContext) -> int:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    context.user_data["nt_radius"] = float(q.data.split(":")[2])  # type: ignore[index]
    with use_locale(lang):
        await q.answer()
        await q.edit_message_reply_markup(None)
        return await _ask_leaders(context, q.from_user.id)


async def radius_text(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    try:
        radius = float(msg.text.strip().replace(",", "."))
    except ValueError:
        radius = 0.0
    with use_locale(lang):
        if not 1 <= radius <= 500:
            await msg.reply_text(_("Please give a radius between 1 and 500 km."))
            return RADIUS
        context.user_data["nt_radius"] = radius  # type: ignore[index]
        return await _ask_leaders(context, msg.chat_id)


async def got_leaders(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    msg = update.effective_message
    assert msg is not None and msg.text is not None and update.effective_user is not None
    ids = tuple(dict.fromkeys(int(x) for x in _IDS.findall(msg.text)))
    known = await query(context, lambda s: teams.known_people(s, ids))
    with use_locale(lang):
        unknown = [i for i in ids if i not in known]
        if unknown:
            await msg.reply_text(
                t(
                    "These ids have not written to the bot yet: {ids}. Ask them to send /start, then send the ids again.",
                    ids=", ".join(str(i) for i in unknown),
                )
            )
            return LEADERS
        if not ids:
            await msg.reply_text(_("Send at least one Telegram id."))
            return LEADERS
        data = context.user_data or {}
        outcome = await run(
            context,
            teams.create_team,
            operator_id=update.effective_user.id,
            name=str(data.get("nt_name", "")),
            city=data.get("nt_city"),
            lat=float(data.get("nt_lat", 0.0)),
            lon=float(data.get("nt_lon", 0.0)),
            radius_km=float(data.get("nt_radius", 25.0)),
            leader_ids=ids,
        )
        forget(context)
        team_id = getattr(outcome, "team_id", None)
        if outcome.result is not Result.OK or team_id is None:
            await msg.reply_text(refusal(outcome.result), reply_markup=main_menu())
            return ConversationHandler.END
        team = await query(context, lambda s: teams.get_team(s, team_id))
        await msg.reply_text(
            t(
                "Team {team} created (id {id}). Invite link: {link}",
                team=team.name,
                id=team_id,
                link=invite_link(context.bot.username, team.invite_code),
            ),
            reply_markup=main_menu(),
        )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    lang = await track(update, context)
    forget(context)
    with use_locale(lang):
        if update.effective_message:
            await update.effective_message.reply_text(_("Cancelled."), reply_markup=main_menu())
    return ConversationHandler.END


forget, leave = flows.forgetting(KEYS)


def conversation(timeout_s: float | None = None) -> ConversationHandler[BotContext]:
    cancel_text = filters.Regex(exact(button_cancel))
    answer = flows.answer_text(cancel_text)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=[CommandHandler("newteam", flows.owned(begin))],
            states={
                NAME: [MessageHandler(answer, flows.owned(got_name))],
                REGION: [
                    CallbackQueryHandler(flows.owned(city_pressed), pattern=r"^nt:city:"),
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, flows.owned(region_location)
                    ),
                    MessageHandler(answer, flows.owned(region_text)),
                ],
                RADIUS: [
                    CallbackQueryHandler(flows.owned(radius_pressed), pattern=r"^nt:r:\d{1,3}$"),
                    MessageHandler(answer, flows.owned(radius_text)),
                ],
                LEADERS: [MessageHandler(answer, flows.owned(got_leaders))],
                **flows.timeout_state(forget),
            },
            fallbacks=[
                CommandHandler("cancel", flows.owned(cancel)),
                MessageHandler(cancel_text, flows.owned(cancel)),
                *flows.escapes(leave),
            ],
            name="new_team",
            allow_reentry=True,
            conversation_timeout=timeout_s,
        )


# --- one-line operator commands --------------------------------------------------------------


def _ids(context: BotContext) -> list[int]:
    return [int(a) for a in (context.args or []) if a.isdigit()]


async def list_teams(update: Update, context: BotContext) -> None:
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    with use_locale(lang):
        if user.id not in context.cfg.operator_ids:
            await msg.reply_text(_("Only operators can do this."))
            return
        found = await query(context, teams.all_teams)
        lines = [t("{name}: {id}", name=team.name, id=team.id) for team in found]
        await msg.reply_text(
            "\n".join([_("Teams (name: id):"), *lines]) if lines else _("No teams yet: /newteam")
        )


async def leader_command(update: Update, context: BotContext) -> None:
    """/addleader TEAM PERSON and /dropleader TEAM PERSON."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and msg.text is not None and user is not None
    ids = _ids(context)
    adding = msg.text.lstrip("/").lower().startswith("addleader")
    with use_locale(lang):
        if len(ids) != 2:
            await msg.reply_text(
                _("Usage: /addleader TEAM_ID PERSON_ID or /dropleader TEAM_ID PERSON_ID")
            )
            return
        use_case = teams.add_leader if adding else teams.remove_leader
        outcome = await run(context, use_case, actor_id=user.id, team_id=ids[0], person_id=ids[1])
        await msg.reply_text(
            _("Done.")
            if outcome.result is Result.OK
            else _("Already done.")
            if outcome.result is Result.ALREADY
            else refusal(outcome.result)
        )


async def move_command(update: Update, context: BotContext) -> None:
    """/moveteam VOLUNTEER_ID TEAM_ID."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    ids = _ids(context)
    with use_locale(lang):
        if len(ids) != 2:
            await msg.reply_text(_("Usage: /moveteam VOLUNTEER_ID TEAM_ID"))
            return
        outcome = await run(
            context, teams.move_member, operator_id=user.id, person_id=ids[0], team_id=ids[1]
        )
        await msg.reply_text(
            _("Done.")
            if outcome.result is Result.OK
            else _("Already done.")
            if outcome.result is Result.ALREADY
            else refusal(outcome.result)
        )


def handlers() -> list[object]:
    return [
        CommandHandler("teams", list_teams),
        CommandHandler(["addleader", "dropleader"], leader_command),
        CommandHandler("moveteam", move_command),
    ]
