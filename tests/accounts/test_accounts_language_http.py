"""Our own HTTP answers in the visitor's language: the sign-out page follows the language cookie, else
Accept-Language (through the same ASGI middleware as the site), and the sign-in throttles refuse in the
current language with the wait in its words."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.accounts import api, throttle
from khala.errors import RateLimited
from khala.lib import i18n


@pytest.fixture
def site() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    return TestClient(i18n.asgi_middleware(app), base_url="http://localhost:3000", follow_redirects=False)


def test_the_sign_out_page_in_swedish(site) -> None:
    r = site.get("/auth/signout?next=/tickets", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    page = r.text
    assert '<html lang="sv">' in page and "<title>Logga ut · Khala</title>" in page
    assert "<h1>Vill du logga ut?</h1>" in page
    assert '<button type="submit" id="sign-out-confirm">Logga ut</button>' in page
    assert "Tillbaka till Khala" in page and "Sign out" not in page
    assert 'name="next" value="/tickets"' in page  # the form itself is unchanged


def test_the_sign_out_page_follows_the_cookie_over_the_browser(site) -> None:
    site.cookies.set(i18n.COOKIE, "en")
    r = site.get("/auth/signout", headers={"Accept-Language": "sv"})
    assert '<html lang="en">' in r.text and "<h1>Sign out?</h1>" in r.text and "Back to Khala" in r.text
    site.cookies.set(i18n.COOKIE, "sv")
    assert "<h1>Vill du logga ut?</h1>" in site.get("/auth/signout").text


def test_a_hostile_next_is_still_escaped(site) -> None:
    r = site.get('/auth/signout?next=/x"><script>alert(1)</script>', headers={"Accept-Language": "sv"})
    assert "<script>alert(1)</script>" not in r.text


@pytest.fixture
def fresh_counters():
    throttle.use_storage("memory://")
    yield
    throttle.use_storage(None)


def test_a_throttle_refuses_in_swedish(fresh_counters) -> None:
    limited = throttle.Throttle("test-sv", "1/minute", throttle._TRY_LATER)
    limited.consume("10.9.0.1")
    with i18n.use_language("sv"), pytest.raises(RateLimited) as refused:
        limited.consume("10.9.0.1")
    text = refused.value.message
    assert text.startswith("För många försök. Vänta ") and text.endswith(" och försök igen.")
    assert " sekund" in text and "second" not in text
    with pytest.raises(RateLimited) as english:
        limited.consume("10.9.0.1")
    assert english.value.message.startswith("Too many attempts. Please wait ")
    assert english.value.message.endswith(" and try again.")


@pytest.mark.parametrize(
    ("seconds", "sv", "en"),
    [
        (1, "1 sekund", "1 second"),
        (42, "42 sekunder", "42 seconds"),
        (600, "10 minuter", "10 minutes"),
        (3 * 3600, "3 timmar", "3 hours"),
    ],
)
def test_waits_in_words(seconds: int, sv: str, en: str) -> None:
    with i18n.use_language("sv"):
        assert throttle.wait_text(seconds) == sv
    assert throttle.wait_text(seconds) == en


def test_the_upload_throttle_message(fresh_counters) -> None:
    for _ in range(throttle.uploads_by_client.items[0].amount):
        throttle.uploads_by_client.consume("10.9.0.2")
    with i18n.use_language("sv"), pytest.raises(RateLimited) as refused:
        throttle.uploads_by_client.consume("10.9.0.2")
    assert refused.value.message.startswith("För många uppladdningar. Vänta ")
