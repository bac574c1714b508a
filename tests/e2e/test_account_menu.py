"""The account menu's code (khala/ui/account_menu.py) is fetched only once someone has signed in, and the menu
works: its items navigate inside the app (the admin's item for administrators only) and Sign out ends the
session."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin import _account, _sign_in

pytestmark = pytest.mark.e2e


def test_the_account_menu_loads_for_signed_in_visitors_only(page, live_app, app_db) -> None:
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url))
    page.goto("/events")
    page.locator("article.khala-card").first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert not [u for u in fetched if "account_menu" in u], "a signed-out visit fetched the account menu"
    page.get_by_role("link", name="Sign in").first.wait_for(timeout=30_000)

    email = f"menu-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=True)
    _sign_in(page, email, "/events")
    trigger = page.get_by_role("button", name="Ada Admin, account menu")
    trigger.click(timeout=30_000)
    page.get_by_role("menuitem", name="My tickets").wait_for(timeout=30_000)
    assert [u for u in fetched if "account_menu" in u]
    assert page.get_by_role("menuitem", name="Admin").count() == 1
    screenshot(page, "account-menu-open")

    page.get_by_role("menuitem", name="My tickets").click()
    page.wait_for_url(re.compile(r"/tickets$"), timeout=30_000)
    page.get_by_role("button", name="Ada Admin, account menu").click(timeout=30_000)
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"), timeout=30_000)
    page.get_by_role("link", name="Sign in").first.wait_for(timeout=30_000)


def test_non_admins_see_no_admin_item(page, live_app, app_db) -> None:
    email = f"menu-normal-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=False)
    _sign_in(page, email, "/events")
    page.get_by_role("button", name="Nora Normal, account menu").click(timeout=30_000)
    page.get_by_role("menuitem", name="Account").wait_for(timeout=30_000)
    assert page.get_by_role("menuitem", name="Admin").count() == 0
    page.keyboard.press("Escape")
    page.get_by_role("menuitem", name="Account").wait_for(state="hidden", timeout=10_000)
