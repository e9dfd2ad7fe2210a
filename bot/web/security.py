"""Safe by default: every dashboard response carries a strict Content-Security-Policy.

No inline script or style may run (the page's words travel as a JSON data block, its code
and styles as files from /dashboard/static), nothing may be fetched from elsewhere (the map
is drawn from data the package ships) unless a tile server is configured, whose origin then
joins ``img-src`` alone. Framing is refused, referrers are not sent (a sign-in link in the
address bar never leaks), and nothing that carries a citizen's location is cached.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web


def tile_origin(tile_url: str | None) -> str | None:
    """``https://tiles.example.org`` of a tile URL template, or None."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def policy(tile_url: str | None) -> str:
    images = "img-src 'self' data:"
    origin = tile_origin(tile_url)
    if origin:
        images += f" {origin}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "connect-src 'self'",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def install(app: web.Application, tile_url: str | None) -> None:
    """Set the headers on every response of ``app`` (errors and the event stream included),
    just before it is sent."""
    csp = policy(tile_url)

    async def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if not request.path.startswith("/dashboard/static/"):
            response.headers["Cache-Control"] = "no-store"

    app.on_response_prepare.append(secure_headers)
