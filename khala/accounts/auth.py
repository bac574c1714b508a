"""Who is calling? Helpers for every Reflex event handler that reads private data or changes anything.

Any client can call any handler by name, so each such handler starts with one of::

    user = await require_verified(self)      # or current_user / require_user / require_admin

The session token lives only in an HttpOnly cookie set by ``/auth/complete`` (``khala.accounts.api``); the
browser sends it with the websocket upgrade and Reflex keeps those headers server-side
(``state.router.headers``; never serialised to the frontend). The lookup runs off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from khala.accounts import sessions
from khala.accounts.sessions import CurrentUser
from khala.settings import get_settings

__all__ = [
    "CurrentUser",
    "client_ip",
    "cookie_name",
    "cookie_secure",
    "current_user",
    "read_cookie",
    "require_admin",
    "require_user",
    "require_verified",
    "session_token",
    "user_from_cookie_header",
]

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def cookie_secure() -> bool:
    """Secure everywhere but plain-HTTP localhost development."""
    settings = get_settings()
    parts = urlsplit(settings.public_url)
    return parts.scheme == "https" or (parts.hostname or "") not in _LOCAL_HOSTS


def cookie_name() -> str:
    # "__Host-" makes the browser insist on Secure, Path=/ and no Domain: no subdomain can plant or read it.
    return "__Host-khala_session" if cookie_secure() else "khala_session"


def read_cookie(cookie_header: str, name: str) -> str | None:
    """The value of cookie ``name`` in a Cookie header (tolerant of malformed pairs)."""
    for part in (cookie_header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"') or None
    return None


def _headers(state: Any) -> Any:
    return state.router.headers


def session_token(state: Any) -> str | None:
    """The session token from the websocket's Cookie header (server-side only; never put it in a var)."""
    headers = _headers(state)
    cookie = getattr(headers, "cookie", "") or headers.raw_headers.get("cookie", "")
    return read_cookie(cookie, cookie_name())


def client_ip(state: Any) -> str:
    try:
        return state.router.session.client_ip or "unknown"
    except AttributeError:
        return "unknown"


async def current_user(state: Any) -> CurrentUser | None:
    """The signed-in user of the connection, or None. Checked against the database on every call,
    so sign-out, expiry, revocation and deletion take effect at once."""
    token = session_token(state)
    if not token:
        return None
    return await asyncio.to_thread(sessions.resolve_session, token)


async def user_from_cookie_header(cookie_header: str | None) -> CurrentUser | None:
    """For our own HTTP routes: the user of a request's ``Cookie`` header (``request.headers.get("cookie")``)."""
    token = read_cookie(cookie_header or "", cookie_name())
    if not token:
        return None
    return await asyncio.to_thread(sessions.resolve_session, token)


async def require_user(state: Any) -> CurrentUser:
    """The signed-in user, or NotAuthenticated."""
    return sessions.check_user(await current_user(state))


async def require_verified(state: Any) -> CurrentUser:
    """A signed-in user with a confirmed address, or NotAuthenticated/NotVerified."""
    return sessions.check_verified(await current_user(state))


async def require_admin(state: Any) -> CurrentUser:
    """A signed-in administrator, or NotAuthenticated/Forbidden."""
    return sessions.check_admin(await current_user(state))
