"""/certificate [period], /verify CODE (and the QR code's deep link), /revoke CODE [reason].

The certificate is recorded first (one unit of work), then drawn and sent; drawing reads the
recorded statement, so the PDF says exactly what verification will say it said.
"""

from __future__ import annotations

import asyncio
import logging
from io import BytesIO

from telegram import InputFile, Update
from telegram.ext import CommandHandler, filters

from bot import formatting
from bot.context import BotContext
from bot.documents.fonts import FontMissingError
from bot.handlers import inputs, replies
from bot.handlers.guard import operator_only
from bot.handlers.plumbing import query
from bot.handlers.words import incident_name
from bot.i18n import _, t
from bot.services import certificates
from bot.services.certificates import Verdict, Verification, pretty_code
from bot.services.notices import Result
from domain.periods import Period, PeriodError, local_day, parse_period
from storage.types import utcnow

log = logging.getLogger(__name__)
START_VERIFY = r"^/start verify_"


def period_problem(error: PeriodError) -> str:
    return {
        PeriodError.FORMAT: _(
            "I could not read that period. Write a year (2026), a month (2026-11) or two days (2026-01-01..2026-06-30), or nothing for all your hours."
        ),
        PeriodError.FUTURE: _(
            "That period has not begun yet. Choose one that has already started."
        ),
        PeriodError.REVERSED: _("The period ends before it begins. Put the earlier day first."),
    }[error]


async def certificate(update: Update, context: BotContext) -> None:
    """/certificate [period]: a PDF of the credited hours in the period, in the volunteer's language."""
    user = inputs.sender(update)
    now = utcnow()
    period = parse_period(" ".join(inputs.arguments(context.args)), today=local_day(now))
    if isinstance(period, PeriodError):
        await replies.reply(update, period_problem(period))
        return
    chosen: Period = period
    lang = context.language
    statement = await query(
        context,
        lambda s: certificates.issue(s, person_id=user.id, period=chosen, language=lang, now=now),
    )
    if statement is None:
        await replies.reply(
            update,
            _(
                "There are no credited hours in that period yet, so there is nothing to certify. Every job you finish and the citizen confirms counts: thank you for being ready to help."
            ),
        )
        return
    try:
        # Drawing is CPU work (shaping, the QR code): off the event loop.
        pdf = await asyncio.to_thread(_draw, statement, context.bot.username)
    except FontMissingError:
        log.exception("certificate %s recorded but not drawn", statement.code)
        await replies.reply(update, _("Sorry, the certificate could not be made right now."))
        return
    # Recorded either way: a failed send is answered by /certificate again (a new code).
    await replies.document(
        update,
        InputFile(BytesIO(pdf), filename=f"musaada-certificate-{statement.code}.pdf"),
        caption=t("Your certificate. Verification code: {code}", code=pretty_code(statement.code)),
    )


def _draw(statement: certificates.Statement, bot_username: str) -> bytes:
    """The PDF. fpdf (with its fonts and image support) takes over a second to import: it is
    loaded with the first certificate, not at every start of every worker (as charts.py
    loads matplotlib)."""
    from bot.documents.certificate_pdf import certificate_pdf

    return certificate_pdf(statement, bot_username=bot_username)


def verification_text(v: Verification) -> str:
    head = {
        Verdict.GENUINE: _("✅ This certificate is genuine."),
        Verdict.REVOKED: _("⛔ This certificate was revoked and is no longer valid."),
        Verdict.SUPERSEDED: _(
            "⚠️ This certificate was genuine when issued, but hours it counts were corrected since. Ask the volunteer for a new one."
        ),
        Verdict.FORGED: _("❌ No certificate has this code. It is not one of ours."),
    }[v.verdict]
    s = v.statement
    if s is None:
        return head
    lines = [
        head,
        "",
        t("Volunteer: {name}", name=s.name),
        t(
            "Period: {start} to {end}",
            start=s.start.isoformat(),
            end=s.end.isoformat(),
        ),
        t("Total: {time}", time=formatting.duration(s.minutes)),
    ]
    lines += [
        "  • " + t("{incident}: {jobs}", incident=incident_name(i), jobs=formatting.minutes(m))
        for i, _n, m in s.jobs
    ]
    if s.team:
        lines.append(t("Team: {team}", team=s.team))
    lines.append(t("Issued on {date}", date=formatting.when(s.issued_at)))
    if v.revoked_at is not None:
        lines.append(t("Revoked on {date}", date=formatting.when(v.revoked_at)))
    return "\n".join(lines)


async def _verify(update: Update, context: BotContext, code: str) -> None:
    result = await query(context, lambda s: certificates.verify(s, code=code))
    await replies.reply(update, verification_text(result))


async def verify(update: Update, context: BotContext) -> None:
    """/verify CODE."""
    args = inputs.arguments(context.args)
    if not args:
        await replies.reply(
            update, _("Send /verify followed by the code printed on the certificate.")
        )
        return
    await _verify(update, context, "".join(args))


async def verify_link(update: Update, context: BotContext) -> None:
    """/start verify_CODE: the QR code's deep link."""
    args = inputs.arguments(context.args)
    await _verify(update, context, args[0].removeprefix("verify_") if args else "")


@operator_only("revoke")
async def revoke(update: Update, context: BotContext) -> None:
    """/revoke CODE [reason] (operators)."""
    user = inputs.sender(update)
    args = inputs.arguments(context.args)
    if not args:
        await replies.reply(update, _("Usage: /revoke CODE reason"))
        return
    reason = " ".join(args[1:])
    result = await query(
        context,
        lambda s: certificates.revoke(
            s, context.cfg, operator_id=user.id, code=args[0], reason=reason, now=utcnow()
        ),
    )
    answer = {
        Result.OK: _("Done: the certificate is revoked."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
        Result.UNKNOWN: _("No certificate has this code."),
        Result.ALREADY: _("This certificate was already revoked."),
    }[result]
    await replies.reply(update, answer)


def verify_start_handler() -> CommandHandler[BotContext, None]:
    """Registered before the generic /start (bot/app.py): the deep link opens the verification."""
    return CommandHandler("start", verify_link, filters=filters.Regex(START_VERIFY))


def handlers() -> list[object]:
    return [
        CommandHandler("certificate", certificate),
        CommandHandler("verify", verify),
        CommandHandler("revoke", revoke),
    ]
