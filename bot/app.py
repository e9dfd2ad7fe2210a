"""Builds the python-telegram-bot Application: handlers, job queue, rate limiter, start-up work."""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InvalidCallbackData,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import metrics, persistence
from bot.budget import PriorityLimiter
from bot.commands import publish_commands
from bot.context import BotContext
from bot.handlers import (
    alert_buttons,
    approach,
    availability,
    buttons,
    certificates,
    citizen,
    command_centre,
    common,
    corrections,
    dashboard,
    digests,
    duty,
    errors,
    escalation,
    feedback,
    flows,
    followup,
    groups,
    hours,
    media,
    operators,
    outbox,
    oversight,
    phone,
    preferences,
    profile,
    relay,
    retention,
    signup,
    signup_outside,
    team_admin,
    teams,
    timers,
)
from bot.handlers.keyboards import exact
from bot.handlers.plumbing import record_sender, seen_with_flows, sender_known
from bot.handlers.words import button_cancel, menu_language, menu_numbers
from bot.i18n import check_catalogs
from bot.polling import ConfirmWhenHandled
from bot.services import delivery
from bot.services.config import DispatchConfig
from bot.services.digests import DigestConfig
from bot.services.positions import PositionWriter
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)

# Handler groups, in the order every update meets them (order matters; see register_handlers).
SENDER_GROUP = -100  # record the sender, set the language
METRICS_GROUP = -90  # count each update for /metrics, and let it travel on
PRIVATE_GROUP = -50  # groups and channels stop here (bot/handlers/groups.py)
COMMENT_GROUP = -6  # a citizen's comment on a rating, when one is awaited (feedback.py)
OPS_GROUP = -5  # /request with a number: the operator's view, before the citizen's flow
# The request flow; sign-up is FLOW_GROUP + 1, the operators' /newteam FLOW_GROUP - 1.
FLOW_GROUP = -4
RELAY_GROUP = -2  # during a job, the two sides' messages to each other (relay.py)
AFTER_FLOWS_GROUP = -1  # what no flow took, before the ordinary handlers of group 0


