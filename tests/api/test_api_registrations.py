"""Box office and door through the API: register by e-mail (finding or making the account), list, cancel,
check in; every change is audited with the key as actor; Idempotency-Key retries change nothing again."""

from __future__ import annotations

import uuid

from api_helpers import assert_problem, audit_actions
from sqlmodel import func, select

from khala.accounts.models import User
from khala.api import idempotency
from khala.db import session_scope
from khala.events.models import Package
from khala.registrations.models import Registration


def _package(make_event, **package):
    event = make_event("Box Office Night", packages=[{"title": "Standard", "capacity": 5, **package}])
    with session_scope() as s:
        pkg = s.exec(select(Package).where(Package.event_id == event.id)).one()
    return event, pkg


def _count(model) -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_register_new_attendee_makes_an_unverified_account_without_password(client, make_event, write_key):
    key, headers = write_key
    event, pkg = _package(make_event)
    r = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": " Ada@Example.com ", "display_name": "Ada", "quantity": 2},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["attendee_email"] == "ada@example.com" and body["account_created"] is True
    assert body["status"] == "confirmed" and body["quantity"] == 2 and body["event_id"] == str(event.id)
    assert len(body["ticket_code"]) == 10
    with session_scope() as s:
        user = s.exec(select(User).where(User.email == "ada@example.com")).one()
    assert user.password_hash is None and user.email_verified_at is None and user.display_name == "Ada"
    assert audit_actions(key) == ["user.created_for_registration", "registration.created"]

    again = client.post(
        f"/packages/{pkg.id}/registrations", json={"email": "ada@example.com"}, headers=headers
    )
    assert_problem(again, 409, "already-registered")


def test_register_existing_account_reuses_it(client, make_event, make_user, write_key):
    key, headers = write_key
    _, pkg = _package(make_event)
    person = make_user(email="grace@example.com")
    r = client.post(f"/packages/{pkg.id}/registrations", json={"email": "grace@example.com"}, headers=headers)
    assert r.status_code == 201
    assert r.json()["account_created"] is False and r.json()["user_id"] == str(person.id)
    assert audit_actions(key) == ["registration.created"]


def test_register_errors_are_problems(client, make_event, write_headers):
    _, pkg = _package(make_event, capacity=1, max_per_registration=1)
    bad = client.post(
        f"/packages/{pkg.id}/registrations", json={"email": "not-an-address"}, headers=write_headers
    )
    body = assert_problem(bad, 422, "invalid-input")
    assert body["errors"] == [{"field": "email", "detail": body["errors"][0]["detail"]}]
    too_many = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "a@example.com", "quantity": 2},
        headers=write_headers,
    )
    assert assert_problem(too_many, 422)["errors"][0]["field"] == "quantity"
    unknown = client.post(
        f"/packages/{uuid.uuid4()}/registrations", json={"email": "b@example.com"}, headers=write_headers
    )
    assert_problem(unknown, 404, "not-found")
    assert (
        client.post(
            f"/packages/{pkg.id}/registrations", json={"email": "c@example.com"}, headers=write_headers
        ).status_code
        == 201
    )
    sold_out = client.post(
        f"/packages/{pkg.id}/registrations", json={"email": "d@example.com"}, headers=write_headers
    )
    assert_problem(sold_out, 409, "sold-out")
    waitlisted = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "d@example.com", "waitlist": True},
        headers=write_headers,
    )
    assert waitlisted.status_code == 201 and waitlisted.json()["status"] == "waitlisted"
    assert waitlisted.json()["waitlist_position"] == 1
    malformed = client.post(
        f"/packages/{pkg.id}/registrations",
        content=b'{"email": ',
        headers={**write_headers, "Content-Type": "application/json"},
    )
    assert_problem(malformed, 400, "malformed-json")
    missing = client.post(f"/packages/{pkg.id}/registrations", json={}, headers=write_headers)
    assert assert_problem(missing, 422)["errors"] == [{"field": "email", "detail": "Field required"}]


def test_idempotency_key_replays_the_first_answer_and_creates_nothing_new(client, make_event, write_key):
    key, headers = write_key
    _, pkg = _package(make_event)
    retry = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"email": "retry@example.com", "quantity": 1}
    first = client.post(f"/packages/{pkg.id}/registrations", json=body, headers=retry)
    second = client.post(
        f"/packages/{pkg.id}/registrations", json={"quantity": 1, "email": "retry@example.com"}, headers=retry
    )
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert _count(Registration) == 1 and _count(User) == 1
    assert audit_actions(key) == ["user.created_for_registration", "registration.created"]

    other_body = client.post(
        f"/packages/{pkg.id}/registrations", json={"email": "else@example.com"}, headers=retry
    )
    assert_problem(other_body, 422, "idempotency-key-reused")
    assert _count(Registration) == 1

    # Another key's Idempotency-Key space is its own.
    other_key_headers = {
        **client.app_state.get("x", {}),
        **headers,
    }  # same key; a new idempotency key instead:
    fresh = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "else@example.com"},
        headers={**other_key_headers, "Idempotency-Key": "second-request"},
    )
    assert fresh.status_code == 201 and _count(Registration) == 2


