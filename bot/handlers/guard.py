"""The one role check in front of every operator command and button.

``operator_only`` runs ``roles.check`` before the handler reads anything of the update (no
argument parsed, no callback data decoded): a person who is not an operator gets the same
clear refusal for a bare ``/approve`` as for ``/approve 42`` or a forged button, and the
refusal is recorded with the action tried. Operators are OPERATOR_IDS and the promoted ones
(bot/services/roles.py). Every operator command and button is wrapped: /open … /stats here
(bot/handlers/oversight.py), /pending /approve /reject (operators.py), the vet: buttons
(alert_buttons.py; leaders too), an escalation's buttons and /assign (escalation.py),
/correct /decide /disputes (corrections.py), /revoke (certificates.py), /newteam and /teams
(team_admin.py), /link /unlink /major /broadcast and the Link / Unlink buttons (command_centre.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.handlers.plumbing import run
from bot.handlers.replies import answer, reply
from bot.i18n import _
from bot.services import roles
from bot.services.notices import Result

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


def refusal() -> str:
    return _("Only operators can do this.")


async def allowed(
    update: Update,
    context: BotContext,
    action: str,
    *,
    leaders: bool = False,
    hint: Callable[[], str] | None = None,
) -> bool:
    """The role check itself: True for an operator (or, with ``leaders``, a team leader);
    else the refusal is recorded and said, and False. For a handler that cannot be wrapped
    (a flow's entry, which must return the flow's END)."""
    user = update.effective_user
    q = update.callback_query
    tried = f"button {q.data}" if q is not None else action
    if user is not None and not user.is_bot:
        outcome = await run(context, roles.check, person_id=user.id, action=tried, leaders=leaders)
        if outcome.result == Result.OK:
            return True
    text = refusal() if hint is None else refusal() + "\n" + hint()
    if q is not None:
        await answer(q, text, alert=True)
    else:
        await reply(update, text)
    return False


def operator_only(
    action: str, *, hint: Callable[[], str] | None = None, leaders: bool = False
) -> Callable[[Handler], Handler]:
    """Refuse (and record) anyone who is not an operator before ``handler`` runs.

    ``action`` names the command in the record; a button is recorded with its raw data.
    ``hint`` adds a line to the refusal (``/request 42`` tells a citizen how to ask for help).
    ``leaders`` lets team leaders through as well (/approve, /reject, the vet: buttons).
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            if await allowed(update, context, action, leaders=leaders, hint=hint):
                return await handler(update, context)
            return None

        return guarded

    return decorate
