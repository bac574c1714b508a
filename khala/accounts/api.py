"""HTTP routes of the accounts domain, and the websocket Origin guard.

* ``GET /auth/complete?code=…&next=…`` exchanges the one-time login code (made by the sign-in handler) for a
  server-side session and sets it as an HttpOnly, SameSite=Lax cookie (Secure outside localhost), then
  redirects to a same-site ``next`` path (never to another host).
* ``GET /auth/signout?next=…`` clears the cookie (and deletes the session when the request comes from our
  own pages; a cross-site link can at most clear the cookie).
* ``origin_guard`` refuses websocket (and socket.io polling) connections whose Origin is not ours, so another
  site cannot open a socket that carries the user's cookie (cross-site websocket hijacking).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from khala.accounts import auth, sessions
from khala.errors import DomainError
from khala.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/auth/complete")
async def complete(request: Request, code: str = "", next: str = "/") -> RedirectResponse:
    target = sessions.safe_next(next)
    if not _same_site_request(request):
        # A link from another site must not sign this browser into someone's account (login CSRF).
        return _no_store(RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303))
    try:
        secret, _user = await asyncio.to_thread(
            sessions.complete_login,
            code,
            user_agent=request.headers.get("user-agent", ""),
            ip=_client_ip(request),
        )
    except DomainError:
        return _no_store(
            RedirectResponse("/login?expired=1&next=" + quote(target, safe="/"), status_code=303)
        )
    response = _no_store(RedirectResponse(target, status_code=303))
    response.set_cookie(
        auth.cookie_name(),
        secret,
        max_age=int(sessions.SESSION_MAX_AGE.total_seconds()),  # the server-side expiry decides earlier
        path="/",
        secure=auth.cookie_secure(),
        httponly=True,
        samesite="lax",
    )
    return response


def _same_site_request(request: Request) -> bool:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is None or origin_allowed(origin)


@router.get("/auth/signout")
async def signout(request: Request, next: str = "/login") -> RedirectResponse:
    if _same_site_request(request):
        secret = request.cookies.get(auth.cookie_name())
        if secret:
            await asyncio.to_thread(sessions.sign_out, secret)
    response = _no_store(RedirectResponse(sessions.safe_next(next, "/login"), status_code=303))
    response.delete_cookie(
        auth.cookie_name(), path="/", secure=auth.cookie_secure(), httponly=True, samesite="lax"
    )
    return response


# ── websocket Origin guard ─────────────────────────────────────────────────────────────────────────────

_DEV_ORIGIN = re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")


def origin_allowed(origin: str | None) -> bool:
    """Our public origin (and the configured CORS origins); in development also http://localhost:<port>."""
    if not origin:
        return False
    settings = get_settings()
    origin = origin.rstrip("/").lower()
    allowed = {settings.public_origin.lower(), *(o.rstrip("/").lower() for o in settings.cors_origins)}
    allowed.discard("*")
    if origin in allowed:
        return True
    return not settings.is_production and bool(_DEV_ORIGIN.match(origin))


def _is_socket_path(path: str) -> bool:
    return path.rstrip("/").endswith("/_event") or "/_event/" in path


def origin_guard(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: refuse websocket upgrades (any path) whose Origin is missing or not ours, and
    socket.io HTTP requests (``/_event``, polling transport) that carry a foreign Origin. Use as the last ``api_transformer`` so it wraps everything."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind in ("websocket", "http") and (kind == "websocket" or _is_socket_path(scope.get("path", ""))):
            origin = None
            for key, value in scope.get("headers") or []:
                if key == b"origin":
                    origin = value.decode("latin-1")
                    break
            # Browsers always send Origin on websocket upgrades; same-origin polling GETs may omit it.
            refused = not origin_allowed(origin) if kind == "websocket" or origin else False
            if refused:
                log.warning("refused %s connection from origin %r", kind, origin)
                if kind == "websocket":
                    # Close before accepting: the server answers the upgrade with HTTP 403.
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"Origin not allowed"})
                return
        await app(scope, receive, send)

    return guarded
