"""One plausible set of parameters for every notice event, shared by the translation tests
(tests/test_i18n.py renders each in both languages; tests/test_i18n_counts.py reuses the
escalation's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.notices import Area, Event, OpsEscalation, TimelineLine
from bot.services.notices.escalation import Decision
from bot.services.notices.ops import (
    JobLine,
    OpenRow,
    Spread,
    TimelineItem,
    TypeOutcome,
    VolunteerCard,
)
from bot.services.notices.ops import (
    Readiness as OpsReadiness,
)
from bot.services.notices.teams import DayFigures, HandledLine, MemberMinutes, Readiness, RegionLine
from domain.enums import OfferStatus
from domain.incidents import Equipment, IncidentType

ASSIGNED = {
    "request_id": 4711,
    "incident": "lost_desert",
    "lat": 24.7136,
    "lon": 46.6753,
    "description": "Blue Toyota",
    "requester": "John",
    "requester_id": 555001,
    "username": "john_doe",
    "phone": "+966 50 123 4567",
    "distance_m": 850.0,
}


AREA = {"city_en": "Riyadh", "city_ar": "الرياض", "km": 3}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# The command centre: the operators' views and what they tell volunteers and citizens.
_OPS_AREA = Area("Riyadh", "الرياض", 3)
_WAVE = TimelineItem(
    T0 + timedelta(seconds=5),
    "wave",
    "",
    ("Sarah", "John"),
    {"wave": 1, "radius_m": 5000, "alerted": 2, "volunteers": "10,11"},
)
_TIMELINE = (
    TimelineItem(T0, "created", "John", (), {"before": "dispatching", "after": "dispatching"}),
    _WAVE,
    TimelineItem(T0 + timedelta(seconds=40), "declined", "John"),
    TimelineItem(
        T0 + timedelta(seconds=50),
        "accepted",
        "Sarah",
        (),
        {"before": "dispatching", "after": "assigned"},
    ),
    TimelineItem(T0 + timedelta(minutes=9), "arrived", "Sarah"),
    TimelineItem(T0 + timedelta(minutes=30), "done", "Sarah", (), {"minutes": 30}),
    TimelineItem(T0 + timedelta(minutes=31), "confirmed", "John"),
    TimelineItem(
        T0 + timedelta(minutes=32),
        "reassigned",
        "Sarah",
        (),
        {"volunteer_id": 10, "reason": "Toyota"},
    ),
    TimelineItem(T0 + timedelta(minutes=33), "redispatched", "Sarah"),
    TimelineItem(T0 + timedelta(minutes=34), "ops_cancelled", "Sarah"),
    TimelineItem(T0 + timedelta(minutes=35), "alert_failed", ""),
    TimelineItem(T0 + timedelta(minutes=36), "auto_confirmed", ""),
    TimelineItem(T0 + timedelta(minutes=37), "disputed", "John"),
)
_CARD = VolunteerCard(
    status="suspended",
    skills=IncidentType.FIRE.bit | IncidentType.FIRST_AID.bit,
    equipment=int(Equipment.FIRST_AID_KIT),
    on_duty=False,
    position_at=T0,
    verified_at=T0,
    verified_by="Sarah",
    busy_request_id=42,
    minutes=95,
    jobs=3,
    alerted=12,
    accepted=4,
    declined=5,
    decided_at=T0,
    reason="Toyota",
    recent=(JobLine(42, "fire", "confirmed", T0),),
)
OPS_CASES: dict[Event, list[dict[str, object]]] = {
    Event.OPS_REQUEST_LIST: [
        {"page": 0, "pages": 1, "total": 0, "as_of": T0},
        {
            "page": 1,
            "pages": 3,
            "total": 20,
            "as_of": T0 + timedelta(minutes=75),
            "rows": (
                OpenRow(42, "fire", "dispatching", T0, _OPS_AREA),
                OpenRow(43, "flood", "assigned", T0, _OPS_AREA, "Sarah"),
                OpenRow(44, "rescue", "escalated", T0 + timedelta(minutes=70), _OPS_AREA),
            ),
        },
    ],
    Event.OPS_REQUEST_VIEW: [
        {
            "request_id": 42,
            "incident": "fire",
            "status": "assigned",
            "area": _OPS_AREA,
            "lat": 24.7136,
            "lon": 46.6753,
            "requester": "John",
            "requester_id": 5,
            "created_at": T0,
            "volunteer": "Sarah",
            "volunteer_id": 10,
            "description": "Blue Toyota",
            "timeline": _TIMELINE,
            "credit_minutes": 30,
            "credit_status": "pending",
            "can_cancel": True,
            "can_reassign": True,
        },
        {
            "request_id": 43,
            "incident": "flood",
            "status": "escalated",
            "area": _OPS_AREA,
            "lat": 24.7,
            "lon": 46.6,
            "requester": "John",
            "requester_id": 5,
            "created_at": T0,
            "can_cancel": True,
            "can_redispatch": True,
        },
    ],
    Event.OPS_AUDIT_VIEW: [{"request_id": 42, "entries": _TIMELINE}, {"request_id": 43}],
    Event.OPS_PERSON_VIEW: [
        {"person_id": 5, "name": "John"},
        {
            "person_id": 10,
            "name": "Sarah",
            "username": "sarah_k",
            "operator": True,
            "blocked": True,
            "block_reason": "Toyota",
            "requests_made": 2,
            "volunteer": _CARD,
        },
    ],
    Event.OPS_STATS: [
        {"period": "today", "city": "", "since": T0, "until": T0 + timedelta(hours=5)},
        {
            "period": "week",
            "city": "Riyadh",
            "since": T0,
            "until": T0 + timedelta(days=7),
            "total": 3,
            "by_type": (TypeOutcome("fire", "confirmed", 2), TypeOutcome("fire", "escalated", 1)),
            "first_alert": Spread(3, 2.0, 4.5),
            "first_accept": Spread(2, 45.0, 300.0),
            "arrival": Spread(1, 600.0, 600.0),
            "alerts": 10,
            "alerts_accepted": 2,
            "acceptance_rate": 0.2,
            "escalated": 1,
            "escalated_share": 1 / 3,
            "credited_minutes": 95,
            "readiness": (OpsReadiness("Riyadh", "fire", 4, 3),),
        },
    ],
    Event.OPERATOR_PROMOTED: [{"by": "Sarah"}, {"by": ""}],
    Event.OPERATOR_DEMOTED: [{}],
    Event.VOLUNTEER_SUSPENDED: [
        {"reason": "Toyota"},
        {"reason": "Toyota", "released_request_id": 42},
    ],
    Event.VOLUNTEER_REINSTATED: [{}],
    Event.REQUEST_CLOSED_BY_OPS: [{"request_id": 42, "incident": "fire"}],
    Event.SEARCH_RESTARTED: [{"request_id": 42, "alerted": 1}, {"request_id": 42, "alerted": 5}],
    Event.VOLUNTEER_REPLACED: [{"request_id": 42, "alerted": 0}, {"request_id": 42, "alerted": 12}],
    Event.JOB_REASSIGNED: [{"request_id": 42, "incident": "rescue"}],
    Event.REQUEST_BLOCKED: [{"incident": "fire"}, {"incident": "breakdown"}],
}

# An operator's answer to an escalation: the copies edited, the citizen told.
_ESCALATION = OpsEscalation(
    request_id=42,
    incident="fire",
    lat=24.7136,
    lon=46.6753,
    requester="John",
    requester_id=555001,
    created_at=T0,
    alerted=2,
    declined=1,
    area=_OPS_AREA,
    timeline=(
        TimelineLine(T0, "created", {}),
        TimelineLine(T0 + timedelta(minutes=2), "escalated", {}),
        TimelineLine(T0 + timedelta(minutes=3), "wider_search", {"radius_m": 40000}),
    ),
    description="Blue Toyota",
)
_DECIDED: list[dict[str, object]] = [
    {
        "escalation": _ESCALATION,
        "decision": Decision.WIDER,
        "by": "Sarah",
        "alerted": n,
        "radius_m": 40000,
    }
    for n in (1, 3, 11)
]
_DECIDED += [
    {"escalation": _ESCALATION, "decision": Decision.NAMED, "by": "Sarah", "volunteer": "John"},
    {"escalation": _ESCALATION, "decision": Decision.OFFICIALS, "by": ""},
    {"escalation": _ESCALATION, "decision": Decision.FALSE_ALARM, "by": "Sarah"},
]
ESCALATION_CASES: dict[Event, list[dict[str, object]]] = {
    Event.ESCALATION_DECIDED: _DECIDED,
    Event.HANDED_TO_OFFICIALS: [{"request_id": 42, "incident": "fire"}],
    Event.FALSE_ALARM_CLOSED: [{"request_id": 42, "incident": "breakdown"}],
}  # fmt: skip

# One plausible parameter set per event (as bot/services/dispatch.py and volunteering.py send
# them); events with several shapes get several.
CASES: dict[Event, list[dict[str, object]]] = {
    Event.REQUEST_CREATED: [
        {"request_id": 42, "incident": "fire", "alerted": 3},
        {"request_id": 42, "incident": "breakdown", "alerted": 1},
    ],
    Event.SEARCH_WIDENED: [{"request_id": 42, "alerted": 5}],
    Event.OFFER: [
        {"request_id": 42, "incident": "flood", **AREA, "distance_m": 1830.0, "offer_id": 9}
    ],
    Event.OFFER_CLOSED: [{"reason": str(s), "incident": "first_aid"} for s in OfferStatus],
    Event.EXACT_LOCATION: [{"request_id": 42, "lat": 24.7136, "lon": 46.6753}],
    Event.JOB_ASSIGNED: [ASSIGNED, {**ASSIGNED, "description": "", "username": "", "phone": ""}],
    Event.VOLUNTEER_COMING: [
        {"request_id": 42, "volunteer": "Sarah", "distance_m": 640.0},
        {"request_id": 42, "volunteer": "Sarah", "distance_m": 2640.0, "phone": "+966501234567"},
    ],
    Event.VOLUNTEER_ARRIVED: [{"request_id": 42, "volunteer": "Sarah"}],
    Event.JOB_ON_SCENE: [{"request_id": 42}],
    Event.CONFIRM_DONE: [{"request_id": 42, "volunteer": "Sarah"}],
    Event.JOB_DONE_ACK: [{"request_id": 42, "minutes": 45}],
    Event.VOLUNTEER_RELEASED: [{"request_id": 42, "alerted": 2}],
    Event.JOB_RELEASED_ACK: [{"request_id": 42}],
    Event.REQUEST_CANCELLED: [{"request_id": 42}],
    Event.JOB_CANCELLED: [{"request_id": 42, "incident": "entrapment"}],
    Event.HOURS_CREDITED: [
        {"request_id": 42, "minutes": 45, "total_minutes": 615, "jobs": 7},
        {"request_id": 42, "minutes": 1, "total_minutes": 1, "jobs": 1},
    ],
    Event.CREDIT_DISPUTED: [{"request_id": 42}],
    Event.THANKS: [{"request_id": 42, "incident": "fire"}],
    Event.DISPUTE_ACK: [{"request_id": 42, "incident": "fire"}],
    Event.NO_VOLUNTEER: [
        {"request_id": 42, "incident": "lost_desert", "ops_told": True},
        {"request_id": 42, "incident": "fire", "ops_told": False},
    ],
    Event.OPS_ESCALATION: [
        {
            "request_id": 42,
            "incident": "lost_desert",
            "lat": 24.7136,
            "lon": 46.6753,
            "description": "Blue Toyota",
            "requester": "John",
            "username": "john_doe",
            "requester_id": 555001,
            "created_at": T0,
            "alerted": 11,
            "declined": 2,
            "timeline": [],  # see test_escalation_timeline_is_translated
            **AREA,
        }
    ],
    Event.OPS_CANCELLED: [{"request_id": 42, "incident": "flood"}],
    Event.ARRIVAL_REMINDER: [{"request_id": 42, "incident": "rescue"}],
    Event.STATUS_UPDATE: [{"request_id": 42, "volunteer": "Sarah"}],
    Event.AUTO_CONFIRMED: [{"request_id": 42}],
    Event.VOLUNTEER_PENDING: [{}],
    Event.OPS_VERIFY: [
        {
            "volunteer_id": 777,
            "name": "Sarah",
            "username": "sarah_k",
            "skills": IncidentType.FIRE.bit | IncidentType.FIRST_AID.bit,
            "equipment": int(Equipment.FIRST_AID_KIT | Equipment.EXTINGUISHER),
            "phone": "+966 55 000 1111",
        },
        {
            "volunteer_id": 778,
            "name": "John",
            "username": "",
            "skills": 0,
            "equipment": 0,
            "phone": "",
        },
    ],
    Event.VOLUNTEER_VERIFIED: [{}],
    Event.VOLUNTEER_REJECTED: [{}, {"again_at": T0 + timedelta(days=30)}],
    Event.POSITION_STALE: [{}],
    Event.ON_SCENE_REMINDER: [{"request_id": 42, "incident": "flood"}],
    Event.HELP_CHECK: [
        {"request_id": 42, "incident": "fire", "volunteer": "Sarah", "on_scene": False},
        {"request_id": 42, "incident": "breakdown", "volunteer": "Sarah", "on_scene": True},
    ],
    Event.JOB_LAST_CALL: [
        {"request_id": 42, "incident": "rescue", "on_scene": False, "wait_s": 600},
        {"request_id": 42, "incident": "rescue", "on_scene": True, "wait_s": 30},
    ],
    Event.HELP_CAME_ACK: [{"request_id": 42}],
    Event.JOB_TAKEN_BACK: [
        {"request_id": 42, "incident": "entrapment", "no_show": True},
        {"request_id": 42, "incident": "entrapment", "no_show": False},
    ],
    Event.REDISPATCHED: [{"request_id": 42, "alerted": n} for n in (1, 2, 3, 11)],
    Event.REQUEST_LIMITED: [
        {"incident": "fire", "limit": 5},
        {"incident": "breakdown", "limit": 1},
    ],
    # Hours (bot/services/notices/hours.py)
    Event.DISPUTE_OPENED: [
        {
            "request_id": 42,
            "incident": "fire",
            "volunteer": "Sarah",
            "volunteer_id": 7,
            "minutes": 35,
        }
    ],
    Event.DISPUTE_DECIDED: [
        {"request_id": 42, "credited": True, "minutes": 35, "reason": "✔️ 14:30"},
        {"request_id": 42, "credited": False, "minutes": 35, "reason": "✖️"},
    ],
    Event.CREDIT_CORRECTED: [
        {"request_id": 42, "before": 300, "after": 90, "reason": "11:00–12:30"}
    ],
    Event.LOW_RATING: [
        {"request_id": 42, "volunteer": "John", "volunteer_id": 7, "rating": 1, "comment": ""},
        {"request_id": 42, "volunteer": "Sarah", "volunteer_id": 7, "rating": 2, "comment": "🙏"},
    ],
    # Teams (bot/services/notices/teams.py)
    Event.LEADER_NAMED: [{"team_id": 3, "team": "Falcons"}],
    Event.LEADER_VERIFY: [
        {
            "volunteer_id": 777,
            "name": "Sarah",
            "team": "Falcons",
            "username": "sarah_k",
            "skills": IncidentType.FIRE.bit,
            "equipment": int(Equipment.EXTINGUISHER),
        }
    ],
    Event.VETTING_DECIDED: [
        {"volunteer_id": 777, "name": "Sarah", "decider": "John", "approved": True},
        {"volunteer_id": 777, "name": "Sarah", "decider": "John", "approved": False},
    ],
    Event.TEAM_JOINED: [{"team": "Falcons"}],
    Event.TEAM_REMOVED: [{"team": "Falcons"}],
    Event.TEAM_MOVED: [{"team": "Falcons"}],
    Event.DAILY_DIGEST: [
        {"team": "Falcons", "until": T0, "members": 4, "on_duty": 1},  # a quiet day
        {
            "team": "Falcons",
            "until": T0,
            "members": 4,
            "on_duty": 2,
            "handled": (
                HandledLine(41, "fire", "Sarah", 35, 600, "confirmed"),
                HandledLine(42, "flood", "John", 95, None, "assigned"),
            ),
            "credited": (MemberMinutes("Sarah", 75),),
            "region": tuple(
                RegionLine(50 + i, "lost_desert", kind, T0)
                for i, kind in enumerate(
                    ("unanswered", "escalated", "stalled_dispatch", "stalled_arrival")
                )
            ),
            "open_in_region": 1,
            "pending": ("John",),
            "stale": ("Sarah",),
            "readiness": (Readiness("fire", 2, 3), Readiness("flood", 0, 1)),
        },
    ],
    Event.WEEKLY_DIGEST: [
        {
            "team": "Falcons",
            "until": T0,
            "members": 4,
            "days": tuple(DayFigures(f"2026-02-{23 + i}", 30 * i, i % 3) for i in range(7)),
            "unanswered": 1,
            "escalated": 2,
        }
    ],
    **OPS_CASES,
    **ESCALATION_CASES,
}
