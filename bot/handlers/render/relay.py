"""What the bot passes on between the citizen and the volunteer, marked with who sent it.

Never the sender's name or account: "the volunteer" and "the person who asked for help",
and the request's number, so neither side learns the other's Telegram account.
"""

from __future__ import annotations

from bot.handlers.render.base import Rendered, renders
from bot.i18n import _, t
from bot.services.notices.relay import Party, Relayed, RelayFailed


def _from(p: Relayed) -> str:
    if p.with_request:
        return t(
            "📎 Sent with request #{request_id} by the person who asked for help",
            request_id=p.request_id,
        )
    if p.origin == Party.VOLUNTEER:
        return t("💬 The volunteer (request #{request_id}):", request_id=p.request_id)
    return t("💬 The person who asked for help (request #{request_id}):", request_id=p.request_id)


@renders(Relayed)
def _relayed(p: Relayed) -> Rendered:
    head = _from(p)
    if p.kind == "text":
        return Rendered(head + "\n" + p.text)
    caption = head + ("\n" + p.text if p.text else "")
    return Rendered(caption, media=(p.kind, p.file_id))


@renders(RelayFailed)
def _relay_failed(p: RelayFailed) -> Rendered:
    if p.to == Party.VOLUNTEER:
        return Rendered(
            _("Your message could not be delivered to the volunteer. Please try again.")
        )
    return Rendered(
        _("Your message could not be delivered to the person who asked for help. Please try again.")
    )
