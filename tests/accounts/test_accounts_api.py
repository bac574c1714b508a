"""The HTTP side: POST /auth/complete sets the HttpOnly cookie and redirects only within the site; POST
/auth/signout; both only from our own pages; the websocket Origin guard."""

from __future__ import annotations

import asyncio

import pytest
from accounts_helpers import STRONG
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.accounts import api, auth, sessions
from khala.settings import get_settings

SAME = {"sec-fetch-site": "same-origin", "origin": "http://localhost:3000"}


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    return TestClient(app, base_url="http://localhost:3000", follow_redirects=False)


def _code(email: str = "ada@example.com") -> str:
    return sessions.authenticate(email, STRONG, ip="10.6.0.1")


def _set_cookie(response) -> str:
    return response.headers.get("set-cookie", "")


def test_complete_sets_httponly_lax_cookie_and_redirects_to_next(db, make_user, client) -> None:
    make_user("ada@example.com")
    r = client.post("/auth/complete", data={"code": _code(), "next": "/events/x?y=1"}, headers=SAME)
    assert r.status_code == 303 and r.headers["location"] == "/events/x?y=1"
    cookie = _set_cookie(r)
    assert cookie.startswith("khala_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain-HTTP localhost development
    assert "khala_device=" in r.headers.get_list("set-cookie")[1]  # the known-device cookie beside it
    assert r.headers["cache-control"] == "no-store"
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    user = sessions.resolve_session(token)
    assert user is not None and user.email == "ada@example.com"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "http:/x"])
def test_complete_never_redirects_off_site(db, make_user, client, target) -> None:
    make_user("ada@example.com")
    r = client.post("/auth/complete", data={"code": _code(), "next": target}, headers=SAME)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_complete_with_bad_code_sets_nothing(db, client) -> None:
    r = client.post("/auth/complete", data={"code": "forged", "next": "/account"}, headers=SAME)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?expired=1")
    assert "khala_session" not in _set_cookie(r)


def test_complete_refuses_cross_site_navigation(db, make_user, client) -> None:
    make_user("ada@example.com")
    code = _code()
    r = client.post(
        "/auth/complete",
        data={"code": code},
        headers={"sec-fetch-site": "cross-site", "origin": "http://evil.example"},
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _set_cookie(r) == ""
    # The code was not used up by the refused request.
    r = client.post("/auth/complete", data={"code": code}, headers=SAME)
    assert "khala_session=" in _set_cookie(r)


def test_signout_deletes_session_and_cookie(db, make_user, client) -> None:
    make_user("ada@example.com")
    token, _ = sessions.complete_login(_code())
    client.cookies.set("khala_session", token)
    r = client.post("/auth/signout", headers=SAME)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert 'khala_session=""' in _set_cookie(r) and "Max-Age=0" in _set_cookie(r)
    assert sessions.resolve_session(token) is None


def test_cross_site_signout_changes_nothing(db, make_user, client) -> None:
    make_user("ada@example.com")
    token, _ = sessions.complete_login(_code())
    client.cookies.set("khala_session", token)
    r = client.post(
        "/auth/signout",
        data={"next": "https://evil.example"},
        headers={"sec-fetch-site": "cross-site", "origin": "http://evil.example"},
    )
    assert r.headers["location"] == "/auth/signout?next=/login"
    assert _set_cookie(r) == ""
    assert sessions.resolve_session(token) is not None


def test_cookie_is_secure_with_host_prefix_outside_localhost(monkeypatch) -> None:
    public = get_settings().model_copy(update={"public_url": "https://events.example.org"})
    monkeypatch.setattr(auth, "get_settings", lambda: public)
    assert auth.cookie_secure() and auth.cookie_name() == "__Host-khala_session"
    plain = get_settings().model_copy(update={"public_url": "http://khala.lan:3000"})
    monkeypatch.setattr(auth, "get_settings", lambda: plain)
    assert auth.cookie_secure()  # Secure everywhere but localhost


# ── Origin guard ───────────────────────────────────────────────────────────────────────────────────────


def _run_guard(scope: dict) -> tuple[bool, list[dict]]:
    called = []
    sent: list[dict] = []

    async def inner(scope, receive, send):
        called.append(scope)

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    asyncio.run(api.origin_guard(inner)(scope, receive, send))
    return bool(called), sent


def _scope(kind: str, path: str, origin: str | None) -> dict:
    headers = [(b"host", b"localhost:3000")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": kind, "path": path, "headers": headers}


def test_origin_guard_refuses_foreign_websockets() -> None:
    for origin in ("http://evil.example", "null", None, "http://localhost.evil.example"):
        passed, sent = _run_guard(_scope("websocket", "/_event/", origin))
        assert not passed and sent == [{"type": "websocket.close", "code": 1008}]
    for origin in (get_settings().public_origin, "http://127.0.0.1:3001", "http://localhost:8000"):
        passed, sent = _run_guard(_scope("websocket", "/_event/", origin))
        assert passed and sent == []


def test_origin_guard_on_socketio_polling_and_other_routes() -> None:
    passed, sent = _run_guard(_scope("http", "/_event/", "http://evil.example"))
    assert not passed and sent[0]["status"] == 403
    assert _run_guard(_scope("http", "/_event/", None))[0]  # same-origin GETs may omit Origin
    assert _run_guard(_scope("http", "/events", "http://evil.example"))[0]  # ordinary routes: CORS decides
    assert _run_guard({"type": "lifespan"})[0]


def test_production_allows_only_the_public_origin(monkeypatch) -> None:
    prod = get_settings().model_copy(
        update={"environment": "production", "public_url": "https://events.example.org", "cors_origins": []}
    )
    monkeypatch.setattr(api, "get_settings", lambda: prod)
    assert api.origin_allowed("https://events.example.org")
    assert not api.origin_allowed("http://localhost:3000")
    assert not api.origin_allowed("https://events.example.org.evil.example")
