"""Teams through the real Application and the emulator: creating a team, joining by link, and
leaders who can act on their own team and on nobody else's."""

from __future__ import annotations

import pytest

from bot.devtools.sandbox import Sandbox, register_volunteer
from domain.enums import AuditKind, VolunteerStatus
from domain.incidents import Equipment
from storage import teams as tstore
from storage import volunteers as vstore
from storage.types import utcnow
from tests.e2e_helpers import HERE
from tests.factories import offset, volunteer
from tests.team_helpers import (
    LEADER_A,
    LEADER_B,
    OPERATOR,
    audits,
    code_of,
    hello,
    make_team,
    team_of,
)

pytestmark = pytest.mark.sandbox(operator_ids=frozenset({OPERATOR}))


async def test_operator_creates_a_team_step_by_step_and_the_leader_is_told(box: Sandbox) -> None:
    op = await hello(box, OPERATOR, "Ops")
    leader = await hello(box, LEADER_A, "Huda")
    stranger = await hello(box, 5, "Eve")
    await stranger.send("/newteam")
    await box.settle()
    assert "Only operators" in (stranger.last.text or "")
    for step in ("/newteam", "Falcons"):
        await op.send(step)
        await box.settle()
    await op.press("nt:city:Jeddah")
    await box.settle()
    await op.press("nt:r:25")
    await box.settle()
    await op.send("12345 999")  # nobody with these ids has written to the bot
    await box.settle()
    assert "12345, 999" in (op.last.text or "")
    await op.send(str(LEADER_A))
    await box.settle()
    created = op.last.text or ""
    assert "Team Falcons created" in created and "https://t.me/musaada_bot?start=team_" in created
    async with box.db.session() as s:
        (team,) = await tstore.all_teams(s)
        assert [p.id for p in await tstore.leaders_of(s, int(team.id))] == [LEADER_A]  # type: ignore[arg-type]
    assert (team.city, team.radius_km) == ("Jeddah", 25.0)
    assert team.invite_code in created
    assert "leader of the team Falcons" in (leader.last.text or "")
    assert len(await audits(box, AuditKind.TEAM_CREATED)) == 1
    assert len(await audits(box, AuditKind.TEAM_LEADER_ADDED)) == 1


async def test_join_by_link_valid_rotated_malformed_and_moving(box: Sandbox) -> None:
    await hello(box, LEADER_A, "Huda")
    leader_b = await hello(box, LEADER_B, "Omar")
    a = await make_team(box, "Falcons", LEADER_A)
    b = await make_team(box, "Hawks", LEADER_B)
    await volunteer(box.db, 10, HERE, utcnow())
    v = box.emu.user(10, first_name="Khalid", language_code="en")

    await v.send("/start team_!!bad")
    await box.settle()
    assert "not valid" in (v.last.text or "") and await team_of(box, 10) is None

    code_a = await code_of(box, a)
    await v.send(f"/start team_{code_a}")
    await box.settle()
    assert "invites you to join" in (v.last.text or "")
    await v.press(f"tj:{code_a}")
    await box.settle()
    assert "You joined the team Falcons" in (v.last.text or "")
    assert await team_of(box, 10) == a
    await v.send(f"/start team_{code_a}")
    await box.settle()
    assert "already in the team Falcons" in (v.last.text or "")

    # Team B's leader rotates B's link: the old link has expired, the new one asks to move.
    old_b = await code_of(box, b)
    await leader_b.send("/invite")
    await box.settle()
    await leader_b.press(f"tm:rot:{b}")
    await box.settle()
    new_b = await code_of(box, b)
    assert new_b != old_b and new_b in (leader_b.last.text or "")
    await v.send(f"/start team_{old_b}")
    await box.settle()
    assert "expired" in (v.last.text or "") and await team_of(box, 10) == a
    await v.send(f"/start team_{new_b}")
    await box.settle()
    assert "You are in the team Falcons. Leave it and join the team Hawks?" in (v.last.text or "")
    await v.press(f"tj:{new_b}")
    await box.settle()
    assert await team_of(box, 10) == b  # one team at a time: moved, not in both
    # An invite confirmed after its link was rotated has expired too.
    await v.send(f"/start team_{code_a}")
    await box.settle()
    async with box.db.session() as s:
        await tstore.set_code(s, team_id=a, code="rotatedXYZ")
    await v.press(f"tj:{code_a}")
    await box.settle()
    assert "expired" in (v.last.text or "") and await team_of(box, 10) == b

    await v.send("/leaveteam")
    await box.settle()
    await v.press(f"tm:lv:{b}")
    await box.settle()
    assert await team_of(box, 10) is None
    kinds = [e.kind for e in await audits(box, AuditKind.TEAM_JOINED)]
    assert len(kinds) == 2 and len(await audits(box, AuditKind.TEAM_LEFT)) == 1


