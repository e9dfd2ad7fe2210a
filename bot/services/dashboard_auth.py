"""Signing operators in to the web dashboard without passwords: a one-time link from the bot.

``/dashboard`` (operators only) gets a link that expires in DASHBOARD_LINK_TTL_S; opening it
and pressing Sign in spends it (a conditional update: of two browsers, exactly one signs in)
and starts a session that lasts DASHBOARD_SESSION_S. The secrets travel only to the
operator's private chat and to their browser's cookie; the database keeps their SHA-256, so
a copy of it signs nobody in. Every session is checked against the role on every call: a
demoted operator is signed out at once. Every link, sign-in, refusal and sign-out is an
audit record.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import resolve_language
from bot.services import roles
from bot.services.config import DispatchConfig
from domain.enums import AuditKind
from storage import dashboard as store
from storage import people
from storage.audit import audit


class SignIn(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # no such link (mistyped, forged, or never issued)
    USED = "used"  # spent already
    EXPIRED = "expired"
    NOT_OPERATOR = "not_operator"  # the person is no longer an operator


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    result: SignIn
    token: str = ""  # the session's secret, for the cookie
    person_id: int | None = None
    expires_at: datetime | None = None


def digest(secret: str) -> str:
    """What is stored of a link's or a session's secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


async def issue_link(
    session: AsyncSession, cfg: DispatchConfig, *, person_id: int, ttl_s: float, now: datetime
) -> Issued | None:
    """A fresh one-time link's secret for an operator; None (recorded) for anyone else."""
    if not await roles.is_operator(session, cfg, person_id):
        await _refused(session, now, person_id, "link")
        return None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_s)
    await store.add_link(
        session, token_hash=digest(token), person_id=person_id, now=now, expires_at=expires
    )
    await audit(
        session,
        kind=AuditKind.DASHBOARD_LINK,
        at=now,
        actor_id=person_id,
        detail={"expires_s": round(ttl_s)},
    )
    return Issued(token, expires)


async def link_state(
    session: AsyncSession, cfg: DispatchConfig, *, token: str, now: datetime
) -> SignIn:
    """Whether a link would sign in now (the page with the Sign in button), without spending it."""
    link = await store.get_link(session, digest(token))
    if link is None:
        return SignIn.UNKNOWN
    if link.used_at is not None:
        return SignIn.USED
    if link.expires_at <= now:
        return SignIn.EXPIRED
    if not await roles.is_operator(session, cfg, link.person_id):
        return SignIn.NOT_OPERATOR
    return SignIn.OK


async def sign_in(
    session: AsyncSession, cfg: DispatchConfig, *, token: str, session_s: float, now: datetime
) -> SignedIn:
    """Spend the link and start a session; any refusal is recorded with its reason."""
    state = await link_state(session, cfg, token=token, now=now)
    link = await store.get_link(session, digest(token))
    person_id = link.person_id if link is not None else None
    if state is SignIn.OK and not await store.spend_link(
        session, token_hash=digest(token), now=now
    ):
        state = SignIn.USED  # another browser spent it a moment ago
    if state is not SignIn.OK:
        await _refused(session, now, person_id, str(state))
        return SignedIn(state, person_id=person_id)
    assert person_id is not None
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=session_s)
    await store.add_session(
        session, token_hash=digest(secret), person_id=person_id, now=now, expires_at=expires
    )
    await audit(session, kind=AuditKind.DASHBOARD_SIGNED_IN, at=now, actor_id=person_id)
    return SignedIn(SignIn.OK, secret, person_id, expires)


@dataclass(frozen=True)
class Operator:
    person_id: int
    name: str
    language: str


async def operator_of(
    session: AsyncSession, cfg: DispatchConfig, *, token: str, now: datetime
) -> Operator | None:
    """The operator a session cookie belongs to, while the session lives and the role holds."""
    found = await store.live_session(session, token_hash=digest(token), now=now)
    if found is None or not await roles.is_operator(session, cfg, found.person_id):
        return None
    person = await people.get_person(session, found.person_id)
    if person is None:
        return None
    language = resolve_language(person.language, person.telegram_language)
    return Operator(found.person_id, person.first_name, language)


async def sign_out(session: AsyncSession, *, token: str, person_id: int, now: datetime) -> bool:
    if not await store.end_session(session, token_hash=digest(token), now=now):
        return False
    await audit(session, kind=AuditKind.DASHBOARD_SIGNED_OUT, at=now, actor_id=person_id)
    return True


async def _refused(session: AsyncSession, now: datetime, person_id: int | None, why: str) -> None:
    await audit(
        session,
        kind=AuditKind.DASHBOARD_REFUSED,
        at=now,
        actor_id=person_id,
        detail={"reason": why[:64]},
    )
