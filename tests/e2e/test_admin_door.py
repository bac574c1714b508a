"""Browser journey at the door: an administrator finds an event's registrations (search across events), exports
them as CSV (parsed here: BOM, Swedish names, neutralised formulas), writes to the ticket holders, checks a
ticket in by its code on a 375 px phone while a second door's screen follows the count live, undoes and redoes
it, scans another ticket's QR with the camera (Chromium's fake video stream of the ticket's QR PNG), and finds
each step in the audit log. Every door/records page is photographed at 1280 px and 375 px."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from khala.accounts import passwords
from khala.accounts.models import User
from khala.audit.service import SYSTEM
from khala.db import session_scope, utcnow
from khala.events import catalogue, reports
from khala.registrations import roster, tickets
from khala.registrations import service as registrations
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, screenshot, wait_for_path, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "door journey 2026"
PHONE = {"width": 375, "height": 812}


def _person(email: str, name: str, *, admin: bool = False) -> User:
    with session_scope(write=True) as s:
        user = User(
            email=email,
            display_name=name,
            password_hash=passwords.hash_password(PASSWORD),
            email_verified_at=utcnow(),
            is_admin=admin,
        )
        s.add(user)
    return user


def _sign_in(page, email: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-submit").click()
    wait_for_path(page, next_path)


def _open_event():
    """A published, upcoming seeded event with a package on sale and room for our four attendees."""
    for row in reports.list_events_admin(None, "published", 1, 100).items:
        detail = catalogue.get_event(row.id)
        for p in detail.packages:
            if (
                p.sales_state == "open"
                and (p.seats_left is None or p.seats_left >= 4)
                and p.max_per_registration >= 2
            ):
                return detail, p
    raise AssertionError("no seeded event with an open package")


def qr_video(code: str, path: Path, *, frames: int = 20) -> Path:
    """A Y4M video (what --use-file-for-fake-video-capture plays) of the ticket's QR code on white."""
    qr = Image.open(io.BytesIO(tickets.qr_png(code, scale=10))).convert("RGB")
    canvas = Image.new("RGB", (640, 480), "white")
    side = min(400, qr.width)
    qr = qr.resize((side, side), Image.NEAREST)
    canvas.paste(qr, ((640 - side) // 2, (480 - side) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    chroma = [c.resize((320, 240), Image.BILINEAR).tobytes() for c in (cb, cr)]
    frame = b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1]
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + frame * frames)
    return path


def _result(page):
    box = page.get_by_test_id("door-result")
    box.wait_for(timeout=30_000)
    return box


