"""Teams: operators create them and name leaders; volunteers join by invite link; leaders
answer for their own team and nobody else's.

Every use case that acts on a team goes through ``authorize``: an operator may act on any
team, a leader only on the teams they lead. A leader of team A reaching for team B (by
command, an old button or a forged callback) gets ``Result.OTHER_TEAM``, the refusal is
audited, and nothing changes. Every change is an audit record with its actor.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.notices import Notice, Outcome, Recipient, Result
from bot.services.notices.teams import LeaderNamed, TeamJoined, TeamMoved, TeamRemoved
from domain.enums import AuditKind, VolunteerStatus
from storage import people, volunteers
from storage import teams as store
from storage.audit import audit
from storage.team_models import Team
from storage.teams import MemberRow

# What a deep link may carry after "team_" (Telegram allows A-Z a-z 0-9 _ - in a start parameter).
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
PAGE_SIZE = 10


def new_code() -> str:
    """A fresh invite code: 8 URL-safe characters, unguessable (48 random bits)."""
    return secrets.token_urlsafe(6)


@dataclass
class TeamOutcome(Outcome):
    """An outcome that also names the team it made or changed."""

    team_id: int | None = None


async def authorize(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    actor_id: int,
    team_id: int,
    action: str,
    now: datetime,
) -> Result:
    """OK for an operator or a leader of this team; otherwise a refusal, audited."""
    if await roles.is_operator(session, cfg, actor_id):
        return Result.OK if await store.get_team(session, team_id) else Result.UNKNOWN
    if await store.is_leader(session, team_id=team_id, person_id=actor_id):
        return Result.OK
    led = await store.led_teams(session, actor_id)
    refusal = Result.OTHER_TEAM if led else Result.NOT_YOURS
    await audit(
        session,
        kind=AuditKind.TEAM_REFUSED,
        at=now,
        actor_id=actor_id,
        detail={"team_id": team_id, "action": action, "result": str(refusal)},
    )
    return refusal


# --- operators: teams and leaders -----------------------------------------------------------


async def create_team(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    operator_id: int,
    name: str,
    city: str | None,
    lat: float,
    lon: float,
    radius_km: float,
    leader_ids: tuple[int, ...],
) -> TeamOutcome:
    out = TeamOutcome()
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    team = await store.add_team(
        session,
        Team(
            name=name.strip()[:64],
            city=city,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            invite_code=new_code(),
            created_by=operator_id,
            created_at=now,
        ),
    )
    assert team.id is not None
    out.team_id = team.id
    await audit(
        session,
        kind=AuditKind.TEAM_CREATED,
        at=now,
        actor_id=operator_id,
        detail={"team_id": team.id, "name": team.name, "city": city, "radius_km": radius_km},
    )
    for person_id in leader_ids:
        out.merge(
            await add_leader(
                session, cfg, now=now, actor_id=operator_id, team_id=team.id, person_id=person_id
            )
        )
    return out


async def add_leader(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    actor_id: int,
    team_id: int,
    person_id: int,
) -> TeamOutcome:
    """An operator names a leader; the person must have written to the bot (we need their chat)."""
    out = TeamOutcome(team_id=team_id)
    team = await store.get_team(session, team_id)
    person = await people.get_person(session, person_id)
    if not await roles.is_operator(session, cfg, actor_id):
        out.result = Result.NOT_OPERATOR
    elif team is None or person is None:
        out.result = Result.UNKNOWN
    elif not await store.add_leader(
        session, team_id=team_id, person_id=person_id, named_by=actor_id, at=now
    ):
        out.result = Result.ALREADY
    else:
        await audit(
            session,
            kind=AuditKind.TEAM_LEADER_ADDED,
            at=now,
            actor_id=actor_id,
            detail={"team_id": team_id, "leader_id": person_id},
        )
        out.tell(Notice(Recipient.of(person), LeaderNamed(team_id=team_id, team=team.name)))
    return out


async def remove_leader(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    actor_id: int,
    team_id: int,
    person_id: int,
) -> TeamOutcome:
    out = TeamOutcome(team_id=team_id)
    if not await roles.is_operator(session, cfg, actor_id):
        out.result = Result.NOT_OPERATOR
    elif not await store.remove_leader(session, team_id=team_id, person_id=person_id):
        out.result = Result.UNKNOWN
    else:
        await audit(
            session,
            kind=AuditKind.TEAM_LEADER_REMOVED,
            at=now,
            actor_id=actor_id,
            detail={"team_id": team_id, "leader_id": person_id},
        )
    return out


async def move_member(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    operator_id: int,
    person_id: int,
    team_id: int,
) -> TeamOutcome:
    """An operator moves a volunteer into a team (out of the one they were in)."""
    out = TeamOutcome(team_id=team_id)
    team = await store.get_team(session, team_id)
    person = await people.get_person(session, person_id)
    vol = await volunteers.get_volunteer(session, person_id)
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    if team is None or person is None or vol is None or vol.status == VolunteerStatus.LEFT:
        out.result = Result.UNKNOWN
        return out
    current = await store.membership(session, person_id)
    if current is not None and current.team_id == team_id:
        out.result = Result.ALREADY
        return out
    before = await store.set_membership(session, person_id=person_id, team_id=team_id, at=now)
    await audit(
        session,
        kind=AuditKind.TEAM_MOVED,
        at=now,
        actor_id=operator_id,
        detail={"volunteer_id": person_id, "from_team": before, "to_team": team_id},
    )
    out.tell(Notice(Recipient.of(person), TeamMoved(team=team.name)))
    return out


# --- invites --------------------------------------------------------------------------------


class InviteState:
    MALFORMED = "malformed"
    EXPIRED = "expired"  # well formed, but no team carries it now (rotated, or never issued)
    MEMBER = "member"  # already in this team
    OTHER_TEAM = "other_team"  # in another team: joining is a move, asked to confirm
    SIGN_UP = "sign_up"  # not a volunteer yet: sign-up first, joined at the end
    JOIN = "join"


@dataclass(frozen=True)
class Invite:
    state: str
    team: Team | None = None
    current: Team | None = None  # the team they are in now (state OTHER_TEAM)


async def inspect_invite(session: AsyncSession, *, person_id: int, code: str) -> Invite:
    """What opening this invite means for this person; changes nothing."""
    if not CODE_RE.fullmatch(code):
        return Invite(InviteState.MALFORMED)
    team = await store.team_by_code(session, code)
    if team is None:
        return Invite(InviteState.EXPIRED)
    vol = await volunteers.get_volunteer(session, person_id)
    if vol is None or vol.status in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
        return Invite(InviteState.SIGN_UP, team)
    if vol.status == VolunteerStatus.PENDING and vol.submitted_at is None:
        return Invite(InviteState.SIGN_UP, team)  # a sign-up left half-way
    current = await store.membership(session, person_id)
    if current is not None and current.team_id == team.id:
        return Invite(InviteState.MEMBER, team)
    if current is not None:
        return Invite(InviteState.OTHER_TEAM, team, await store.get_team(session, current.team_id))
    return Invite(InviteState.JOIN, team)


async def join(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, person_id: int, code: str
) -> TeamOutcome:
    """The volunteer confirmed joining (or moving to) the team whose code they hold.

    The code is checked again: a link rotated between opening and confirming has expired.
    Someone who is not a volunteer yet is remembered and joins at the end of sign-up.
    """
    out = TeamOutcome()
    invite = await inspect_invite(session, person_id=person_id, code=code)
    if invite.team is None:
        out.result = Result.CLOSED
        return out
    team_id = invite.team.id
    assert team_id is not None
    out.team_id = team_id
    if invite.state == InviteState.MEMBER:
        out.result = Result.ALREADY
        return out
    if invite.state == InviteState.SIGN_UP:
        await store.set_join_pending(session, person_id=person_id, team_id=team_id, at=now)
        out.result = Result.PENDING
        return out
    before = await store.set_membership(session, person_id=person_id, team_id=team_id, at=now)
    await audit(
        session,
        kind=AuditKind.TEAM_JOINED,
        at=now,
        actor_id=person_id,
        detail={"team_id": team_id, "from_team": before, "by": "invite"},
    )
    return out


async def join_after_signup(session: AsyncSession, *, person_id: int, now: datetime) -> Team | None:
    """At the end of sign-up: join the team whose invite started it, if one did and still exists."""
    team_id = await store.take_join_pending(session, person_id)
    team = await store.get_team(session, team_id) if team_id is not None else None
    if team is None:
        return None
    before = await store.set_membership(session, person_id=person_id, team_id=team_id, at=now)  # type: ignore[arg-type]
    await audit(
        session,
        kind=AuditKind.TEAM_JOINED,
        at=now,
        actor_id=person_id,
        detail={"team_id": team_id, "from_team": before, "by": "sign_up"},
    )
    return team


def joined_notice(person: Recipient, team: Team) -> Notice:
    return Notice(person, TeamJoined(team=team.name))


async def leave_team(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, person_id: int
) -> TeamOutcome:
    out = TeamOutcome()
    current = await store.membership(session, person_id)
    if current is None:
        out.result = Result.UNKNOWN
        return out
    out.team_id = current.team_id
    await store.drop_membership(session, person_id=person_id)
    await audit(
        session,
        kind=AuditKind.TEAM_LEFT,
        at=now,
        actor_id=person_id,
        detail={"team_id": current.team_id},
    )
    return out


async def rotate_code(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, actor_id: int, team_id: int
) -> TeamOutcome:
    """A new invite code; links with the old one say they expired from now on."""
    out = TeamOutcome(team_id=team_id)
    out.result = await authorize(
        session, cfg, actor_id=actor_id, team_id=team_id, action="rotate", now=now
    )
    if out.result is Result.OK:
        await store.set_code(session, team_id=team_id, code=new_code())
        await audit(
            session,
            kind=AuditKind.TEAM_CODE_ROTATED,
            at=now,
            actor_id=actor_id,
            detail={"team_id": team_id},
        )
    return out


# --- leaders: their own team -----------------------------------------------------------------


async def remove_member(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    actor_id: int,
    team_id: int,
    person_id: int,
) -> TeamOutcome:
    out = TeamOutcome(team_id=team_id)
    out.result = await authorize(
        session, cfg, actor_id=actor_id, team_id=team_id, action="remove", now=now
    )
    if out.result is not Result.OK:
        return out
    team = await store.get_team(session, team_id)
    if not await store.drop_membership(session, person_id=person_id, team_id=team_id):
        out.result = Result.ALREADY  # not (or no longer) in this team
        return out
    await audit(
        session,
        kind=AuditKind.TEAM_MEMBER_REMOVED,
        at=now,
        actor_id=actor_id,
        detail={"team_id": team_id, "volunteer_id": person_id},
    )
    person = await people.get_person(session, person_id)
    if person is not None and team is not None:
        out.tell(Notice(Recipient.of(person), TeamRemoved(team=team.name)))
    return out


@dataclass(frozen=True)
class TeamPage:
    team: Team
    members: list[MemberRow]
    page: int
    pages: int
    total: int
    leaders: list[str] = field(default_factory=list)


async def team_page(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    now: datetime,
    actor_id: int,
    team_id: int,
    page: int,
    tz: tzinfo,
) -> tuple[Result, TeamPage | None]:
    """One page of a team's members, for its leaders and the operators only."""
    result = await authorize(
        session, cfg, actor_id=actor_id, team_id=team_id, action="view", now=now
    )
    team = await store.get_team(session, team_id)
    if result is not Result.OK or team is None:
        return result, None
    total = await store.member_count(session, team_id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    local = now.astimezone(tz)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = await store.members(
        session, team_id, month_start=month_start, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    leaders = [p.first_name for p in await store.leaders_of(session, team_id)]
    return Result.OK, TeamPage(team, rows, page, pages, total, leaders)


async def led_teams(session: AsyncSession, person_id: int) -> list[Team]:
    return await store.led_teams(session, person_id)


async def get_team(session: AsyncSession, team_id: int) -> Team | None:
    return await store.get_team(session, team_id)


async def all_teams(session: AsyncSession) -> list[Team]:
    return await store.all_teams(session)


async def team_of(session: AsyncSession, person_id: int) -> Team | None:
    current = await store.membership(session, person_id)
    return await store.get_team(session, current.team_id) if current else None


async def known_people(session: AsyncSession, ids: tuple[int, ...]) -> set[int]:
    """Which of these ids have written to the bot (only they can be reached as leaders)."""
    return {i for i in ids if await people.get_person(session, i) is not None}
