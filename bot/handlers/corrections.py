"""Operators and team leaders on hours: /disputes, /decide (leaders: their own team's), /correct
(operators), /export (leaders: their own team).

Every change goes through bot/services/hours.py, which records a correction row for it; the
answers here say what happened, including "another operator was faster".
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.documents.hours_csv import hours_csv
from bot.handlers import inputs, replies
from bot.handlers.guard import operator_only
from bot.handlers.inputs import RECORD_ID_MAX, bounded_id, count_argument
from bot.handlers.keyboards import texts_in_all_languages
from bot.handlers.plumbing import query, run
from bot.handlers.render.hours import credit_word, reject_word
from bot.i18n import _, t, tn
from bot.services import hours
from bot.services.notices import Result
from domain.periods import EPOCH, Period, local_day, parse_day
from storage.types import utcnow

MAX_MINUTES = 24 * 60


def _answer(result: Result) -> str:
    return {
        Result.OK: _("Done. The volunteer was told."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
        Result.NOT_YOURS: _("This volunteer is not in a team you lead: an operator decides."),
        Result.UNKNOWN: _("No hours were recorded for this request."),
        Result.ALREADY: _("Nothing to change: it is already so."),
        Result.TAKEN: _(
            "Another operator changed these hours just now; nothing was changed. Check and try again."
        ),
        Result.CLOSED: _(
            "These hours are not credited (waiting, disputed or not credited): decide a dispute with /decide."
        ),
    }[result]


@operator_only("correct")
async def correct(update: Update, context: BotContext) -> None:
    """/correct REQUEST MINUTES REASON."""
    user = inputs.sender(update)
    args = inputs.arguments(context.args)
    request_id = bounded_id(args[0], RECORD_ID_MAX) if args else None
    minutes = count_argument(args[1], MAX_MINUTES) if len(args) > 1 else None
    if len(args) < 3 or request_id is None or minutes is None:
        await replies.reply(
            update,
            t(
                "Usage: /correct REQUEST MINUTES REASON (minutes from 0 to {max}), for example /correct 42 90 left the scene at 14:30",
                max=MAX_MINUTES,
            ),
        )
        return
    outcome = await run(
        context,
        hours.correct,
        operator_id=user.id,
        request_id=request_id,
        minutes=minutes,
        reason=" ".join(args[2:]),
    )
    await replies.reply(update, _answer(outcome.result))


@operator_only("decide", leaders=True)
async def decide(update: Update, context: BotContext) -> None:
    """/decide REQUEST credit|reject REASON."""
    user = inputs.sender(update)
    args = inputs.arguments(context.args)
    credit_words = set(texts_in_all_languages(credit_word))
    verdicts = credit_words | set(texts_in_all_languages(reject_word))
    request_id = bounded_id(args[0], RECORD_ID_MAX) if args else None
    if len(args) < 3 or request_id is None or args[1].lower() not in verdicts:
        await replies.reply(
            update,
            t(
                "Usage: /decide REQUEST {credit}|{reject} REASON (see /disputes)",
                credit=credit_word(),
                reject=reject_word(),
            ),
        )
        return
    outcome = await run(
        context,
        hours.decide_dispute,
        operator_id=user.id,
        request_id=request_id,
        credit_it=args[1].lower() in credit_words,
        reason=" ".join(args[2:]),
    )
    await replies.reply(update, _answer(outcome.result))


@operator_only("disputes", leaders=True)
async def disputes(update: Update, context: BotContext) -> None:
    """/disputes: the undecided ones."""
    uid = inputs.sender(update).id
    waiting = await query(context, lambda s: hours.open_disputes(s, context.cfg, person_id=uid))
    if not waiting:
        await replies.reply(update, _("No dispute is waiting for a decision."))
        return
    lines = [_("Disputes waiting for a decision:")] + [
        t(
            "#{request_id} · {name} · {minutes} min – /decide {request_id} {credit}|{reject} REASON",
            credit=credit_word(),
            reject=reject_word(),
            request_id=rid,
            name=name,
            minutes=minutes,
        )
        for rid, name, minutes in waiting
    ]
    await replies.reply(update, "\n".join(lines))


def export_period(args: list[str], today: date) -> Period | None:
    """``[from] [to]`` as ISO days; none: everything so far; one: from that day to today."""
    days = [parse_day(a) for a in args[:2]]
    if any(d is None for d in days):
        return None
    start = days[0] if days else EPOCH
    end = days[1] if len(days) > 1 else today
    if start is None or end is None or start > end:
        return None
    return Period(start, end)


async def export(update: Update, context: BotContext) -> None:
    """/export [from] [to]: a CSV of credited jobs (operators: everyone; leaders: their team)."""
    user = inputs.sender(update)
    period = export_period(inputs.arguments(context.args), local_day(utcnow()))
    if period is None:
        await replies.reply(update, _("Usage: /export [FROM] [TO], days as 2026-01-31"))
        return
    chosen = period
    result = await query(
        context, lambda s: hours.export(s, context.cfg, person_id=user.id, period=chosen)
    )
    if isinstance(result, Result):
        await replies.reply(update, _("Only operators and team leaders can export hours."))
        return
    name = f"musaada-hours-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    await replies.document(
        update,
        InputFile(BytesIO(hours_csv(result.rows)), filename=name),
        caption=tn(
            "{n} credited job, {start} to {end}",
            "{n} credited jobs, {start} to {end}",
            len(result.rows),
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        ),
    )


def handlers() -> list[object]:
    return [
        CommandHandler("correct", correct),
        CommandHandler("decide", decide),
        CommandHandler("disputes", disputes),
        CommandHandler("export", export),
    ]
