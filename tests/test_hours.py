"""Hours you can prove, on SQLite and PostgreSQL: arithmetic, disputes, corrections (also two
operators at once), certificates (the PDF read back, verification of every kind) and the CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from bot.documents.certificate_pdf import certificate_pdf, verify_link
from bot.documents.hours_csv import COLUMNS, hours_csv
from bot.services import certificates, feedback, hours
from bot.services.certificates import Verdict, pretty_code
from bot.services.config import DispatchConfig
from bot.services.dispatch.job import credit_minutes
from bot.services.notices import Result
from bot.services.notices.hours import CreditCorrected, DisputeDecided, LowRating
from bot.services.retention import redact_closed
from domain.enums import CreditStatus
from domain.periods import Period
from storage import certificates as store
from storage import hours as hours_store
from storage.db import Database
from tests.factories import person
from tests.hours_data import job

OPS = 500
CFG = DispatchConfig(operator_ids=frozenset({OPS, 501}))
NOW = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
ISOLATES = re.compile("[\u2066-\u2069]")


def test_credit_minutes_round_up_and_cap() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert credit_minutes(t0, t0, 480) == 1
    assert credit_minutes(t0, t0 + timedelta(seconds=61), 480) == 2
    assert credit_minutes(t0, t0 + timedelta(minutes=30), 480) == 30
    assert credit_minutes(t0, t0 + timedelta(hours=20), 480) == 480


async def test_summary_by_month_type_and_status(db: Database) -> None:
    await person(db, 10, name="Khalid")
    await job(db, 10, incident="fire", minutes=40, at=NOW - timedelta(days=1))
    await job(db, 10, incident="fire", minutes=20, at=JUNE)
    await job(db, 10, incident="flood", minutes=90, at=JUNE)
    await job(db, 10, incident="first_aid", minutes=15, at=NOW, status=CreditStatus.PENDING)
    await job(db, 10, incident="rescue", minutes=60, at=NOW, status=CreditStatus.DISPUTED)
    async with db.session() as s:
        got = await hours.summary(s, person_id=10, now=NOW)
    assert got.month == {"fire": (1, 40)}  # pending and disputed count nowhere
    assert got.all_time == {"fire": (2, 60), "flood": (1, 90)}
    assert got.pages == 1 and len(got.jobs) == 5
    assert [hours.status_word(j) for j in got.jobs[:2]] == ["waiting", "disputed"] or [
        hours.status_word(j) for j in got.jobs[:2]
    ] == ["disputed", "waiting"]
    assert got.rating is None


async def test_history_pages(db: Database) -> None:
    await person(db, 10)
    for i in range(12):
        await job(db, 10, incident="fire", minutes=i + 1, at=JUNE + timedelta(hours=i))
    async with db.session() as s:
        first = await hours.summary(s, person_id=10, now=NOW, page=0)
        last = await hours.summary(s, person_id=10, now=NOW, page=99)
    assert first.pages == 3 and [j.minutes for j in first.jobs] == [12, 11, 10, 9, 8]
    assert last.page == 2 and [j.minutes for j in last.jobs] == [2, 1]


async def test_a_dispute_is_decided_once_with_a_reason(db: Database) -> None:
    await person(db, 10)
    rid = await job(db, 10, incident="fire", minutes=45, at=JUNE, status=CreditStatus.DISPUTED)
    async with db.session() as s:
        nobody = await hours.decide_dispute(
            s, CFG, operator_id=10, request_id=rid, credit_it=True, reason="x", now=NOW
        )
        out = await hours.decide_dispute(
            s, CFG, operator_id=OPS, request_id=rid, credit_it=True, reason="photos", now=NOW
        )
        again = await hours.decide_dispute(
            s, CFG, operator_id=501, request_id=rid, credit_it=False, reason="no", now=NOW
        )
    assert nobody.result == Result.NOT_OPERATOR
    assert out.result == Result.OK and again.result == Result.ALREADY
    assert [n.payload for n in out.notices] == [DisputeDecided(rid, True, 45, "photos")]
    async with db.session() as s:
        rows = await hours_store.corrections_of(s, rid)
        got = await hours.summary(s, person_id=10, now=NOW)
        exported = await hours_store.export_rows(s, lo=JUNE - timedelta(1), hi=NOW)
    assert [(r.before_status, r.after_status, r.actor_id, r.reason) for r in rows] == [
        ("disputed", "confirmed", OPS, "photos")
    ]
    assert got.all_time == {"fire": (1, 45)}
    assert [(e.how, e.confirmed_by) for e in exported] == [("operator", OPS)]


async def test_a_correction_is_a_recorded_row(db: Database) -> None:
    await person(db, 10)
    rid = await job(db, 10, incident="fire", minutes=300, at=JUNE)
    async with db.session() as s:
        out = await hours.correct(
            s, CFG, operator_id=OPS, request_id=rid, minutes=90, reason="left at 11", now=NOW
        )
        same = await hours.correct(
            s, CFG, operator_id=OPS, request_id=rid, minutes=90, reason="again", now=NOW
        )
        unknown = await hours.correct(
            s, CFG, operator_id=OPS, request_id=999, minutes=5, reason="?", now=NOW
        )
    assert (out.result, same.result, unknown.result) == (Result.OK, Result.ALREADY, Result.UNKNOWN)
    assert [n.payload for n in out.notices] == [CreditCorrected(rid, 300, 90, "left at 11")]
    async with db.session() as s:
        rows = await hours_store.corrections_of(s, rid)
        got = await hours.summary(s, person_id=10, now=NOW)
        exported = await hours_store.export_rows(s, lo=JUNE - timedelta(1), hi=NOW)
    assert [(r.before_minutes, r.after_minutes, r.kind) for r in rows] == [(300, 90, "minutes")]
    assert got.all_time == {"fire": (1, 90)}
    assert hours.status_word(got.jobs[0]) == "corrected"
    assert [(e.minutes, e.how) for e in exported] == [(90, "citizen")]  # still the citizen's


async def test_two_operators_correcting_at_once_apply_once(db: Database) -> None:
    await person(db, 10)
    rid = await job(db, 10, incident="fire", minutes=300, at=JUNE)

    async def correct(operator: int) -> Result:
        async with db.session() as s:
            out = await hours.correct(
                s, CFG, operator_id=operator, request_id=rid, minutes=120, reason="r", now=NOW
            )
            await asyncio.sleep(0)  # both hold their transaction open together
            return out.result

    results = await asyncio.gather(correct(OPS), correct(501))
    assert sorted(results) == sorted([Result.OK, Result.TAKEN]) or sorted(results) == sorted(
        [Result.OK, Result.ALREADY]
    )
    async with db.session() as s:
        assert len(await hours_store.corrections_of(s, rid)) == 1


async def test_the_stale_read_loses(db: Database) -> None:
    """The conditional update itself: a credit read before another operator's change."""
    await person(db, 10)
    rid = await job(db, 10, incident="fire", minutes=300, at=JUNE)
    async with db.session() as s:
        stale = await hours_store.credit_of_request(s, rid)
    async with db.session() as s:
        await hours.correct(
            s, CFG, operator_id=OPS, request_id=rid, minutes=100, reason="a", now=NOW
        )
    assert stale is not None
    async with db.session() as s:
        from domain.enums import CorrectionKind

        lost = await hours_store.apply_correction(
            s,
            stale,
            kind=CorrectionKind.MINUTES,
            actor_id=501,
            minutes=50,
            status="confirmed",
            reason="b",
            at=NOW,
        )
        assert lost is None
        assert [r.after_minutes for r in await hours_store.corrections_of(s, rid)] == [100]


