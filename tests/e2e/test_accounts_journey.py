"""Browser journey: sign up → verification mail (real SMTP sink) → open the link → sign in → account page →
sign out. The session cookie is HttpOnly: ``document.cookie`` and web storage never contain the token."""

from __future__ import annotations

import re
import uuid

import pytest

from khala.accounts import service, sessions
from tests.e2e.conftest import screenshot, wait_for_path, wait_until
from tests.e2e.test_accounts_websocket import accounts_wired  # noqa: F401  (skips until wired)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("accounts_wired")]

PASSWORD = "journey passphrase 42"


def _text_body(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else str(message)


def _session_cookie(page) -> dict | None:
    for cookie in page.context.cookies():
        if cookie["name"] in ("khala_session", "__Host-khala_session"):
            return cookie
    return None


def _script_visible_storage(page) -> str:
    return page.evaluate(
        "() => document.cookie + '|' + JSON.stringify(Object.assign({}, localStorage)) + '|' "
        "+ JSON.stringify(Object.assign({}, sessionStorage))"
    )


def test_sign_up_verify_sign_in_account_sign_out(page, live_app, smtp_sink, app_db) -> None:
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"

    # Sign up.
    page.goto("/signup")
    page.locator("#email").fill(email)
    page.locator("#display_name").fill("Journey Person")
    page.locator("#password").fill(PASSWORD)
    screenshot(page, "accounts-signup")
    page.locator("#signup-submit").click()
    page.get_by_text("Almost done").wait_for(timeout=30_000)

    # The verification mail arrives at the SMTP server; open its link.
    mail = smtp_sink.wait_for(email, "confirm", timeout=30)
    match = re.search(r"https?://[^\s\"'<>]+/verify\?token=[A-Za-z0-9_\-]+", _text_body(mail))
    assert match, _text_body(mail)
    page.goto(match.group(0).replace(live_app.url.replace("localhost", "127.0.0.1"), live_app.url))
    page.locator("#verify-ok").wait_for(timeout=30_000)

    # Sign in, coming back to the account page.
    page.goto("/account")
    page.wait_for_url(re.compile(r"/login\?next=/account"), timeout=30_000)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    wait_for_path(page, "/account")
    page.locator("#account-email").get_by_text(email).wait_for(timeout=30_000)
    screenshot(page, "accounts-account")

    cookie = _session_cookie(page)
    assert cookie is not None, page.context.cookies()
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    token = cookie["value"]
    assert len(token) >= 43
    assert token not in _script_visible_storage(page)
    assert sessions.resolve_session(token) is not None

    # Sign out: the session is gone on the server and the cookie in the browser.
    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r"/login"), timeout=30_000)
    wait_until(lambda: _session_cookie(page) is None, 10, what="the cookie to be cleared")
    assert sessions.resolve_session(token) is None
    assert token not in _script_visible_storage(page)
    page.goto("/account")
    page.wait_for_url(re.compile(r"/login\?next=/account"), timeout=30_000)


def test_wrong_password_message_and_forgot_password(page, live_app, smtp_sink, app_db) -> None:
    email = f"reset-{uuid.uuid4().hex[:8]}@example.com"
    service.sign_up(email, "Reset Person", PASSWORD, ip="10.77.0.1")

    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("not the password")
    page.locator("#login-submit").click()
    page.get_by_text(sessions.SIGN_IN_FAILED).wait_for(timeout=30_000)
    assert _session_cookie(page) is None
    screenshot(page, "accounts-login-failed")

    page.goto("/forgot-password")
    page.locator("#email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("If " + email).wait_for(timeout=30_000)
    mail = smtp_sink.wait_for(email, "new password", timeout=30)
    match = re.search(r"https?://[^\s\"'<>]+/reset-password\?token=[A-Za-z0-9_\-]+", _text_body(mail))
    assert match
    page.goto(match.group(0))
    page.locator("#password").fill("a completely new passphrase")
    page.locator("#password_again").fill("a completely new passphrase")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("Your new password is set").wait_for(timeout=30_000)
    assert sessions.authenticate(email, "a completely new passphrase", ip="10.77.0.2")


@pytest.mark.parametrize("path", ["/login", "/signup"])
def test_a_form_is_not_sent_by_the_browser_before_the_page_runs(browser, live_app, path) -> None:
    """Until the page is hydrated a form has no handler: its submit button is disabled, so neither a click nor
    Enter lets the browser send the fields itself (a GET to the page's address: the password in the URL)."""
    context = browser.new_context(java_script_enabled=False, base_url=live_app.url)
    try:
        pg = context.new_page()
        pg.goto(path)
        pg.locator("#email").fill("early@example.com")
        pg.locator("#password").fill("not in the address bar")
        assert pg.locator("button[type=submit]").first.is_disabled()
        pg.locator("#password").press("Enter")
        pg.wait_for_timeout(500)
        assert "password" not in pg.url and "early" not in pg.url, pg.url
    finally:
        context.close()
