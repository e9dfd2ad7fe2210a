"""What the command centre's commands share (bot/handlers/oversight.py, command_centre.py): an
id read from an operator's words, a view rendered for the operator who asked, and what a use
case's result says."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers import inputs, replies
from bot.handlers.render import Rendered, render
from bot.i18n import _
from bot.services.notices import Notice, Payload, Recipient, Result


def number(word: str | None, maximum: int = inputs.PERSON_ID_MAX) -> int | None:
    """An id as an operator types it ("42", "#42", Arabic digits), or None."""
    return inputs.bounded_id((word or "").strip().lstrip("#"), maximum)


def rendered(update: Update, context: BotContext, payload: Payload) -> Rendered:
    """A view for the operator who asked, in the chat they asked in."""
    uid = inputs.sender_id(update)
    chat = update.effective_chat
    return render(Notice(Recipient(uid, chat.id if chat else uid, context.language), payload))


async def say(update: Update, context: BotContext, payload: Payload) -> None:
    shown = rendered(update, context, payload)
    await replies.reply(update, shown.text, markup=shown.markup)


def result_text(result: Result) -> str:
    texts = {
        Result.OK: _("Done."),
        Result.NOT_OPERATOR: _("Only operators can do this."),
        Result.UNKNOWN: _("Not found."),
        Result.ALREADY: _("Nothing to change: it is so already."),
        Result.CLOSED: _("This request has moved on; nothing was changed."),
        Result.BUSY: _("A volunteer has this request: use Reassign first."),
        Result.NOT_LINKED: _("That request is not linked to an open request."),
        Result.SETTING: _(
            "This operator is set in OPERATOR_IDS; only the deployment can change that."
        ),
    }
    return texts.get(result, _("Nothing was changed."))
