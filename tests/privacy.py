"""The privacy scan (issue 10): what the bot sent, checked against who may read it.

A requester's exact location (a ``sendLocation``/``sendVenue`` near their point, or its
coordinates written in a text), their contact (Telegram username, a phone number they
shared) and their details (the description) may reach only: the volunteer who was given
the job (an accepted offer, or one released later: they had it), the operations chat, and
the requester themselves. Anything else is a leak, and so is any of it in a group other
than the operations chat. Every call the bot made counts, failed ones included: a call
that failed was still an attempt to say it there.

A volunteer's position (every location they sent the bot, live fixes included, as the
emulator recorded them) may reach only the citizen of a job they accepted, from the
acceptance until that job's approach ended (the job's first move out of "assigned", or
the stop of the citizen's live copy said after it), and the volunteer themselves. A point
that is also a request's own point is the request's secret above, not the volunteer's.

``leaks(box)`` returns the leaks as readable lines; the ``privacy`` fixture in
tests/conftest.py runs it at the end of a test, and tests may call it explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from bot.devtools.emulator import Call
from bot.devtools.sandbox import Sandbox

NUMBER = re.compile(r"-?\d+\.\d{3,}")
#: Unicode isolates and marks that Arabic rendering wraps values in, and Arabic digits.
_STRIP = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u061c"), None)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789.")
NEAR_DEG = 1e-3  # about 110 m: nearer than any area or rounded distance the bot shows
TEXT_FIELDS = ("text", "caption")
MIN_DETAIL = 4  # details shorter than this ("ok") say nothing about anyone


@dataclass(frozen=True)
class Secret:
    """What one request holds that only its volunteer and the command centre may read."""

    request_id: int
    lat: float
    lon: float
    words: tuple[str, ...]  # username, phone numbers, description
    allowed: frozenset[int]  # chat ids


def plain(value: object) -> str:
    return str(value).translate(_STRIP).translate(_DIGITS)


def _near(a: float, b: float) -> bool:
    return abs(a - b) < NEAR_DEG


def _coordinates_in(body: str, s: Secret) -> bool:
    numbers = [float(n) for n in NUMBER.findall(body)]
    return any(_near(x, s.lat) for x in numbers) and any(_near(y, s.lon) for y in numbers)


def exposes(call: Call, s: Secret) -> list[str]:
    """What of ``s`` this call says (the point, the words), or nothing."""
    p = call.params
    point = "an exact point"  # one key: a call shows one point, whichever request's it is
    if call.method.lower() in ("sendlocation", "sendvenue"):
        try:
            near = _near(float(p["latitude"]), s.lat) and _near(float(p["longitude"]), s.lon)
        except (KeyError, TypeError, ValueError):
            near = False
        return [point] if near else []
    body = plain(" ".join(str(p.get(f, "")) for f in TEXT_FIELDS))
    found = [point] if _coordinates_in(body, s) else []
    lowered = body.lower()
    return found + [repr(word) for word in s.words if word.lower() in lowered]


async def secrets(box: Sandbox) -> list[Secret]:
    """Every request's secrets, and who may read them, from the database."""
    found: list[Secret] = []
    ops = box.settings.ops_chat_id
    async with box.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT r.id, r.lat, r.lon, r.description, r.requester_id, p.chat_id,"
                    " p.username FROM help_request r JOIN person p ON p.id = r.requester_id"
                )
            )
        ).all()
        for rid, lat, lon, description, requester, chat, username in rows:
            given = await conn.execute(
                text(
                    "SELECT p.chat_id FROM offer o JOIN person p ON p.id = o.volunteer_id"
                    " WHERE o.request_id = :r AND o.status IN ('accepted', 'released')"
                ),
                {"r": rid},
            )
            allowed = {int(c) for (c,) in given.all()} | {int(chat), int(requester)}
            if ops is not None:
                allowed.add(ops)
            words = [f"@{username}"] if username else []
            words += _phones_shared(box, int(chat))
            if description and len(description.strip()) >= MIN_DETAIL:
                words.append(plain(description.strip()))
            found.append(Secret(rid, lat, lon, tuple(words), frozenset(allowed)))
    return found


def _phones_shared(box: Sandbox, chat_id: int) -> list[str]:
    """Phone numbers the requester sent the bot (a contact card) in their chat."""
    chat = box.emu.find_chat(chat_id)
    if chat is None:
        return []
    return [
        str(m["contact"]["phone_number"])
        for m in chat.incoming.values()
        if isinstance(m.get("contact"), dict) and m["contact"].get("phone_number")
    ]


