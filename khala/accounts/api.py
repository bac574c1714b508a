"""HTTP routes of the accounts domain, and the websocket Origin guard.

* ``POST /auth/complete`` (form: ``code``, ``next``) exchanges the one-time login code (made by the sign-in
  handler) for a server-side session and sets it as an HttpOnly, SameSite=Lax cookie (Secure outside
  localhost), with a signed "known device" cookie beside it, then redirects to a same-site ``next`` path.
  Only a same-origin POST is accepted (the sign-in page sends it): a link opened from a mail or another site
  cannot sign the browser into someone else's account (login CSRF). A GET goes to the sign-in page.
* ``POST /auth/signout`` (form: ``next``) deletes the session and clears the cookie, again only from our own
  pages (no logout CSRF); a GET shows a page with a sign-out button, in the request's language.
* ``origin_guard`` refuses websocket (and socket.io polling) connections whose Origin is not ours, so another
  site cannot open a socket that carries the user's cookie (cross-site websocket hijacking).

Client addresses come from ``network.client_from_scope``: the peer, or a forwarded address behind trusted
proxies.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khala.accounts import auth, language, network, sessions
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.lib import i18n
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
LANGUAGE_MAX_AGE = 365 * 24 * 3600

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _client_ip(request: Request) -> str:
    return network.client_from_scope(request.scope)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def same_origin_post(request: Request) -> bool:
    """A POST from our own pages: Origin must be ours (browsers send it on every POST), and fetch metadata,
    when the browser sends it, must say same-origin ("none" is a link opened from outside: refused)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    return origin_allowed(request.headers.get("origin"))


async def _form(request: Request) -> dict[str, str]:
    try:
        data = await request.form()
    except Exception:  # noqa: BLE001 - a malformed body of any kind is treated as an empty form
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.get("/auth/complete")
async def complete_link(next: str = "/") -> Response:
    """A GET never signs in (it is what a link from a mail or another site does): go to the sign-in page."""
    target = sessions.safe_next(next)
    return _no_store(RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303))


@router.post("/auth/complete")
async def complete(request: Request) -> Response:
    form = await _form(request)
    target = sessions.safe_next(form.get("next"))
    if not same_origin_post(request):
        # Another site (or a mail) must not sign this browser into someone's account (login CSRF).
        return _no_store(RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303))
    try:
        secret, user = await asyncio.to_thread(
            sessions.complete_login,
            form.get("code", "")[:200],
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
    response.set_cookie(
        auth.device_cookie_name(),
        sessions.device_token(user.id),
        max_age=int(sessions.DEVICE_MAX_AGE.total_seconds()),
        path="/",
        secure=auth.cookie_secure(),
        httponly=True,
        samesite="strict",
    )
    if locale := await asyncio.to_thread(language.locale_of, user.id):
        _language_cookie(response, locale)  # the account's language follows the person to this browser
    return response


_SIGN_OUT_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem;">
<h1>{question}</h1>
<form method="post" action="/auth/signout"><input type="hidden" name="next" value="{next}">
<button type="submit" id="sign-out-confirm">{button}</button></form>
<p><a href="/">{back}</a></p></body></html>"""


def sign_out_page(next_path: str) -> str:
    """The confirmation page in the current language (the request's: cookie, else Accept-Language)."""
    words = {
        "title": _("Sign out") + " · Khala",
        "question": _("Sign out?"),
        "button": _("Sign out"),
        "back": _("Back to Khala"),
    }
    return _SIGN_OUT_PAGE.format(
        lang=i18n.get_language(),
        next=html.escape(next_path, quote=True),
        **{k: html.escape(v, quote=True) for k, v in words.items()},
    )


@router.get("/auth/signout")
async def signout_page(next: str = "/login") -> Response:
    """A link to /auth/signout (from anywhere) only shows a button; signing out is a same-origin POST."""
    return _no_store(HTMLResponse(sign_out_page(sessions.safe_next(next, "/login"))))


@router.post("/auth/signout")
async def signout(request: Request) -> Response:
    form = await _form(request)
    target = sessions.safe_next(form.get("next"), "/login")
    if not same_origin_post(request):
        # Another site must not sign the user out (logout CSRF): show the button instead.
        return _no_store(RedirectResponse("/auth/signout?next=" + quote(target, safe="/"), status_code=303))
    secret = request.cookies.get(auth.cookie_name())
    if secret:
        await asyncio.to_thread(sessions.sign_out, secret)
    response = _no_store(RedirectResponse(target, status_code=303))
    response.delete_cookie(
        auth.cookie_name(), path="/", secure=auth.cookie_secure(), httponly=True, samesite="lax"
    )
    return response


# ── the language switcher ──────────────────────────────────────────────────────────────────────────────


def _language_cookie(response: Response, lang: str) -> None:
    # Readable by the page (not HttpOnly): it holds only "en" or "sv".
    response.set_cookie(
        i18n.COOKIE, lang, max_age=LANGUAGE_MAX_AGE, path="/", secure=auth.cookie_secure(), samesite="lax"
    )


@router.post("/language")
async def choose_language(request: Request) -> Response:
    """The shell's switcher (form: ``lang``, ``next``): remembered in a cookie and, signed in, on the account;
    back to the same URL. Only from our own pages (no cross-site language flipping)."""
    form = await _form(request)
    target = sessions.safe_next(form.get("next"))
    lang = i18n.normalize(form.get("lang"))
    response = _no_store(RedirectResponse(target, status_code=303))
    if lang is None or not same_origin_post(request):
        return response
    _language_cookie(response, lang)
    user = await asyncio.to_thread(sessions.resolve_session, request.cookies.get(auth.cookie_name()))
    if user is not None:
        await asyncio.to_thread(language.set_locale, user.id, lang, actor=Actor.user(user))
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
                    await send({"type": "http.response.body", "body": _("Origin not allowed").encode()})
                return
        await app(scope, receive, send)

    return guarded
