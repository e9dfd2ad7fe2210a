"""The dashboard's JSON and CSV: the map's state, a request's panel, the answers, the KPIs.

Every route here is ``operator_only`` (a live operator session; CSRF on POST): each carries
a citizen's location or the figures of the command centre. The map's rows are compact
arrays (``fields`` names their columns): a thousand open requests are about 60 kB.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

from aiohttp import web

from bot import formatting
from bot.handlers.render.oversight import event_text, stamp
from bot.handlers.words import city_name
from bot.i18n import t, use_locale
from bot.services import dashboard, kpis
from bot.services.dashboard import MARKER_FIELDS, Action, Panel
from bot.web.auth import OPERATOR, language_of, operator_only
from bot.web.state import dash_of
from domain.matching.geo import cities
from storage.types import utcnow


def _json(data: Any) -> web.Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=body, content_type="application/json", charset="utf-8")


@operator_only
async def base_map(_request: web.Request) -> web.Response:
    """The base layer the package ships: the Kingdom's outline and its cities."""
    outline = resources.files("bot.web").joinpath("static/data/saudi_outline.geojson")
    return _json(
        {
            "outline": json.loads(outline.read_text(encoding="utf-8")),
            "cities": [[c.name_en, c.name_ar, c.lat, c.lon, c.population] for c in cities()],
        }
    )


async def map_state(request: web.Request, readiness: list[dict[str, Any]]) -> dict[str, Any]:
    """Every open request, and readiness per city (counted apart: see bot/web/events.py)."""
    dash = dash_of(request)
    now = utcnow()
    async with dash.db.read_session() as s:
        rows = await dashboard.markers(s)
    return {
        "now": int(now.timestamp()),
        "fields": MARKER_FIELDS,
        "requests": list(rows.values()),
        "readiness": readiness,
    }


def _request_id(request: web.Request) -> int:
    try:
        value = int(request.match_info["rid"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if not 0 < value < 2**62:
        raise web.HTTPNotFound()
    return value


def _panel_json(p: Panel) -> dict[str, Any]:
    v = p.view
    at = p.volunteer_at
    return {
        "id": v.request_id,
        "incident": v.incident,
        "status": v.status,
        "area": v.area.city_en,
        "area_text": t(
            "near {city}, {distance}",
            city=city_name(v.area),
            distance=formatting.distance(v.area.km * 1000),
        )
        if v.area.km >= 1
        else city_name(v.area),
        "lat": v.lat,
        "lon": v.lon,
        "requester": v.requester,
        "volunteer": v.volunteer,
        "volunteer_id": v.volunteer_id,
        "description": v.description,
        "created": stamp(v.created_at),
        "volunteer_at": None
        if at is None
        else {"lat": at[0], "lon": at[1], "seen": stamp(at[2]) if at[2] else ""},
        "timeline": [
            {
                "at": stamp(item.at),
                "text": event_text(item),
                "by": item.actor,
                "alerted": list(item.people),
            }
            for item in v.timeline
        ],
        "answerable": p.answerable,
        "candidates": [
            {"id": pid, "name": name, "distance": formatting.distance(metres)}
            for pid, name, metres in p.candidates
        ],
    }


@operator_only
async def request_panel(request: web.Request) -> web.Response:
    """One request: where it is, who holds it, its timeline, and the answers it takes."""
    dash = dash_of(request)
    rid = _request_id(request)
    async with dash.db.session() as s:
        found = await dashboard.panel(s, dash.cfg, request_id=rid, now=utcnow())
    if found is None:
        raise web.HTTPNotFound()
    with use_locale(language_of(request, request[OPERATOR].language)):
        return _json(_panel_json(found))


@operator_only
async def answer(request: web.Request) -> web.Response:
    """POST an answer to an escalation: the same use case as the operations chat's button."""
    dash = dash_of(request)
    rid = _request_id(request)
    try:
        action = Action(request.match_info["action"])
    except ValueError:
        raise web.HTTPNotFound() from None
    volunteer_id = None
    if action is Action.ASSIGN:
        try:
            body = await request.json()
            volunteer_id = int(body["volunteer_id"])
        except (ValueError, KeyError, TypeError):
            raise web.HTTPBadRequest() from None
    operator = request[OPERATOR]
    outcome = await dash.run(
        lambda s, now: dashboard.act(
            s,
            dash.cfg,
            request_id=rid,
            operator_id=operator.person_id,
            action=action,
            volunteer_id=volunteer_id,
            now=now,
        )
    )
    return _json({"result": str(outcome.result)})


def _period(request: web.Request) -> tuple[kpis.Period, str | None]:
    try:
        period = kpis.Period(request.query.get("period", "week"))
    except ValueError:
        raise web.HTTPBadRequest() from None
    city = request.query.get("city") or None
    if city is not None and city not in {c.name_en for c in cities()}:
        raise web.HTTPBadRequest()
    return period, city


async def _figures(request: web.Request) -> dict[str, Any]:
    dash = dash_of(request)
    period, city = _period(request)
    async with dash.db.session() as s:
        return await kpis.figures(s, dash.cfg, period=period, city=city, now=utcnow())


@operator_only
async def figures(request: web.Request) -> web.Response:
    """The command centre's figures (/stats), for today, the week or the month, per city."""
    return _json(await _figures(request))


@operator_only
async def figures_csv(request: web.Request) -> web.Response:
    """The same figures as CSV rows ``section, key, value``: one file a spreadsheet opens."""
    data = await _figures(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])
    for key in ("period", "city", "since", "until", "total", "alerts", "alerts_accepted"):
        writer.writerow(["summary", key, data[key]])
    for key in ("acceptance_rate", "escalated", "escalated_share", "credited_minutes"):
        writer.writerow(["summary", key, data[key]])
    for step in ("first_alert", "first_accept", "arrival"):
        for stat in ("n", "median_s", "p90_s"):
            writer.writerow(["seconds", f"{step}_{stat}", data[step][stat]])
    for row in data["by_type"]:
        writer.writerow(["requests", f"{row['incident']}:{row['outcome']}", row["n"]])
    for row in data["readiness"]:
        writer.writerow(["readiness", f"{row['city']}:{row['incident']}", row["ready"]])
        writer.writerow(["asked_7d", f"{row['city']}:{row['incident']}", row["requests_week"]])
    name = f"musaada-kpis-{data['period']}{'-' + data['city'] if data['city'] else ''}.csv"
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
