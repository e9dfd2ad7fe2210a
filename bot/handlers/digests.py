"""The leaders' digests: the periodic check, and /digest.

The check (job ``team-digests``, every ``DIGEST_CHECK_S``, and once right after start-up)
asks the database which digests are due (bot/services/digests.py) and queues each in its own
unit of work: the claim on its record, the digest built and re-checked against its leader,
and its outbox row commit together. The outbox's sender (bot/handlers/outbox.py) then says
it like any notice, with its retries: a daily digest longer than Telegram's 4,096 characters
as several messages cut at line boundaries, the weekly one as a photo with a short caption;
a leader who blocked the bot is recorded and skipped, the others still get theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers import inputs
from bot.handlers.outbox import Sender, sender_of, unit_of_work
from bot.handlers.plumbing import query, run
from bot.handlers.replies import reply
from bot.handlers.teams import refusal
from bot.i18n import _
from bot.services import digests, teams
from bot.services.config import DispatchConfig
from bot.services.digests import DigestConfig, DueDigest
from bot.services.notices import Outcome, Result
from domain.enums import DigestKind
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_NAME = "team-digests"


async def run_due(sender: Sender, cfg: DispatchConfig, dcfg: DigestConfig) -> list[str]:
    """Every digest due now that this worker wins the claim for; the keys it queued (and,
    through the sender, said)."""
    async with sender.db.session() as s:
        due = await digests.due(s, dcfg, now=utcnow())
    queued: list[str] = []
    for d in due:

        def queue(s: AsyncSession, now: datetime, d: DueDigest = d) -> Awaitable[Outcome]:
            return digests.queue(s, cfg, now=now, dcfg=dcfg, due=d)

        try:
            outcome = await unit_of_work(sender, sender.db, queue)
        except Exception:
            # Nothing was committed: the period is still due, and the next check tries again.
            log.exception("digest %s could not be queued", d.key)
            continue
        if outcome.result is Result.OK:
            queued.append(d.key)
    return queued


async def _tick(context: Any) -> None:
    bd = context.bot_data
    await run_due(sender_of(bd), bd["cfg"], bd["digest_cfg"])


def schedule(app: Any, interval_s: float) -> None:
    """The periodic check; its first run right after start-up queues what is overdue."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        _tick,
        interval=interval_s,
        first=1.0,
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "max_instances": 1, "coalesce": True},
    )


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest [week] [team id]: the digest now, for each team you lead (or the one named)."""
    uid = inputs.sender_id(update)
    args = [a.lower() for a in (context.args or [])]
    kind = DigestKind.WEEKLY if "week" in args else DigestKind.DAILY
    named = [i for a in args if (i := inputs.bounded_id(a, inputs.RECORD_ID_MAX)) is not None]
    led = [team.id for team in await query(context, lambda s: teams.led_teams(s, uid))]
    team_ids = named or [i for i in led if i is not None]
    if not team_ids:
        await reply(update, _("You do not lead a team."))
        return
    for team_id in team_ids:
        outcome = await run(
            context,
            digests.on_demand,
            dcfg=context.bot_data["digest_cfg"],
            actor_id=uid,
            team_id=team_id,
            kind=kind,
        )
        if outcome.result is not Result.OK:
            await reply(update, refusal(outcome.result))


def handlers() -> list[object]:
    return [CommandHandler("digest", digest_command)]
