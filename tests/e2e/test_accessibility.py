"""axe-core (from the npm registry, in .tools) inside the browser journeys: every public and account page, at a
desktop and a phone width, has no WCAG 2.1 A/AA violation once its data has arrived.

axe is evaluated through the DevTools protocol (``page.evaluate``), so the pages keep their real
Content-Security-Policy (no inline script is added to them).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from khala.accounts import passwords
from khala.accounts.models import User
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.events import catalogue
from khala.registrations import service as registrations
from tests.e2e.conftest import ROOT, wait_for_path

pytestmark = pytest.mark.e2e

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SLUG = "nordic-lights-festival"
PASSWORD = "accessibility journey 2.1"
WIDTHS = (1280, 375)

# page -> a selector that is there once the page shows its data (not the loading placeholders)
PUBLIC = {
    "/": "article.khala-card",
    "/events": "article.khala-card",
    f"/events/{SLUG}": "[data-package-id]",
    "/calendar": "#calendar-grid [data-day]",
    "/login": "#login-submit",
    "/signup": "#signup-submit",
    "/forgot-password": "#email",
}
SIGNED_IN = {"/tickets": "[data-testid=ticket]", "/account": "#account-email:has-text('@')"}

_RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


def _axe_source() -> str:
    if not Path(AXE).exists():
        pytest.fail("axe-core is not installed: `make test` installs it from the npm registry into .tools/")
    return Path(AXE).read_text()


def _violations(page, path: str, ready: str) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        page.locator(ready).first.wait_for(state="attached", timeout=30_000)
        page.wait_for_load_state("networkidle")
        if page.evaluate("() => typeof window.axe === 'undefined'"):
            page.evaluate(_axe_source())
        for v in page.evaluate(_RUN, WCAG_21_AA):
            found.append(
                f"{path} @{width}px: {v['id']} ({v['impact']}) {v['help']}\n    " + "\n    ".join(v["nodes"])
            )
    return found


def test_public_pages_have_no_wcag_21_aa_violations(page, live_app) -> None:
    problems = [p for path, ready in PUBLIC.items() for p in _violations(page, path, ready)]
    assert not problems, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(problems)


def test_account_pages_have_no_wcag_21_aa_violations(page, live_app, app_db) -> None:
    email = f"a11y-{uuid.uuid4().hex[:8]}@example.com"
    with session_scope(write=True) as s:
        user = User(
            email=email,
            display_name="Alex Access",
            password_hash=passwords.hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        s.add(user)
        s.flush()
        user_id = str(user.id)
    package = catalogue.get_event(SLUG).packages[0]
    registrations.register(user_id, str(package.id), 1, actor=Actor.user(user_id), send_confirmation=False)

    page.goto("/login?next=/tickets")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    wait_for_path(page, "/tickets")

    problems = [p for path, ready in SIGNED_IN.items() for p in _violations(page, path, ready)]
    assert not problems, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(problems)
