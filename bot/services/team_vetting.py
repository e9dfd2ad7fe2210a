"""Leaders verify their own team's new members, beside the operators: first decision wins.

``volunteering.submit`` sends the approval notice to the operators and, through
``leader_copies``, to the leaders of the volunteer's team; every delivered copy is remembered
(the outbox's sender calls ``copy_delivered`` in the transaction that marks it sent). ``volunteering.decide`` asks ``vetting_role``
who may decide, and once the conditional status change has made someone the winner,
``decided_copies`` edits every copy to say who decided. A copy delivered after the decision
is edited at once.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.notices import MessageRef, Notice, OpsVerify, Recipient, Result
from bot.services.notices.teams import LeaderVerify, VettingDecided
from domain.enums import AuditKind, VolunteerStatus
from storage import people, volunteers
from storage import teams as store
from storage.models import Person, Volunteer


async def vetting_role(
    session: AsyncSession, cfg: DispatchConfig, *, actor_id: int, volunteer_id: int
) -> Result:
    """OK for an operator or a leader of the volunteer's team; OTHER_TEAM for another team's
    leader; NOT_OPERATOR for anyone else."""
    if await roles.is_operator(session, cfg, actor_id):
        return Result.OK
    member = await store.membership(session, volunteer_id)
    if member is not None and await store.is_leader(
        session, team_id=member.team_id, person_id=actor_id
    ):
        return Result.OK
    return Result.OTHER_TEAM if await store.led_teams(session, actor_id) else Result.NOT_OPERATOR


async def audit_kind(
    session: AsyncSession, cfg: DispatchConfig, actor_id: int, approve: bool
) -> AuditKind:
    """A leader's decision is audited as one: the operators' keep their own kinds."""
    if await roles.is_operator(session, cfg, actor_id):
        return AuditKind.VOLUNTEER_VERIFIED if approve else AuditKind.VOLUNTEER_REJECTED
    return AuditKind.LEADER_VERIFIED if approve else AuditKind.LEADER_REJECTED


async def leader_copies(session: AsyncSession, *, vol: Volunteer, person: Person) -> list[Notice]:
    """The approval notice for each leader of the new volunteer's team (none without a team)."""
    member = await store.membership(session, person.id)
    team = await store.get_team(session, member.team_id) if member else None
    if team is None:
        return []
    payload = LeaderVerify(
        volunteer_id=person.id,
        name=person.first_name,
        team=team.name,
        skills=vol.skills,
        equipment=vol.equipment,
        username=person.username or "",
    )
    return [
        Notice(Recipient.of(leader), payload)
        for leader in await store.leaders_of(session, team.id)  # type: ignore[arg-type]
        if not leader.blocked
    ]


async def decided_copies(
    session: AsyncSession, *, volunteer_id: int, name: str, decider_id: int, approved: bool
) -> list[Notice]:
    """An edit of every delivered copy of the approval notice: who decided, which way."""
    decider = await people.get_person(session, decider_id)
    payload = VettingDecided(
        volunteer_id=volunteer_id,
        name=name,
        decider=(decider.first_name if decider else "") or str(decider_id),
        approved=approved,
    )
    return [
        Notice(
            Recipient(None, c.chat_id, c.language),
            payload,
            edit=MessageRef(c.chat_id, c.message_id),
        )
        for c in await store.vetting_copies(session, volunteer_id)
    ]


async def vetting_delivered(
    session: AsyncSession, *, volunteer_id: int, chat_id: int, message_id: int, language: str
) -> list[Notice]:
    """Remember a delivered copy; if someone decided while it was on its way, edit it now."""
    await store.add_vetting_copy(
        session,
        volunteer_id=volunteer_id,
        chat_id=chat_id,
        message_id=message_id,
        language=language,
    )
    vol = await volunteers.get_volunteer(session, volunteer_id)
    person = await people.get_person(session, volunteer_id)
    if vol is None or person is None or vol.status == VolunteerStatus.PENDING:
        return []
    if vol.verified_by is None:
        return []
    late = await decided_copies(
        session,
        volunteer_id=volunteer_id,
        name=person.first_name,
        decider_id=vol.verified_by,
        approved=vol.status == VolunteerStatus.VERIFIED,
    )
    return [n for n in late if n.edit == MessageRef(chat_id, message_id)]


async def copy_delivered(
    session: AsyncSession, notice: Notice, *, message_id: int | None
) -> list[Notice]:
    """The outbox's hook for a sent notice: a new message of an approval notice (the
    operators' or a leader's copy) is remembered; any other notice is none of ours."""
    p = notice.payload
    if message_id is None or notice.edit is not None or not isinstance(p, OpsVerify | LeaderVerify):
        return []
    return await vetting_delivered(
        session,
        volunteer_id=p.volunteer_id,
        chat_id=notice.to.chat_id,
        message_id=message_id,
        language=notice.to.language,
    )
