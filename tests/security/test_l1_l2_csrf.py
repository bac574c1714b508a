"""L1 (logout CSRF) and L2 (login CSRF): signing in and out only by a same-origin POST.

Before: a cross-site GET to /auth/signout cleared the session cookie, and /auth/complete accepted a GET
navigation with ``Sec-Fetch-Site: none`` (a link opened from a mail app) or without any fetch metadata, so
an attacker could mail a victim their own fresh login code and sign the victim into the attacker's account.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.accounts import api, auth, sessions
from tests.security.conftest import PASSWORD

ORIGIN = {"origin": "http://localhost:3000"}


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    return TestClient(app, base_url="http://localhost:3000", follow_redirects=False)


def _cookies(r) -> str:
    return " ".join(r.headers.get_list("set-cookie"))


def test_a_link_never_signs_anyone_in(db, person, client) -> None:
    attacker, _ = person()
    code = sessions.authenticate(attacker.email, PASSWORD, ip="10.50.0.1")
    for headers in ({"sec-fetch-site": "none"}, {}, {"sec-fetch-site": "cross-site"}):
        r = client.get("/auth/complete", params={"code": code, "next": "/"}, headers=headers)
        assert r.status_code == 303 and r.headers["location"].startswith("/login") and _cookies(r) == ""
    # A POST from a mail app, another site or without Origin: refused too.
    for headers in ({"sec-fetch-site": "none", **ORIGIN}, {"origin": "http://evil.example"}, {}):
        r = client.post("/auth/complete", data={"code": code}, headers=headers)
        assert r.headers["location"].startswith("/login") and "khala_session" not in _cookies(r)
    # Only our own page's POST uses the code.
    r = client.post(
        "/auth/complete", data={"code": code}, headers={"sec-fetch-site": "same-origin", **ORIGIN}
    )
    assert "khala_session=" in _cookies(r)


def test_a_cross_site_request_cannot_sign_anyone_out(db, person, client) -> None:
    _user, token = person()
    client.cookies.set(auth.cookie_name(), token)
    r = client.get("/auth/signout", params={"next": "/"})  # what <a href> or window.location does
    assert r.status_code == 200 and "khala_session" not in _cookies(r) and 'method="post"' in r.text
    r = client.post(
        "/auth/signout", headers={"origin": "http://evil.example", "sec-fetch-site": "cross-site"}
    )
    assert "khala_session" not in _cookies(r)
    assert sessions.resolve_session(token) is not None
    r = client.post("/auth/signout", headers={"sec-fetch-site": "same-origin", **ORIGIN})
    assert 'khala_session=""' in _cookies(r) and sessions.resolve_session(token) is None
