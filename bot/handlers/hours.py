"""/hours: this month and all time by incident type, the rating, and the jobs, paged.

The pages are buttons on the one message (``hours:<page>``, made and parsed in
bot/handlers/buttons.py), edited in place, so paging through a long history never floods
the chat. Each press reads the database again. This is the only /hours (duty.py's is gone).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import formatting
from bot.context import BotContext
from bot.handlers import buttons, inputs, replies
from bot.handlers.duty import not_registered
from bot.handlers.errors import stale_button
from bot.handlers.keyboards import main_menu
from bot.handlers.plumbing import query
from bot.handlers.words import incident_name
from bot.i18n import _, format_number, t, tn
from bot.services import hours, volunteering
from domain.volunteers import is_active
from storage.types import utcnow


def status_label(word: str) -> str:
    return {
        "credited": _("credited"),
        "waiting": _("waiting for the citizen"),
        "disputed": _("disputed"),
        "corrected": _("corrected"),
        "not_credited": _("not credited"),
    }[word]


def _totals(month: bool, totals: dict[str, tuple[int, int]]) -> list[str]:
    total = formatting.duration(sum(m for _n, m in totals.values()))
    jobs = tn("{n} job", "{n} jobs", sum(n for n, _m in totals.values()))
    head = (
        t("This month: {total}, {jobs}", total=total, jobs=jobs)
        if month
        else t("All time: {total}, {jobs}", total=total, jobs=jobs)
    )
    lines = [head]
    for incident, (n, m) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        lines.append(
            "  • "
            + t(
                "{incident}: {time} ({jobs})",
                incident=incident_name(incident),
                time=formatting.duration(m),
                jobs=tn("{n} job", "{n} jobs", n),
            )
        )
    return lines


def summary_text(s: hours.Summary) -> str:
    if not s.all_time and not s.jobs:
        return _(
            "You have no volunteer hours yet. When you finish a job and the citizen confirms it, it is credited here."
        )
    lines = [*_totals(True, s.month), "", *_totals(False, s.all_time)]
    if s.rating is not None:
        lines += [
            "",
            tn(
                "Citizens' rating: {avg} of 5 ({n} rating)",
                "Citizens' rating: {avg} of 5 ({n} ratings)",
                s.ratings,
                avg=format_number(round(s.rating, 1)),
            ),
        ]
    if s.jobs:
        lines += ["", t("Your jobs (page {page} of {pages}):", page=s.page + 1, pages=s.pages)]
        for job in s.jobs:
            lines.append(
                t(
                    "{date} · {incident} · {minutes} · {status}",
                    date=formatting.when(job.at),
                    incident=incident_name(job.incident),
                    minutes=formatting.minutes(job.minutes),
                    status=status_label(hours.status_word(job)),
                )
            )
    return "\n".join(lines)


def pager(s: hours.Summary) -> InlineKeyboardMarkup | None:
    if s.pages <= 1:
        return None
    row = []
    if s.page > 0:
        row.append(
            InlineKeyboardButton(_("◀️ Newer"), callback_data=buttons.make_hours_page(s.page - 1))
        )
    if s.page < s.pages - 1:
        row.append(
            InlineKeyboardButton(_("Older ▶️"), callback_data=buttons.make_hours_page(s.page + 1))
        )
    return InlineKeyboardMarkup([row])


async def _summary(context: BotContext, uid: int, page: int) -> hours.Summary:
    return await query(  # type: ignore[no-any-return]
        context, lambda s: hours.summary(s, person_id=uid, now=utcnow(), page=page)
    )


async def hours_command(update: Update, context: BotContext) -> None:
    """/hours: the first page. Hours stay after leaving; someone who never volunteered is told so."""
    uid = inputs.sender_id(update)
    s = await _summary(context, uid, 0)
    if not s.all_time and not s.jobs:
        vol = await query(context, lambda db: volunteering.get_profile(db, uid))
        if not is_active(vol):
            await replies.reply(update, not_registered(), markup=main_menu())
            return
    await replies.reply(update, summary_text(s), markup=pager(s))


async def hours_page(update: Update, context: BotContext) -> None:
    """A page button: the same message, another page (pressed twice: nothing changes)."""
    q = inputs.press(update)
    pressed = buttons.parse_hours_page(q.data)
    if pressed is None:
        await stale_button(update, context)
        return
    s = await _summary(context, q.from_user.id, pressed.page)
    await replies.answer(q)
    await replies.edit(q, summary_text(s), markup=pager(s))


def handlers() -> list[object]:
    return [
        CommandHandler("hours", hours_command),
        CallbackQueryHandler(hours_page, pattern=buttons.HOURS_PAGE),
    ]
