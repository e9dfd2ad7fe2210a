"""Sign-in, sessions and CSRF for the dashboard.

- ``GET /dashboard/signin?t=…`` shows a Sign in button (nothing is spent: a link preview or
  a mail scanner opening the URL signs nobody in); ``POST /dashboard/signin`` spends the link
  and sets the session cookie: HttpOnly, SameSite=Strict, Secure when DASHBOARD_URL is
  https, expiring with the session.
- Every other route needs a live session of someone who is an operator now (403 otherwise);
  ``operator_only`` puts the operator on the request.
- Every POST carries the CSRF token, an HMAC of the session's secret (so it is tied to the
  session and never stored), in ``X-CSRF-Token`` or the form's ``csrf`` field: 403 without it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, use_locale
from bot.services import dashboard_auth
from bot.services.dashboard_auth import Operator, SignIn
from bot.web.page import message_page, signin_page
from bot.web.state import dash_of
from storage.types import utcnow

COOKIE = "musaada_dashboard"
CSRF_HEADER = "X-CSRF-Token"
OPERATOR = web.RequestKey("operator", Operator)
_CSRF_KEY = b"musaada dashboard csrf v1"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), _CSRF_KEY, hashlib.sha256).hexdigest()


def language_of(request: web.Request, fallback: str | None = None) -> str:
    """``?lang=``, else the operator's language, else the browser's (Arabic or English)."""
    chosen = request.query.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if fallback in LANGUAGES:
        return str(fallback)
    accepted = request.headers.get("Accept-Language", "").lower()
    return "ar" if accepted.startswith("ar") else DEFAULT_LANGUAGE


async def current_operator(request: web.Request) -> Operator | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    dash = dash_of(request)
    async with dash.db.session() as s:
        return await dashboard_auth.operator_of(s, dash.cfg, token=token, now=utcnow())


def _api(request: web.Request) -> bool:
    return request.path.startswith(("/dashboard/api/", "/dashboard/events"))


def refuse(request: web.Request, reason: str = "signed_out") -> web.Response:
    """403: JSON for the API and the events, a page in the reader's language otherwise."""
    if _api(request):
        return web.json_response({"error": reason}, status=403)
    language = language_of(request)
    with use_locale(language):
        heading = _("Only operators can open the dashboard.")
        text = _("You are not signed in, or your session has ended.")
    return message_page(language, heading, text)


def operator_only(handler: Handler) -> Handler:
    """A live operator session, and on a POST its CSRF token, before ``handler`` runs."""

    @wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        operator = await current_operator(request)
        if operator is None:
            return refuse(request)
        if request.method == "POST" and not await _csrf_ok(request):
            return refuse(request, "csrf")
        request[OPERATOR] = operator
        return await handler(request)

    return guarded


async def _csrf_ok(request: web.Request) -> bool:
    expected = csrf_for(request.cookies.get(COOKIE, ""))
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        given = str((await request.post()).get("csrf", ""))
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


_REFUSALS = {
    SignIn.UNKNOWN: lambda: _("This sign-in link is not valid."),
    SignIn.USED: lambda: _("This sign-in link was used already: each link signs in once."),
    SignIn.EXPIRED: lambda: _("This sign-in link has expired."),
    SignIn.NOT_OPERATOR: lambda: _("Only operators can open the dashboard."),
}


def _refused_link(language: str, state: SignIn) -> web.Response:
    with use_locale(language):
        return message_page(language, _("You were not signed in."), _REFUSALS[state]())


async def signin_form(request: web.Request) -> web.Response:
    """GET: the Sign in button for a link that would still work; else why not."""
    language = language_of(request)
    token = request.query.get("t", "")
    dash = dash_of(request)
    async with dash.db.session() as s:
        state = await dashboard_auth.link_state(s, dash.cfg, token=token, now=utcnow())
    if state is not SignIn.OK:
        return _refused_link(language, state)
    return signin_page(language, token)


async def signin(request: web.Request) -> web.StreamResponse:
    """POST: spend the link, start the session, set the cookie, go to the map."""
    form = await request.post()
    language = str(form.get("lang", "")) if form.get("lang") in LANGUAGES else language_of(request)
    dash = dash_of(request)
    async with dash.db.session() as s:
        done = await dashboard_auth.sign_in(
            s,
            dash.cfg,
            token=str(form.get("t", "")),
            session_s=dash.settings.dashboard_session_s,
            now=utcnow(),
        )
    if done.result is not SignIn.OK:
        return _refused_link(language, done.result)
    response = web.Response(status=303, headers={"Location": f"/dashboard/?lang={language}"})
    response.set_cookie(
        COOKIE,
        done.token,
        max_age=int(dash.settings.dashboard_session_s),
        path="/dashboard",
        httponly=True,
        secure=dash.secure or request.secure,
        samesite="Strict",
    )
    return response


@operator_only
async def signout(request: web.Request) -> web.Response:
    dash = dash_of(request)
    operator = request[OPERATOR]
    async with dash.db.session() as s:
        await dashboard_auth.sign_out(
            s, token=request.cookies[COOKIE], person_id=operator.person_id, now=utcnow()
        )
    language = language_of(request, operator.language)
    with use_locale(language):
        response = message_page(
            language, _("Signed out."), _("This browser is no longer signed in."), status=200
        )
    response.del_cookie(COOKIE, path="/dashboard")
    return response
