"""Bot API emulator: lets the real python-telegram-bot ``Application`` run offline.

Telegram is unreachable from the build machine; end-to-end tests and the demo point PTB at
this local server (``ApplicationBuilder().base_url(emu.base_url)``) and drive the
conversation from the user's side. See :class:`BotApiEmulator`; :class:`Fault` and
:class:`FaultKind` make it fail the way Telegram does.
"""

from bot.devtools.emulator.entities import EntityParseError, parse_text
from bot.devtools.emulator.faults import (
    Fault,
    FaultKind,
    FaultRule,
    InjectedFault,
    SendLimiter,
    SendLimits,
)
from bot.devtools.emulator.server import ApiError, BotApiEmulator, Call
from bot.devtools.emulator.users import (
    PATIENCE,
    ButtonMatcher,
    EmuChat,
    EmuGroup,
    EmuMessage,
    EmuUser,
    TranscriptEvent,
)
from bot.devtools.emulator.webhook import Post, WebhookDelivery

__all__ = [
    "PATIENCE",
    "ApiError",
    "BotApiEmulator",
    "ButtonMatcher",
    "Call",
    "EmuChat",
    "EmuGroup",
    "EmuMessage",
    "EmuUser",
    "EntityParseError",
    "Fault",
    "FaultKind",
    "FaultRule",
    "InjectedFault",
    "Post",
    "SendLimiter",
    "SendLimits",
    "TranscriptEvent",
    "WebhookDelivery",
    "parse_text",
]
