"""Settings from the environment (and an optional ``.env``). Secrets never have defaults."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from domain.matching.region import SAUDI_BOX

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Every knob a deployment may turn; README.md's settings table lists them all."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_API
    telegram_base_file_url: str = TELEGRAM_FILE_API
    database_url: str = "sqlite+aiosqlite:///./data/musaada.db"

    # Dispatch
    dispatch_radius_km: float = Field(20.0, gt=0)
    volunteers_per_alert: int = Field(5, ge=1, le=50)
    max_credit_minutes: int = Field(480, ge=1)
    service_area: Annotated[tuple[float, float, float, float], NoDecode] = SAUDI_BOX
    wave_timeout_s: float = Field(40.0, gt=0)
    # Every open state has a next timer (bot/services/dispatch/timers.py): reminders to the
    # volunteer, then the citizen asked whether help came, then the job released.
    arrival_reminder_s: float = Field(900.0, gt=0)
    arrival_reminders: int = Field(2, ge=0, le=20)
    on_scene_reminder_s: float = Field(3600.0, gt=0)
    on_scene_reminders: int = Field(2, ge=0, le=20)
    help_check_wait_s: float = Field(600.0, gt=0)
    auto_confirm_s: float = Field(6 * 3600.0, gt=0)
    # The volunteer approaching: their live location moves the citizen's copy and status at
    # most this often (bot/services/dispatch/approach.py).
    approach_update_s: float = Field(10.0, ge=0)
    position_max_age_s: float = Field(2 * 3600.0, gt=0)
    stale_check_s: float = Field(300.0, gt=0)
    # Every worker claims due request timers from the database this often (bot/handlers/timers.py);
    # the flow timeouts' sweep runs every TIMER_SWEEP_S.
    timer_poll_s: float = Field(1.0, gt=0)
    timer_sweep_s: float = Field(60.0, gt=0)
    # The outbox: how often unsent notices are looked for, how long a sender holds one, how
    # retries back off (doubling from the base, at most a minute) and when to give up.
    outbox_sweep_s: float = Field(2.0, gt=0)
    outbox_lease_s: float = Field(60.0, gt=0)
    outbox_retry_base_s: float = Field(1.0, gt=0)
    outbox_max_attempts: int = Field(12, ge=1)
    # The send budget (bot/budget.py): chat-addressed calls a second, spent in priority order
    # (first alerts, life-threatening first; then the rest, which keeps STATUS_SHARE of the
    # slots whenever it waits). 0: no pacing of our own (PTB's limiter alone).
    send_budget_per_s: float = Field(29.0, ge=0)
    status_share: float = Field(0.2, gt=0, le=1)
    # Seconds from one message to a private chat being answered to the next one leaving (the
    # budget keeps Telegram's one-a-second rule itself; bot/budget.py). 0: PTB's way, bursts
    # allowed. Needs SEND_BUDGET_PER_S > 0.
    chat_pace_s: float = Field(0.0, ge=0, le=5)
    # Paid broadcasting (allow_paid_broadcast; Telegram charges per message, up to 1,000 a
    # second): PAID_BROADCAST lets a major-incident area's alerts and call-outs go paid
    # (bot/services/major.py); every limiter paces those at PAID_BROADCAST_PER_S instead of
    # the ordinary budget. Off by default: only for a deployment that pays.
    paid_broadcast: bool = False
    paid_broadcast_per_s: float = Field(1000.0, gt=0, le=1000)
    # Under load the first wave shrinks: when this process holds SURGE_BACKLOG notices or more
    # not yet said, a new request's first wave alerts at most SURGE_FIRST_WAVE volunteers.
    surge_backlog: int = Field(60, ge=1)
    surge_first_wave: int = Field(2, ge=1)
    # Updates of different chats processed at once (each chat's in order; bot/persistence/).
    update_concurrency: int = Field(8, ge=1, le=1024)

    # Abuse limits: requests one person may create in an hour (counted in the database).
    max_requests_per_hour: int = Field(5, ge=1)

    # Retention: closed requests lose their exact point, details and message references
    # after this many days (bot/handlers/retention.py runs every RETENTION_CHECK_S).
    retention_days: float = Field(30.0, gt=0)
    retention_check_s: float = Field(3600.0, gt=0)

    # Conversations: a flow (/request, /volunteer) left unanswered this long is closed.
    conversation_timeout_s: float = Field(900.0, gt=0)

    # People
    operator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    auto_verify_volunteers: bool = False
    ops_chat_id: int | None = None
    ops_language: str = "ar"
    # A rejected volunteer may apply again this long after the rejection (30 days).
    reapply_cooldown_s: float = Field(30 * 86400.0, ge=0)

    # Linked reports (bot/services/links.py): a new report of the same type this near an open
    # request, and this soon after it was made, is linked to it instead of dispatched again.
    link_radius_m: float = Field(300.0, ge=0)
    link_window_min: float = Field(10.0, ge=0)

    # Major-incident mode (bot/services/major.py): the first wave alerts MAJOR_WAVE_FACTOR
    # times as many volunteers out to the ladder's second radius; a city's area reaches
    # MAJOR_CITY_RADIUS_KM from its centre; the area's escalations reach the operations chat
    # as one summary every MAJOR_SUMMARY_S; PAID_BROADCAST (above) lets the area's alerts and
    # call-outs go with allow_paid_broadcast.
    major_wave_factor: float = Field(3.0, ge=1)
    major_city_radius_km: float = Field(30.0, gt=0)
    major_summary_s: float = Field(60.0, ge=3)

    # Team leaders' digests (bot/services/digests.py): daily at this local time, weekly on
    # this weekday (0 = Monday … 6 = Sunday) at the same time; checked every DIGEST_CHECK_S.
    digest_time: str = Field("20:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    digest_timezone: str = "Asia/Riyadh"
    digest_weekday: int = Field(3, ge=0, le=6)
    digest_check_s: float = Field(60.0, gt=0)

    # Webhook mode (polling when unset)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = "/telegram"
    # Whether this process calls setWebhook and publishes the command menu at start-up:
    # ``--workers N`` leaves it to the first worker (all of them may: the secret is the same).
    webhook_register: bool = True

    # Telegram's send limits shared by every worker (bot/ratelimit.py) through this Redis;
    # unset, each process limits itself (python-telegram-bot's AIORateLimiter).
    rate_limit_redis_url: str | None = None
    # ``off``: no send limiter at all. Only for a Bot API that enforces nothing (the emulator in
    # the simulator's "limits off" runs, `python -m bot.simulate`); never against Telegram.
    send_limiter: Literal["on", "off"] = "on"

    # Operations (bot/health.py, bot/logs.py): /healthz and /metrics are served on the webhook
    # server; in polling mode on HEALTH_PORT when it is set.
    health_listen: str = "127.0.0.1"
    health_port: int | None = Field(None, ge=1, le=65535)
    health_max_timer_lag_s: float = Field(120.0, gt=0)
    log_format: Literal["text", "json"] = "text"

    # The operators' dashboard (bot/web/): off until DASHBOARD_URL, the origin operators open
    # (https://ops.example.org), is set. Served on the webhook server, on HEALTH_PORT in
    # polling mode (else DASHBOARD_PORT), or alone with ``run_bot.py --dashboard``.
    dashboard_url: str | None = None
    dashboard_listen: str = "127.0.0.1"
    dashboard_port: int = Field(8080, ge=1, le=65535)
    dashboard_link_ttl_s: float = Field(300.0, gt=0)
    dashboard_session_s: float = Field(12 * 3600.0, gt=0)
    # How often the live map reads the database for changes (every worker's alike).
    dashboard_poll_s: float = Field(1.0, gt=0)
    # How often readiness (a count over every on-duty volunteer) is counted again.
    dashboard_readiness_s: float = Field(30.0, gt=0)
    # A tile server for the map's base layer ("https://tiles.example.org/{z}/{x}/{y}.png");
    # unset, the map draws the Kingdom's outline and cities it ships, and asks nobody else.
    dashboard_tile_url: str | None = None
    dashboard_tile_attribution: str = ""

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises on an unknown zone name
        return value

    @field_validator("service_area", mode="before")
    @classmethod
    def _parse_area(cls, value: object) -> object:
        if isinstance(value, str):
            parts = tuple(float(p) for p in value.split(","))
            if len(parts) != 4:
                raise ValueError("SERVICE_AREA is 'south,west,north,east' in degrees")
            return parts
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token; the value is never echoed back in the error.
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("dashboard_url", "dashboard_tile_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _keep_exact(cls, value: str) -> str:
        # Honoured exactly: PTB appends the token to this string.
        return value.strip()

    @cached_property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def secrets(self) -> list[str]:
        """Values no log line may show (bot/logs.py): the token, the webhook secret, and the
        database password."""
        found = [
            self.token,
            self.webhook_secret.get_secret_value() if self.webhook_secret else None,
        ]
        found.append(make_url(self.database_url).password)
        if self.rate_limit_redis_url:
            found.append(urlsplit(self.rate_limit_redis_url).password)
        return [value for value in found if value]


def explain(error: ValidationError) -> str:
    """Which settings are wrong and why, without echoing their values (a secret could be one)."""
    lines = [
        f"  {'.'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)
    ]
    return "Invalid settings:\n" + "\n".join(lines)
