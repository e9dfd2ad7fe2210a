"""What a handler reads from an update, typed, and every id or argument range-checked here.

The accessors (``message``, ``sender``, ``press``, ``press_data``, ``location``) replace
``assert update.effective_message is not None`` (stripped under ``python -O``): a handler's
filter already guarantees its message, sender or button press, and these say so once, for
the type checker. A handler registered for the wrong kind of update fails here, loudly: a
wiring error, raised as one. A person's junk (``/approve ²``, an id of 30 digits,
``/duty maybe``) is never an error: it parses to ``None`` and the handler says what it
expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from telegram import CallbackQuery, Location, Message, Update, User

# person.id is a BIGINT and Telegram's ids need up to 52 bits: a positive signed 64-bit int.
PERSON_ID_MAX = 2**63 - 1
# help_request.id and offer.id are INTEGER columns (storage/models.py): 32-bit on PostgreSQL.
RECORD_ID_MAX = 2**31 - 1
# Invisible marks a line copied from Arabic text carries around a number.
_MARKS = "\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


class MissingPart(LookupError):
    """The update lacks what the handler was registered for: a wiring error, not user input."""


def message(update: Update) -> Message:
    """The message (new or edited) this update carries."""
    if update.effective_message is None:
        raise MissingPart(f"update {update.update_id} carries no message")
    return update.effective_message


def sender(update: Update) -> User:
    """The person who sent this update."""
    if update.effective_user is None:
        raise MissingPart(f"update {update.update_id} has no sender")
    return update.effective_user


def sender_id(update: Update) -> int:
    return sender(update).id


def press(update: Update) -> CallbackQuery:
    """The button press this update carries."""
    if update.callback_query is None:
        raise MissingPart(f"update {update.update_id} is no button press")
    return update.callback_query


def press_data(update: Update) -> tuple[CallbackQuery, str]:
    """The button press this update carries, and its callback data."""
    q = press(update)
    if q.data is None:
        raise MissingPart(f"update {update.update_id} is no button press with data")
    return q, q.data


def location(update: Update) -> Location:
    """The location this message shares (a venue's, when it is a venue)."""
    where = message(update).location
    if where is None:
        raise MissingPart(f"update {update.update_id} shares no location")
    return where


def bounded_id(raw: str, maximum: int) -> int | None:
    """A positive id no larger than ``maximum``; None for anything else.

    Accepts decimal digits of any script (an Arabic keyboard types ٣), never superscripts
    or other "digits" ``int`` refuses, and stops at 19 digits before converting.
    """
    raw = raw.strip().strip(_MARKS)
    if not raw or len(raw) > 19 or not raw.isdecimal():
        return None
    value = int(raw)
    return value if 0 < value <= maximum else None


def arguments(args: Sequence[str] | None) -> list[str]:
    """A command's words without the invisible marks a line copied from Arabic text carries."""
    return [a.strip(_MARKS) for a in args or () if a.strip(_MARKS)]


def count_argument(raw: str, maximum: int) -> int | None:
    """A whole number from 0 to ``maximum`` (minutes, a page), in any script's digits; else None."""
    raw = raw.strip().strip(_MARKS)
    if not raw or len(raw) > 9 or not raw.isdecimal():
        return None
    value = int(raw)
    return value if value <= maximum else None


PersonArgument = int | Literal["missing", "out_of_range"]


def person_id_argument(args: Sequence[str] | None) -> PersonArgument:
    """The one argument of ``/approve ID``: the id; "missing" when there is none or it is
    not a number at all; "out_of_range" for a number no person can have (zero, too large)."""
    raw = args[0].strip().strip(_MARKS) if args else ""
    if not raw.isdecimal():
        return "missing"
    value = bounded_id(raw, PERSON_ID_MAX)
    return value if value is not None else "out_of_range"


DutyChoice = Literal["on", "off", "toggle"]


def duty_argument(args: Sequence[str] | None) -> DutyChoice | None:
    """``/duty`` toggles, ``/duty on`` and ``/duty off`` are explicit; anything else is None."""
    if not args:
        return "toggle"
    if len(args) == 1 and args[0].lower() in ("on", "off"):
        return "on" if args[0].lower() == "on" else "off"
    return None
