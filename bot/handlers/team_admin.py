"""Operators and teams: the /newteam guided flow, /teams, /addleader, /dropleader, /moveteam.

/newteam asks, one step at a time: the name; the region, as a city of
domain/data/saudi_cities.csv (a button, or its name typed in either language) or a shared
location; the radius; the leaders' Telegram ids. It is a flow like /request (bot/handlers/
flows.py): menu buttons and the other commands end it, /cancel ends it with a word.
"""

from __future__ import annotations

import re
import warnings

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers import buttons, flows, inputs
from bot.handlers.buttons import TEAM_RADII_KM, make_team_city, make_team_radius
from bot.handlers.keyboards import exact, location_request, main_menu
from bot.handlers.plumbing import query, run
from bot.handlers.render.base import kb
from bot.handlers.replies import answer, edit_markup, reply, send
from bot.handlers.teams import invite_link, refusal, team_id_of
from bot.handlers.words import button_cancel
from bot.i18n import _, current_language, t
from bot.services import teams
from bot.services.notices import Result
from domain.matching.geo import City, cities, city_by_name

NAME, REGION, RADIUS, LEADERS = range(4)
KEYS = ("nt_name", "nt_city", "nt_lat", "nt_lon", "nt_radius")
_IDS = re.compile(r"\d{3,18}")


def _answers(context: BotContext) -> dict[str, object]:
    """This flow's answers so far (python-telegram-bot gives every private chat a user_data)."""
    data = context.user_data
    if data is None:
        raise inputs.MissingPart("no user_data for this update")
    return data


def city_buttons() -> InlineKeyboardMarkup:
    biggest = sorted(cities(), key=lambda c: -c.population)[:8]
    names = [(c.name_ar if current_language() == "ar" else c.name_en, c.name_en) for c in biggest]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    return kb(*[[(label, make_team_city(en)) for label, en in row] for row in rows])


async def begin(update: Update, context: BotContext) -> int:
    if inputs.sender_id(update) not in context.cfg.operator_ids:
        await reply(update, _("Only operators can do this."))
        return ConversationHandler.END
    forget(context)
    await reply(update, _("New team. What is its name?"))
    return NAME


async def got_name(update: Update, context: BotContext) -> int:
    name = (inputs.message(update).text or "").strip()[:64]
    _answers(context)["nt_name"] = name
    await reply(
        update,
        t(
            "Where does {team} work? Choose a city, type a city's name, or share a location.",
            team=name,
        ),
        markup=city_buttons(),
    )
    await reply(update, _("Or share the centre of its region:"), markup=location_request())
    return REGION


def radius_buttons() -> InlineKeyboardMarkup:
    return kb([(t("{n} km", n=r), make_team_radius(r)) for r in TEAM_RADII_KM])


async def _ask_radius(context: BotContext, chat_id: int) -> int:
    await send(
        context,
        chat_id,
        _("How far around it, in km? Choose or type a number."),
        markup=radius_buttons(),
    )
    return RADIUS


def _region(context: BotContext, city: City) -> None:
    _answers(context).update(nt_city=city.name_en, nt_lat=city.lat, nt_lon=city.lon)


async def city_pressed(update: Update, context: BotContext) -> int:
    q = inputs.press(update)
    pressed = buttons.parse_team_city(q.data)
    city = city_by_name(pressed.city) if pressed else None
    await answer(q)
    if city is None:
        return REGION
    _region(context, city)
    await edit_markup(q, None)
    return await _ask_radius(context, q.from_user.id)


async def region_text(update: Update, context: BotContext) -> int:
    msg = inputs.message(update)
    typed = (msg.text or "").strip().casefold()
    city = next(
        (c for c in cities() if typed in (c.name_en.casefold(), c.name_ar.casefold())), None
    )
    if city is None:
        await reply(
            update,
            _("I do not know that city. Choose one of the buttons, or share a location."),
            markup=city_buttons(),
        )
        return REGION
    _region(context, city)
    return await _ask_radius(context, msg.chat_id)


async def region_location(update: Update, context: BotContext) -> int:
    msg = inputs.message(update)
    loc = msg.location
    if loc is None:
        raise inputs.MissingPart("no location in this message")
    _answers(context).update(nt_city=None, nt_lat=loc.latitude, nt_lon=loc.longitude)
    await reply(update, _("Location received."), markup=main_menu())
    return await _ask_radius(context, msg.chat_id)


async def _ask_leaders(context: BotContext, chat_id: int) -> int:
    await send(
        context,
        chat_id,
        _(
            "Who leads the team? Send their Telegram ids, separated by spaces. Each must have written to the bot once."
        ),
    )
    return LEADERS


async def radius_pressed(update: Update, context: BotContext) -> int:
    q = inputs.press(update)
    pressed = buttons.parse_team_radius(q.data)
    await answer(q)
    if pressed is None:
        return RADIUS
    _answers(context)["nt_radius"] = float(pressed.km)
    await edit_markup(q, None)
    return await _ask_leaders(context, q.from_user.id)