# --- certificates -------------------------------------------------------------------------


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), ISOLATES.sub("", reader.pages[0].extract_text())


@pytest.mark.parametrize(
    ("lang", "name"), [("en", "Fatima Al-Zahrani"), ("ar", "فاطمة Fatima الزهراني")]
)
async def test_certificate_pdf_reads_back(db: Database, lang: str, name: str) -> None:
    await person(db, 10, name=name, lang=lang)
    await job(db, 10, incident="fire", minutes=90, at=JUNE)
    await job(db, 10, incident="flood", minutes=60, at=JUNE + timedelta(days=1))
    async with db.session() as s:
        st = await certificates.issue(
            s,
            person_id=10,
            period=Period(date(2026, 1, 1), date(2026, 6, 30)),
            language=lang,
            now=NOW,
        )
    assert st is not None and st.minutes == 150 and st.job_count == 2
    pages, text = _text(certificate_pdf(st, bot_username="musaada_bot"))
    assert pages == 1
    assert pretty_code(st.code) in text
    for word in name.split():  # Arabic comes out in visual order, so word by word
        assert word in text, (word, text)
    hours_words = "2 hours and 30 minutes" if lang == "en" else "30"
    assert hours_words in text and "2" in text
    assert verify_link("musaada_bot", st.code) in text


