"""Browser smoke test of the admin dashboard: anonymous visitors are sent to sign in, a signed-in
non-administrator reads "Admins only", an administrator creates an event with a package, publishes it and
finds it in the list; the other sections render."""

from __future__ import annotations

import re
import uuid

import pytest

from khala.accounts import passwords
from khala.accounts.models import User
from khala.db import session_scope, utcnow
from khala.events import catalogue, reports
from tests.e2e.conftest import screenshot, wait_for_path

pytestmark = pytest.mark.e2e

PASSWORD = "admin journey 4711"


def _account(email: str, *, admin: bool) -> None:
    with session_scope(write=True) as s:
        s.add(
            User(
                email=email,
                display_name="Ada Admin" if admin else "Nora Normal",
                password_hash=passwords.hash_password(PASSWORD),
                email_verified_at=utcnow(),
                is_admin=admin,
            )
        )


def _sign_in(page, email: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    wait_for_path(page, next_path)


def test_non_admins_are_kept_out(page, live_app, app_db) -> None:
    page.goto("/admin/events")
    page.wait_for_url(re.compile(r"/login\?next=/admin/events"), timeout=30_000)
    email = f"normal-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=False)
    _sign_in(page, email, "/admin/events")
    page.get_by_test_id("admins-only").wait_for(timeout=30_000)
    assert page.get_by_test_id("admin-new-event").count() == 0
    screenshot(page, "admin-admins-only")


def test_admin_creates_and_publishes_an_event(page, live_app, app_db) -> None:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=True)
    _sign_in(page, email, "/admin")
    page.get_by_text("Published events").wait_for(timeout=30_000)
    screenshot(page, "admin-overview")

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Events").click()
    page.wait_for_url(re.compile(r"/admin/events$"))
    venue = f"Smoke Hall {uuid.uuid4().hex[:4]}"
    page.get_by_test_id("admin-new-venue").click()
    page.locator("#venue-name").fill(venue)
    page.locator("#venue-city").fill("Lund")
    page.get_by_test_id("admin-add-venue").click()
    page.get_by_text(f"Venue “{venue}” added").wait_for(timeout=30_000)
    page.get_by_test_id("admin-new-event").click()
    page.locator("#event-venue").select_option(label=f"{venue}, Lund")
    title = f"Admin Smoke {uuid.uuid4().hex[:6]}"
    page.locator("#event-title").fill(title)
    page.locator("#event-summary").fill("Made in the browser")
    page.locator("#event-description").fill("## Programme\n\n- doors 18:00\n- show 19:00")
    page.locator("#event-starts").fill("2030-12-01T19:00")
    page.locator("#event-ends").fill("2030-12-01T17:00")
    page.get_by_test_id("admin-create-event").click()
    # Checked by the service, shown at the field; what was typed stays.
    page.locator("#event-ends-error").get_by_text("cannot end before it starts").wait_for(timeout=30_000)
    assert page.locator("#event-title").input_value() == title
    screenshot(page, "admin-event-form-error")
    page.locator("#event-ends").fill("2030-12-01T22:00")
    page.get_by_test_id("admin-create-event").click()

    panel = page.get_by_test_id("admin-selected-event")
    panel.get_by_role("heading", name=title).wait_for(timeout=30_000)
    page.locator("#package-title").fill("Standard")
    page.locator("#package-price").fill("250")
    page.locator("#package-capacity").fill("50")
    page.locator("#package-perks").fill("Welcome drink")
    page.get_by_test_id("admin-add-package").click()
    panel.get_by_text("0 / 50").wait_for(timeout=30_000)
    panel.get_by_test_id("admin-publish").click()
    panel.get_by_text("View public page").wait_for(timeout=30_000)
    panel.get_by_test_id("admin-edit-event").click()
    assert page.locator("#edit-starts").input_value() == "2030-12-01T19:00"
    title += " (edited)"
    page.locator("#edit-title").fill(title)
    page.get_by_test_id("admin-save-event").click()
    panel.get_by_role("heading", name=title).wait_for(timeout=30_000)

    row = page.get_by_test_id("admin-event-row").filter(has_text=title)
    row.wait_for(timeout=30_000)
    assert "Published" in row.inner_text() and "250" in row.inner_text() and venue in row.inner_text()
    screenshot(page, "admin-events")

    created = [e for e in reports.list_events_admin(title).items if e.title == title]
    assert created and created[0].status == "published" and created[0].seats_capacity == 50
    detail = catalogue.get_event(created[0].id)
    assert detail.packages[0].perks == ["Welcome drink"] and detail.starts_at.hour == 18  # 19:00 CET

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Registrations").click()
    page.wait_for_url(re.compile(r"/admin/registrations"))
    page.locator("#admin-reg-event").select_option(created[0].id)
    page.get_by_text("0 confirmed").wait_for(timeout=30_000)
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Mail").click()
    page.wait_for_url(re.compile(r"/admin/mail$"))
    page.get_by_role("button", name="Filter").wait_for(timeout=30_000)
    screenshot(page, "admin-mail")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Users").click()
    page.get_by_text(email).wait_for(timeout=30_000)
    screenshot(page, "admin-users")
    screenshot(page, "admin-users-narrow", width=390)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Images").click()
    page.get_by_text("Drop an image here or click to choose one").wait_for(timeout=30_000)
    screenshot(page, "admin-images")


