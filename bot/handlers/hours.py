"""/hours: this month and all time by incident type, the rating, and the jobs, paged.

The pages are buttons on the one message (``hours:<page>``), edited in place, so paging
through a long history never floods the chat. Each press reads the database again.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import formatting
from bot.context import BotContext
from bot.handlers.plumbing import query, track
from bot.handlers.words import incident_name
from bot.i18n import _, format_number, t, tn, use_locale
from bot.services import hours
from storage.types import utcnow

PAGE_DATA = re.compile(r"^hours:(\d{1,6})$")


def page_data(page: int) -> str:
    return f"hours:{page}"


def parse_page(data: str) -> int | None:
    m = PAGE_DATA.match(data)
    return int(m[1]) if m else None


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
        row.append(InlineKeyboardButton(_("◀️ Newer"), callback_data=page_data(s.page - 1)))
    if s.page < s.pages - 1:
        row.append(InlineKeyboardButton(_("Older ▶️"), callback_data=page_data(s.page + 1)))
    return InlineKeyboardMarkup([row])


async def _summary(context: BotContext, uid: int, page: int) -> hours.Summary:
    return await query(  # type: ignore[no-any-return]
        context, lambda s: hours.summary(s, person_id=uid, now=utcnow(), page=page)
    )


async def hours_command(update: Update, context: BotContext) -> None:
    """/hours: the first page."""
    lang = await track(update, context)
    assert update.effective_message is not None and update.effective_user is not None
    s = await _summary(context, update.effective_user.id, 0)
    with use_locale(lang):
        await update.effective_message.reply_text(summary_text(s), reply_markup=pager(s))


async def hours_page(update: Update, context: BotContext) -> None:
    """A page button: the same message, another page."""
    lang = await track(update, context)
    q = update.callback_query
    assert q is not None and q.data is not None
    page = parse_page(q.data)
    s = await _summary(context, q.from_user.id, page or 0)
    with use_locale(lang):
        await q.answer()
        try:
            await q.edit_message_text(summary_text(s), reply_markup=pager(s))
        except BadRequest as exc:  # the same page pressed twice
            if "not modified" not in exc.message.lower():
                raise


def handlers() -> list[object]:
    return [
        CommandHandler("hours", hours_command),
        CallbackQueryHandler(hours_page, pattern=PAGE_DATA),
    ]
