"""Certificates of volunteer hours: issued once, recorded as stated, verifiable by their code.

What a certificate states is frozen at issue (``Statement``, stored as canonical JSON with
its SHA-256), so verifying reads the record, never a regeneration from data that has moved
on. A correction to any job the certificate counted, made after it was issued, makes it
*superseded*; an operator can *revoke* one; a code we never issued is *forged*.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import roles
from bot.services.config import DispatchConfig
from bot.services.dispatch.common import name_of
from bot.services.hours import team_of
from bot.services.notices import Result
from domain.enums import AuditKind
from domain.periods import EPOCH, Period, local_day
from storage import certificates, hours, people
from storage.audit import audit
from storage.hours_models import Certificate

# Crockford-like: no 0/O, 1/I/L, U; 12 characters (about 59 bits) in three groups of four.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


class Verdict(StrEnum):
    GENUINE = "genuine"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # hours it counted were corrected after it was issued
    FORGED = "forged"  # no such code, or a record that no longer matches its hash


@dataclass(frozen=True)
class Statement:
    """Everything a certificate states; its JSON is what the hash covers."""

    code: str
    volunteer_id: int
    name: str
    language: str
    start: date
    end: date
    minutes: int
    jobs: tuple[tuple[str, int, int], ...]  # (incident, jobs, minutes), most minutes first
    team: str | None
    issued_at: datetime

    def to_json(self) -> str:
        data = asdict(self)
        data.update(
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            issued_at=self.issued_at.isoformat(),
            jobs=[list(j) for j in self.jobs],
        )
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, stored: str) -> Statement:
        data = json.loads(stored)
        data.update(
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            issued_at=datetime.fromisoformat(data["issued_at"]),
            jobs=tuple((str(i), int(n), int(m)) for i, n, m in data["jobs"]),
        )
        return cls(**data)

    @property
    def job_count(self) -> int:
        return sum(n for _, n, _ in self.jobs)


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    statement: Statement | None = None
    revoked_at: datetime | None = None


def digest(statement_json: str) -> str:
    return hashlib.sha256(statement_json.encode("utf-8")).hexdigest()


def normalise_code(text: str) -> str:
    """What a person types or the deep link carries: any case, with or without dashes."""
    return re.sub(r"[\s\-_]", "", text).upper()


def pretty_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


async def _new_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not await certificates.code_taken(session, code):
            return code


async def issue(
    session: AsyncSession, *, person_id: int, period: Period, language: str, now: datetime
) -> Statement | None:
    """Record a certificate of the credited hours in ``period``; None when there are none."""
    if period.start == EPOCH:  # "all my hours": from the first credited job, not from 2020
        first = await hours.first_credited_at(session, person_id)
        if first is None:
            return None
        period = Period(min(local_day(first), period.end), period.end)
    lo, hi = period.utc_bounds()
    totals = await hours.totals_by_incident(session, person_id, since=lo, until=hi)
    if not totals:
        return None
    volunteer = await people.get_person(session, person_id)
    jobs = tuple(sorted(((i, n, m) for i, (n, m) in totals.items()), key=lambda j: (-j[2], j[0])))
    statement = Statement(
        code=await _new_code(session),
        volunteer_id=person_id,
        name=name_of(volunteer),
        language=language,
        start=period.start,
        end=period.end,
        minutes=sum(m for _, _, m in jobs),
        jobs=jobs,
        team=await team_of(session, person_id),
        issued_at=now,
    )
    stored = statement.to_json()
    await certificates.add_certificate(
        session,
        Certificate(
            code=statement.code,
            volunteer_id=person_id,
            statement=stored,
            sha256=digest(stored),
            issued_at=now,
        ),
    )
    await audit(
        session,
        kind=AuditKind.CERTIFICATE_ISSUED,
        at=now,
        actor_id=person_id,
        detail={"code": statement.code, "minutes": statement.minutes},
    )
    return statement


async def verify(session: AsyncSession, *, code: str) -> Verification:
    wanted = normalise_code(code)
    if not _CODE.match(wanted):
        return Verification(Verdict.FORGED)
    cert = await certificates.certificate_by_code(session, wanted)
    if cert is None or digest(cert.statement) != cert.sha256:
        return Verification(Verdict.FORGED)
    statement = Statement.from_json(cert.statement)
    if cert.revoked_at is not None:
        return Verification(Verdict.REVOKED, statement, cert.revoked_at)
    lo, hi = Period(statement.start, statement.end).utc_bounds()
    if await hours.corrected_since(
        session, statement.volunteer_id, lo=lo, hi=hi, since=cert.issued_at
    ):
        return Verification(Verdict.SUPERSEDED, statement)
    return Verification(Verdict.GENUINE, statement)


async def revoke(
    session: AsyncSession,
    cfg: DispatchConfig,
    *,
    operator_id: int,
    code: str,
    reason: str,
    now: datetime,
) -> Result:
    """OK, NOT_OPERATOR, UNKNOWN (no such certificate) or ALREADY (revoked before)."""
    act = await roles.as_operator(session, cfg, operator_id, now)
    if act is None:
        return Result.NOT_OPERATOR
    wanted = normalise_code(code)
    if await certificates.certificate_by_code(session, wanted) is None:
        return Result.UNKNOWN
    if not await certificates.revoke(session, wanted, by=operator_id, reason=reason, at=now):
        return Result.ALREADY
    await act.audit(AuditKind.CERTIFICATE_REVOKED, code=wanted)
    return Result.OK
