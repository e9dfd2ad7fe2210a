"""``python -m bot.simulate show --db PATH|DSN``: a recorded run as the command centre sees it.

Why through the bot: /stats and the digest are what an operator and a team leader read, so
they are asked for in Telegram (the real Application against the emulator, on the recorded
database): the operator sends ``/stats today`` and ``/dashboard`` (a one-time sign-in link to
the web dashboard, for ``python run_bot.py --dashboard`` on the same database), the run's team
leader ``/digest``. The KPIs as JSON (``bot.services.kpis.figures``) follow.
"""

from __future__ import annotations

import json
from typing import Any

from bot.devtools.sandbox import sandbox
from bot.devtools.simulate.config import LEADER_ID, OPERATOR_ID, OPS_CHAT_ID
from bot.devtools.simulate.database import recorded_url
from bot.services import kpis
from bot.services.config import DispatchConfig
from storage.types import utcnow

DASHBOARD_URL = "http://127.0.0.1:8080"  # where ``run_bot.py --dashboard`` serves by default
LINK_TTL_S = 3600.0  # time to start the dashboard and open the link


async def show(target: str, *, period: str = "today") -> dict[str, Any]:
    """Print /stats, the leader's digest and the figures of a recorded run; return the figures."""
    url = recorded_url(target)
    async with sandbox(
        url,
        operator_ids=frozenset({OPERATOR_ID}),
        ops_chat_id=OPS_CHAT_ID,
        dashboard_url=DASHBOARD_URL,
        dashboard_link_ttl_s=LINK_TTL_S,
    ) as box:
        box.emu.group(OPS_CHAT_ID, "Command centre")
        operator = box.emu.user(OPERATOR_ID, first_name="Operator", language_code="en")
        leader = box.emu.user(LEADER_ID, first_name="Leader", language_code="en")
        asks = ((operator, f"/stats {period}"), (operator, "/dashboard"), (leader, "/digest"))
        for user, command in asks:
            seen = len(user.messages)
            await user.send(command)
            await box.settle(timeout=120)
            print(f"--- {command} ({user.first_name})")
            for msg in user.messages[seen:]:
                print(msg.text or msg.caption or "")
        async with box.db.session() as s:
            data = await kpis.figures(
                s,
                DispatchConfig.from_settings(box.settings),
                period=kpis.Period(period),
                now=utcnow(),
            )
    print(
        f"--- the dashboard: DATABASE_URL={url} DASHBOARD_URL={DASHBOARD_URL} "
        f"OPERATOR_IDS={OPERATOR_ID} python run_bot.py --dashboard, then open the link above"
    )
    print("--- the KPIs as JSON (bot.services.kpis.figures)")
    print(json.dumps(data, ensure_ascii=False))
    return data