def test_admin_cancels_a_registration_and_retries_failed_mail(page, live_app, app_db, smtp_sink) -> None:
    from khala.mail.models import OutboxMessage
    from khala.registrations import queries as registration_queries

    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=True)
    # A seeded event with confirmed registrations (not the one the registration journey uses).
    event = next(
        e
        for e in reports.list_events_admin(page_size=100).items
        if e.seats_taken > 0
        and e.seats_capacity is not None
        and e.slug != "nordic-lights-festival"
        and e.status == "published"
    )
    before = catalogue.get_event(event.id).seats_left
    _sign_in(page, email, f"/admin/registrations?event={event.id}")
    page.get_by_role("heading", name=event.title).wait_for(timeout=30_000)
    row = page.get_by_role("row").filter(
        has=page.get_by_role("button", name=re.compile("^Cancel the registration"))
    )
    row.first.wait_for(timeout=30_000)
    screenshot(page, "admin-registrations")
    cancel = row.first.get_by_role("button", name=re.compile("^Cancel the registration"))
    who = cancel.get_attribute("aria-label") or ""
    cancel.click()
    page.get_by_role("button", name="Confirm cancel").click()
    page.get_by_text("Registration cancelled").wait_for(timeout=30_000)
    assert "1 cancelled" in page.get_by_text(re.compile(r"\d+ cancelled$")).first.inner_text()
    after = catalogue.get_event(event.id).seats_left
    assert after > before, (who, before, after)  # the seats went back

    # A failed mail, retried from the outbox: the app's worker sends it to the SMTP sink.
    recipient = f"bounced-{uuid.uuid4().hex[:6]}@example.com"
    with session_scope(write=True) as s:
        s.add(
            OutboxMessage(
                message_id=f"<{uuid.uuid4().hex}@test>",
                recipient=recipient,
                subject="Your ticket (retry me)",
                template="verify_email",
                html_body="<p>Hello</p>",
                text_body="Hello",
                status="failed",
                attempts=8,
                last_error="421 try later",
            )
        )
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Mail").click()
    page.wait_for_url(re.compile(r"/admin/mail$"))
    page.locator("#admin-mail-status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("421 try later").wait_for(timeout=30_000)
    screenshot(page, "admin-mail-failed")
    page.get_by_role("button", name=f"Retry the mail to {recipient}").click()
    page.get_by_text(f"Queued again for {recipient}").wait_for(timeout=30_000)
    smtp_sink.wait_for(recipient, "retry me", timeout=30)
    assert registration_queries.registration_stats(event.id).cancelled >= 1


# ---------------------------------------------------------------------------------------------------------
# The organiser's half of the journey: venue, event with two packages and an uploaded image, publish, the
# public catalogue, a raised capacity that lets the waiting list in, reorder, close sales, duplicate; the
# venues, images and overview sections; every page photographed at 1280 px and 375 px.

PHONE = 375


def _poster(path) -> str:
    from PIL import Image as PILImage

    PILImage.new("RGB", (1200, 800), (55, 67, 125)).save(path, "PNG")
    return str(path)


def _both_widths(page, name: str) -> None:
    """Full-page screenshots at 1280 px and 375 px, once the page's images have loaded."""
    loaded = "() => [...document.images].every(i => i.complete)"  # a function: an expression string polls with eval (CSP)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function(loaded, timeout=15_000)
    screenshot(page, name)
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.wait_for_function(loaded, timeout=15_000)
    screenshot(page, f"{name}-narrow")
    page.set_viewport_size({"width": 1280, "height": 800})


def _js_loaded_on(browser, live_app, path: str) -> str:
    """Every script a fresh browser context loads for ``path`` (after hydration), concatenated."""
    context = browser.new_context(base_url=live_app.url)
    scripts: list = []
    try:
        pg = context.new_page()
        pg.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
        pg.goto(path)
        pg.wait_for_load_state("networkidle")
        return "\n".join(r.text() for r in scripts if r.ok)
    finally:
        context.close()


def test_the_charts_load_on_admin_pages_only(browser, live_app) -> None:
    # recharts writes its class names into the DOM; its code carries them as strings.
    assert "recharts-wrapper" not in _js_loaded_on(browser, live_app, "/events")
    assert "recharts-wrapper" not in _js_loaded_on(browser, live_app, "/")
    assert "recharts-wrapper" in _js_loaded_on(browser, live_app, "/admin")


def test_admin_runs_an_event_from_draft_to_sale(page, live_app, app_db, tmp_path) -> None:
    from khala.audit.service import Actor
    from khala.registrations import queries
    from khala.registrations import service as registrations

    email = f"organiser-{uuid.uuid4().hex[:8]}@example.com"
    _account(email, admin=True)
    _sign_in(page, email, "/admin/venues")
    tag = uuid.uuid4().hex[:5]

    # A venue and a category, from the venues section.
    venue = f"Journey Hall {tag}"
    page.get_by_test_id("admin-new-venue").click()
    page.locator("#v-name").fill(venue)
    page.locator("#v-city").fill("Uppsala")
    page.locator("#v-street").fill("Svartbäcksgatan 1")
    page.get_by_test_id("admin-save-venue").click()
    page.get_by_text(f"Venue “{venue}” added.").wait_for(timeout=30_000)
    category = f"Board games {tag}"
    page.locator("#cat-name").fill(category)
    page.get_by_test_id("admin-add-category").click()
    page.get_by_text(f"Category “{category}” added.").wait_for(timeout=30_000)

    # The event: Markdown with its live preview, an image uploaded in the form, venue and category.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Events").click()
    page.wait_for_url(re.compile(r"/admin/events$"))
    page.get_by_test_id("admin-new-event").click()
    title = f"Journey Night {tag}"
    page.locator("#event-title").fill(title)
    page.locator("#event-summary").fill("Games until late")
    page.locator("#event-description").fill("## Programme\n\n- doors **18:00**\n- games 19:00")
    preview = page.get_by_test_id("admin-description-preview")
    preview.get_by_role("heading", name="Programme").wait_for(timeout=30_000)
    assert preview.locator("strong").inner_text() == "18:00"
    page.locator("#event-venue").select_option(label=f"{venue}, Uppsala")
    page.locator("#event-category").select_option(label=category)
    page.locator("#event-image-upload input[type=file]").set_input_files(_poster(tmp_path / "journey.png"))
    page.get_by_placeholder("Alt text: what the image shows").fill("A navy poster for the games night")
    page.get_by_test_id("event-image-upload").click()
    page.get_by_text("Uploaded “journey.png”").wait_for(timeout=30_000)
    assert page.locator("#event-image").input_value() != ""
    page.locator("#event-starts").fill("2030-11-20T18:00")
    _both_widths(page, "admin-event-form")
    page.get_by_test_id("admin-create-event").click()
    panel = page.get_by_test_id("admin-selected-event")
    panel.get_by_role("heading", name=title).wait_for(timeout=30_000)
    assert panel.get_by_role("img", name="A navy poster for the games night").count() == 1

    # Two packages.
    for name, price, capacity in (("Standard", "200", "1"), ("VIP", "500", "5")):
        page.locator("#package-title").fill(name)
        page.locator("#package-price").fill(price)
        page.locator("#package-capacity").fill(capacity)
        page.get_by_test_id("admin-add-package").click()
        panel.get_by_test_id("admin-package").filter(has_text=name).wait_for(timeout=30_000)
    panel.get_by_test_id("admin-publish").click()
    panel.get_by_text("View public page").wait_for(timeout=30_000)
    event = next(e for e in reports.list_events_admin(title).items if e.title == title)
    standard, vip = catalogue.get_event(event.id).packages

    # Seen in the public catalogue.
    page.goto("/events")
    # The page paints before its JavaScript is requested: search once it runs (the real cards are in).
    page.locator("article.khala-card").first.wait_for(timeout=30_000)
    page.locator("#search").fill(title)
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)

    # Standard sells out and someone waits; the capacity cannot go below the seat taken, and raising it
    # lets the waiting registration in at once.
    guests = []
    for who in ("first", "second"):
        with session_scope(write=True) as s:
            guest = User(
                email=f"{who}-{tag}@example.com", display_name=who.title(), email_verified_at=utcnow()
            )
            s.add(guest)
        guests.append(guest)
    registrations.register(guests[0].id, standard.id, actor=Actor.user(guests[0]))
    waiting = registrations.register(guests[1].id, standard.id, actor=Actor.user(guests[1]), waitlist=True)
    page.goto("/admin/events")
    page.get_by_role("button", name=f"Manage {title}").click()
    card = panel.get_by_test_id("admin-package").filter(has_text="Standard")
    card.get_by_text("1 / 1").wait_for(timeout=30_000)
    card.get_by_test_id("admin-edit-package").click()
    page.locator("#package-edit-capacity").fill("0")
    page.get_by_test_id("admin-save-package").click()
    page.locator("#package-edit-capacity-error").get_by_text(
        "1 seat is already taken, so the capacity cannot be lower than 1."
    ).wait_for(timeout=30_000)
    _both_widths(page, "admin-package-capacity-floor")
    page.locator("#package-edit-capacity").fill("2")
    page.get_by_test_id("admin-save-package").click()
    card.get_by_text("2 / 2").wait_for(timeout=30_000)
    assert queries.get_registration(waiting.id, viewer=Actor.system()).status == "confirmed"

    # Reorder, close sales, duplicate.
    page.get_by_role("button", name="Move VIP up").click()
    page.wait_for_function(
        "t => document.querySelector('[data-testid=admin-package]')?.innerText.includes(t)", arg="VIP"
    )
    assert [p.title for p in catalogue.get_event(event.id).packages] == ["VIP", "Standard"]
    page.get_by_role("button", name="Close sales of VIP").click()
    panel.get_by_test_id("admin-package").filter(has_text="VIP").get_by_text("Sales closed").wait_for(
        timeout=30_000
    )
    assert catalogue.get_event(event.id).packages[0].sales_state == "closed" and vip.title == "VIP"
    _both_widths(page, "admin-event-editor")
    panel.get_by_test_id("admin-duplicate-event").click()
    panel.get_by_role("heading", name=f"{title} (copy)").wait_for(timeout=30_000)
    row = page.get_by_test_id("admin-event-row").filter(has_text=f"{title} (copy)")
    assert "Draft" in row.inner_text()
    page.get_by_test_id("admin-sort-title").click()
    page.locator("th[aria-sort=ascending]").get_by_test_id("admin-sort-title").wait_for(timeout=30_000)
    _both_widths(page, "admin-events-list")

    # The venue lists its events and offers no delete; the image says where it is used.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Venues").click()
    page.wait_for_url(re.compile(r"/admin/venues$"))
    page.locator("#admin-venue-q").fill(venue)
    page.get_by_role("button", name="Search").click()
    hall = page.get_by_test_id("admin-venue").filter(has_text=venue)
    hall.get_by_text(re.compile(r"2 events: .*Journey Night")).wait_for(timeout=30_000)
    assert hall.get_by_role("button", name=f"Delete {venue}").count() == 0
    _both_widths(page, "admin-venues")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Images").click()
    page.wait_for_url(re.compile(r"/admin/images$"))
    poster = page.get_by_test_id("admin-library-card").filter(has_text="journey.png")
    poster.get_by_test_id("admin-image-usage").get_by_text(title).wait_for(timeout=30_000)
    assert poster.get_by_role("button", name="Delete journey.png").count() == 0
    _both_widths(page, "admin-images-library")

    # The overview: the chart and the fill of the upcoming events.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Overview").click()
    page.wait_for_url(re.compile(r"/admin$"))
    chart = page.get_by_test_id("admin-registrations-chart")
    chart.locator(".recharts-bar-rectangle").first.wait_for(state="attached", timeout=30_000)
    assert chart.locator(".recharts-xAxis").count() == 1
    page.get_by_test_id("admin-fill-row").first.wait_for(timeout=30_000)
    _both_widths(page, "admin-overview-charts")