def test_idempotency_replays_domain_errors_and_refuses_concurrent_duplicates(client, make_event, write_key):
    key, headers = write_key
    _, pkg = _package(make_event, capacity=0)
    retry = {**headers, "Idempotency-Key": "sold-out-once"}
    first = client.post(f"/packages/{pkg.id}/registrations", json={"email": "x@example.com"}, headers=retry)
    assert_problem(first, 409, "sold-out")
    again = client.post(f"/packages/{pkg.id}/registrations", json={"email": "x@example.com"}, headers=retry)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"].startswith("application/problem+json")

    # A request still being answered under that key: a concurrent retry is told so (409), nothing runs.
    body = {
        "package_id": str(pkg.id),
        "email": "y@example.com",
        "display_name": "",
        "quantity": 1,
        "waitlist": False,
    }
    claim = idempotency.begin(
        key.id, "in-flight", f"POST /api/v1/packages/{pkg.id}/registrations", idempotency.fingerprint(body)
    )
    assert isinstance(claim, uuid.UUID)
    busy = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "y@example.com"},
        headers={**headers, "Idempotency-Key": "in-flight"},
    )
    assert_problem(busy, 409, "idempotency-in-progress")
    bad_key = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "y@example.com"},
        headers={**headers, "Idempotency-Key": "has a space"},
    )
    assert bad_key.status_code == 422
    assert _count(Registration) == 0


def test_list_cancel_and_check_in(client, make_event, write_key):
    key, headers = write_key
    event, pkg = _package(make_event)
    empty = client.get(f"/events/{event.id}/registrations", headers=headers)
    assert empty.status_code == 200 and empty.json()["items"] == [] and empty.json()["total"] == 0
    made = [
        client.post(
            f"/packages/{pkg.id}/registrations", json={"email": f"p{i}@example.com"}, headers=headers
        ).json()
        for i in range(3)
    ]
    listing = client.get(f"/events/{event.id}/registrations", params={"page_size": 2}, headers=headers)
    assert listing.status_code == 200
    page = listing.json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 2
    assert {i["attendee_email"] for i in page["items"]} <= {f"p{i}@example.com" for i in range(3)}
    assert 'rel="next"' in listing.headers["link"]
    assert_problem(client.get(f"/events/{uuid.uuid4()}/registrations", headers=headers), 404)

    cancelled = client.post(
        f"/registrations/{made[0]['id']}/cancel", json={"reason": "at the desk"}, headers=headers
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_problem(client.post(f"/registrations/{made[0]['id']}/cancel", headers=headers), 409, "conflict")
    assert_problem(client.post(f"/registrations/{uuid.uuid4()}/cancel", headers=headers), 404)
    only_cancelled = client.get(
        f"/events/{event.id}/registrations", params={"status": "cancelled"}, headers=headers
    )
    assert [i["id"] for i in only_cancelled.json()["items"]] == [made[0]["id"]]

    code = made[1]["ticket_code"]
    door = client.post(
        "/checkins",
        json={"ticket_code": code.lower()[:4] + "-" + code.lower()[4:], "event_id": str(event.id)},
        headers=headers,
    )
    assert door.status_code == 201, door.text
    assert door.json()["id"] == made[1]["id"] and door.json()["checked_in_at"]
    rows = client.get(f"/events/{event.id}/registrations", headers=headers).json()["items"]
    assert {r["id"]: bool(r["checked_in_at"]) for r in rows}[made[1]["id"]] is True
    twice = client.post("/checkins", json={"ticket_code": code}, headers=headers)
    assert "already checked in" in assert_problem(twice, 409)["detail"]
    assert_problem(client.post("/checkins", json={"ticket_code": "ZZZZZZZZZZ"}, headers=headers), 404)
    assert_problem(
        client.post("/checkins", json={"ticket_code": made[0]["ticket_code"]}, headers=headers), 409
    )
    other_event = client.post(
        "/checkins",
        json={"ticket_code": made[2]["ticket_code"], "event_id": str(uuid.uuid4())},
        headers=headers,
    )
    assert "another event" in assert_problem(other_event, 409)["detail"]

    actions = audit_actions(key)
    assert actions.count("registration.created") == 3
    assert "registration.cancelled_by_admin" in actions and actions[-1] == "registration.checked_in"
