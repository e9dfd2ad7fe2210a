"""The volunteer programme: conduct, skills and equipment, verification, duty and position.

Only trained, verified, willing volunteers with the right means are ever
alerted; these use cases are the gate. Nothing proceeds before the code of
conduct is accepted, and nobody is alerted while pending.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import team_vetting, teams
from bot.services.config import DispatchConfig
from bot.services.notices import (
    Notice,
    OpsVerify,
    Outcome,
    PositionStale,
    Recipient,
    Result,
    VolunteerPending,
    VolunteerRejected,
    VolunteerVerified,
)
from domain.enums import AuditKind, VolunteerStatus
from domain.matching.eligibility import position_fresh
from domain.matching.region import in_service_area
from storage import people, requests, volunteers
from storage.audit import audit
from storage.models import Volunteer


async def get_profile(session: AsyncSession, person_id: int) -> Volunteer | None:
    return await volunteers.get_volunteer(session, person_id)


async def accept_conduct(session: AsyncSession, *, person_id: int, now: datetime) -> Outcome:
    """Record the code-of-conduct acceptance with its time; a second acceptance changes nothing."""
    out = Outcome()
    vol = await volunteers.get_volunteer(session, person_id)
    if (
        vol is not None
        and vol.conduct_accepted_at is not None
        and vol.status != VolunteerStatus.LEFT
    ):
        out.result = Result.ALREADY
        return out
    if vol is None:
        vol = Volunteer(person_id=person_id, created_at=now)
    vol.conduct_accepted_at = now
    if vol.status in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
        vol.status = VolunteerStatus.PENDING
        vol.submitted_at = None  # a new sign-up
    await volunteers.save(session, vol)
    await audit(session, kind=AuditKind.CONDUCT_ACCEPTED, at=now, actor_id=person_id)
    return out


async def set_skills(session: AsyncSession, *, person_id: int, skills: int) -> bool:
    return await volunteers.update_fields(session, person_id=person_id, skills=skills)


async def set_equipment(session: AsyncSession, *, person_id: int, equipment: int) -> bool:
    return await volunteers.update_fields(session, person_id=person_id, equipment=equipment)


async def submit(
    session: AsyncSession, cfg: DispatchConfig, *, person_id: int, now: datetime
) -> Outcome:
    """Sign-up complete: auto-verified (demos/tests only) or pending with a notice to every operator."""
    out = Outcome()
    vol = await volunteers.get_volunteer(session, person_id)
    person = await people.get_person(session, person_id)
    if vol is None or person is None or vol.conduct_accepted_at is None:
        out.result = Result.NO_CONDUCT
        return out
    if vol.status == VolunteerStatus.VERIFIED:
        out.result = Result.VERIFIED
        return out
    # Sign-up started from a team's invite: joined now, so that team's leaders are told too.
    team = await teams.join_after_signup(session, person_id=person_id, now=now)
    if team is not None:
        out.tell(teams.joined_notice(Recipient.of(person), team))
    if cfg.auto_verify:
        await volunteers.update_fields(
            session,
            person_id=person_id,
            status=VolunteerStatus.VERIFIED,
            verified_at=now,
            submitted_at=now,
            on_duty=True,
        )
        await audit(
            session,
            kind=AuditKind.VOLUNTEER_VERIFIED,
            at=now,
            actor_id=None,
            detail={"volunteer_id": person_id, "auto": True},
        )
        out.result = Result.VERIFIED
        return out
    await volunteers.update_fields(
        session, person_id=person_id, status=VolunteerStatus.PENDING, submitted_at=now
    )
    await audit(session, kind=AuditKind.VOLUNTEER_SUBMITTED, at=now, actor_id=person_id)
    out.result = Result.PENDING
    out.tell(Notice(Recipient.of(person), VolunteerPending()))
    for operator_id in sorted(cfg.operator_ids):
        operator = await people.get_person(session, operator_id)
        to = (
            Recipient.of(operator)
            if operator
            else Recipient(operator_id, operator_id, cfg.ops_language)
        )
        out.tell(
            Notice(
                to,
                OpsVerify(
                    volunteer_id=person_id,
                    name=person.first_name,
                    skills=vol.skills,
                    equipment=vol.equipment,
                    username=person.username or "",
                    phone=vol.phone or "",
                ),
            )
        )
    out.notices.extend(await team_vetting.leader_copies(session, vol=vol, person=person))
    return out


async def decide(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    volunteer_id: int,
    approve: bool,
    now: datetime,
) -> Outcome:
    """An operator approves or rejects a pending volunteer; the volunteer is told either way."""
    out = Outcome()
    # Operators, and the leaders of the volunteer's team (bot/services/team_vetting.py).
    out.result = await team_vetting.vetting_role(
        session, cfg, actor_id=operator_id, volunteer_id=volunteer_id
    )
    if out.result is not Result.OK:
        return out
    vol = await volunteers.get_volunteer(session, volunteer_id)
    person = await people.get_person(session, volunteer_id)
    if vol is None or person is None:
        out.result = Result.UNKNOWN
        return out
    target = VolunteerStatus.VERIFIED if approve else VolunteerStatus.REJECTED
    if not await volunteers.move_status(
        session,
        person_id=volunteer_id,
        from_status=VolunteerStatus.PENDING,
        to_status=target,
        verified_at=now if approve else None,
        verified_by=operator_id,
    ):
        out.result = Result.ALREADY
        return out
    await audit(
        session,
        kind=team_vetting.audit_kind(cfg, operator_id, approve),
        at=now,
        actor_id=operator_id,
        detail={"volunteer_id": volunteer_id},
    )
    out.tell(Notice(Recipient.of(person), VolunteerVerified() if approve else VolunteerRejected()))
    out.notices.extend(  # every copy of the approval notice now says who decided
        await team_vetting.decided_copies(
            session,
            volunteer_id=volunteer_id,
            name=person.first_name,
            decider_id=operator_id,
            approved=approve,
        )
    )
    return out


async def update_position(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    person_id: int,
    lat: float,
    lon: float,
    now: datetime,
    region: tuple[float, float, float, float],
    live_period_s: int | None = None,
) -> str:
    """Move a volunteer. Results: ok, outside (service area), not_volunteer (none, or left)."""
    if not in_service_area(lat, lon, region):
        return "outside"
    live_until = now + timedelta(seconds=live_period_s) if live_period_s else None
    ok = await volunteers.set_position(
        session, person_id=person_id, lat=lat, lon=lon, at=now, live_until=live_until
    )
    return "ok" if ok else "not_volunteer"


async def set_duty(
    session: AsyncSession, cfg: DispatchConfig, *, person_id: int, on: bool, now: datetime
) -> str:
    """Results: on, off, pending (not verified yet), no_position (share a location first), not_volunteer."""
    vol = await volunteers.get_volunteer(session, person_id)
    if vol is None or vol.status == VolunteerStatus.LEFT or vol.conduct_accepted_at is None:
        return "not_volunteer"
    if not on:
        await volunteers.set_duty(session, person_id=person_id, on_duty=False)
        return "off"
    if vol.status != VolunteerStatus.VERIFIED:
        return "pending"
    if not position_fresh(vol.position_at, now, cfg.position_max_age_s):
        return "no_position"
    await volunteers.set_duty(session, person_id=person_id, on_duty=True)
    return "on"


async def hours(session: AsyncSession, *, person_id: int) -> tuple[int, int]:
    """(confirmed minutes, confirmed jobs)."""
    return await requests.credited_minutes(session, person_id)


async def set_preferences(
    session: AsyncSession,
    *,
    person_id: int,
    radius_km: float | object | None = ...,
    quiet: tuple[int, int] | object | None = ...,
    max_alerts_per_hour: int | object = ...,
) -> bool:
    """Alert-fatigue controls; matching reads them on every request. ``...`` leaves a field alone."""
    values: dict[str, object] = {}
    if radius_km is not ...:
        values["radius_km"] = radius_km
    if quiet is not ...:
        start, end = quiet if isinstance(quiet, tuple) else (None, None)
        values["quiet_start_min"], values["quiet_end_min"] = start, end
    if max_alerts_per_hour is not ...:
        values["max_alerts_per_hour"] = max_alerts_per_hour
    return (
        await volunteers.update_fields(session, person_id=person_id, **values) if values else False
    )


async def set_phone(
    session: AsyncSession, *, person_id: int, phone: str | None, share: bool = False
) -> bool:
    """Store the volunteer's own number (from the contact button), or delete it with ``None``.

    Sharing the contact is not consent: the number is passed to a requester only
    once the volunteer has said yes to that (``share``, or ``set_phone_consent``).
    False when they are not a volunteer (or left).
    """
    vol = await volunteers.get_volunteer(session, person_id)
    if vol is None or vol.status == VolunteerStatus.LEFT:
        return False
    return await volunteers.update_fields(
        session, person_id=person_id, phone=phone, share_phone=share and phone is not None
    )


async def set_phone_consent(
    session: AsyncSession, *, person_id: int, share: bool, now: datetime
) -> str:
    """The volunteer's answer to 'share this number with the person whose request you accept?'.

    Results: ok, no_phone (nothing to share: withdrawn meanwhile), not_volunteer.
    """
    vol = await volunteers.get_volunteer(session, person_id)
    if vol is None or vol.status == VolunteerStatus.LEFT:
        return "not_volunteer"
    if not vol.phone:
        return "no_phone"
    await volunteers.update_fields(session, person_id=person_id, share_phone=share)
    await audit(
        session, kind=AuditKind.PHONE_CONSENT, at=now, actor_id=person_id, detail={"share": share}
    )
    return "ok"


async def verifier_name(session: AsyncSession, vol: Volunteer) -> str | None:
    """Who verified this volunteer: the operator's name (or id); None when automatic or not yet."""
    if vol.verified_by is None:
        return None
    operator = await people.get_person(session, vol.verified_by)
    return (operator.first_name if operator else "") or str(vol.verified_by)


