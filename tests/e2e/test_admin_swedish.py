"""An administrator whose browser speaks Swedish runs the dashboard in Swedish: every section's tabs, headings
and buttons, the numbers and dates as Swedish writes them — and English again after switching."""

from __future__ import annotations

import re
import uuid

import pytest

from khala.accounts import passwords
from khala.accounts.models import User
from khala.db import session_scope, utcnow
from tests.e2e.conftest import screenshot, wait_for_path

pytestmark = pytest.mark.e2e

PASSWORD = "admin på svenska 4711"

# (path, words the Swedish page shows, the English words it must not show)
SECTIONS = [
    ("/admin", ["Översikt", "Evenemang", "Anmälningar", "Mejl"], ["Overview", "Registrations"]),
    ("/admin/events", ["Nytt evenemang"], ["New event"]),
    ("/admin/venues", ["Ny plats", "Sök platser"], ["New venue", "Search venues"]),
    ("/admin/registrations", ["Anmälningar"], ["Registrations"]),
    ("/admin/mail", ["Mejl"], ["Outbox"]),
    ("/admin/audit", ["Händelselogg"], ["Audit log"]),
    ("/admin/api-keys", ["API-nycklar"], ["API keys"]),
    ("/admin/system", ["System"], ["Healthy"]),
]


@pytest.fixture
def sv_page(browser, live_app):
    context = browser.new_context(locale="sv-SE", base_url=live_app.url)  # Accept-Language: sv-SE
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_the_dashboard_in_swedish(sv_page, live_app, app_db) -> None:
    page = sv_page
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    with session_scope(write=True) as s:
        s.add(
            User(
                email=email,
                display_name="Astrid Admin",
                password_hash=passwords.hash_password(PASSWORD),
                email_verified_at=utcnow(),
                is_admin=True,
            )
        )
    page.goto("/login?next=/admin")
    page.get_by_role("button", name="Logga in").wait_for()
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    wait_for_path(page, "/admin")
    for path, swedish, english in SECTIONS:
        page.goto(path)
        main = page.locator("#main")
        for word in swedish:
            main.get_by_text(word, exact=False).first.wait_for()
        text = main.inner_text()
        leftovers = [w for w in english if re.search(rf"\b{re.escape(w)}\b", text)]
        assert not leftovers, (path, leftovers)
        assert page.evaluate("document.documentElement.lang") == "sv", path
        screenshot(page, "admin-sv" + path.replace("/", "-").rstrip("-"))
    page.get_by_role("button", name="English").click()
    page.locator("#main").get_by_text("Audit log").first.wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
