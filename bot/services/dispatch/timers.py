"""What a request's due timer does, as its row says, and the citizen's answer to "did help come?".

Every open state has a next timer, so no request stays open, and no volunteer busy, for
ever. The schedule (settings in brackets, defaults in the README):

    dispatching  the next wave, the final wait, the escalation (ladder.py)
    assigned     a reminder to the volunteer every ARRIVAL_REMINDER_S, ARRIVAL_REMINDERS times
                 (the citizen told each time); then the check (below)
    on_scene     a reminder every ON_SCENE_REMINDER_S, ON_SCENE_REMINDERS times; then the check
    check        the citizen is asked whether help came (yes, it is being handled / no, nobody
                 came) and the volunteer told that without an update the job goes to others;
                 after HELP_CHECK_WAIT_S with no answer, or at once on "no", the job is taken
                 back and the ladder starts again, which escalates to the command centre when
                 it finds nobody; "yes" starts the on-scene reminders again
    completed    the auto-confirm (AUTO_CONFIRM_S)

``help_request.timer_step`` counts the steps fired in the current status (``move`` resets it
on every other move), so which step is next is read from the row, after a restart too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from bot.services.dispatch.approach import coming_view
from bot.services.dispatch.common import move, name_of, tell
from bot.services.dispatch.job import confirm, unassign
from bot.services.dispatch.ladder import advance, widen
from bot.services.notices import (
    ArrivalReminder,
    HelpCameAck,
    HelpCheck,
    JobLastCall,
    JobOnScene,
    JobTakenBack,
    OnSceneReminder,
    Outcome,
    Redispatched,
    Result,
)
from domain import lifecycle
from domain.enums import AuditKind, RequestStatus
from storage import approach as approach_rows
from storage import people, requests
from storage import timers as timer_rows
from storage.models import HelpRequest


def reminders(cfg: DispatchConfig, status: RequestStatus) -> int:
    """How many reminders the volunteer gets in this status before the citizen is asked."""
    return cfg.arrival_reminders if status == RequestStatus.ASSIGNED else cfg.on_scene_reminders


def reminder_every(cfg: DispatchConfig, status: RequestStatus) -> float:
    return cfg.arrival_reminder_s if status == RequestStatus.ASSIGNED else cfg.on_scene_reminder_s


def checking(cfg: DispatchConfig, req: HelpRequest) -> bool:
    """The citizen has been asked whether help came, and the answer is still awaited."""
    status = RequestStatus(req.status)
    return status in lifecycle.ACTIVE_JOB and req.timer_step > reminders(cfg, status)


async def on_timer(
    session: AsyncSession, cfg: DispatchConfig, *, request_id: int, now: datetime
) -> Outcome:
    """A request's timer fired: the next step of its status's schedule, as the row says.

    The row's ``next_timer_at`` is claimed with a conditional update first, so a
    duplicate or stale firing does nothing; a timer that fires early is re-armed.
    """
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or req.next_timer_at is None:
        out.result = Result.IDLE
        out.timers[request_id] = None
        return out
    if req.next_timer_at > now:
        out.result = Result.EARLY
        out.timers[request_id] = req.next_timer_at
        return out
    status = RequestStatus(req.status)
    if status == RequestStatus.DISPATCHING:
        await widen(session, cfg, req, now, out)
        return out
    if status == RequestStatus.COMPLETED:
        return await confirm(
            session, cfg, request_id=request_id, requester_id=None, solved=True, now=now
        )
    if status in lifecycle.ACTIVE_JOB and req.volunteer_id is not None:
        await _job_step(session, cfg, req, status, now, out)
        return out
    out.timers[request_id] = None  # a closed request has nothing left to do
    if not await _claim(session, req, now, None, step=req.timer_step):
        out.result = Result.IDLE
    return out


async def _claim(
    session: AsyncSession,
    req: HelpRequest,
    now: datetime,
    due: datetime | None,
    *,
    step: int,
    kind: AuditKind | None = None,
) -> bool:
    """Take this firing of the timer: conditional on the timer and step the row holds."""
    return await move(
        session,
        req,
        RequestStatus(req.status),
        now=now,
        kind=kind,
        extra_where=[
            HelpRequest.next_timer_at == req.next_timer_at,
            HelpRequest.timer_step == req.timer_step,
        ],
        next_timer_at=due,
        timer_step=step,
    )


async def _job_step(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    status: RequestStatus,
    now: datetime,
    out: Outcome,
) -> None:
    """Assigned or on scene: a reminder, then the check with the citizen, then take the job back."""
    assert req.id is not None
    step, allowed = req.timer_step, reminders(cfg, status)
    if step > allowed:  # the check went unanswered
        await take_back(session, cfg, req, now, out, kind=AuditKind.JOB_TIMED_OUT, actor_id=None)
        return
    if step == allowed:
        due = now + timedelta(seconds=cfg.help_check_wait_s)
        if await _claim(session, req, now, due, step=step + 1, kind=AuditKind.HELP_CHECK):
            out.timers[req.id] = due
            await _ask_citizen(session, cfg, req, status, out)
        return
    due = now + timedelta(seconds=reminder_every(cfg, status))
    kind = (
        AuditKind.ARRIVAL_REMINDER
        if status == RequestStatus.ASSIGNED
        else AuditKind.ON_SCENE_REMINDER
    )
    if not await _claim(session, req, now, due, step=step + 1, kind=kind):
        return
    out.timers[req.id] = due
    await _remind(session, req, status, now, out)


async def _remind(
    session: AsyncSession, req: HelpRequest, status: RequestStatus, now: datetime, out: Outcome
) -> None:
    """Ask the volunteer for an update; on the way, the citizen is told we asked."""
    assert req.id is not None and req.volunteer_id is not None
    if status == RequestStatus.ON_SCENE:
        await tell(session, out, req.volunteer_id, OnSceneReminder(req.id, req.incident))
        return
    await tell(session, out, req.volunteer_id, ArrivalReminder(req.id, req.incident))
    # The status message, edited: who is coming, how far (now, if they share it), since when.
    live = await approach_rows.of_request(session, req.id)
    ended = live is not None and live.until <= now
    view = await coming_view(
        session,
        req,
        now,
        row=live,
        reminded=True,
        live=live is not None and not ended,
        sharing_ended=ended,
    )
    await tell(session, out, req.requester_id, view)


async def _ask_citizen(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    status: RequestStatus,
    out: Outcome,
) -> None:
    assert req.id is not None and req.volunteer_id is not None
    on_scene = status == RequestStatus.ON_SCENE
    volunteer = await people.get_person(session, req.volunteer_id)
    check = HelpCheck(req.id, req.incident, name_of(volunteer), on_scene)
    await tell(session, out, req.requester_id, check)
    wait = round(cfg.help_check_wait_s)
    await tell(session, out, req.volunteer_id, JobLastCall(req.id, req.incident, on_scene, wait))


async def take_back(
    session: AsyncSession,
    cfg: DispatchConfig,
    req: HelpRequest,
    now: datetime,
    out: Outcome,
    *,
    kind: AuditKind,
    actor_id: int | None,
) -> bool:
    """The job goes back to dispatching: the volunteer told and freed, the ladder restarted
    (which escalates to the command centre when it finds nobody). False if it moved on."""
    assert req.id is not None
    volunteer_id = await unassign(
        session,
        req,
        now=now,
        kind=kind,
        actor_id=actor_id,
        extra_where=[HelpRequest.timer_step == req.timer_step],
        out=out,
    )
    if volunteer_id is None:
        return False
    no_show = kind == AuditKind.NO_SHOW
    await tell(session, out, volunteer_id, JobTakenBack(req.id, req.incident, no_show))
    alerted = await advance(session, cfg, req, now, out)
    if alerted:  # when nobody was alerted, the escalation told the citizen
        await tell(session, out, req.requester_id, Redispatched(req.id, alerted, req.incident))
    out.timers.setdefault(req.id, None)
    return True


async def help_came(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    request_id: int,
    requester_id: int,
    came: bool,
    now: datetime,
) -> Outcome:
    """The citizen answers "did help come?". Yes: the job stays, the on-scene reminders start
    again. No: the job is taken back and others are alerted at once.

    Only while the question is open (``checking``): a stale button changes nothing (CLOSED).
    """
    out = Outcome(request_id=request_id)
    req = await requests.lock_request(session, request_id)
    if req is None or req.requester_id != requester_id:
        out.result = Result.NOT_YOURS
        return out
    if not checking(cfg, req) or req.volunteer_id is None:
        out.result = Result.CLOSED
        return out
    if not came:
        if not await take_back(
            session, cfg, req, now, out, kind=AuditKind.NO_SHOW, actor_id=requester_id
        ):
            out.result = Result.CLOSED
        return out
    was = RequestStatus(req.status)
    due = now + timedelta(seconds=cfg.on_scene_reminder_s)
    if not await move(
        session,
        req,
        RequestStatus.ON_SCENE,
        now=now,
        kind=AuditKind.HELP_CAME,
        actor_id=requester_id,
        extra_where=[HelpRequest.timer_step == req.timer_step],
        next_timer_at=due,
        arrived_at=req.arrived_at or now,  # on scene by the citizen's word, if not by theirs
    ):
        out.result = Result.CLOSED
        return out
    out.timers[request_id] = due
    await tell(session, out, requester_id, HelpCameAck(request_id))
    if was == RequestStatus.ASSIGNED:  # on scene by the citizen's word: Done is the next button
        await tell(session, out, req.volunteer_id, JobOnScene(request_id))
    return out


async def fire_due(
    session: AsyncSession, cfg: DispatchConfig, *, now: datetime, skip: set[int]
) -> Outcome | None:
    """Claim one due timer (storage/timers.py: the row stays locked until this transaction
    ends, so no other worker fires it) and run its step; None when no due timer is free.

    The claimed id joins ``skip``, so a caller draining the due timers never fires one twice.
    """
    request_id = await timer_rows.claim_due(session, now=now, skip=skip)
    if request_id is None:
        return None
    skip.add(request_id)
    return await on_timer(session, cfg, request_id=request_id, now=now)


async def pending_timers(session: AsyncSession) -> dict[int, datetime]:
    """Every request timer the database holds (the tests' view of what is armed)."""
    return {
        r.id: r.next_timer_at
        for r in await requests.requests_with_timers(session)
        if r.id is not None and r.next_timer_at is not None
    }
