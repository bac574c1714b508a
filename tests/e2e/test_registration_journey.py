"""Browser journey: an anonymous visitor opens an event, chooses a package, is sent to sign in, comes back
to the same package, registers, is told the truth about the confirmation mail, finds the ticket on
/tickets, cancels it — and the seat count on the event page goes back up."""

from __future__ import annotations

import re
import uuid

import pytest

from khala.accounts import passwords
from khala.accounts.models import User
from khala.db import session_scope, utcnow
from khala.events import catalogue
from tests.e2e.conftest import screenshot, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "registration journey 77"
SLUG = "nordic-lights-festival"


def _verified_user(email: str) -> None:
    with session_scope(write=True) as s:
        s.add(
            User(
                email=email,
                display_name="Ticket Holder",
                password_hash=passwords.hash_password(PASSWORD),
                email_verified_at=utcnow(),
            )
        )


def _seats_text(page, package_id: str) -> str:
    return page.locator(f'[data-package-id="{package_id}"] .khala-seats').first.inner_text().strip()


def _seats_left(page, package_id: str) -> int | None:
    match = re.search(r"(\d+) seats? left", _seats_text(page, package_id))
    return int(match.group(1)) if match else None


def test_register_sign_in_come_back_confirm_ticket_cancel(page, live_app, smtp_sink, app_db) -> None:
    email = f"holder-{uuid.uuid4().hex[:8]}@example.com"
    _verified_user(email)
    detail = catalogue.get_event(SLUG)
    package = detail.packages[0]

    # Anonymous: open the event from the list (modal + deep link), choose the package.
    page.goto("/events")
    page.get_by_role("link", name=re.compile(detail.title)).first.click()
    page.wait_for_url(re.compile(f"/events/{SLUG}$"))
    before = wait_until(lambda: _seats_left(page, package.id), 20, what="the seat count")
    page.get_by_test_id(f"register-{package.id}").first.click()
    dialog = page.get_by_test_id("register-dialog")
    dialog.get_by_text("Sign in to continue").click()

    # Sign in, and come back to the same package with the choice kept.
    page.wait_for_url(re.compile(r"/login\?next="))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(f"/events/{SLUG}\\?register={package.id}"), timeout=30_000)
    confirm = page.get_by_test_id("confirm-registration")
    confirm.wait_for(timeout=30_000)
    screenshot(page, "registration-dialog")
    confirm.click()

    # The truth about the mail: the app's worker hands it to the SMTP server within the wait.
    page.get_by_text(f"You're in — confirmation sent to {email}").wait_for(timeout=30_000)
    code = page.get_by_test_id("ticket-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{10}", code)
    mail = smtp_sink.wait_for(email, "You're in", timeout=30)
    assert code in mail.get_body(("plain",)).get_content()
    screenshot(page, "registration-confirmed")

    # Live seats: the page shows one seat fewer without a reload.
    page.keyboard.press("Escape")
    wait_until(lambda: _seats_left(page, package.id) == before - 1, 10, what="the seat count to drop")

    # My tickets: the ticket is there; cancel it behind a confirmation.
    page.goto("/tickets")
    ticket = page.get_by_test_id("ticket").filter(has_text=code)
    ticket.wait_for(timeout=30_000)
    assert ticket.locator("img[alt^='QR code']").count() == 1
    screenshot(page, "tickets-1280")
    screenshot(page, "tickets-375", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_test_id(f"cancel-{code}").click()
    page.get_by_test_id("confirm-cancel").click()
    page.get_by_text("Cancelled — your seats went back").wait_for(timeout=30_000)
    assert page.get_by_test_id("ticket").filter(has_text=code).count() == 0
    smtp_sink.wait_for(email, "Cancelled", timeout=30)

    # The event page shows the seat back.
    page.goto(f"/events/{SLUG}")
    wait_until(lambda: _seats_left(page, package.id) == before, 20, what="the seat count to go back up")