def build_application(
    settings: Settings, db: Database | None = None, *, token: str | None = None
) -> Application[Any, BotContext, Any, Any, Any, Any]:
    check_catalogs()  # fail loudly at start-up, not mid-conversation
    token = token or settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    database = db or Database(settings.database_url)
    # Polling confirms a batch only once it is handled (bot/polling.py).
    updates: asyncio.Queue[object] = asyncio.Queue()
    builder = (
        ApplicationBuilder()
        .token(token)
        .update_queue(updates)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        # The Bot API's clients (bot/bot_api_http.py: aiohttp), counting failed calls.
        .request(metrics.CountingRequest(connection_pool_size=256, ssl_context=tls()))
        .get_updates_request(
            ConfirmWhenHandled(
                updates,
                gate=settings.update_concurrency == 1,
                connection_pool_size=1,
                ssl_context=tls(),
            )
        )
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    limiter = rate_limiter(settings, token)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    # Flows in the database: each update under its chat's lock, its flow steps and answers read
    # before and written right after it, timeouts from the rows (bot/persistence/).
    flows = persistence.install(
        builder,
        database,
        conversation_timeout_s=settings.conversation_timeout_s,
        concurrency=settings.update_concurrency,
        on_load=seen_with_flows,  # the sender recorded in the same transaction
        reads_only=sender_known,  # … which only reads when they are known and unchanged
    )
    app = builder.build()
    flows.attach(app)
    _share_urgency(app, limiter)
    if app.job_queue is not None:
        # A job that starts late (a busy loop, start-up before the JobQueue runs) still runs:
        # APScheduler's default drops it after 1 s, and that includes the conversation timeouts
        # python-telegram-bot schedules itself.
        app.job_queue.scheduler.configure(
            job_defaults={"misfire_grace_time": None}, **app.job_queue.scheduler_configuration
        )
    _equip(app, settings, database, flows)
    register_handlers(app)
    return app  # type: ignore[return-value]


def _share_urgency(app: Any, limiter: BaseRateLimiter[Any] | None) -> None:
    """The send budget puts a handler's replies to a chat in a life-threatening request's flow
    with the first alerts: the update processor knows which chats those are (urgency.py)."""
    urgency = getattr(app.update_processor, "urgency", None)
    if isinstance(limiter, PriorityLimiter) and urgency is not None:
        limiter.urgent_chat = urgency.urgent


def _equip(app: Any, settings: Settings, database: Database, flows: Any) -> None:
    """What every handler and job finds in ``bot_data``: the database, the settings and the
    knobs from them, the outbox's sender, the live-position writer, the timer poller."""
    app.bot_data["db"] = database
    app.bot_data["settings"] = settings
    app.bot_data["cfg"] = DispatchConfig.from_settings(settings)
    app.bot_data["digest_cfg"] = DigestConfig.from_settings(settings)
    app.bot_data["sender"] = outbox.Sender(
        app.bot,
        database,
        app.bot_data["cfg"],
        outbox.Policy.from_settings(settings),
        on_timers=lambda changes: timers.schedule(app, changes),
    )
    app.bot_data["positions"] = PositionWriter(
        database,
        after_write=approach.relay_fixes(app.bot_data, database, app.bot_data["cfg"]),
    )
    timers.install(app)
    app.bot_data["flows"] = flows


@functools.cache
def tls() -> ssl.SSLContext:
    """httpx's own default TLS context (the same CA bundle, the same checks), made once per
    process and shared by every client: loading the CA bundle takes a tenth of a second or
    more each time, and a process that builds many Applications (the tests) pays it per client."""
    return httpx.create_ssl_context()


def rate_limiter(settings: Settings, token: str) -> BaseRateLimiter[Any] | None:
    """Telegram's limits: shared by the fleet through Redis when RATE_LIMIT_REDIS_URL is set,
    else this process's own (bot/ratelimit.py says why one process's limiter is not enough);
    in front of either, the send budget spent in priority order (bot/budget.py); none at all with
    SEND_LIMITER=off (the simulator against an emulator that enforces nothing)."""
    if settings.send_limiter == "off":
        return None
    inner: BaseRateLimiter[Any]
    if settings.rate_limit_redis_url:
        from bot.ratelimit import RedisRateLimiter

        inner = RedisRateLimiter(
            settings.rate_limit_redis_url,
            token.split(":", 1)[0],
            per_bot_paid_per_s=int(settings.paid_broadcast_per_s),
            status_share=settings.status_share,
        )
    else:
        inner = AIORateLimiter(max_retries=3)
    if not settings.send_budget_per_s:
        return inner
    return PriorityLimiter(
        inner,
        rate=settings.send_budget_per_s,
        paid_rate=settings.paid_broadcast_per_s,
        status_share=settings.status_share,
        chat_gap_s=settings.chat_pace_s,
    )


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Every handler, in one place, one function per component, called in this order.

    Groups run in ascending order and each update meets every group; within a group the
    first handler that matches wins, so the order of the calls below (and of the lines in
    each) is the order of precedence in group 0. The flows come first, each in its own
    group (bot/handlers/flows.py): an input a flow accepts stops there; /start, /help,
    /language, /request, /volunteer and the menu buttons end whichever flow is running and
    travel on to the flow or handler that does their job.
    """
    _register_plumbing(app)  # negative groups: before everything
    _register_flows(app)  # negative groups: before the ordinary handlers
    # Group 0, in order of precedence:
    _register_commands(app)
    _register_volunteering(app)
    _register_command_centre(app)
    _register_buttons(app)  # ends with the catch-all for stale buttons
    _register_positions(app)
    _register_fallback(app)  # last: whatever nothing above understood
    app.add_error_handler(errors.on_error)  # type: ignore[arg-type]
    app.add_error_handler(metrics.handler_error)


def _register_plumbing(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """What every update meets first: the sender recorded, counted, kept to private chats."""
    # Record the sender and set the language (plumbing.py).
    app.add_handler(TypeHandler(Update, record_sender), group=SENDER_GROUP)
    app.add_handler(TypeHandler(Update, metrics.count_update), group=METRICS_GROUP)
    # Nothing personal outside private chats; a pointer when spoken to in a group.
    app.add_handler(TypeHandler(Update, groups.private_chats_only), group=PRIVATE_GROUP)


def _register_flows(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The conversations, and what must be taken before or after them."""
    # A private chat's comment on a rating, before any flow reads the text (bot/handlers/feedback.py).
    app.add_handler(feedback.comment_handler(), group=COMMENT_GROUP)
    # An operator's /request 42 is no help request: taken (and stopped) before the flows.
    app.add_handlers(oversight.early_handlers(), group=OPS_GROUP)
    # No PTB conversation_timeout: the flows time out from the database (bot/persistence/flows.py).
    app.add_handler(citizen.conversation(None), group=FLOW_GROUP)
    app.add_handler(signup.conversation(None), group=FLOW_GROUP + 1)
    app.add_handler(team_admin.conversation(None), group=FLOW_GROUP - 1)  # operators' /newteam
    # During a job: the citizen's and the volunteer's messages to each other (relay.py). Its
    # own group: what it leaves (no job) still meets the handlers below.
    app.add_handler(relay.handler(), group=RELAY_GROUP)
    # A volunteer's location on the way to a job: the citizen sees them coming (approach.py).
    # Fixes (edits) travel on to the positions below, which store them and relay them.
    app.add_handler(approach.handler(), group=RELAY_GROUP)
    # Media and contacts no flow took: what the bot can do (a volunteer's contact travels on).
    app.add_handler(MessageHandler(media.UNREAD, media.outside_a_flow), group=AFTER_FLOWS_GROUP)


def _register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Commands available at any time (group 0)."""
    # Deep links (a certificate's verify_, an invite's team_) before the plain /start;
    # /start sos is the request flow's (citizen.py).
    app.add_handler(certificates.verify_start_handler())
    app.add_handler(teams.invite_start())
    app.add_handler(CommandHandler("start", common.start, filters=~flows.sos_link()))
    app.add_handler(CommandHandler("help", common.help_command))
    app.add_handler(CommandHandler("language", common.language))
    app.add_handler(CommandHandler("cancel", common.cancel_outside))
    # A flow's ✖️ Cancel left on screen after the flow ended: the same as /cancel.
    app.add_handler(
        MessageHandler(filters.TEXT & filters.Regex(exact(button_cancel)), common.cancel_outside)
    )


def _register_volunteering(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Volunteers, operators, hours and teams (group 0).

    /duty, /hours, the sign-up's buttons outside the sign-up, /profile and its buttons, a
    contact shared, /pending, /approve, /reject; hours: /hours (paged), certificates,
    ratings, disputes, corrections, exports; teams and leaders: /team, /invite, /leaveteam
    and their buttons, /teams, /addleader, /dropleader, /moveteam, /digest.
    """
    for h in (
        *duty.handlers(),
        *signup_outside.handlers(),
        *profile.handlers(),
        *preferences.handlers(),
        *phone.handlers(),
        *operators.handlers(),
        *hours.handlers(),
        *certificates.handlers(),
        *corrections.handlers(),
        *feedback.handlers(),
        *teams.handlers(),
        *team_admin.handlers(),
        *digests.handlers(),
    ):
        app.add_handler(h)  # type: ignore[arg-type]


def _register_command_centre(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command centre (/open … /stats and their buttons; an escalation's answers,
    /assign; /dashboard), then the menu's numbers and language buttons (group 0)."""
    app.add_handlers(oversight.handlers())
    app.add_handlers(escalation.handlers())
    # Linked reports (/link, /unlink, the view's buttons) and major-incident mode (/major, /broadcast).
    app.add_handlers(command_centre.handlers())
    app.add_handlers(dashboard.handlers())  # the web dashboard's one-time sign-in link
    app.add_handler(
        MessageHandler(filters.TEXT & filters.Regex(exact(menu_numbers)), common.numbers)
    )
    app.add_handler(
        MessageHandler(filters.TEXT & filters.Regex(exact(menu_language)), common.language)
    )


def _register_buttons(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Buttons: alerts and jobs, the language picker; anything else is stale or forged.

    Every other component's buttons are registered before this: the two catch-alls at the
    end answer any press nothing above took.
    """
    for button in alert_buttons.handlers():
        app.add_handler(button)
    app.add_handler(followup.handler())  # the citizen's "did help come?"
    app.add_handler(CallbackQueryHandler(common.language_chosen, pattern=buttons.LANGUAGE))
    app.add_handler(CallbackQueryHandler(errors.stale_button, pattern=InvalidCallbackData))
    app.add_handler(CallbackQueryHandler(errors.stale_button))


def _register_positions(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """A shared location outside a conversation, and live-location updates (edited messages)."""
    for h in duty.position_handlers():
        app.add_handler(h)  # type: ignore[arg-type]


def _register_fallback(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Whatever we did not understand gets the menu (a flow's entry is the flows' business)."""
    app.add_handler(
        MessageHandler(
            (filters.TEXT | filters.COMMAND) & ~flows.entry_updates() & ~filters.UpdateType.EDITED,
            common.unknown_text,
        )
    )


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    db: Database = app.bot_data["db"]
    await db.prepare_schema()
    if app.bot_data["settings"].webhook_register:  # one worker of a fleet is enough
        try:
            await publish_commands(app.bot)
        except Exception:
            log.warning("could not publish the command menu", exc_info=True)
    # Due timers are claimed from the database by every worker (the first pass at once).
    timers.schedule_poll(app, app.bot_data["settings"].timer_poll_s)
    availability.schedule(app, app.bot_data["settings"].stale_check_s)
    retention.schedule(app, app.bot_data["settings"].retention_check_s)
    digests.schedule(app, app.bot_data["settings"].digest_check_s)
    await app.bot_data["flows"].start(app.bot_data["settings"].timer_sweep_s)
    # Whatever was committed but not yet said (a crash, a retry's wait) leaves from here on.
    outbox.schedule_sweep(app, app.bot_data["settings"].outbox_sweep_s)
    metrics.register_outbox_depth(lambda: _outbox_depth(db))
    metrics.observe_committed_facts()


async def _outbox_depth(db: Database) -> int:
    async with db.session() as s:
        return await delivery.depth(s)


async def _post_stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await timers.poller_of(app).close()
    # Live positions still queued are written before the database goes away.
    await app.bot_data["positions"].close()


async def start_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    start_updates: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Start-up exactly as ``run_polling``/``run_webhook`` do it, for any way of receiving updates.

    initialize → post_init (tables, command menus, timers rebuilt from the database, the
    periodic jobs) → ``start_updates`` (start polling, or set the webhook) → start (the
    JobQueue starts here, so jobs scheduled in post_init run from now on).
    """
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    if start_updates is not None:
        await start_updates()
    await app.start()


async def stop_application(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Shut down as ``run_polling`` does: updater, stop → post_stop, shutdown → post_shutdown."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


__all__ = [
    "Update",
    "build_application",
    "register_handlers",
    "start_application",
    "stop_application",
]