def test_the_door_from_registrations_to_the_audit_log(page, browser, live_app, app_db, tmp_path) -> None:
    tag = uuid.uuid4().hex[:6]
    admin_email = f"door-{tag}@example.com"
    admin = _person(admin_email, "Door Admin", admin=True)
    event, package = _open_event()
    holders = {
        "asa": _person(f"asa-{tag}@example.se", f"Åsa Öberg {tag}"),
        "formula": _person(f"formula-{tag}@example.se", f'=HYPERLINK("http://evil") {tag}'),
        "bjorn": _person(f"bjorn-{tag}@example.se", f"Björn Ängel {tag}"),
    }
    regs = {
        k: registrations.register(
            u.id, package.id, 2 if k == "asa" else 1, actor=SYSTEM, send_confirmation=False
        )
        for k, u in holders.items()
    }

    # The scanner's code and its WebAssembly are not part of any other page.
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto("/events")
    page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)

    # Registrations: a search across every event finds Åsa; the event's CSV is exported and parsed.
    _sign_in(page, admin_email, "/admin/registrations")
    page.locator("#admin-reg-q").fill(f"åsa öberg {tag}")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_test_id("admin-registration-row").filter(has_text=f"Åsa Öberg {tag}")
    row.wait_for(timeout=30_000)
    assert event.title in row.inner_text() and regs["asa"].ticket_code in row.inner_text()
    page.locator("#admin-reg-event").select_option(event.id)
    page.get_by_role("heading", name=event.title).wait_for(timeout=30_000)
    screenshot(page, "admin-door-registrations")
    export = page.get_by_test_id("admin-reg-export")
    assert export.get_attribute("href") == f"/admin/events/{event.id}/registrations.csv", export.evaluate(
        "e => e.outerHTML"
    )
    probe = page.request.get(export.get_attribute("href"))
    assert probe.status == 200, (probe.status, probe.text()[:300])
    with page.expect_download() as download_info:
        export.click()
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(roster.CSV_HEADER)
    by_code = {r[0]: r for r in rows[1:]}
    assert (
        by_code[regs["asa"].ticket_code][2] == f"Åsa Öberg {tag}"
        and by_code[regs["asa"].ticket_code][5] == "2"
    )
    assert by_code[regs["formula"].ticket_code][2] == f'\'=HYPERLINK("http://evil") {tag}'
    assert by_code[regs["bjorn"].ticket_code][2] == f"Björn Ängel {tag}"
    screenshot(page, "admin-door-registrations-narrow", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Mail: an announcement to the event's ticket holders, previewed first.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Mail").click()
    page.wait_for_url(re.compile(r"/admin/mail$"))
    page.locator("#announce-event").select_option(event.id)
    page.locator("#announce-subject").fill(f"Doors open at 18:00 {tag}")
    page.locator("#announce-body").fill("Welcome!\n\nBring the QR code from your confirmation.")
    page.get_by_test_id("announce-preview").click()
    page.get_by_test_id("announce-send").wait_for(timeout=30_000)
    screenshot(page, "admin-door-announce-preview")
    page.get_by_test_id("announce-send").click()
    page.get_by_text(re.compile(r"Queued for \d+ ticket holders?")).first.wait_for(timeout=30_000)
    screenshot(page, "admin-door-mail")
    screenshot(page, "admin-door-mail-narrow", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})

    assert not [u for u in fetched if "qr_scanner" in u or "zxing" in u], "scanner bytes on other pages"

    # A second door: another browser context signed in as the same administrator follows the count.
    other = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_app.url)
    second = other.new_page()
    _sign_in(second, admin_email, f"/admin/checkin/{event.id}")
    second.get_by_test_id("door-event").wait_for(timeout=30_000)
    before = int(second.get_by_test_id("door-seats-in").inner_text())

    # Check-in by code on a 375 px phone: as printed, in lower case with a dash.
    page.set_viewport_size(PHONE)
    page.goto(f"/admin/checkin/{event.id}")
    page.get_by_test_id("door-event").wait_for(timeout=30_000)
    screenshot(page, "admin-door-checkin-empty-narrow")
    code = regs["asa"].ticket_code
    page.locator("#door-code").fill(f"{code[:4].lower()}-{code[4:].lower()}")
    page.get_by_test_id("door-submit").click()
    box = _result(page)
    wait_until(lambda: box.get_attribute("data-kind") == "ok", 30, what="the check-in")
    assert (
        "Checked in" in box.inner_text()
        and f"Åsa Öberg {tag}" in box.inner_text()
        and "× 2" in box.inner_text()
    )
    screenshot(page, "admin-door-checkin-narrow")
    wait_until(
        lambda: int(second.get_by_test_id("door-seats-in").inner_text()) == before + 2,
        15,
        what="the second door's live count",
    )

    # The same code again: refused, saying when and by whom; undo; check in again.
    page.locator("#door-code").fill(code)
    page.get_by_test_id("door-submit").click()
    wait_until(lambda: "Already checked in" in _result(page).inner_text(), 30, what="the refusal")
    assert admin_email in _result(page).inner_text()
    screenshot(page, "admin-door-checkin-refused-narrow")
    page.get_by_test_id("door-undo").click()
    wait_until(lambda: "Check-in undone" in _result(page).inner_text(), 30, what="the undo")
    wait_until(
        lambda: int(second.get_by_test_id("door-seats-in").inner_text()) == before, 15, what="undo live"
    )
    page.locator("#door-code").fill(code)
    page.get_by_test_id("door-submit").click()
    wait_until(lambda: _result(page).get_attribute("data-kind") == "ok", 30, what="the second check-in")
    page.locator("#door-code").fill("NOT-A-TICKET")
    page.get_by_test_id("door-submit").click()
    wait_until(lambda: "Unknown ticket" in _result(page).inner_text(), 30, what="an unknown code")
    screenshot(second, "admin-door-checkin")
    other.close()

    # The camera: Chromium plays a video of Björn's ticket QR; the scanner reads it and checks him in.
    video = qr_video(regs["bjorn"].ticket_code, tmp_path / "ticket.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        ctx = camera_browser.new_context(viewport=PHONE, base_url=live_app.url, permissions=["camera"])
        cam = ctx.new_page()
        console: list[str] = []
        cam.on("console", lambda m: console.append(m.text))
        cam.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        scanner_files: list[str] = []
        cam.on(
            "request",
            lambda r: scanner_files.append(r.url) if "zxing" in r.url or "qr_scanner" in r.url else None,
        )
        _sign_in(cam, admin_email, f"/admin/checkin/{event.id}")
        cam.get_by_test_id("door-camera-toggle").click()
        cam.get_by_test_id("door-camera").wait_for(timeout=30_000)
        box = cam.get_by_test_id("door-result")
        try:
            box.wait_for(timeout=60_000)
        except PlaywrightTimeout:
            cam.screenshot(path=str(ARTIFACTS / "FAILED-admin-door-camera.png"), full_page=True)
            raise AssertionError(f"the camera read nothing; console: {console[-30:]}") from None
        wait_until(lambda: "Björn" in box.inner_text(), 30, what="the scanned ticket")
        assert box.get_attribute("data-kind") == "ok"
        cam.screenshot(path=str(ARTIFACTS / "admin-door-camera-narrow.png"), full_page=True)
        assert [u for u in scanner_files if u.endswith(".wasm")], "the ZXing WebAssembly came from this site"
        assert all(u.startswith(live_app.url) for u in scanner_files)
        ctx.close()
    finally:
        camera_browser.close()
    assert roster.door_ticket(regs["bjorn"].ticket_code).checked_in_by == admin_email

    # The audit log shows each step, by this administrator.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/admin/audit?object_type=registration&object_id={regs['asa'].id}")
    log = page.get_by_test_id("audit-row")
    log.first.wait_for(timeout=30_000)
    wait_until(lambda: log.count() >= 4, 15, what="the registration's history")
    # Each row names its action in words, with the dotted code beneath.
    assert log.first.get_by_role("rowheader").inner_text().startswith("Checked in")
    actions = [log.nth(i).get_by_role("rowheader").locator("code").inner_text() for i in range(log.count())]
    assert actions[:3] == [
        "registration.checked_in",
        "registration.check_in_undone",
        "registration.checked_in",
    ]
    assert actions[-1] == "registration.created"
    assert admin_email in log.first.inner_text()
    page.goto(f"/admin/audit?object_type=event&object_id={event.id}&action=event.announced")
    # the filtered rows replace what the page showed first: wait for them, not for any row
    page.get_by_test_id("audit-row").filter(has_text=f"Doors open at 18:00 {tag}").first.wait_for(
        timeout=30_000
    )
    assert f"Doors open at 18:00 {tag}" in page.get_by_test_id("audit-row").first.inner_text()
    page.goto("/admin/audit")
    page.get_by_test_id("audit-row").first.wait_for(timeout=30_000)
    screenshot(page, "admin-door-audit")
    screenshot(page, "admin-door-audit-narrow", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Users, API keys and the system page look finished too.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Users").click()
    page.get_by_text(admin_email).first.wait_for(timeout=30_000)
    screenshot(page, "admin-door-users")
    screenshot(page, "admin-door-users-narrow", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="API keys").click()
    page.locator("#api-key-name").fill(f"Door tablet {tag}")
    page.get_by_test_id("api-key-create").click()
    page.locator("#reauth-password").fill(PASSWORD)
    page.locator("#reauth-confirm").click()
    secret = page.get_by_test_id("api-key-secret")
    secret.wait_for(timeout=30_000)
    assert secret.inner_text().startswith("khala_")
    screenshot(page, "admin-door-api-keys")
    screenshot(page, "admin-door-api-keys-narrow", width=375)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="System").click()
    page.get_by_text("Database").first.wait_for(timeout=30_000)
    screenshot(page, "admin-door-system")
    screenshot(page, "admin-door-system-narrow", width=375)
    assert admin.id
