"""Steps and readers the team and digest tests share (tests/test_e2e_teams.py,
tests/test_e2e_digests.py): people who have written to the bot, a team made by an operator,
and what the database says about teams and audits."""

from __future__ import annotations

from sqlmodel import select

from bot.devtools.emulator import EmuUser
from bot.devtools.sandbox import Sandbox
from bot.services import teams
from domain.enums import AuditKind
from storage import teams as tstore
from storage.models import AuditEvent
from storage.types import utcnow
from tests.e2e_helpers import HERE

OPERATOR = 900
LEADER_A, LEADER_B = 800, 801


async def hello(box: Sandbox, uid: int, name: str, lang: str = "en") -> EmuUser:
    """Someone writes /start: from now on the bot knows them (and can name them leader)."""
    user = box.emu.user(uid, first_name=name, language_code=lang)
    await user.send("/start")
    await box.settle()
    return user


async def make_team(box: Sandbox, name: str, leader: int, *, city: str = "Riyadh") -> int:
    """A team around HERE, made by the operator straight through the use case; its id."""
    async with box.db.session() as s:
        out = await teams.create_team(
            s,
            box.app.bot_data["cfg"],
            now=utcnow(),
            operator_id=OPERATOR,
            name=name,
            city=city,
            lat=HERE[0],
            lon=HERE[1],
            radius_km=25,
            leader_ids=(leader,),
        )
    assert out.team_id is not None
    return out.team_id


async def code_of(box: Sandbox, team_id: int) -> str:
    async with box.db.session() as s:
        team = await tstore.get_team(s, team_id)
    assert team is not None
    return team.invite_code


async def team_of(box: Sandbox, pid: int) -> int | None:
    async with box.db.session() as s:
        m = await tstore.membership(s, pid)
    return m.team_id if m else None


async def audits(box: Sandbox, kind: AuditKind) -> list[AuditEvent]:
    async with box.db.session() as s:
        return list((await s.exec(select(AuditEvent).where(AuditEvent.kind == str(kind)))).all())