async def leaks(box: Sandbox) -> list[str]:
    """Every call that said a request's secrets where they must not be read."""
    found: list[str] = []
    ops = box.settings.ops_chat_id
    known = await secrets(box)
    for call in box.emu.calls:
        try:
            chat_id = int(str(call.params.get("chat_id")))
        except ValueError:
            continue
        # Two requests may share a secret (one place, the same words): what a call says is
        # a leak when none of the requests it belongs to may be read in that chat.
        readers: dict[str, list[Secret]] = {}
        for s in known:
            for what in exposes(call, s):
                readers.setdefault(what, []).append(s)
        for what, owners in readers.items():
            allowed = any(chat_id in s.allowed for s in owners)
            if not allowed or (chat_id < 0 and chat_id != ops):
                ids = ", ".join(f"#{s.request_id}" for s in owners)
                found.append(f"{call.method} to chat {chat_id} said {what} of request {ids}")
    return found


POINT_METHODS = ("sendlocation", "sendvenue", "editmessagelivelocation")


@dataclass(frozen=True)
class Job:
    """A volunteer's job, as the scan needs it: whose it was, and when its approach could run."""

    volunteer_id: int
    citizen_chat: int
    start: float  # the acceptance
    end: float | None  # the first move out of "assigned" (None: still on the way)


def _epoch(moment: object) -> float:
    """A stored time (aware from PostgreSQL, UTC text from SQLite) as time.time() reads it."""
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


async def jobs(box: Sandbox) -> list[Job]:
    """Every acceptance and when its approach ended, from the audit log."""
    found: list[Job] = []
    async with box.db.engine.connect() as conn:
        accepted = (
            await conn.execute(
                text(
                    "SELECT a.request_id, a.actor_id, a.at, p.chat_id FROM audit_event a"
                    " JOIN help_request r ON r.id = a.request_id"
                    " JOIN person p ON p.id = r.requester_id WHERE a.kind = 'accepted'"
                )
            )
        ).all()
        for rid, volunteer_id, at, chat in accepted:
            later = await conn.execute(
                text(
                    "SELECT at, detail FROM audit_event WHERE request_id = :r AND at >= :at"
                    " AND kind != 'accepted' ORDER BY at, id"
                ),
                {"r": rid, "at": at},
            )
            end = next(
                (_epoch(t) for t, detail in later.all() if '"before": "assigned"' in str(detail)),
                None,
            )
            found.append(Job(int(volunteer_id), int(chat), _epoch(at), end))
    return found


def _point_of(call: Call) -> tuple[float, float] | None:
    if call.method.lower() not in POINT_METHODS:
        return None
    try:
        return float(call.params["latitude"]), float(call.params["longitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _stopped_at(box: Sandbox, chat_id: int, after: float) -> float | None:
    """When the citizen's live copy was stopped after the job's end (the stop is said after
    the commit that ended it, and the moves written before it may be said just before)."""
    stops = [
        c.at
        for c in box.emu.calls_for("stopMessageLiveLocation")
        if str(c.params.get("chat_id")) == str(chat_id) and c.at >= after
    ]
    return min(stops) if stops else None


async def position_leaks(box: Sandbox) -> list[str]:
    """Every call that showed a volunteer's position to anyone but the citizen of their job,
    or outside that job's approach."""
    async with box.db.engine.connect() as conn:
        volunteer_ids = {
            int(v) for (v,) in (await conn.execute(text("SELECT person_id FROM volunteer"))).all()
        }
        points = (await conn.execute(text("SELECT lat, lon FROM help_request"))).all()
    fixes = [
        (who, lat, lon)
        for who, lat, lon, _at in box.emu.shared_locations
        if who in volunteer_ids
        and not any(_near(lat, plat) and _near(lon, plon) for plat, plon in points)
    ]
    known = await jobs(box)
    found: list[str] = []
    for call in box.emu.calls:
        try:
            chat_id = int(str(call.params.get("chat_id")))
        except ValueError:
            continue
        point = _point_of(call)
        body = plain(" ".join(str(call.params.get(f, "")) for f in TEXT_FIELDS))
        numbers = [float(n) for n in NUMBER.findall(body)]
        for who, lat, lon in fixes:
            shown = (point is not None and _near(point[0], lat) and _near(point[1], lon)) or (
                any(_near(x, lat) for x in numbers) and any(_near(y, lon) for y in numbers)
            )
            if not shown or chat_id == who:
                continue
            if not any(_in_job(box, j, chat_id, call.at) for j in known if j.volunteer_id == who):
                found.append(f"{call.method} to chat {chat_id} showed volunteer {who}'s position")
                break
    return found


def _in_job(box: Sandbox, job: Job, chat_id: int, at: float) -> bool:
    if chat_id != job.citizen_chat or at < job.start:
        return False
    if job.end is None or at <= job.end:
        return True
    stop = _stopped_at(box, chat_id, job.end)
    return stop is not None and at <= stop


async def assert_private(box: Sandbox) -> int:
    """Fail on any leak; the number of secrets checked (a scan of nothing proves nothing)."""
    found = await leaks(box) + await position_leaks(box)
    assert not found, "\n".join(found)
    return len(await secrets(box))
