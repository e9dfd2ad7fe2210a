"""The dashboard's HTML: the signed-in page, the sign-in step and the refusals.

Plain templates filled with escaped values; the browser code and styles are static files,
and what the code needs (its words, the CSRF token, the tile server) travels in one
``application/json`` data block, which the Content-Security-Policy lets no one execute.
``lang`` and ``dir`` are set on <html>: Arabic pages are laid out right to left.
"""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

from bot.i18n import _, is_rtl, t, use_locale
from bot.web.strings import page_words

STATIC = "/dashboard/static"
_SHELL = """<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
{head}<link rel="stylesheet" href="{static}/dashboard.css">
</head>
<body class="{body_class}">
{body}
</body>
</html>
"""


def _shell(language: str, title: str, body: str, *, head: str = "", body_class: str = "") -> str:
    return _SHELL.format(
        lang=language,
        dir="rtl" if is_rtl(language) else "ltr",
        title=escape(title),
        head=head,
        static=STATIC,
        body_class=body_class,
        body=body,
    )


def _other(language: str) -> tuple[str, str]:
    """The other language's code and its own name, for the switch."""
    return ("en", "English") if language == "ar" else ("ar", "العربية")


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def message_page(language: str, heading: str, text: str, status: int = 403) -> web.Response:
    """A refusal or a short notice, in the reader's language."""
    with use_locale(language):
        body = (
            '<main class="notice"><h1>{h}</h1><p>{p}</p><p class="hint">{hint}</p></main>'
        ).format(
            h=escape(heading),
            p=escape(text),
            hint=escape(_("Operators get a sign-in link by sending /dashboard to the bot.")),
        )
        return html(
            _shell(language, _("Musaada operations dashboard"), body, body_class="plain"), status
        )


def signin_page(language: str, token: str) -> web.Response:
    """The step before the link is spent: a link preview or a scanner opening the URL signs
    nobody in; the operator's press does."""
    with use_locale(language):
        body = (
            '<main class="notice"><h1>{h}</h1><p>{p}</p>'
            '<form method="post" action="/dashboard/signin">'
            '<input type="hidden" name="t" value="{token}">'
            '<input type="hidden" name="lang" value="{lang}">'
            '<button type="submit" id="signin">{button}</button></form></main>'
        ).format(
            h=escape(_("Musaada operations dashboard")),
            p=escape(_("This one-time link signs you in on this browser.")),
            token=escape(token),
            lang=escape(language),
            button=escape(_("Sign in")),
        )
        return html(_shell(language, _("Sign in"), body, body_class="plain"))


def dashboard_page(
    language: str, *, operator: str, csrf: str, tile_url: str | None, attribution: str
) -> web.Response:
    with use_locale(language):
        config = {
            "lang": language,
            "rtl": is_rtl(language),
            "csrf": csrf,
            "tile_url": tile_url,
            "tile_attribution": attribution,
            "words": page_words(),
        }
        data = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
        code, name = _other(language)
        body = _BODY.format(
            title=escape(_("Musaada operations dashboard")),
            map=escape(_("Live map")),
            figures=escape(_("Figures")),
            other_code=code,
            other_name=escape(name),
            operator=escape(t("Signed in as {name}", name=operator)),
            csrf=escape(csrf),
            sign_out=escape(_("Sign out")),
            data=data,
            static=STATIC,
        )
        head = f'<link rel="stylesheet" href="{STATIC}/vendor/leaflet/leaflet.css">\n'
        return html(_shell(language, _("Musaada operations dashboard"), body, head=head))


_BODY = """<header class="bar">
<h1>{title}</h1>
<nav class="tabs"><button type="button" id="tab-map" class="tab active">{map}</button>
<button type="button" id="tab-figures" class="tab">{figures}</button></nav>
<span id="live" class="live off"></span>
<span class="who">{operator}</span>
<a id="lang-switch" href="/dashboard/?lang={other_code}" lang="{other_code}">{other_name}</a>
<form method="post" action="/dashboard/signout" class="signout">
<input type="hidden" name="csrf" value="{csrf}"><button type="submit">{sign_out}</button></form>
</header>
<main>
<section id="view-map" class="view">
<div id="map" dir="ltr"></div>
<aside id="side">
<div id="summary"></div>
<div id="legend"></div>
<div id="panel" hidden></div>
<div id="readiness"></div>
</aside>
</section>
<section id="view-figures" class="view" hidden>
<div id="figure-controls"></div>
<div id="figure-numbers"></div>
<div id="charts"></div>
</section>
</main>
<script type="application/json" id="dash-config">{data}</script>
<script src="{static}/vendor/leaflet/leaflet.js"></script>
<script src="{static}/dash-core.js"></script>
<script src="{static}/dash-map.js"></script>
<script src="{static}/dash-panel.js"></script>
<script src="{static}/dash-figures.js"></script>
<script src="{static}/dash-main.js"></script>
"""
