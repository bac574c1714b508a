"""Who is calling? Helpers for every Reflex event handler that reads private data or changes anything.

Any client can call any handler by name, so each such handler starts with one of::

    user = await require_verified(self)      # or current_user / require_user / require_admin

The session token lives only in an HttpOnly cookie set by ``/auth/complete`` (``khala.accounts.api``); the
browser sends it with the websocket upgrade and Reflex keeps those headers server-side
(``state.router.headers``; never serialised to the frontend). The lookup runs off the event loop.

``client_ip`` is the real client behind the trusted proxies (``khala.accounts.network``), from the peer of
the websocket connection and its forwarding headers. ``hashing`` runs a service function that hashes or
verifies a password in the bounded hash pool, counted against the caller's client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from khala.accounts import network, passwords, sessions, throttle
from khala.accounts.sessions import CurrentUser
from khala.settings import get_settings

T = TypeVar("T")

__all__ = [
    "CurrentUser",
    "client_ip",
    "cookie_name",
    "cookie_secure",
    "current_user",
    "device_cookie",
    "device_cookie_name",
    "hashing",
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


def device_cookie_name() -> str:
    return "__Host-khala_device" if cookie_secure() else "khala_device"


def read_cookie(cookie_header: str, name: str) -> str | None:
    """The value of cookie ``name`` in a Cookie header (tolerant of malformed pairs)."""
    for part in (cookie_header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"') or None
    return None


def _headers(state: Any) -> Any:
    return state.router.headers


def _cookie_header(state: Any) -> str:
    headers = _headers(state)
    return getattr(headers, "cookie", "") or headers.raw_headers.get("cookie", "")


def session_token(state: Any) -> str | None:
    """The session token from the websocket's Cookie header (server-side only; never put it in a var)."""
    return read_cookie(_cookie_header(state), cookie_name())


def device_cookie(state: Any) -> str | None:
    """The "known device" cookie of the websocket's browser (see ``sessions.known_device``)."""
    return read_cookie(_cookie_header(state), device_cookie_name())


def client_ip(state: Any) -> str:
    """The client's address: the websocket's peer (Reflex records it as ``asgi-scope-client``), or a
    forwarded address when the peer is a trusted proxy (KHALA_TRUSTED_PROXY_HOPS / KHALA_TRUSTED_PROXIES)."""
    try:
        raw = dict(state.router.headers.raw_headers)
        peer = raw.get("asgi-scope-client") or state.router.session.client_ip
    except AttributeError:
        return "unknown"
    return network.resolve_client(peer or None, raw)


async def hashing(state: Any, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``await fn(*args, **kwargs)`` in the hash pool (never the default executor), counted against the
    caller's client; RateLimited at once when the pool's queue is full."""
    return await passwords.in_hash_pool(fn, *args, client=throttle.client_key(client_ip(state)), **kwargs)


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
