"""Teams in the chat: invite links, /team, /invite, /leaveteam, and the operators' commands.

Every button carries the team it acts on, and the service checks the presser against that
team (bot/services/teams.py ``authorize``): a leader of another team, an old button or a
forged one gets a clear answer and changes nothing. Button data is made and parsed here only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import formatting
from bot.context import BotContext
from bot.handlers.keyboards import main_menu
from bot.handlers.plumbing import query, run, track
from bot.handlers.render.base import kb
from bot.i18n import _, t, tn, use_locale
from bot.services import teams
from bot.services.notices import Result
from bot.services.teams import InviteState, TeamPage
from domain.enums import VolunteerStatus
from storage.types import utcnow

START_PREFIX = "team_"
TEAM_BUTTON = re.compile(r"^tm:(pg|rm|rmy|rot|lv|no):(\d{1,12})(?::(\d{1,18}))?$")
JOIN_BUTTON = re.compile(r"^tj:([A-Za-z0-9_-]{1,32})$")


@dataclass(frozen=True)
class TeamButton:
    action: str
    team_id: int
    arg: int | None = None

    def data(self) -> str:
        tail = f":{self.arg}" if self.arg is not None else ""
        return f"tm:{self.action}:{self.team_id}{tail}"

    @classmethod
    def parse(cls, data: str) -> TeamButton | None:
        m = TEAM_BUTTON.match(data)
        if m is None:
            return None
        return cls(m[1], int(m[2]), int(m[3]) if m[3] else None)


def invite_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={START_PREFIX}{code}"


def refusal(result: str) -> str:
    """The clear answer to an action on a team that is not the presser's."""
    return {
        Result.OTHER_TEAM: _(
            "This is another team's: you can act only on the team you lead. Nothing was changed."
        ),
        Result.NOT_YOURS: _("Only the team's leaders can do this."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
        Result.UNKNOWN: _("No such team."),
    }.get(result, _("This button is no longer valid; nothing was changed."))  # type: ignore[call-overload]


# --- invite links ----------------------------------------------------------------------------


async def start_invite(update: Update, context: BotContext) -> None:
    """/start team_<code>, from an invite link: ask to confirm joining (or moving)."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and msg.text is not None and user is not None
    code = msg.text.split(maxsplit=1)[1][len(START_PREFIX) :] if " " in msg.text else ""
    invite = await query(context, lambda s: teams.inspect_invite(s, person_id=user.id, code=code))
    with use_locale(lang):
        team = invite.team
        if invite.state == InviteState.MALFORMED or team is None:
            text = (
                _("This invite link is not valid. Ask your team leader to send it again.")
                if invite.state == InviteState.MALFORMED
                else _(
                    "This invite link has expired: the team has a new one. Ask your team leader for the current link."
                )
            )
            await msg.reply_text(text, reply_markup=main_menu())
            return
        if invite.state == InviteState.MEMBER:
            await msg.reply_text(t("You are already in the team {team}.", team=team.name))
            return
        if invite.state == InviteState.OTHER_TEAM and invite.current is not None:
            text = t(
                "You are in the team {current}. Leave it and join the team {team}?",
                current=invite.current.name,
                team=team.name,
            )
        elif invite.state == InviteState.SIGN_UP:
            text = t(
                "The team {team} invites you. Members are volunteers: join, then sign up, and you are in the team when your sign-up is complete.",
                team=team.name,
            )
        else:
            text = t("The team {team} invites you to join it. Join?", team=team.name)
        await msg.reply_text(
            text,
            reply_markup=kb(
                [(_("✅ Join"), f"tj:{code}"), (_("✖️ Not now"), TeamButton("no", team.id).data())]  # type: ignore[arg-type]
            ),
        )


async def join_pressed(update: Update, context: BotContext) -> None:
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    m = JOIN_BUTTON.match(q.data)
    code = m[1] if m else ""
    outcome = await run(context, teams.join, person_id=q.from_user.id, code=code)
    team = (
        await query(context, lambda s: teams.get_team(s, outcome.team_id))  # type: ignore[attr-defined]
        if outcome.team_id  # type: ignore[attr-defined]
        else None
    )
    name = team.name if team else ""
    with use_locale(lang):
        text = {
            Result.OK: t("👥 You joined the team {team}. /leaveteam leaves it.", team=name),
            Result.ALREADY: t("You are already in the team {team}.", team=name),
            Result.PENDING: t(
                "First sign up as a volunteer: press “🙋 Volunteer” or send /volunteer. You join the team {team} when your sign-up is complete.",
                team=name,
            ),
        }.get(
            outcome.result,
            _(
                "This invite link has expired: the team has a new one. Ask your team leader for the current link."
            ),
        )
        await q.answer()
        await q.edit_message_text(text)


# --- leaders' commands -------------------------------------------------------------------------


async def _pick_team(update: Update, context: BotContext, args: list[str]) -> int | None:
    """The team a leader's command is about: the one given, or the only one they lead."""
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    digits = [a for a in args if a.isdigit()]
    if digits:
        return int(digits[0])
    led = await query(context, lambda s: teams.led_teams(s, user.id))
    if len(led) == 1:
        return int(led[0].id)
    if not led:
        await msg.reply_text(
            _("You do not lead a team.")
            if user.id not in context.cfg.operator_ids
            else _("Name the team: add its id (see /teams).")
        )
        return None
    await msg.reply_text(
        "\n".join(
            [_("You lead several teams; add the team's id:")]
            + [t("{name}: {id}", name=team.name, id=team.id) for team in led]
        )
    )
    return None


def _member_line(row: teams.MemberRow) -> str:
    status = {
        VolunteerStatus.VERIFIED: _("✅ verified"),
        VolunteerStatus.PENDING: _("⏳ pending"),
        VolunteerStatus.REJECTED: _("❌ not approved"),
        VolunteerStatus.LEFT: _("left volunteering"),
    }.get(row.status or "", _("not signed up"))  # type: ignore[call-overload]
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
    team_id = int(p.team.id)  # type: ignore[arg-type]
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
        [(t("➖ Remove {name}", name=r.name), TeamButton("rm", team_id, r.person_id).data())]
        for r in p.members
    ]
    nav = []
    if p.page > 0:
        nav.append((_("Previous page"), TeamButton("pg", team_id, p.page - 1).data()))
    if p.page + 1 < p.pages:
        nav.append((_("Next page"), TeamButton("pg", team_id, p.page + 1).data()))
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
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    with use_locale(lang):
        team_id = await _pick_team(update, context, list(context.args or []))
        if team_id is None:
            return
        result, view = await _page(context, user.id, team_id, 0)
        if view is None:
            await msg.reply_text(refusal(result))
            return
        text, markup = page_view(view)
        await msg.reply_text(text, reply_markup=markup)


