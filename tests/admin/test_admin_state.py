"""Admin handlers check the caller themselves: any client can call any handler by name.

Handlers run without a browser: the state tree is built from the root with the websocket's headers (where the
HttpOnly session cookie arrives) set on the router, as Reflex does on connect. For every mutating handler:
anonymous and signed-in non-administrators are refused and nothing changes; an administrator succeeds.
"""

from __future__ import annotations

import uuid

import pytest
from reflex_base.utils import format

from khala.admin.state import (
    AdminEventsState,
    AdminMailState,
    AdminOverviewState,
    AdminRegistrationsState,
    AdminState,
)
from khala.audit import service as audit
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope, utcnow
from khala.events import catalogue, forms, reports
from khala.events import service as events
from khala.events.models import EventStatus
from khala.locations import service as locations
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from khala.registrations import queries
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate


def _tree(cookie: str | None = None, *, path: str = "/admin/events", query: dict | None = None):
    return state_tree(cookie, path=path, query=query, ip="10.7.0.1")


_sub = substate


NEW_EVENT = {
    "title": "Hacker Gala",
    "summary": "",
    "description": "",
    "category": "",
    "venue_id": "",
    "starts_at": "2030-12-01T19:00",
    "ends_at": "",
    "timezone": "Europe/Stockholm",
    "status": "published",
}


def _failed_mail() -> str:
    with session_scope(write=True) as s:
        m = OutboxMessage(
            message_id=f"<{uuid.uuid4().hex}@test>",
            recipient="someone@example.com",
            subject="Hello",
            template="verify_email",
            html_body="",
            text_body="",
            status="failed",
            attempts=8,
            last_error="550 no such user",
            created_at=utcnow(),
        )
        s.add(m)
    return str(m.id)


def _event_count() -> int:
    return reports.list_events_admin().total


@pytest.fixture
def world(make_event, make_user):
    """An event with a full package, a confirmed holder and a waiting-list entry, plus a failed mail."""
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 1}], status=EventStatus.draft)
    events.set_status(event.id, "published", actor=audit.SYSTEM)
    package_id = catalogue.get_event(event.id).packages[0].id
    holder_user, waiting_user = make_user(display_name="Holder"), make_user(display_name="Waiting")
    holder = registrations.register(holder_user.id, package_id, actor=Actor.user(holder_user))
    waiting = registrations.register(
        waiting_user.id, package_id, actor=Actor.user(waiting_user), waitlist=True
    )
    return {
        "event_id": str(event.id),
        "package_id": package_id,
        "holder": holder.id,
        "waiting": waiting.id,
        "mail": _failed_mail(),
    }


def _assert_nothing_changed(world) -> None:
    detail = catalogue.get_event(world["event_id"])
    assert detail.status == "published" and [p.title for p in detail.packages] == ["Std"]
    assert queries.get_registration(world["holder"], viewer=SYSTEM).status == "confirmed"
    assert queries.get_registration(world["waiting"], viewer=SYSTEM).status == "waitlisted"
    assert mail.delivery_status(world["mail"]).status.value == "failed"
    assert _event_count() == 1