async def radius_text(update: Update, context: BotContext) -> int:
    msg = inputs.message(update)
    try:
        radius = float((msg.text or "").strip().replace(",", "."))
    except ValueError:
        radius = 0.0
    if not 1 <= radius <= 500:
        await reply(update, _("Please give a radius between 1 and 500 km."))
        return RADIUS
    _answers(context)["nt_radius"] = radius
    return await _ask_leaders(context, msg.chat_id)


async def got_leaders(update: Update, context: BotContext) -> int:
    ids = tuple(dict.fromkeys(int(x) for x in _IDS.findall(inputs.message(update).text or "")))
    known = await query(context, lambda s: teams.known_people(s, ids))
    unknown = [i for i in ids if i not in known]
    if unknown:
        await reply(
            update,
            t(
                "These ids have not written to the bot yet: {ids}. Ask them to send /start, then send the ids again.",
                ids=", ".join(str(i) for i in unknown),
            ),
        )
        return LEADERS
    if not ids:
        await reply(update, _("Send at least one Telegram id."))
        return LEADERS
    data = _answers(context)
    outcome = await run(
        context,
        teams.create_team,
        operator_id=inputs.sender_id(update),
        name=str(data.get("nt_name", "")),
        city=data.get("nt_city"),
        lat=float(data.get("nt_lat", 0.0)),  # type: ignore[arg-type]
        lon=float(data.get("nt_lon", 0.0)),  # type: ignore[arg-type]
        radius_km=float(data.get("nt_radius", 25.0)),  # type: ignore[arg-type]
        leader_ids=ids,
    )
    forget(context)
    team_id = team_id_of(outcome)
    team = await query(context, lambda s: teams.get_team(s, team_id)) if team_id else None
    if outcome.result is not Result.OK or team is None:
        await reply(update, refusal(outcome.result), markup=main_menu())
        return ConversationHandler.END
    await reply(
        update,
        t(
            "Team {team} created (id {id}). Invite link: {link}",
            team=team.name,
            id=team_id,
            link=invite_link(context.bot.username, team.invite_code),
        ),
        markup=main_menu(),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    forget(context)
    await reply(update, _("Cancelled."), markup=main_menu())
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
                    CallbackQueryHandler(flows.owned(city_pressed), pattern=buttons.TEAM_CITY),
                    MessageHandler(
                        filters.LOCATION & ~filters.UpdateType.EDITED, flows.owned(region_location)
                    ),
                    MessageHandler(answer, flows.owned(region_text)),
                ],
                RADIUS: [
                    CallbackQueryHandler(flows.owned(radius_pressed), pattern=buttons.TEAM_RADIUS),
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
            persistent=True,  # its step and answers in the database (bot/persistence/)
            allow_reentry=True,
            conversation_timeout=timeout_s,
        )


# --- one-line operator commands --------------------------------------------------------------


def _ids(context: BotContext, *bounds: int) -> list[int] | None:
    """One id per bound, in the command's order (a team's id is an INTEGER column, a
    person's a BIGINT: inputs.py), or None when the arguments are not exactly those."""
    args = context.args or []
    if len(args) != len(bounds):
        return None
    ids = [inputs.bounded_id(a, bound) for a, bound in zip(args, bounds, strict=True)]
    return [i for i in ids if i is not None] if None not in ids else None


def _done(result: Result) -> str:
    if result is Result.OK:
        return _("Done.")
    return _("Already done.") if result is Result.ALREADY else refusal(result)


async def list_teams(update: Update, context: BotContext) -> None:
    if inputs.sender_id(update) not in context.cfg.operator_ids:
        await reply(update, _("Only operators can do this."))
        return
    found = await query(context, teams.all_teams)
    lines = [t("{name}: {id}", name=team.name, id=team.id) for team in found]
    await reply(
        update,
        "\n".join([_("Teams (name: id):"), *lines]) if lines else _("No teams yet: /newteam"),
    )


async def leader_command(update: Update, context: BotContext) -> None:
    """/addleader TEAM PERSON and /dropleader TEAM PERSON."""
    ids = _ids(context, inputs.RECORD_ID_MAX, inputs.PERSON_ID_MAX)
    adding = (inputs.message(update).text or "").lstrip("/").lower().startswith("addleader")
    if ids is None:
        await reply(
            update, _("Usage: /addleader TEAM_ID PERSON_ID or /dropleader TEAM_ID PERSON_ID")
        )
        return
    use_case = teams.add_leader if adding else teams.remove_leader
    outcome = await run(
        context, use_case, actor_id=inputs.sender_id(update), team_id=ids[0], person_id=ids[1]
    )
    await reply(update, _done(outcome.result))


async def move_command(update: Update, context: BotContext) -> None:
    """/moveteam VOLUNTEER_ID TEAM_ID."""
    ids = _ids(context, inputs.PERSON_ID_MAX, inputs.RECORD_ID_MAX)
    if ids is None:
        await reply(update, _("Usage: /moveteam VOLUNTEER_ID TEAM_ID"))
        return
    outcome = await run(
        context,
        teams.move_member,
        operator_id=inputs.sender_id(update),
        person_id=ids[0],
        team_id=ids[1],
    )
    await reply(update, _done(outcome.result))


def handlers() -> list[object]:
    return [
        CommandHandler("teams", list_teams),
        CommandHandler(["addleader", "dropleader"], leader_command),
        CommandHandler("moveteam", move_command),
    ]
