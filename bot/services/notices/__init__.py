"""What a use case wants said, to whom: one small frozen payload type per event.

Use cases return these; the channel adapter renders them (bot/handlers/render/, one
function per payload type) and the outbox stores them (``to_json``/``from_json``), so a
missing field or an unknown event is a type error, not a ``KeyError`` at send time.

core.py holds the contract (``Event``, ``Result``, ``Recipient``, ``Notice``, ``Outcome``,
the payload registry); one module per area holds its payloads: requests.py (a help
request's life), volunteers.py (the programme), ops.py (the command centre), escalation.py
(an operator's answer to an escalation), hours.py (disputes, corrections, ratings),
teams.py (teams, leaders, digests); stored.py reads and writes them for the outbox. This
package re-exports the contract, requests.py's, volunteers.py's and stored.py's names; the
other areas' payloads are imported from their modules. Importing the package loads every
payload module, so each event is registered wherever notices are used.
"""

from __future__ import annotations

from bot.services.notices import escalation, hours, ops, teams  # noqa: F401  (registers their payloads)
from bot.services.notices.core import *  # noqa: F403
from bot.services.notices.requests import *  # noqa: F403
from bot.services.notices.stored import *  # noqa: F403
from bot.services.notices.volunteers import *  # noqa: F403