def _attack(root, world) -> None:
    """Call every reading and mutating handler directly, as a hostile client could."""
    ev = _sub(root, AdminEventsState)
    run(ev.load())
    run(ev.search({"q": "", "status": "draft"}))
    run(ev.go_to_page(2))
    run(ev.start_create())
    run(ev.create_event(dict(NEW_EVENT)))
    run(ev.open_event(world["event_id"]))
    ev.selected.id = world["event_id"]  # a forged selection still gets nothing past the check
    run(ev.add_package({"title": "Free for me", "price": "", "currency": "SEK"}))
    run(ev.set_status(world["event_id"], "draft"))
    run(ev.set_status(world["event_id"], "cancelled"))
    run(ev.create_venue({"name": "Stranger Hall", "city": "Nowhere"}))
    assert "Stranger Hall, Nowhere" not in [label for _, label in locations.list_venues()]
    run(ev.start_edit())
    run(ev.save_event({**NEW_EVENT, "title": "Renamed by a stranger"}))
    assert not ev.editing and ev.edit_values == {}
    assert ev.rows == [] and ev.total == 0 and ev.categories == [] and ev.venues == []
    assert ev.selected.packages == [] and ev.selected.title == ""

    regs = _sub(root, AdminRegistrationsState)
    run(regs.load())
    run(regs.choose_event(world["event_id"]))
    run(regs.filter_status("confirmed"))
    run(regs.go_to_page(1))
    run(regs.cancel(world["holder"]))
    run(regs.cancel(world["waiting"]))
    assert regs.rows == [] and regs.event_options == [] and regs.summary == ""

    outbox = _sub(root, AdminMailState)
    run(outbox.load())
    run(outbox.search({"status": "failed", "recipient": ""}))
    run(outbox.go_to_page(1))
    run(outbox.retry(world["mail"]))
    assert outbox.rows == []

    overview = _sub(root, AdminOverviewState)
    run(overview.load())
    assert overview.tiles == [] and overview.mail_tiles == []
    # Nothing private reached what would be sent to the browser.
    sent = format.json_dumps(root.get_delta())
    assert "Holder" not in sent and "someone@example.com" not in sent


def test_anonymous_is_sent_to_sign_in_and_changes_nothing(world) -> None:
    root = _tree(None, path="/admin/registrations", query={"event": world["event_id"]})
    spec = run(_sub(root, AdminRegistrationsState).load())
    assert spec is not None and "/login?next=/admin/registrations" in str(spec)
    assert _sub(root, AdminState).access == "anonymous"
    spec = run(_sub(_tree(None, path="/admin"), AdminState).check_access())
    assert spec is not None and "/login?next=/admin" in str(spec)
    _attack(_tree(None), world)
    _assert_nothing_changed(world)


def test_signed_in_non_admin_sees_admins_only_and_changes_nothing(world, person) -> None:
    _, token = person()
    root = _tree(token)
    spec = run(_sub(root, AdminEventsState).load())
    assert spec is None  # no redirect: the page says "Admins only"
    assert _sub(root, AdminState).access == "denied"
    _attack(root, world)
    _assert_nothing_changed(world)


def test_forged_or_expired_cookie_is_anonymous(world) -> None:
    root = _tree("forged-token")
    run(_sub(root, AdminEventsState).load())
    assert _sub(root, AdminState).access == "anonymous"
    _attack(root, world)
    _assert_nothing_changed(world)


def test_admin_overview_counts(world, person) -> None:
    _, token = person(admin=True)
    state = _sub(_tree(token, path="/admin"), AdminOverviewState)
    assert run(state.load()) is None
    assert state.access == "admin"
    tiles = {t.label: t.value for t in state.tiles}
    assert tiles["Published events"] == "1" and tiles["Seats sold"] == "1"
    assert tiles["Confirmed registrations"] == "1" and tiles["On waiting lists"] == "1"
    assert {t.label: t.value for t in state.mail_tiles}["Failed"] == "1"


