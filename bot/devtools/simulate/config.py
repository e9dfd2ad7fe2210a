"""What one simulated surge is: the flags of ``python -m bot.simulate``, and how people pace.

Why one frozen value: the seeding, the bot's settings, the actors and the report all read
the same run description, and a test builds one with tiny numbers instead of parsing flags.

``pace`` scales every human delay and every timer of the bot alike (1.0: real time; 0.02:
fifty times faster, so a test sees accepts, arrivals and escalations within seconds).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Literal

from domain.matching.geo import City, cities

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

#: Ids of the simulated people, in ranges of their own (Telegram ids are positive int64).
CITY_BASE = 1_000_000  # the city's on-duty volunteers
NATIONAL_BASE = 20_000_000  # volunteers across the Kingdom
CITIZEN_BASE = 500_000_000  # one citizen per request
OPERATOR_ID = 900_000_001  # the operator (--record: /stats on the run)
LEADER_ID = 900_000_002  # a team leader (--record: the leader's digest)
OPS_CHAT_ID = -1_001_700_000  # the command centre's chat


@dataclass(frozen=True)
class SimConfig:
    city: str = "Riyadh"
    volunteers: int = 2_000
    national: int = 0
    rate: float = 5.0
    duration: float = 30.0
    response: float = 0.3
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    workers: int = 1
    processes: bool = False  # one worker as a process too (its own RSS), not in this process
    rate_limits: bool = False
    # A major-incident area over the city, declared before the surge (an operator's /major
    # start); paid_broadcast: PAID_BROADCAST on, so its alerts go with allow_paid_broadcast.
    major: bool = False
    paid_broadcast: bool = False
    json: bool = False
    record: str | None = None
    pace: float = 1.0
    live_share: float = 0.001  # of the city's volunteers sharing a live location (README)
    live_every_s: float = 30.0
    duty_churn_per_s: float = 0.2  # volunteers going off (and later back on) duty per second
    drain_s: float = 60.0  # after the last citizen started: how long the stragglers may take
    linger_s: float = 0.0  # then: volunteers still answer, arrive and finish this long
    seed: int = 17
    pg_admin: str = PG_ADMIN
    progress: bool = True
    cache: bool = True  # copy the seeded volunteers from a template made once per population

    def the_city(self) -> City:
        wanted = self.city.strip().casefold()
        for c in cities():
            if wanted in (c.name_en.casefold(), c.name_ar.casefold()):
                return c
        names = ", ".join(c.name_en for c in cities())
        raise ValueError(f"unknown city {self.city!r}; one of: {names}")

    def bot_settings(self) -> dict[str, Any]:
        """The bot's Settings fields for this run: its timers on the same clock as the people."""
        p = self.pace
        return {
            "wave_timeout_s": 40.0 * p,
            "arrival_reminder_s": 900.0 * p,
            "on_scene_reminder_s": 3600.0 * p,
            "help_check_wait_s": 600.0 * p,
            "auto_confirm_s": 6 * 3600.0 * p,
            "conversation_timeout_s": max(30.0, 900.0 * p),
            "max_requests_per_hour": 1000,
            "ops_chat_id": OPS_CHAT_ID,
            "operator_ids": [OPERATOR_ID],
            "send_limiter": "on" if self.rate_limits else "off",
            # The emulator holds each private chat to one message a second, strictly.
            "chat_pace_s": 1.0 if self.rate_limits else 0.0,
            "paid_broadcast": self.paid_broadcast,
        }


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, rng.lognormvariate(math.log(median), sigma)))


class Humans:
    """How long people take (seconds, already scaled by ``pace``), from one seeded RNG.

    Answers to an alert as bench/ladder.py models them (lognormal, median 40 s, 5-180 s);
    a citizen's steps take a second or two each; the drive to the scene and the job itself
    take minutes.
    """

    def __init__(self, rng: random.Random, pace: float) -> None:
        self.rng, self.pace = rng, pace

    def think(self) -> float:
        return self.pace * _lognormal(self.rng, 1.5, 0.5, 0.3, 8.0)

    def respond(self) -> float:
        return self.pace * _lognormal(self.rng, 40.0, 0.75, 5.0, 180.0)

    def travel(self) -> float:
        return self.pace * _lognormal(self.rng, 8 * 60.0, 0.5, 60.0, 40 * 60.0)

    def on_scene(self) -> float:
        return self.pace * _lognormal(self.rng, 20 * 60.0, 0.5, 3 * 60.0, 90 * 60.0)

    def confirm(self) -> float:
        return self.pace * _lognormal(self.rng, 60.0, 0.75, 5.0, 600.0)

    def off_duty(self) -> float:
        return self.pace * _lognormal(self.rng, 15 * 60.0, 0.5, 60.0, 3600.0)