async def test_a_newcomer_signs_up_first_and_the_leader_decides_first(box: Sandbox) -> None:
    op = await hello(box, OPERATOR, "Ops")
    leader = await hello(box, LEADER_A, "Huda")
    other_leader = await hello(box, LEADER_B, "Omar")
    a = await make_team(box, "Falcons", LEADER_A)
    await make_team(box, "Hawks", LEADER_B)
    code = await code_of(box, a)
    v = await hello(box, 20, "Sara")
    await v.send(f"/start team_{code}")
    await box.settle()
    assert "sign up" in (v.last.text or "")
    await v.press(f"tj:{code}")
    await box.settle()
    assert "First sign up as a volunteer" in (v.last.text or "")
    assert await team_of(box, 20) is None  # joins at the end of sign-up, not before
    await register_volunteer(
        box, v, skills=["fire"], equipment=[int(Equipment.EXTINGUISHER)], at=offset(*HERE, 1)
    )
    assert await team_of(box, 20) == a
    assert any("You joined the team Falcons" in (m.text or "") for m in v.messages)
    ops_copy = await op.wait_for(lambda m: "vet:ok:20" in m.button_data)
    lead_copy = await leader.wait_for(lambda m: "vet:ok:20" in m.button_data)
    assert "New member of your team Falcons" in (lead_copy.text or "")

    # Another team's leader, with a forged button: refused, nothing changes.
    cq = await other_leader.press_data(other_leader.last.message_id, "vet:ok:20")
    await box.settle()
    assert "not in your team" in box.emu.callback_answers[cq].get("text", "")
    async with box.db.session() as s:
        vol = await vstore.get_volunteer(s, 20)
    assert vol is not None and vol.status == VolunteerStatus.PENDING

    await leader.press("vet:ok:20")
    await box.settle()
    assert "approved by Huda" in (op.message(ops_copy.message_id).text or "")
    assert "approved by Huda" in (leader.message(lead_copy.message_id).text or "")
    cq = await op.press_data(ops_copy.message_id, "vet:no:20")  # too late: first decision won
    await box.settle()
    async with box.db.session() as s:
        vol = await vstore.get_volunteer(s, 20)
    assert (
        vol is not None and vol.status == VolunteerStatus.VERIFIED and vol.verified_by == LEADER_A
    )
    assert [e.actor_id for e in await audits(box, AuditKind.LEADER_VERIFIED)] == [LEADER_A]


async def test_a_leader_sees_and_acts_on_their_own_team_only(box: Sandbox) -> None:
    leader_a = await hello(box, LEADER_A, "Huda")
    await hello(box, LEADER_B, "Omar")
    a = await make_team(box, "Falcons", LEADER_A)
    b = await make_team(box, "Hawks", LEADER_B)
    now = utcnow()
    for pid, team in [(11, a), (12, a), (21, b)]:
        await volunteer(box.db, pid, HERE, now)
        async with box.db.session() as s:
            await tstore.set_membership(s, person_id=pid, team_id=team, at=now)

    await leader_a.send("/team")
    await box.settle()
    page = leader_a.last
    assert (
        "Falcons" in (page.text or "")
        and "P11" in (page.text or "")
        and "P21" not in (page.text or "")
    )
    await leader_a.send(f"/team {b}")
    await box.settle()
    assert "another team" in (leader_a.last.text or "")
    code_b = await code_of(box, b)
    for forged in (f"tm:rmy:{b}:21", f"tm:pg:{b}:0", f"tm:rot:{b}"):
        cq = await leader_a.press_data(page.message_id, forged)
        await box.settle()
        assert "another team" in box.emu.callback_answers[cq].get("text", ""), forged
    assert await team_of(box, 21) == b and await code_of(box, b) == code_b
    # A member of team B named with team A's id is not removed either.
    cq = await leader_a.press_data(page.message_id, f"tm:rmy:{a}:21")
    await box.settle()
    assert await team_of(box, 21) == b
    assert len(await audits(box, AuditKind.TEAM_REFUSED)) == 4

    await leader_a.press(f"tm:rm:{a}:12")
    await box.settle()
    await leader_a.press(f"tm:rmy:{a}:12")
    await box.settle()
    assert await team_of(box, 12) is None
    removed = await audits(box, AuditKind.TEAM_MEMBER_REMOVED)
    assert [(e.actor_id, e.detail) for e in removed] == [
        (LEADER_A, f'{{"team_id": {a}, "volunteer_id": 12}}')
    ]


async def test_team_list_is_paged(box: Sandbox) -> None:
    leader = await hello(box, LEADER_A, "Huda")
    a = await make_team(box, "Falcons", LEADER_A)
    now = utcnow()
    for pid in range(100, 125):
        await volunteer(box.db, pid, HERE, now)
        async with box.db.session() as s:
            await tstore.set_membership(s, person_id=pid, team_id=a, at=now)
    await leader.send("/team")
    await box.settle()
    assert "page 1 of 3" in (leader.last.text or "") and "25 members" in (leader.last.text or "")
    for page in (1, 2):
        await leader.press(f"tm:pg:{a}:{page}")
        await box.settle()
    last_page = leader.last.text or ""
    assert "page 3 of 3" in last_page and last_page.count("• ") == 5