async def leave(session: AsyncSession, *, person_id: int, now: datetime) -> str:
    """Ends volunteering: off duty, position forgotten. Credited hours stay with the record.

    Results: ok, busy (finish or release the current job first), not_volunteer.
    """
    vol = await volunteers.get_volunteer(session, person_id)
    if vol is None or vol.status == VolunteerStatus.LEFT:
        return "not_volunteer"
    if vol.busy_request_id is not None:
        return "busy"
    await volunteers.forget(session, person_id=person_id)
    await audit(session, kind=AuditKind.VOLUNTEER_LEFT, at=now, actor_id=person_id)
    return "ok"


async def stale_positions(session: AsyncSession, cfg: DispatchConfig, *, now: datetime) -> Outcome:
    """On-duty volunteers whose position stopped arriving: told once why alerts stopped and how to resume."""
    out = Outcome()
    cutoff = now - timedelta(seconds=cfg.position_max_age_s)
    for person_id in await volunteers.newly_stale(session, cutoff=cutoff, now=now):
        person = await people.get_person(session, person_id)
        if person is not None and not person.blocked:
            out.tell(Notice(Recipient.of(person), PositionStale()))
    return out


async def pending(session: AsyncSession) -> list[tuple[int, str]]:
    """Volunteers waiting for an operator: (id, first name), oldest first."""
    return await volunteers.pending_volunteers(session)
