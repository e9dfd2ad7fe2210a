"""Every inline button's callback data, written and read back in one place.

Telegram returns callback data exactly as the bot wrote it, but a modified client can
send any bytes, and old messages keep their buttons for ever. So each prefix has one
``make_…`` that writes it, one ``parse_…`` that reads it into a small frozen value, and
one anchored pattern for its ``CallbackQueryHandler``. Anything else (an unknown
action, a truncated or forged value, an id no row can have) parses to ``None``, and the
handler gives the stale-button answer. The strings are byte for byte those the bot has
always written, so buttons already in people's chats keep working.

One module per area (citizen, signup, profile, jobs, command_centre, hours, teams);
this package re-exports every name, so ``buttons.make_offer`` is how handlers use them.
"""

from __future__ import annotations

from bot.handlers.buttons.citizen import *  # noqa: F403
from bot.handlers.buttons.command_centre import *  # noqa: F403
from bot.handlers.buttons.hours import *  # noqa: F403
from bot.handlers.buttons.jobs import *  # noqa: F403
from bot.handlers.buttons.profile import *  # noqa: F403
from bot.handlers.buttons.signup import *  # noqa: F403
from bot.handlers.buttons.teams import *  # noqa: F403
