"""The relay between the citizen and their volunteer (bot/services/relay.py): what one side
sent, passed on by the bot, and the sender told when it could not be delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.services.notices.core import Event, Payload, _payload


class Party(StrEnum):
    """Who sent something the bot relays."""

    CITIZEN = "citizen"
    VOLUNTEER = "volunteer"


@_payload(Event.RELAYED)
@dataclass(frozen=True)
class Relayed(Payload):
    """Something one side sent, passed on by the bot: never the sender's account, and media
    by Telegram file_id only. ``with_request``: sent at the request's details step (to the
    assigned volunteer, or the command centre on an escalation), not in the conversation."""

    request_id: int
    origin: Party
    kind: str  # "text" or a domain.enums.MediaKind
    text: str = ""  # the words, or a media item's caption
    file_id: str = ""
    sender_id: int = 0  # told when it cannot be delivered (0: nobody to tell)
    with_request: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin", Party(self.origin))


@_payload(Event.RELAY_FAILED)
@dataclass(frozen=True)
class RelayFailed(Payload):
    """To the sender: what they sent through the bot could not be delivered."""

    request_id: int
    to: Party  # whom it was for
