"""The demo catalogue is believable, consistent and idempotent."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func
from sqlmodel import select

from khala.audit.models import AuditEntry
from khala.db import session_scope, utcnow
from khala.demo.seed import seed_demo
from khala.events import catalogue
from khala.events.models import Category, Event, Package
from khala.locations.models import Location
from khala.mail.models import OutboxMessage
from khala.registrations.models import Registration


def test_seed_demo_is_believable_consistent_and_idempotent(db) -> None:
    created = seed_demo()
    assert created["events"] >= 24
    assert seed_demo() == {"events": 0}
    now = utcnow()
    with session_scope() as s:
        evs = s.exec(select(Event)).all()
        assert len(evs) == created["events"]
        assert all(e.status == "published" for e in evs)
        assert all(now < e.starts_at < now.replace(year=now.year + 1) for e in evs)
        assert max(e.starts_at for e in evs) - now > __import__("datetime").timedelta(days=150)
        assert len(s.exec(select(Category)).all()) >= 6
        assert len(s.exec(select(Location)).all()) >= 8
        counts = Counter(p.event_id for p in s.exec(select(Package)).all())
        assert all(2 <= counts[e.id] <= 4 for e in evs)
        packages = s.exec(select(Package)).all()
        assert {p.currency for p in packages} == {"SEK"}
        assert any(p.capacity is not None and p.taken == p.capacity for p in packages)  # sold out
        assert any(p.capacity and 0 < p.capacity - p.taken <= 5 for p in packages)  # nearly sold out
        assert any(e.min_price_minor == 0 for e in evs)  # free
        for p in packages:
            confirmed = s.exec(
                select(func.coalesce(func.sum(Registration.quantity), 0)).where(
                    Registration.package_id == p.id, Registration.status == "confirmed"
                )
            ).one()
            assert confirmed == p.taken
    assert catalogue.search_events(page_size=100).total == created["events"]


def test_seed_demo_goes_through_the_services_and_mails_nobody(db) -> None:
    created = seed_demo(with_images=False)
    with session_scope() as s:
        entries = s.exec(select(AuditEntry)).all()
        assert {(e.actor_kind, e.actor_label) for e in entries} == {("system", "demo")}
        actions = Counter(e.action for e in entries)
        assert actions["event.created"] == created["events"]
        assert actions["package.created"] == created["packages"]
        assert actions["location.created"] == created["venues"] >= 8
        assert actions["category.created"] == created["categories"] >= 6
        assert actions["registration.created"] == created["registrations"] > 0
        assert s.exec(select(OutboxMessage)).all() == []  # demo attendees are fictional
