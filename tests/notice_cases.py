"""One plausible set of parameters for every notice event, shared by the translation tests
(tests/test_i18n.py renders each in both languages; tests/test_i18n_counts.py reuses the
escalation's)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.notices import Event
from bot.services.team_notices import DayFigures, HandledLine, MemberMinutes, Readiness, RegionLine
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
    Event.JOB_ASSIGNED: [
        ASSIGNED,
        {**ASSIGNED, "description": "", "username": "", "phone": ""},
        {**ASSIGNED, "for_other": True, "scene_phone": "+966501112222"},
    ],
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
    Event.VOLUNTEER_REJECTED: [{}],
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
    Event.RELAYED: [
        {
            "request_id": 42,
            "origin": "citizen",
            "kind": "voice",
            "file_id": "f1",
            "with_request": True,
        },
        {"request_id": 42, "origin": "volunteer", "kind": "text", "text": "5 min", "sender_id": 7},
        {"request_id": 42, "origin": "citizen", "kind": "text", "text": "Blue car", "sender_id": 1},
        {"request_id": 42, "origin": "citizen", "kind": "photo", "file_id": "f2", "sender_id": 1},
    ],
    Event.RELAY_FAILED: [
        {"request_id": 42, "to": "volunteer"},
        {"request_id": 42, "to": "citizen"},
    ],
    Event.REQUEST_LIMITED: [
        {"incident": "fire", "limit": 5},
        {"incident": "breakdown", "limit": 1},
    ],
    # Hours (bot/services/notices_hours.py)
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
    # Teams (bot/services/team_notices.py)
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
}
