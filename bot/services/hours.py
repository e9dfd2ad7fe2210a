"""A volunteer's hours: the history (/hours), disputes and corrections, and the export.

Hours are worth something only if they can be trusted elsewhere (schools and employers ask
for them), so a credit changes only by a recorded correction (storage.hours): who, why,
before → after. The team a volunteer belongs to, and the team a leader leads, come from the
team hooks below (storage/teams.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import name_of, tell
from bot.services.notices import Outcome, Result
from bot.services.notices.hours import CreditCorrected, DisputeDecided, DisputeOpened
from domain.enums import AuditKind, CorrectionKind, CreditStatus
from domain.periods import Period, local_day, month_of
from storage import certificates, hours, people
from storage import teams as team_store
from storage.audit import audit
from storage.hours import ExportRow, JobRow
from storage.models import HelpRequest

PAGE_SIZE = 5
# An operator's reason is a sentence, not an essay; longer is cut (the correction row keeps it).
SHOWN = 20  # disputes listed by /disputes
MAX_REASON = 500


@dataclass(frozen=True)
class Summary:
    """What /hours shows: this month and all time by incident type, the rating, one page of jobs."""

    month: dict[str, tuple[int, int]]
    all_time: dict[str, tuple[int, int]]
    rating: float | None
    ratings: int
    jobs: list[JobRow]
    page: int
    pages: int


# --- the team hooks (storage/teams.py) ---------------------------------------------------


async def team_of(session: AsyncSession, volunteer_id: int) -> str | None:
    """The name of the volunteer's team, for certificates and exports; None without one."""
    member = await team_store.membership(session, volunteer_id)
    team = await team_store.get_team(session, member.team_id) if member else None
    return team.name if team else None


async def led_team(session: AsyncSession, person_id: int) -> tuple[str, list[int]] | None:
    """The team this person leads (the first, when several) and its members' ids, for a
    leader's export; None for someone who leads none."""
    led = await team_store.led_teams(session, person_id)
    if not led or led[0].id is None:
        return None
    crew = await team_store.member_volunteers(session, led[0].id)
    return led[0].name, [p.id for p, _ in crew if p.id is not None]


async def team_leaders(session: AsyncSession, volunteer_id: int) -> list[int]:
    """Who leads the volunteer's team: told of disputes and low ratings; [] without a team."""
    member = await team_store.membership(session, volunteer_id)
    if member is None:
        return []
    return [p.id for p in await team_store.leaders_of(session, member.team_id) if p.id is not None]


async def reviewers(session: AsyncSession, cfg: DispatchConfig, volunteer_id: int) -> list[int]:
    """Who decides on a volunteer's dispute or hears of a low rating: the team's leaders,
    or the operators when the volunteer has no team."""
    return await team_leaders(session, volunteer_id) or await roles.operator_ids(session, cfg)


# --- /hours ---------------------------------------------------------------------------------


def status_word(job: JobRow) -> str:
    """credited / waiting / disputed / corrected / not_credited: how /hours labels a job."""
    if job.status == CreditStatus.CONFIRMED:
        return "corrected" if job.corrected else "credited"
    return {
        CreditStatus.PENDING: "waiting",
        CreditStatus.DISPUTED: "disputed",
        CreditStatus.REJECTED: "not_credited",
    }.get(CreditStatus(job.status), "waiting")


async def summary(
    session: AsyncSession, *, person_id: int, now: datetime, page: int = 0
) -> Summary:
    month = month_of(local_day(now))
    lo, hi = month.utc_bounds()
    count = await hours.job_count(session, person_id)
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    avg, n = await certificates.rating_of(session, person_id)
    return Summary(
        month=await hours.totals_by_incident(session, person_id, since=lo, until=hi),
        all_time=await hours.totals_by_incident(session, person_id),
        rating=avg,
        ratings=n,
        jobs=await hours.jobs_of(session, person_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE),
        page=page,
        pages=pages,
    )


# --- disputes and corrections -----------------------------------------------------------------


async def dispute_opened(
    session: AsyncSession, cfg: DispatchConfig, out: Outcome, req: HelpRequest
) -> None:
    """A citizen said 'not solved': whoever decides is told (called by dispatch.confirm)."""
    if req.volunteer_id is None or req.id is None:
        return
    credit = await hours.credit_of_request(session, req.id)
    volunteer = await people.get_person(session, req.volunteer_id)
    payload = DisputeOpened(
        req.id, req.incident, name_of(volunteer), req.volunteer_id, credit.minutes if credit else 0
    )
    for pid in await reviewers(session, cfg, req.volunteer_id):
        await tell(session, out, pid, payload)


