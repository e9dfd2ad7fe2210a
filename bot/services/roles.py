"""Who may act as an operator, and the one check every operator command and button goes through.

Operators are the ids in OPERATOR_IDS (a setting: only the deployment changes them) and the
people an operator promoted (``operator_grant`` rows, with who and when in the audit trail).
``check`` is run before a handler reads anything else of the update, arguments included:
whoever is not an operator gets the same refusal for ``/approve`` as for ``/approve 42``, and
the refusal is recorded (``AuditKind.REFUSED``) so the command centre can see who tried what.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.notices import Notice, Outcome, Recipient, Result
from bot.services.notices.ops import OperatorDemoted, OperatorPromoted
from domain.enums import AuditKind
from storage import people, roles, teams
from storage.audit import audit


async def is_operator(session: AsyncSession, cfg: DispatchConfig, person_id: int) -> bool:
    return person_id in cfg.operator_ids or await roles.is_granted(session, person_id)


async def check(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    person_id: int,
    action: str,
    now: datetime,
    leaders: bool = False,
) -> Outcome:
    """OK for an operator (and, with ``leaders``, for anyone who leads a team: the use case
    then limits them to their own team); NOT_OPERATOR, recorded with the action tried, for
    anyone else."""
    out = Outcome()
    if await is_operator(session, cfg, person_id):
        return out
    if leaders and await teams.led_teams(session, person_id):
        return out
    await audit(
        session, kind=AuditKind.REFUSED, at=now, actor_id=person_id, detail={"action": action[:64]}
    )
    out.result = Result.NOT_OPERATOR
    return out


async def promote(
    session: AsyncSession, cfg: DispatchConfig, *, operator_id: int, person_id: int, now: datetime
) -> Outcome:
    """Make someone who wrote to the bot an operator; they are told who did it.

    Results: NOT_OPERATOR, UNKNOWN (never wrote to the bot), ALREADY.
    """
    out = Outcome()
    if not await is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    person = await people.get_person(session, person_id)
    if person is None:
        out.result = Result.UNKNOWN
        return out
    if person_id in cfg.operator_ids or not await roles.grant(
        session, person_id=person_id, by=operator_id, at=now
    ):
        out.result = Result.ALREADY
        return out
    await audit(
        session,
        kind=AuditKind.OPERATOR_PROMOTED,
        at=now,
        actor_id=operator_id,
        detail={"person_id": person_id, "before": "none", "after": "operator"},
    )
    by = await people.get_person(session, operator_id)
    out.tell(Notice(Recipient.of(person), OperatorPromoted(by.first_name if by else "")))
    return out


async def demote(
    session: AsyncSession, cfg: DispatchConfig, *, operator_id: int, person_id: int, now: datetime
) -> Outcome:
    """Take a promoted operator's role away (an OPERATOR_IDS one keeps it: SETTING).

    Results: NOT_OPERATOR, SETTING, UNKNOWN (not an operator).
    """
    out = Outcome()
    if not await is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    if person_id in cfg.operator_ids:
        out.result = Result.SETTING
        return out
    if not await roles.revoke(session, person_id=person_id):
        out.result = Result.UNKNOWN
        return out
    await audit(
        session,
        kind=AuditKind.OPERATOR_DEMOTED,
        at=now,
        actor_id=operator_id,
        detail={"person_id": person_id, "before": "operator", "after": "none"},
    )
    person = await people.get_person(session, person_id)
    if person is not None:
        out.tell(Notice(Recipient.of(person), OperatorDemoted()))
    return out


async def operator_ids(session: AsyncSession, cfg: DispatchConfig) -> list[int]:
    """Everyone who is an operator now: the setting's, then the promoted, oldest first."""
    granted = [pid for pid in await roles.granted_ids(session) if pid not in cfg.operator_ids]
    return sorted(cfg.operator_ids) + granted
