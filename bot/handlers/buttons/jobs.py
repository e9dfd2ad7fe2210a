"""The buttons on an alert, a job and a request, and the operators' verification buttons;
each carries the row it acts on, range-checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.buttons._base import _ID, _alternatives, _full
from bot.handlers.inputs import PERSON_ID_MAX, RECORD_ID_MAX, bounded_id

# --- alerts, jobs, requests, verification -------------------------------------------------


class OfferAction(StrEnum):
    ACCEPT = "acc"
    DECLINE = "dec"


class JobAction(StrEnum):
    ARRIVED = "arr"
    DONE = "done"
    RELEASE = "rel"


class RequestAction(StrEnum):
    CANCEL = "cancel"
    SOLVED = "yes"
    NOT_SOLVED = "no"


@dataclass(frozen=True)
class OfferPress:
    action: OfferAction
    offer_id: int


@dataclass(frozen=True)
class JobPress:
    action: JobAction
    request_id: int


@dataclass(frozen=True)
class RequestPress:
    action: RequestAction
    request_id: int


@dataclass(frozen=True)
class VetPress:
    approve: bool
    volunteer_id: int


OFFER = re.compile(r"^offer:" + _alternatives(a.value for a in OfferAction) + ":" + _ID + "$")
JOB = re.compile(r"^job:" + _alternatives(a.value for a in JobAction) + ":" + _ID + "$")
REQUEST = re.compile(r"^req:" + _alternatives(a.value for a in RequestAction) + ":" + _ID + "$")
VET = re.compile(r"^vet:(ok|no):" + _ID + "$")


def make_offer(action: OfferAction, offer_id: int) -> str:
    return f"offer:{action.value}:{offer_id}"


def parse_offer(data: str | None) -> OfferPress | None:
    m = _full(data, OFFER)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return OfferPress(OfferAction(m[1]), ident) if m and ident else None


def make_job(action: JobAction, request_id: int) -> str:
    return f"job:{action.value}:{request_id}"


def parse_job(data: str | None) -> JobPress | None:
    m = _full(data, JOB)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return JobPress(JobAction(m[1]), ident) if m and ident else None


def make_request(action: RequestAction, request_id: int) -> str:
    return f"req:{action.value}:{request_id}"


def parse_request(data: str | None) -> RequestPress | None:
    m = _full(data, REQUEST)
    ident = bounded_id(m[2], RECORD_ID_MAX) if m else None
    return RequestPress(RequestAction(m[1]), ident) if m and ident else None


def make_vet(*, approve: bool, volunteer_id: int) -> str:
    return f"vet:{'ok' if approve else 'no'}:{volunteer_id}"


def parse_vet(data: str | None) -> VetPress | None:
    m = _full(data, VET)
    ident = bounded_id(m[2], PERSON_ID_MAX) if m else None
    return VetPress(m[1] == "ok", ident) if m and ident else None