async def test_no_hours_no_certificate(db: Database) -> None:
    await person(db, 10)
    await job(db, 10, incident="fire", minutes=90, at=JUNE, status=CreditStatus.PENDING)
    async with db.session() as s:
        st = await certificates.issue(
            s,
            person_id=10,
            period=Period(date(2026, 1, 1), date(2026, 6, 30)),
            language="en",
            now=NOW,
        )
    assert st is None


async def test_verification_genuine_forged_revoked_superseded(db: Database) -> None:
    await person(db, 10, name="Sara")
    rid = await job(db, 10, incident="fire", minutes=90, at=JUNE)
    period = Period(date(2026, 6, 1), date(2026, 6, 30))
    async with db.session() as s:
        a = await certificates.issue(s, person_id=10, period=period, language="en", now=NOW)
        b = await certificates.issue(s, person_id=10, period=period, language="ar", now=NOW)
    assert a is not None and b is not None and a.code != b.code
    async with db.session() as s:
        genuine = await certificates.verify(s, code=pretty_code(a.code).lower())
        forged = await certificates.verify(s, code="ABCD-EFGH-JKMN")
        junk = await certificates.verify(s, code="'; drop table certificate; --")
    assert genuine.verdict == Verdict.GENUINE and genuine.statement == a
    assert forged.verdict == Verdict.FORGED and junk.verdict == Verdict.FORGED
    async with db.session() as s:
        assert (
            await certificates.revoke(s, CFG, operator_id=10, code=a.code, reason="", now=NOW)
            == Result.NOT_OPERATOR
        )
        assert (
            await certificates.revoke(s, CFG, operator_id=OPS, code=a.code, reason="typo", now=NOW)
            == Result.OK
        )
        assert (
            await certificates.revoke(s, CFG, operator_id=501, code=a.code, reason="", now=NOW)
            == Result.ALREADY
        )
        assert (await certificates.verify(s, code=a.code)).verdict == Verdict.REVOKED
        # A correction after issue supersedes the other certificate; it still states 90 minutes.
        await hours.correct(
            s,
            CFG,
            operator_id=OPS,
            request_id=rid,
            minutes=60,
            reason="r",
            now=NOW + timedelta(minutes=1),
        )
        superseded = await certificates.verify(s, code=b.code)
    assert superseded.verdict == Verdict.SUPERSEDED
    assert superseded.statement is not None and superseded.statement.minutes == 90


async def test_a_tampered_record_does_not_verify(db: Database) -> None:
    await person(db, 10)
    await job(db, 10, incident="fire", minutes=90, at=JUNE)
    async with db.session() as s:
        st = await certificates.issue(
            s,
            person_id=10,
            period=Period(date(2026, 6, 1), date(2026, 6, 30)),
            language="en",
            now=NOW,
        )
    assert st is not None
    from sqlalchemy import text

    async with db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            text("UPDATE certificate SET statement = replace(statement, :a, :b)").bindparams(
                a='"minutes":90', b='"minutes":900'
            )
        )
    async with db.session() as s:
        assert (await certificates.verify(s, code=st.code)).verdict == Verdict.FORGED


# --- export -------------------------------------------------------------------------------


async def test_csv_round_trips_arabic_names(db: Database) -> None:
    await person(db, 10, name="نورة Nora العتيبي")
    await person(db, 11, name="Omar")
    await job(db, 10, incident="fire", minutes=90, at=JUNE)
    await job(db, 11, incident="flood", minutes=30, at=JUNE, decided_by=None)  # auto-confirmed
    await job(db, 11, incident="flood", minutes=30, at=JUNE, status=CreditStatus.PENDING)
    async with db.session() as s:
        result = await hours.export(
            s, CFG, person_id=OPS, period=Period(date(2026, 6, 1), date(2026, 6, 30))
        )
        refused = await hours.export(
            s, CFG, person_id=10, period=Period(date(2026, 6, 1), date(2026, 6, 30))
        )
    assert refused == Result.NOT_OPERATOR  # no team leads anything yet: only operators export
    assert not isinstance(result, Result)
    data = hours_csv(result.rows)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS)
    assert [
        (r["volunteer_id"], r["name"], r["date"], r["minutes"], r["confirmed_how"]) for r in rows
    ] == [
        ("10", "نورة Nora العتيبي", "2026-06-10", "90", "citizen"),
        ("11", "Omar", "2026-06-10", "30", "auto"),
    ]
    assert rows[0]["confirmed_by"] == "900" and rows[1]["confirmed_by"] == ""
    assert datetime.fromisoformat(rows[0]["done_at"]) == JUNE