async def invite_command(update: Update, context: BotContext) -> None:
    """/invite [id]: the team's invite link, and a button to replace it."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    with use_locale(lang):
        team_id = await _pick_team(update, context, list(context.args or []))
        if team_id is None:
            return
        result, view = await _page(context, user.id, team_id, 0)
        if view is None:
            await msg.reply_text(refusal(result))
            return
        text, markup = _invite_text(context, view.team)
        await msg.reply_text(text, reply_markup=markup)


def _invite_text(context: BotContext, team: teams.Team) -> tuple[str, InlineKeyboardMarkup]:
    link = invite_link(context.bot.username, team.invite_code)
    text = t(
        "Invite link of the team {team}: {link}\nWhoever opens it is asked to confirm joining. A new link makes this one expire.",
        team=team.name,
        link=link,
    )
    return text, kb([(_("🔄 New link"), TeamButton("rot", int(team.id)).data())])  # type: ignore[arg-type]


async def leave_command(update: Update, context: BotContext) -> None:
    """/leaveteam: out of your team, after a confirmation."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    team = await query(context, lambda s: teams.team_of(s, user.id))
    with use_locale(lang):
        if team is None:
            await msg.reply_text(_("You are not in a team."))
            return
        await msg.reply_text(
            t("Leave the team {team}?", team=team.name),
            reply_markup=kb(
                [
                    (_("Yes, leave"), TeamButton("lv", int(team.id)).data()),  # type: ignore[arg-type]
                    (_("✖️ Not now"), TeamButton("no", int(team.id)).data()),  # type: ignore[arg-type]
                ]
            ),
        )


async def team_button(update: Update, context: BotContext) -> None:
    """Paging, removing a member, a new invite link, leaving: checked against the team."""
    q = update.callback_query
    assert q is not None and q.data is not None
    lang = await track(update, context)
    b = TeamButton.parse(q.data)
    uid = q.from_user.id
    with use_locale(lang):
        if b is None or b.action == "no":
            await q.answer()
            if b is not None:
                await q.edit_message_reply_markup(None)
            return
        if b.action == "pg":
            result, view = await _page(context, uid, b.team_id, b.arg or 0)
            if view is None:
                await q.answer(refusal(result), show_alert=True)
                return
            await q.answer()
            text, markup = page_view(view)
            await q.edit_message_text(text, reply_markup=markup)
            return
        if b.action == "rm" and b.arg is not None:
            # Asking is harmless; the removal itself is checked when confirmed.
            await q.answer()
            await q.edit_message_reply_markup(
                kb(
                    [
                        (
                            t("Yes, remove id {id}", id=b.arg),
                            TeamButton("rmy", b.team_id, b.arg).data(),
                        ),
                        (_("✖️ Not now"), TeamButton("no", b.team_id).data()),
                    ]
                )
            )
            return
        await _act(q, context, b, uid)


async def _act(q: object, context: BotContext, b: TeamButton, uid: int) -> None:
    from telegram import CallbackQuery

    assert isinstance(q, CallbackQuery)
    if b.action == "rmy" and b.arg is not None:
        outcome = await run(
            context, teams.remove_member, actor_id=uid, team_id=b.team_id, person_id=b.arg
        )
        done = _("Removed from the team.")
    elif b.action == "rot":
        outcome = await run(context, teams.rotate_code, actor_id=uid, team_id=b.team_id)
        done = _("A new invite link is ready; the old one has expired.")
    elif b.action == "lv":
        outcome = await run(context, teams.leave_team, person_id=uid)
        done = _("You left the team.")
    else:
        await q.answer()
        return
    if outcome.result is Result.ALREADY:
        await q.answer(_("Already done."))
        return
    if outcome.result is not Result.OK:
        await q.answer(refusal(outcome.result), show_alert=True)
        return
    await q.answer(done)
    if b.action == "rot":
        team = await query(context, lambda s: teams.get_team(s, b.team_id))
        text, markup = _invite_text(context, team)
        await q.edit_message_text(text, reply_markup=markup)
    elif b.action == "lv":
        await q.edit_message_text(done)
    else:
        await q.edit_message_reply_markup(None)


def handlers() -> list[object]:
    """Registered in bot/app.py; the invite's /start before the plain one."""
    return [
        CommandHandler("team", team_command),
        CommandHandler("invite", invite_command),
        CommandHandler("leaveteam", leave_command),
        CallbackQueryHandler(team_button, pattern=r"^tm:"),
        CallbackQueryHandler(join_pressed, pattern=r"^tj:"),
    ]


def invite_start() -> CommandHandler[BotContext, None]:
    return CommandHandler("start", start_invite, filters=filters.Regex(r"^/start team_"))
