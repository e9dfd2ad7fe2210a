"""What must hold in the database and in Telegram after any sequence of inputs and failures.

The fuzzer, the fault runs and the crash test all end by calling :func:`broken` (the
database's side, in plain SQL so that it checks storage rather than repeats it) and
:func:`alerts_twice` (Telegram's side, from the emulator's record). Each returns what it
found wrong, as readable lines: an empty list is the pass.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam, text

from bot.devtools.emulator import BotApiEmulator, Call
from bot.devtools.sandbox import Sandbox
from storage.db import Database
from storage.types import UTCDateTime, utcnow

OFFER_DATA = re.compile(r"offer:acc:(\d+)")

#: One query per invariant: every row it returns breaks it.
CHECKS: dict[str, str] = {
    "two volunteers accepted one request": """
        SELECT request_id, count(*) FROM offer WHERE status = 'accepted'
        GROUP BY request_id HAVING count(*) > 1""",
    "a job without its volunteer, or a volunteer who did not accept it": """
        SELECT r.id, r.status, r.volunteer_id FROM help_request r
        WHERE r.status IN ('assigned', 'on_scene', 'completed', 'confirmed', 'disputed')
          AND (r.volunteer_id IS NULL OR NOT EXISTS (
              SELECT 1 FROM offer o WHERE o.request_id = r.id
                AND o.volunteer_id = r.volunteer_id AND o.status = 'accepted'))""",
    "an active job whose volunteer is not busy with it": """
        SELECT r.id, r.volunteer_id FROM help_request r
        LEFT JOIN volunteer v ON v.person_id = r.volunteer_id
        WHERE r.status IN ('assigned', 'on_scene')
          AND (v.busy_request_id IS NULL OR v.busy_request_id != r.id)""",
    "a volunteer busy with a request that is not their active job": """
        SELECT v.person_id, v.busy_request_id FROM volunteer v
        LEFT JOIN help_request r ON r.id = v.busy_request_id
        WHERE v.busy_request_id IS NOT NULL
          AND (r.id IS NULL OR r.status NOT IN ('assigned', 'on_scene')
               OR r.volunteer_id != v.person_id)""",
    "an alert answered twice": """
        SELECT request_id, actor_id, count(*) FROM audit_event
        WHERE kind IN ('accepted', 'declined') GROUP BY request_id, actor_id
        HAVING count(*) > 1""",
    "a credit confirmed for a job that is not confirmed, or for another volunteer": """
        SELECT c.request_id, c.status, r.status FROM hour_credit c
        JOIN help_request r ON r.id = c.request_id
        WHERE (c.status = 'confirmed' AND r.status != 'confirmed')
           OR r.status NOT IN ('completed', 'confirmed', 'disputed')
           OR c.volunteer_id != r.volunteer_id""",
    "a volunteer alerted twice for one request": """
        SELECT request_id, volunteer_id, count(*) FROM offer
        GROUP BY request_id, volunteer_id HAVING count(*) > 1""",
    "an open request with no timer": """
        SELECT id, status FROM help_request
        WHERE status IN ('dispatching', 'assigned', 'on_scene', 'completed')
          AND next_timer_at IS NULL""",
}

OUTBOX_PENDING = """
    SELECT id, event, chat_id, attempts, last_error FROM outbox
    WHERE status = 'pending' AND created_at < :before AND claimed_until IS NULL"""


async def broken(db: Database, *, drained_at: datetime | None = None) -> list[str]:
    """Every invariant the database breaks, one line per offending row.

    ``drained_at``: when the test started draining the outbox itself (:func:`drain`, after
    the bot settled). A notice written before then and still pending, in nobody's hands,
    was lost by the sender. (A timer job may write notices at any moment, and its own send
    may still be on its way: those are newer, or claimed.)
    """
    found: list[str] = []
    checks = dict(CHECKS)
    if drained_at is not None:
        checks["a notice still pending in the outbox"] = OUTBOX_PENDING
    async with db.engine.connect() as conn:
        for name, sql in checks.items():
            stmt = text(sql)
            if ":before" in sql:
                stmt = stmt.bindparams(bindparam("before", drained_at, type_=UTCDateTime()))
            for row in (await conn.execute(stmt)).all():
                found.append(f"{name}: {tuple(row)}")
    return found


async def drain(box: Sandbox) -> datetime:
    """Say whatever is due in the outbox now, as the sweep would; when the drain started."""
    start = utcnow()
    await box.app.bot_data["sender"].send()
    return start


def alert_offer_id(call: Call) -> int | None:
    """The offer an alert (a message with an Accept button) is for, or None."""
    m = OFFER_DATA.search(str(call.params.get("reply_markup", "")))
    return int(m[1]) if m else None


def alerts_twice(emu: BotApiEmulator) -> list[str]:
    """Alerts that reached a chat more than once (Telegram's side of 'alerted once')."""
    seen = Counter(
        (c.params.get("chat_id"), offer)
        for c in emu.applied("sendMessage")
        if (offer := alert_offer_id(c)) is not None
    )
    return [
        f"alert for offer {o} reached chat {chat} {n} times"
        for (chat, o), n in seen.items()
        if n > 1
    ]
