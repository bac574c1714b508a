"""The seat-taking guarantee, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import AlreadyRegistered, Conflict, InvalidInput, NotFound, SalesClosed, SoldOut
from khala.events.models import Event, EventStatus, Package
from khala.registrations import queries as registration_queries
from khala.registrations import service as registrations
from khala.registrations.models import Registration


def _package(event) -> Package:
    with session_scope() as s:
        return s.exec(
            select(Package).where(Package.event_id == event.id).order_by(col(Package.position))
        ).first()


def _confirmed_seats(package_id) -> int:
    with session_scope() as s:
        return s.exec(
            select(func.coalesce(func.sum(Registration.quantity), 0)).where(
                Registration.package_id == package_id, Registration.status == "confirmed"
            )
        ).one()


def test_register_takes_seats_and_issues_a_ticket(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "Standard", "capacity": 5, "max_per_registration": 4}])
    user = make_user()
    pkg = _package(event)
    reg = registrations.register(user.id, pkg.id, 3, actor=Actor.user(user))
    assert reg.status == "confirmed" and reg.quantity == 3
    assert len(reg.ticket_code) == registrations.TICKET_CODE_LENGTH
    assert _package(event).taken == 3
    with session_scope() as s:
        ev = s.get(Event, event.id)
        assert ev.seats_taken == 3 and ev.seats_version > event.seats_version


def test_repeated_register_is_refused_and_takes_nothing(make_event, make_user) -> None:
    event = make_event()
    user = make_user()
    pkg = _package(event)
    first = registrations.register(user.id, pkg.id, 2, actor=Actor.user(user))
    with pytest.raises(AlreadyRegistered) as err:
        registrations.register(user.id, pkg.id, 2, actor=Actor.user(user))
    assert err.value.registration_id == first.id
    assert _package(event).taken == 2


def test_rules(make_event, make_user) -> None:
    user = make_user()
    now = utcnow()
    limited = make_event("Limited", packages=[{"title": "A", "capacity": 2, "max_per_registration": 2}])
    with pytest.raises(InvalidInput, match="at most 2"):
        registrations.register(user.id, _package(limited).id, 3, actor=Actor.user(user))
    with pytest.raises(InvalidInput):
        registrations.register(user.id, _package(limited).id, 0, actor=Actor.user(user))
    draft = make_event("Draft", status=EventStatus.draft)
    with pytest.raises(NotFound):
        registrations.register(user.id, _package(draft).id, actor=Actor.user(user))
    cancelled = make_event("Cancelled", status=EventStatus.cancelled)
    with pytest.raises(SalesClosed, match="cancelled"):
        registrations.register(user.id, _package(cancelled).id, actor=Actor.user(user))
    past = make_event("Past", starts_at=now - timedelta(hours=1))
    with pytest.raises(SalesClosed, match="started"):
        registrations.register(user.id, _package(past).id, actor=Actor.user(user))
    later = make_event("Later", packages=[{"title": "A", "sales_opens_at": now + timedelta(days=1)}])
    with pytest.raises(SalesClosed, match="not opened"):
        registrations.register(user.id, _package(later).id, actor=Actor.user(user))
    closed = make_event("Closed", packages=[{"title": "A", "sales_closes_at": now - timedelta(minutes=1)}])
    with pytest.raises(SalesClosed, match="closed"):
        registrations.register(user.id, _package(closed).id, actor=Actor.user(user))
    with pytest.raises(NotFound):
        registrations.register(user.id, "not-a-uuid", actor=Actor.user(user))
    full = make_event("Full", packages=[{"title": "A", "capacity": 1}])
    registrations.register(make_user().id, _package(full).id, actor=audit.SYSTEM)
    with pytest.raises(SoldOut, match="sold out"):
        registrations.register(user.id, _package(full).id, actor=Actor.user(user))


def test_cancel_gives_seats_back_once_and_only_to_the_owner(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 3}])
    owner, other = make_user(), make_user()
    reg = registrations.register(owner.id, _package(event).id, 2, actor=Actor.user(owner))
    with pytest.raises(NotFound):
        registrations.cancel(reg.id, actor=Actor.user(other))
    registrations.cancel(reg.id, actor=Actor.user(owner))
    assert _package(event).taken == 0
    with pytest.raises(Conflict):
        registrations.cancel(reg.id, actor=Actor.user(owner))
    assert _package(event).taken == 0
    # A new registration after cancelling is allowed again.
    registrations.register(owner.id, _package(event).id, 1, actor=Actor.user(owner))
    assert _package(event).taken == 1


def test_waitlist_promotion_is_first_come_first_served_and_skips_what_does_not_fit(
    make_event, make_user
) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 3, "max_per_registration": 3}])
    pkg = _package(event)
    holder = registrations.register(make_user().id, pkg.id, 3, actor=audit.SYSTEM)
    big = registrations.register(make_user().id, pkg.id, 3, waitlist=True, actor=audit.SYSTEM)
    small1 = registrations.register(make_user().id, pkg.id, 1, waitlist=True, actor=audit.SYSTEM)
    small2 = registrations.register(make_user().id, pkg.id, 1, waitlist=True, actor=audit.SYSTEM)
    assert (big.status, big.waitlist_position) == ("waitlisted", 1)
    assert small2.waitlist_position == 3
    # Two seats free up: the 3-seat entry does not fit, the two 1-seat entries do, in order.
    with session_scope(write=True) as s:
        r = s.get(Registration, __import__("uuid").UUID(holder.id))
        r.quantity = 3
    registrations.cancel(holder.id, actor=Actor.user(holder.user_id))
    statuses = {
        x.id: registration_queries.get_registration(x.id, viewer=audit.SYSTEM).status
        for x in (big, small1, small2)
    }
    assert statuses == {big.id: "confirmed", small1.id: "waitlisted", small2.id: "waitlisted"}
    assert _package(event).taken == 3 == _confirmed_seats(pkg.id)


def test_waitlist_skips_entries_that_do_not_fit(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 2, "max_per_registration": 3}])
    pkg = _package(event)
    a = registrations.register(make_user().id, pkg.id, 1, actor=audit.SYSTEM)
    registrations.register(make_user().id, pkg.id, 1, actor=audit.SYSTEM)
    big = registrations.register(make_user().id, pkg.id, 3, waitlist=True, actor=audit.SYSTEM)
    small = registrations.register(make_user().id, pkg.id, 1, waitlist=True, actor=audit.SYSTEM)
    registrations.cancel(a.id, actor=Actor.user(a.user_id))
    assert registration_queries.get_registration(big.id, viewer=audit.SYSTEM).status == "waitlisted"
    assert registration_queries.get_registration(small.id, viewer=audit.SYSTEM).status == "confirmed"
    assert _package(event).taken == 2 == _confirmed_seats(pkg.id)


def test_rush_never_oversells(make_event, make_user) -> None:
    """50 threads, 1,000 attempts, capacity 100: exactly 100 seats taken and 100 confirmed registrations."""
    event = make_event("Rush", packages=[{"title": "A", "capacity": 100, "max_per_registration": 1}])
    pkg = _package(event)
    users = [make_user().id for _ in range(1000)]
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def attempt(user_id) -> None:
        try:
            registrations.register(user_id, pkg.id, 1, actor=Actor.user(user_id))
            key = "ok"
        except SoldOut:
            key = "sold_out"
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(attempt, users))
    assert outcomes == {"ok": 100, "sold_out": 900}
    assert _package(event).taken == 100 == _confirmed_seats(pkg.id)
    with session_scope() as s:
        assert (
            s.exec(
                select(func.count()).select_from(Registration).where(Registration.package_id == pkg.id)
            ).one()
            == 100
        )
        assert s.get(Event, event.id).seats_taken == 100


def test_concurrent_register_cancel_and_waitlist_keep_the_invariant(make_event, make_user) -> None:
    event = make_event("Churn", packages=[{"title": "A", "capacity": 10, "max_per_registration": 2}])
    pkg = _package(event)
    users = [make_user().id for _ in range(60)]

    def churn(i: int) -> None:
        user = users[i]
        try:
            reg = registrations.register(user, pkg.id, 1 + i % 2, waitlist=True, actor=Actor.user(user))
        except AlreadyRegistered:
            return
        if i % 3 == 0:
            with contextlib.suppress(Conflict):
                registrations.cancel(reg.id, actor=Actor.user(user))

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(churn, range(60)))
    package = _package(event)
    assert package.taken == _confirmed_seats(pkg.id) <= 10


def test_same_user_racing_gets_one_registration(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 50}])
    pkg = _package(event)
    user = make_user()
    results: list[str] = []

    def go(_: int) -> None:
        try:
            registrations.register(user.id, pkg.id, 1, actor=Actor.user(user))
            results.append("ok")
        except AlreadyRegistered:
            results.append("dup")

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(go, range(20)))
    assert results.count("ok") == 1
    assert _package(event).taken == 1 == _confirmed_seats(pkg.id)