async def correct(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    request_id: int,
    minutes: int,
    reason: str,
    now: datetime,
) -> Outcome:
    """An operator sets a credited job's minutes. ALREADY: it has those minutes; TAKEN: another
    operator changed it between our read and our write (nothing recorded); CLOSED: the
    credit is not a credited one (a dispute is decided with /decide)."""
    out = Outcome(request_id=request_id)
    if not await roles.is_operator(session, cfg, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    credit = await hours.credit_of_request(session, request_id)
    if credit is None:
        out.result = Result.UNKNOWN
        return out
    if credit.status != CreditStatus.CONFIRMED:
        out.result = Result.CLOSED
        return out
    if credit.minutes == minutes:
        out.result = Result.ALREADY
        return out
    before = credit.minutes
    row = await hours.apply_correction(
        session,
        credit,
        kind=CorrectionKind.MINUTES,
        actor_id=operator_id,
        minutes=minutes,
        status=credit.status,
        reason=reason[:MAX_REASON],
        at=now,
    )
    if row is None:
        out.result = Result.TAKEN
        return out
    await audit(
        session,
        kind=AuditKind.CREDIT_CORRECTED,
        at=now,
        request_id=request_id,
        actor_id=operator_id,
        detail={"before": before, "after": minutes},
    )
    await tell(
        session,
        out,
        credit.volunteer_id,
        CreditCorrected(request_id, before, minutes, reason[:MAX_REASON]),
    )
    return out


async def decide_dispute(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    request_id: int,
    credit_it: bool,
    reason: str,
    now: datetime,
) -> Outcome:
    """Credit a disputed job or not, with a reason; once (the second decision is ALREADY).

    Operators decide any dispute; a team leader those of their own team's volunteers
    (NOT_YOURS for another team's), as the leaders are the ones told of it (``reviewers``)."""
    out = Outcome(request_id=request_id)
    is_operator = await roles.is_operator(session, cfg, operator_id)
    if not is_operator and not await team_store.led_teams(session, operator_id):
        out.result = Result.NOT_OPERATOR
        return out
    credit = await hours.credit_of_request(session, request_id)
    if credit is None:
        out.result = Result.UNKNOWN
        return out
    if not is_operator and operator_id not in await team_leaders(session, credit.volunteer_id):
        out.result = Result.NOT_YOURS
        return out
    if credit.status != CreditStatus.DISPUTED:
        decided = credit.status in (CreditStatus.REJECTED, CreditStatus.CONFIRMED)
        out.result = Result.ALREADY if decided else Result.CLOSED
        return out
    status = CreditStatus.CONFIRMED if credit_it else CreditStatus.REJECTED
    kind = CorrectionKind.CREDITED if credit_it else CorrectionKind.REJECTED
    row = await hours.apply_correction(
        session,
        credit,
        kind=kind,
        actor_id=operator_id,
        minutes=credit.minutes,
        status=status,
        reason=reason[:MAX_REASON],
        at=now,
    )
    if row is None:
        out.result = Result.ALREADY
        return out
    await audit(
        session,
        kind=AuditKind.DISPUTE_DECIDED,
        at=now,
        request_id=request_id,
        actor_id=operator_id,
        detail={"credited": credit_it, "minutes": credit.minutes},
    )
    told = DisputeDecided(request_id, credit_it, credit.minutes, reason[:MAX_REASON])
    await tell(session, out, credit.volunteer_id, told)
    return out


async def open_disputes(
    session: AsyncSession, cfg: DispatchConfig, *, person_id: int
) -> list[tuple[int, str, int]]:
    """(request id, volunteer name, minutes) of every undecided dispute, oldest first: all of
    them for an operator, a leader's own team's for a leader."""
    out: list[tuple[int, str, int]] = []
    operator = await roles.is_operator(session, cfg, person_id)
    for credit in await hours.open_disputes(session, limit=SHOWN if operator else 25 * SHOWN):
        if len(out) == SHOWN:
            break
        if not operator and person_id not in await team_leaders(session, credit.volunteer_id):
            continue
        volunteer = await people.get_person(session, credit.volunteer_id)
        out.append((credit.request_id, name_of(volunteer), credit.minutes))
    return out


# --- exports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    rows: list[tuple[ExportRow, str]]  # each credited job with its volunteer's team name
    team: str | None  # the leader's team, None for an operator's export of everyone


async def export(
    session: AsyncSession, cfg: DispatchConfig, *, person_id: int, period: Period
) -> Export | Result:
    """Operators export everyone; a team leader their own team only (led_team)."""
    members: list[int] | None = None
    team: str | None = None
    if not await roles.is_operator(session, cfg, person_id):
        led = await led_team(session, person_id)
        if led is None:
            return Result.NOT_OPERATOR
        team, members = led
    lo, hi = period.utc_bounds()
    rows = await hours.export_rows(session, lo=lo, hi=hi, volunteer_ids=members)
    teams: dict[int, str] = {}
    for row in rows:
        if row.volunteer_id not in teams:
            teams[row.volunteer_id] = await team_of(session, row.volunteer_id) or ""
    return Export([(row, teams[row.volunteer_id]) for row in rows], team)