def test_admin_creates_an_event_adds_a_package_and_publishes(world, person) -> None:
    _, token = person(admin=True)
    state = _sub(_tree(token), AdminEventsState)
    run(state.load())
    assert [r.title for r in state.rows] == ["Gala"] and state.rows[0].status == "published"
    run(state.start_create())
    assert state.creating and state.images == [] and state.venues != []
    run(state.create_venue({"name": "", "city": "Lund"}))
    assert set(state.venue_errors) == {"name"}
    run(state.create_venue({"name": "Stadshallen", "city": "Lund", "country": "se"}))
    assert state.venue_errors == {} and "Stadshallen, Lund" in [o.label for o in state.venues]
    # Per-field messages, nothing stored.
    run(state.create_event({**NEW_EVENT, "title": "", "starts_at": "whenever"}))
    assert set(state.form_errors) >= {"title", "starts_at"} and state.creating
    assert _event_count() == 1
    run(state.create_event({**NEW_EVENT, "title": "Winter Gala", "status": "draft"}))
    assert state.form_errors == {} and not state.creating
    assert state.selected.title == "Winter Gala" and state.selected.status == "draft"
    assert "Winter Gala" in [r.title for r in state.rows]
    new_id = state.selected.id
    assert "2030" in state.selected.when and "7:00\u00a0PM" in state.selected.when  # 19:00 there

    run(state.add_package({"title": "VIP", "price": "abc", "currency": "SEK", "capacity": "10"}))
    assert set(state.package_errors) == {"price"}
    run(
        state.add_package(
            {"title": "VIP", "price": "499", "currency": "SEK", "capacity": "10", "max_per_registration": "2"}
        )
    )
    assert state.package_errors == {}
    assert [(p.title, p.seats) for p in state.selected.packages] == [("VIP", "0 / 10")]

    run(state.set_status(new_id, "published"))
    assert catalogue.get_event(new_id).status == "published"
    assert state.selected.status == "published"
    run(state.set_status(world["event_id"], "draft"))  # someone holds a seat: refused with a message
    assert state.status_error and catalogue.get_event(world["event_id"]).status == "published"
    run(state.search({"q": "winter", "status": ""}))
    assert [r.title for r in state.rows] == ["Winter Gala"]

    # Edit the details: the form is pre-filled with wall times in the event's zone.
    run(state.start_edit())
    assert state.editing and state.edit_values["title"] == "Winter Gala"
    assert state.edit_values["starts_at"] == "2030-12-01T19:00"
    run(state.save_event({**state.edit_values, "title": "", "ends_at": "2030-12-01T18:00"}))
    assert set(state.edit_errors) == {"title", "ends_at"} and state.editing
    run(
        state.save_event(
            {**state.edit_values, "title": "Winter Gala 2030", "starts_at": "2030-12-02T20:00", "ends_at": ""}
        )
    )
    assert not state.editing and state.selected.title == "Winter Gala 2030"
    assert forms.event_form_values(new_id)["starts_at"] == "2030-12-02T20:00"
    assert [r.title for r in state.rows] == ["Winter Gala 2030"]


def test_admin_cancels_a_registration_and_the_waiting_list_moves_up(world, person) -> None:
    _, token = person(admin=True)
    root = _tree(token, path="/admin/registrations", query={"event": world["event_id"]})
    state = _sub(root, AdminRegistrationsState)
    run(state.load())
    assert state.event_id == world["event_id"] and state.event_title == "Gala"
    assert {r.name for r in state.rows} == {"Holder", "Waiting"} and state.total == 2
    assert [o.value for o in state.event_options] == [world["event_id"]]
    run(state.filter_status("waitlisted"))
    assert [r.name for r in state.rows] == ["Waiting"]
    run(state.cancel(world["holder"]))
    assert queries.get_registration(world["holder"], viewer=SYSTEM).status == "cancelled"
    assert queries.get_registration(world["waiting"], viewer=SYSTEM).status == "confirmed"  # promoted
    assert catalogue.get_event(world["event_id"]).packages[0].taken == 1
    run(state.cancel(world["holder"]))  # again: a readable refusal, nothing changes
    assert "already cancelled" in state.error


def test_admin_retries_failed_mail(world, person) -> None:
    _, token = person(admin=True)
    state = _sub(_tree(token, path="/admin/mail"), AdminMailState)
    run(state.load())
    assert state.access == "admin" and state.total >= 1
    run(state.search({"status": "failed", "recipient": "someone@"}))
    assert [m.id for m in state.rows] == [world["mail"]] and state.rows[0].last_error == "550 no such user"
    run(state.retry(world["mail"]))
    assert mail.delivery_status(world["mail"]).status.value == "queued"
    run(state.retry(world["mail"]))  # only failed mail can be retried
    assert "Only failed mail" in state.error
