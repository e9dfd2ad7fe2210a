"""What a unit of work did that the process counts once it is committed (``GET /metrics``).

The use cases note facts on their session (``session.info``); bot/metrics.py listens for the
session's commit and observes them, and a rollback drops them. So an attempt that lost a race
or failed counts nothing, every worker counts what it committed itself (Prometheus adds the
workers up), and nothing below the bot imports prometheus-client.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Offer

KEY = "musaada.facts"


class FactKind(StrEnum):
    CREATED = "created"  # a help request was stored
    CLOSED = "closed"  # it reached an outcome (``outcome``: the status it reached)
    FIRST_ALERT = "first_alert"  # its first alert was handed to the Bot API (``seconds``)
    FIRST_ACCEPT = "first_accept"  # its first volunteer accepted (``seconds``)


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    incident: str
    outcome: str = ""
    seconds: float = 0.0


def note(session: AsyncSession, fact: Fact) -> None:
    """Count ``fact`` when this session commits."""
    session.info.setdefault(KEY, []).append(fact)


def take(info: dict[Any, Any]) -> list[Fact]:
    """The facts noted on a session (its ``info``), removed from it."""
    facts: list[Fact] = info.pop(KEY, [])
    return facts


async def offers_where(session: AsyncSession, request_id: int, *conditions: Any) -> int:
    """How many of the request's alerts meet ``conditions`` (e.g. delivered, accepted)."""
    stmt = (
        select(func.count()).select_from(Offer).where(Offer.request_id == request_id, *conditions)
    )  # type: ignore[arg-type]
    return int((await session.exec(stmt)).one()[0])  # type: ignore[call-overload]