# --- feedback -------------------------------------------------------------------------------


async def test_rating_average_and_low_rating_flag(db: Database) -> None:
    await person(db, 10, name="Khalid")
    await person(db, OPS)
    await person(db, 501)
    a = await job(db, 10, incident="fire", minutes=30, at=JUNE, requester_id=900)
    b = await job(db, 10, incident="fire", minutes=30, at=JUNE, requester_id=901)
    async with db.session() as s:
        good = await feedback.rate(s, CFG, request_id=a, citizen_id=900, rating=5, now=NOW)
        again = await feedback.rate(s, CFG, request_id=a, citizen_id=900, rating=1, now=NOW)
        foreign = await feedback.rate(s, CFG, request_id=b, citizen_id=900, rating=1, now=NOW)
        low = await feedback.rate(s, CFG, request_id=b, citizen_id=901, rating=2, now=NOW)
    assert (good.result, again.result, foreign.result) == (
        Result.OK,
        Result.ALREADY,
        Result.NOT_YOURS,
    )
    assert good.notices == []
    assert sorted(n.to.person_id or 0 for n in low.notices) == [OPS, 501]
    assert {n.payload for n in low.notices} == {LowRating(b, "Khalid", 10, 2, "")}
    emoji = "🙏🙏🙏"
    async with db.session() as s:
        said = await feedback.comment(s, CFG, citizen_id=901, text=emoji, now=NOW)
        late = await feedback.comment(s, CFG, citizen_id=901, text="more", now=NOW)
        got = await hours.summary(s, person_id=10, now=NOW)
    assert said.result == Result.OK and late.result == Result.UNKNOWN
    assert {n.payload for n in said.notices} == {LowRating(b, "Khalid", 10, 2, emoji)}
    assert got.rating == 3.5 and got.ratings == 2


async def test_retention_forgets_comments_and_keeps_the_hours_record(db: Database) -> None:
    """The comment is the citizen's free text (like the details): it goes with the request's.
    The stars, the corrections and the certificates are the volunteer's hours: they stay."""
    await person(db, 10, name="Khalid")
    await person(db, OPS)
    rid = await job(db, 10, incident="fire", minutes=30, at=JUNE, requester_id=900)
    kept = await job(db, 10, incident="fire", minutes=30, at=NOW, requester_id=901)
    period = Period(date(2026, 6, 1), date(2026, 7, 31))
    async with db.session() as s:
        for request_id, citizen in ((rid, 900), (kept, 901)):
            await feedback.rate(
                s, CFG, request_id=request_id, citizen_id=citizen, rating=2, now=NOW
            )
            await feedback.comment(
                s, CFG, citizen_id=citizen, text="Villa 12, the blue gate", now=NOW
            )
        await hours.correct(
            s, CFG, operator_id=OPS, request_id=rid, minutes=45, reason="stayed", now=NOW
        )
        cert = await certificates.issue(s, person_id=10, period=period, language="en", now=NOW)
    assert cert is not None
    later = JUNE + timedelta(days=31)  # the June job is past RETENTION_DAYS, July's is not
    async with db.session() as s:
        assert await redact_closed(s, retention_days=30, now=later) == 1
    async with db.session() as s:
        old, recent = await store.feedback_of(s, rid), await store.feedback_of(s, kept)
        assert old is not None and old.comment is None and old.rating == 2
        assert recent is not None and recent.comment == "Villa 12, the blue gate"
        assert [c.after_minutes for c in await hours_store.corrections_of(s, rid)] == [45]
        assert (await certificates.verify(s, code=cert.code)).verdict == Verdict.GENUINE
        assert (await hours.summary(s, person_id=10, now=NOW)).rating == 2.0
