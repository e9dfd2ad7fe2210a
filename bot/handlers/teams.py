"""Teams in the chat: invite links, /team, /invite, /leaveteam.

Every button carries the team it acts on (made and parsed in bot/handlers/buttons.py), and
the service checks the presser against that team (bot/services/teams.py ``authorize``): a
leader of another team, an old button or a forged one gets a clear answer and changes nothing.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import formatting
from bot.context import BotContext
from bot.handlers import buttons, inputs
from bot.handlers.buttons import TeamAction, TeamPress, make_team
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import main_menu
from bot.handlers.plumbing import query, run
from bot.handlers.render.base import kb
from bot.handlers.replies import answer, edit, edit_markup, reply
from bot.i18n import _, t, tn
from bot.services import teams
from bot.services.notices import Outcome, Result
from bot.services.teams import InviteState, TeamOutcome, TeamPage
from domain.enums import VolunteerStatus
from storage.types import utcnow

START_PREFIX = "team_"


def invite_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={START_PREFIX}{code}"


def team_id_of(outcome: Outcome) -> int | None:
    """The team a team use case made or changed (None when it changed none)."""
    return outcome.team_id if isinstance(outcome, TeamOutcome) else None


def refusal(result: str) -> str:
    """The clear answer to an action on a team that is not the presser's."""
    answers: dict[str, str] = {
        Result.OTHER_TEAM: _(
            "This is another team's: you can act only on the team you lead. Nothing was changed."
        ),
        Result.NOT_YOURS: _("Only the team's leaders can do this."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
        Result.UNKNOWN: _("No such team."),
    }
    return answers.get(result, _("This button is no longer valid; nothing was changed."))


def _not_now(team_id: int) -> tuple[str, str]:
    return _("✖️ Not now"), make_team(TeamAction.DISMISS, team_id)


# --- invite links ----------------------------------------------------------------------------


def _expired() -> str:
    return _(
        "This invite link has expired: the team has a new one. Ask your team leader for the current link."
    )


async def start_invite(update: Update, context: BotContext) -> None:
    """/start team_<code>, from an invite link: ask to confirm joining (or moving)."""
    text, uid = inputs.message(update).text or "", inputs.sender_id(update)
    code = text.split(maxsplit=1)[1][len(START_PREFIX) :] if " " in text else ""
    invite = await query(context, lambda s: teams.inspect_invite(s, person_id=uid, code=code))
    team = invite.team
    if invite.state == InviteState.MALFORMED or team is None:
        malformed = invite.state == InviteState.MALFORMED
        await reply(
            update,
            _("This invite link is not valid. Ask your team leader to send it again.")
            if malformed
            else _expired(),
            markup=main_menu(),
        )
        return
    if invite.state == InviteState.MEMBER:
        await reply(update, t("You are already in the team {team}.", team=team.name))
        return
    if invite.state == InviteState.OTHER_TEAM and invite.current is not None:
        question = t(
            "You are in the team {current}. Leave it and join the team {team}?",
            current=invite.current.name,
            team=team.name,
        )
    elif invite.state == InviteState.SIGN_UP:
        question = t(
            "The team {team} invites you. Members are volunteers: join, then sign up, and you are in the team when your sign-up is complete.",
            team=team.name,
        )
    else:
        question = t("The team {team} invites you to join it. Join?", team=team.name)
    assert team.id is not None
    await reply(
        update,
        question,
        markup=kb([(_("✅ Join"), buttons.make_join(code)), _not_now(team.id)]),
    )


async def join_pressed(update: Update, context: BotContext) -> None:
    """✅ Join under an invite: the code is checked again (a rotated link has expired)."""
    q = inputs.press(update)
    pressed = buttons.parse_join(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    outcome = await run(context, teams.join, person_id=q.from_user.id, code=pressed.code)
    team_id = team_id_of(outcome)
    team = await query(context, lambda s: teams.get_team(s, team_id)) if team_id else None
    name = team.name if team else ""
    texts: dict[str, str] = {
        Result.OK: t("👥 You joined the team {team}. /leaveteam leaves it.", team=name),
        Result.ALREADY: t("You are already in the team {team}.", team=name),
        Result.PENDING: t(
            "First sign up as a volunteer: press “🙋 Volunteer” or send /volunteer. You join the team {team} when your sign-up is complete.",
            team=name,
        ),
    }
    text = texts.get(outcome.result, _expired())
    await answer(q)
    await edit(q, text)


# --- leaders' commands -------------------------------------------------------------------------


async def pick_team(update: Update, context: BotContext) -> int | None:
    """The team a leader's command is about: the one given, or the only one they lead."""
    uid = inputs.sender_id(update)
    for arg in context.args or []:
        named = inputs.bounded_id(arg, inputs.RECORD_ID_MAX)
        if named is not None:
            return named
    led = await query(context, lambda s: teams.led_teams(s, uid))
    if len(led) == 1:
        return int(led[0].id)
    if not led:
        await reply(
            update,
            _("You do not lead a team.")
            if uid not in context.cfg.operator_ids
            else _("Name the team: add its id (see /teams)."),
        )
        return None
    lines = [_("You lead several teams; add the team's id:")]
    lines += [t("{name}: {id}", name=team.name, id=team.id) for team in led]
    await reply(update, "\n".join(lines))
    return None


def _member_line(row: teams.MemberRow) -> str:
    statuses: dict[str, str] = {
        VolunteerStatus.VERIFIED: _("✅ verified"),
        VolunteerStatus.PENDING: _("⏳ pending"),
        VolunteerStatus.REJECTED: _("❌ not approved"),
        VolunteerStatus.LEFT: _("left volunteering"),
    }
    status = statuses.get(row.status or "", _("not signed up"))
    duty = (_("🚑 on a job") if row.busy else _("🟢 on duty")) if row.on_duty else _("⚪ off duty")
    if row.position_at is None:
        seen = _("no position")
    else:
        age = max(0, int((utcnow() - row.position_at).total_seconds() // 60))
        seen = t("position {age} old", age=formatting.duration(age))
    line = t(
        "• {name} (id {id}): {status} · {duty} · {seen} · {hours} this month",
        name=row.name,
        id=row.person_id,
        status=status,
        duty=duty,
        seen=seen,
        hours=formatting.duration(row.month_minutes),
    )
    if row.status == VolunteerStatus.PENDING:
        line += "\n  " + t("/approve {id} · /reject {id}", id=row.person_id)
    return line


def page_view(p: TeamPage) -> tuple[str, InlineKeyboardMarkup | None]:
    assert p.team.id is not None
    team_id = p.team.id
    lines = [
        t("👥 {team}: page {page} of {pages}", team=p.team.name, page=p.page + 1, pages=p.pages),
        tn("{n} member", "{n} members", p.total)
        + " · "
        + t("Leaders: {names}", names=", ".join(p.leaders) or "–"),
    ]
    lines += [_member_line(r) for r in p.members] or [
        _("No members yet: share the invite link (/invite).")
    ]
    rows = [
        [(t("➖ Remove {name}", name=r.name), make_team(TeamAction.REMOVE, team_id, r.person_id))]
        for r in p.members
    ]
    nav = []
    if p.page > 0:
        nav.append((_("Previous page"), make_team(TeamAction.PAGE, team_id, p.page - 1)))
    if p.page + 1 < p.pages:
        nav.append((_("Next page"), make_team(TeamAction.PAGE, team_id, p.page + 1)))
    if nav:
        rows.append(nav)
    return "\n".join(lines), kb(*rows) if rows else None


async def _page(
    context: BotContext, actor: int, team_id: int, page: int
) -> tuple[str, TeamPage | None]:
    tz = context.bot_data["digest_cfg"].tz
    result, view = await query(
        context,
        lambda s: teams.team_page(
            s, context.cfg, now=utcnow(), actor_id=actor, team_id=team_id, page=page, tz=tz
        ),
    )
    return result, view


async def team_command(update: Update, context: BotContext) -> None:
    """/team [id]: the members of the team you lead, paged."""
    team_id = await pick_team(update, context)
    if team_id is None:
        return
    result, view = await _page(context, inputs.sender_id(update), team_id, 0)
    if view is None:
        await reply(update, refusal(result))
        return
    text, markup = page_view(view)
    await reply(update, text, markup=markup)


async def invite_command(update: Update, context: BotContext) -> None:
    """/invite [id]: the team's invite link, and a button to replace it."""
    team_id = await pick_team(update, context)
    if team_id is None:
        return
    result, view = await _page(context, inputs.sender_id(update), team_id, 0)
    if view is None:
        await reply(update, refusal(result))
        return
    text, markup = _invite_text(context, view.team)
    await reply(update, text, markup=markup)


def _invite_text(context: BotContext, team: teams.Team) -> tuple[str, InlineKeyboardMarkup]:
    assert team.id is not None
    link = invite_link(context.bot.username, team.invite_code)
    text = t(
        "Invite link of the team {team}: {link}\nWhoever opens it is asked to confirm joining. A new link makes this one expire.",
        team=team.name,
        link=link,
    )
    return text, kb([(_("🔄 New link"), make_team(TeamAction.ROTATE, team.id))])


async def leave_command(update: Update, context: BotContext) -> None:
    """/leaveteam: out of your team, after a confirmation."""
    uid = inputs.sender_id(update)
    team = await query(context, lambda s: teams.team_of(s, uid))
    if team is None or team.id is None:
        await reply(update, _("You are not in a team."))
        return
    await reply(
        update,
        t("Leave the team {team}?", team=team.name),
        markup=kb([(_("Yes, leave"), make_team(TeamAction.LEAVE, team.id)), _not_now(team.id)]),
    )


async def team_button(update: Update, context: BotContext) -> None:
    """Paging, removing a member, a new invite link, leaving: checked against the team."""
    q = inputs.press(update)
    b = buttons.parse_team(q.data)
    if b is None:
        await stale_button(update, context)
        return
    if b.action is TeamAction.DISMISS:
        await answer(q)
        await edit_markup(q, None)
        return
    if b.action is TeamAction.PAGE:
        result, view = await _page(context, q.from_user.id, b.team_id, b.arg or 0)
        if view is None:
            await answer(q, refusal(result), alert=True)
            return
        await answer(q)
        text, markup = page_view(view)
        await edit(q, text, markup=markup)
        return
    if b.action is TeamAction.REMOVE and b.arg is not None:
        # Asking is harmless; the removal itself is checked when confirmed.
        await answer(q)
        confirm = make_team(TeamAction.REMOVE_YES, b.team_id, b.arg)
        await edit_markup(
            q, kb([(t("Yes, remove id {id}", id=b.arg), confirm), _not_now(b.team_id)])
        )
        return
    await _act(q, context, b)


async def _act(q: CallbackQuery, context: BotContext, b: TeamPress) -> None:
    """Remove (confirmed), a new link, leave: the use case, then the answer in place."""
    uid = q.from_user.id
    if b.action is TeamAction.REMOVE_YES and b.arg is not None:
        outcome = await run(
            context, teams.remove_member, actor_id=uid, team_id=b.team_id, person_id=b.arg
        )
        done = _("Removed from the team.")
    elif b.action is TeamAction.ROTATE:
        outcome = await run(context, teams.rotate_code, actor_id=uid, team_id=b.team_id)
        done = _("A new invite link is ready; the old one has expired.")
    else:  # TeamAction.LEAVE
        outcome = await run(context, teams.leave_team, person_id=uid)
        done = _("You left the team.")
    if outcome.result is Result.ALREADY:
        await answer(q, _("Already done."))
        return
    if outcome.result is not Result.OK:
        await answer(q, refusal(outcome.result), alert=True)
        return
    await answer(q, done)
    if b.action is TeamAction.ROTATE:
        team = await query(context, lambda s: teams.get_team(s, b.team_id))
        if team is not None:
            text, markup = _invite_text(context, team)
            await edit(q, text, markup=markup)
    elif b.action is TeamAction.LEAVE:
        await edit(q, done)
    else:
        await edit_markup(q, None)


def handlers() -> list[object]:
    """Registered in bot/app.py; the invite's /start before the plain one."""
    return [
        CommandHandler("team", team_command),
        CommandHandler("invite", invite_command),
        CommandHandler("leaveteam", leave_command),
        CallbackQueryHandler(team_button, pattern=buttons.TEAM),
        CallbackQueryHandler(join_pressed, pattern=buttons.JOIN),
    ]


def invite_start() -> CommandHandler[BotContext, None]:
    return CommandHandler("start", start_invite, filters=filters.Regex(r"^/start team_"))
