"""Sending the leaders' digests: the periodic check, the sender, and /digest.

The check (job ``team-digests``, every ``DIGEST_CHECK_S``, and once at start-up) asks the
database which digests are due (bot/services/digests.py), claims each in its own
transaction, builds it, checks again that its leader still leads the team, sends it and
records what became of it. A leader who blocked the bot is recorded and skipped; the others
still get theirs. A daily digest longer than Telegram's 4,096 characters goes out as several
messages cut at line boundaries; the weekly one is a photo with a short caption.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers import charts
from bot.handlers.plumbing import query, track
from bot.handlers.render import render
from bot.handlers.teams import refusal
from bot.i18n import _, use_locale
from bot.services import digests, teams
from bot.services.config import DispatchConfig
from bot.services.digests import DigestConfig, DueDigest
from bot.services.notices import Notice, Result
from bot.services.team_notices import WeeklyDigest
from domain.enums import DigestKind, DigestStatus
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_NAME = "team-digests"
MESSAGE_LIMIT = 4096


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Messages of at most ``limit`` characters, cut between lines; a line longer than the
    limit (a long list of names) is cut after a comma or a space, never inside a word."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = max(line.rfind(", ", 0, limit - 1) + 1, line.rfind(" ", 0, limit)) or limit
            head, line = line[:cut].rstrip(), line[cut:].lstrip()
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current:
        parts.append(current)
    return parts


async def send(bot: Bot, notice: Notice) -> tuple[str, int, int]:
    """Deliver one digest: (status, messages, characters)."""
    rendered = render(notice)
    try:
        if isinstance(notice.payload, WeeklyDigest):
            with use_locale(notice.to.language):
                picture = charts.png(notice.payload)
            await bot.send_photo(notice.to.chat_id, picture, caption=rendered.text)
            return DigestStatus.SENT, 1, len(rendered.text)
        parts = chunks(rendered.text)
        for part in parts:
            await bot.send_message(notice.to.chat_id, part)
        return DigestStatus.SENT, len(parts), len(rendered.text)
    except Forbidden:
        return DigestStatus.BLOCKED, 0, 0
    except TelegramError:
        log.exception("could not send a digest to chat %s", notice.to.chat_id)
        return DigestStatus.FAILED, 0, 0


async def deliver_claimed(
    bot: Bot, db: Database, cfg: DispatchConfig, dcfg: DigestConfig, d: DueDigest
) -> str:
    """Build, re-check and send one digest this worker has claimed; record the result."""
    async with db.session() as s:
        notice = await digests.build(s, cfg, dcfg, d, now=utcnow())
    async with db.session() as s:
        # A leader removed while it was being built gets nothing.
        gone = notice is None or not await digests.still_leader(s, d)
    status, messages, chars = (
        (DigestStatus.NOT_LEADER, 0, 0) if gone else await send(bot, notice)  # type: ignore[arg-type]
    )
    async with db.session() as s:
        await digests.finish(s, d, status=status, now=utcnow(), messages=messages, chars=chars)
    return status


async def run_due(bot: Bot, db: Database, cfg: DispatchConfig, dcfg: DigestConfig) -> list[str]:
    """Every digest due now that this worker wins the claim for; the keys it sent."""
    now = utcnow()
    async with db.session() as s:
        due = await digests.due(s, dcfg, now=now)
    sent: list[str] = []
    for d in due:
        async with db.session() as s:
            won = await digests.claim(s, d, dcfg, now=now)
        if not won:
            continue
        try:
            if await deliver_claimed(bot, db, cfg, dcfg, d) == DigestStatus.SENT:
                sent.append(d.key)
        except Exception:
            # The claim stays: after its lease another run (or worker) takes it over.
            log.exception("digest %s failed", d.key)
    return sent


async def _tick(context: Any) -> None:
    bd = context.bot_data
    await run_due(context.bot, bd["db"], bd["cfg"], bd["digest_cfg"])


def schedule(app: Any, interval_s: float) -> None:
    """The periodic check; its first run right after start-up sends what is overdue."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        _tick,
        interval=interval_s,
        first=1.0,
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None},
    )


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest [week] [team id]: the digest now, for each team you lead (or the one named)."""
    lang = await track(update, context)
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    args = [a.lower() for a in (context.args or [])]
    kind = DigestKind.WEEKLY if "week" in args else DigestKind.DAILY
    named = [int(a) for a in args if a.isdigit()]
    led = [int(t.id) for t in await query(context, lambda s: teams.led_teams(s, user.id))]  # type: ignore[arg-type]
    team_ids = named or led
    with use_locale(lang):
        if not team_ids:
            await msg.reply_text(_("You do not lead a team."))
            return
    dcfg = context.bot_data["digest_cfg"]
    for team_id in team_ids:

        async def one(s: Any, tid: int = team_id) -> tuple[Result, Notice | None]:
            return await digests.on_demand(
                s, context.cfg, dcfg, now=utcnow(), actor_id=user.id, team_id=tid, kind=kind
            )

        result, notice = await query(context, one)
        if result is not Result.OK or notice is None:
            with use_locale(lang):
                await msg.reply_text(refusal(result))
            continue
        await send(context.bot, notice)


def handlers() -> list[object]:
    return [CommandHandler("digest", digest_command)]
