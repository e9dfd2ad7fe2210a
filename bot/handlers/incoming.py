"""Typed access to the parts of an update a handler was registered for.

A handler's filter already guarantees its message, sender or button press; these say so
once, for the type checker, instead of an ``assert`` line at the top of every handler.
A handler registered for the wrong kind of update fails here, loudly, with its name.
"""

from __future__ import annotations

from telegram import CallbackQuery, Location, Message, Update, User


class WrongUpdateError(TypeError):
    """A handler met an update its registration should have kept away: a wiring bug."""


def message_of(update: Update) -> Message:
    """The message (new or edited) this update carries."""
    if update.effective_message is None:
        raise WrongUpdateError(f"update {update.update_id} carries no message")
    return update.effective_message


def user_of(update: Update) -> User:
    """The person who sent this update."""
    if update.effective_user is None:
        raise WrongUpdateError(f"update {update.update_id} has no sender")
    return update.effective_user


def button_of(update: Update) -> tuple[CallbackQuery, str]:
    """The button press this update carries, and its callback data."""
    q = update.callback_query
    if q is None or q.data is None:
        raise WrongUpdateError(f"update {update.update_id} is no button press with data")
    return q, q.data


def location_of(update: Update) -> Location:
    """The location this message shares (a venue's, when it is a venue)."""
    location = message_of(update).location
    if location is None:
        raise WrongUpdateError(f"update {update.update_id} shares no location")
    return location
