"""The one role check in front of every operator command and button.

``operator_only`` runs ``roles.check`` before the handler reads anything of the update (no
argument parsed, no callback data decoded): a person who is not an operator gets the same
clear refusal for a bare ``/approve`` as for ``/approve 42`` or a forged button, and the
refusal is recorded with the action tried. Operators are OPERATOR_IDS and the promoted ones
(bot/services/roles.py). Every operator command and button is wrapped: /open … /stats here
(bot/handlers/oversight.py), /pending /approve /reject (operators.py), the vet: buttons
(alert_buttons.py), an escalation's buttons and /assign (escalation.py), /correct /decide
/disputes (corrections.py) and /revoke (certificates.py).
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


def operator_only(
    action: str, *, hint: Callable[[], str] | None = None
) -> Callable[[Handler], Handler]:
    """Refuse (and record) anyone who is not an operator before ``handler`` runs.

    ``action`` names the command in the record; a button is recorded with its raw data.
    ``hint`` adds a line to the refusal (``/request 42`` tells a citizen how to ask for help).
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            user = update.effective_user
            q = update.callback_query
            tried = f"button {q.data}" if q is not None else action
            allowed = False
            if user is not None and not user.is_bot:
                outcome = await run(context, roles.check, person_id=user.id, action=tried)
                allowed = outcome.result == Result.OK
            if allowed:
                return await handler(update, context)
            text = refusal() if hint is None else refusal() + "\n" + hint()
            if q is not None:
                await answer(q, text, alert=True)
            else:
                await reply(update, text)
            return None

        return guarded

    return decorate
