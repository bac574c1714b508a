"""Choosing a language: POST /language sets the cookie and remembers it on the signed-in account (one audit
entry), only from our own pages; signing in brings the account's language to the browser; a new account keeps
the language it signed up in."""

from __future__ import annotations

from accounts_helpers import STRONG
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from khala.accounts import api, auth, language, service, sessions
from khala.accounts.models import User
from khala.audit.models import AuditEntry
from khala.db import session_scope
from khala.lib import i18n

SAME = {"sec-fetch-site": "same-origin", "origin": "http://localhost:3000"}


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    return TestClient(app, base_url="http://localhost:3000", follow_redirects=False)


def _locale(email: str) -> str | None:
    with session_scope() as s:
        return s.exec(select(User).where(User.email == email)).one().locale


def test_switcher_sets_the_cookie_and_comes_back_to_the_same_url(db) -> None:
    r = _client().post("/language", data={"lang": "sv", "next": "/events?category=music"}, headers=SAME)
    assert r.status_code == 303 and r.headers["location"] == "/events?category=music"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("khala_lang=sv;") and "Path=/" in cookie and "SameSite=lax" in cookie
    assert "HttpOnly" not in cookie  # the page may read it; it holds only "en" or "sv"


def test_switcher_refuses_other_sites_and_unknown_languages(db) -> None:
    r = _client().post(
        "/language", data={"lang": "sv", "next": "/"}, headers={"origin": "https://evil.example"}
    )
    assert r.status_code == 303 and "set-cookie" not in r.headers
    r = _client().post("/language", data={"lang": "tlh", "next": "https://evil.example/"}, headers=SAME)
    assert r.headers["location"] == "/" and "set-cookie" not in r.headers


def test_the_choice_is_remembered_on_the_account_and_brought_back_at_sign_in(db, make_user) -> None:
    make_user("ada@example.com")
    client = _client()
    code = sessions.authenticate("ada@example.com", STRONG, ip="10.7.0.1")
    r = client.post("/auth/complete", data={"code": code, "next": "/"}, headers=SAME)
    assert r.cookies.get(i18n.COOKIE) == "en"  # the language the account signed up in
    secret = r.cookies[auth.cookie_name()]

    client.cookies.set(auth.cookie_name(), secret)
    client.post("/language", data={"lang": "sv", "next": "/account"}, headers=SAME)
    assert _locale("ada@example.com") == "sv"
    client.post("/language", data={"lang": "sv", "next": "/account"}, headers=SAME)  # unchanged: no entry
    with session_scope() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "user.locale_changed")).all()
        assert len(entries) == 1 and entries[0].changes == {"locale": ["en", "sv"]}
        assert entries[0].actor_label == "ada@example.com"

    # another browser: signing in sets the account's language
    other = _client()
    code = sessions.authenticate("ada@example.com", STRONG, ip="10.7.0.2")
    r = other.post("/auth/complete", data={"code": code, "next": "/"}, headers=SAME)
    assert r.cookies.get(i18n.COOKIE) == "sv"


def test_a_new_account_keeps_the_language_it_signed_up_in(db) -> None:
    with i18n.use_language("sv"):
        message = service.sign_up("eva@example.com", "Eva", STRONG + "x", ip="10.7.0.3")
    assert message.startswith("Nästan klart")
    assert _locale("eva@example.com") == "sv"
    assert language.set_locale(_user_id("eva@example.com"), "klingon", actor=_actor()) is False


def _user_id(email: str):
    with session_scope() as s:
        return s.exec(select(User).where(User.email == email)).one().id


def _actor():
    from khala.audit.service import Actor

    return Actor.system("test")
