"""The catalogue's remembered totals (events.totals): counted once per filter set, and never wrong after a
change this process makes, an event that ends, or (within CACHE_SECONDS) a change made elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from khala import db as khala_db
from khala.audit.service import Actor
from khala.db import utcnow
from khala.events import catalogue, service, totals
from khala.events.models import Package
from khala.registrations import service as registrations

BY = Actor.system("test")


def test_a_second_search_with_the_same_filters_reads_only_its_page(make_event, count_queries) -> None:
    for i in range(5):
        make_event(f"Concert {i}")
    assert catalogue.search_events(text="concert").total == 5
    with count_queries() as q:
        page = catalogue.search_events(text="CONCERT", page=2, page_size=2, sort="price")
    assert page.total == 5 and page.page == 2 and len(page.items) == 2
    assert q.count == 1, q.report()
    with count_queries() as q:
        assert catalogue.search_events(text="concert", city="Lund").total == 0  # other filters: counted
    assert q.count == 2, q.report()


def test_an_event_written_here_shows_in_the_next_total_at_once(db, make_event) -> None:
    first = make_event("Concert A")
    assert catalogue.search_events(text="concert").total == 1
    make_event("Concert B")
    assert catalogue.search_events(text="concert").total == 2
    with khala_db.session_scope(write=True) as s:
        service.update_event(s, first.id, title="Lecture A", actor=BY)
    assert catalogue.search_events(text="concert").total == 1
    service.set_status(first.id, "draft", actor=BY)
    with khala_db.session_scope(write=True) as s:
        service.update_event(s, first.id, title="Concert A", actor=BY)
    assert catalogue.search_events(text="concert").total == 1  # a draft is not listed
    with khala_db.write_transaction() as conn:  # a raw statement counts as a write too
        conn.execute(text("DELETE FROM package"))
        conn.execute(text("DELETE FROM event"))
    assert catalogue.search_events(text="concert").total == 0


def test_a_rolled_back_write_leaves_the_total_right(db, make_event) -> None:
    make_event("Concert A")
    assert catalogue.search_events().total == 1
    with pytest.raises(RuntimeError), khala_db.session_scope(write=True) as s:
        s.execute(text("UPDATE event SET status = 'draft'"))
        assert catalogue.search_events(session=s).total == 0  # the caller's transaction sees its own write
        raise RuntimeError("roll back")
    assert catalogue.search_events().total == 1


def test_a_registration_moves_seats_but_keeps_the_total(db, make_event, make_user, count_queries) -> None:
    event = make_event("Concert", packages=[{"title": "A", "capacity": 10}])
    with Session(db) as s:
        package_id = s.exec(select(Package.id).where(Package.event_id == event.id)).one()
    assert catalogue.search_events().items[0].seats_left == 10
    user = make_user()
    registrations.register(user.id, package_id, 2, actor=Actor.user(user))
    with count_queries() as q:
        page = catalogue.search_events()
    assert page.total == 1 and page.items[0].seats_left == 8  # the page is live; the total stayed
    assert q.count == 1, q.report()


def test_the_total_holds_until_the_first_listed_event_ends(db, make_event) -> None:
    soon = make_event("Soon", starts_in=timedelta(hours=1))  # ends two hours later
    make_event("Later", starts_in=timedelta(days=3))
    now = utcnow()
    assert catalogue.search_events(now=now).total == 2
    assert catalogue.search_events(now=now + timedelta(hours=2)).total == 2
    assert soon.ends_at < now + timedelta(hours=4)
    assert catalogue.search_events(now=now + timedelta(hours=4)).total == 1
    assert catalogue.search_events(now=now - timedelta(days=1)).total == 2  # an earlier "now": counted again


def test_a_change_made_by_another_process_shows_within_cache_seconds(db, make_event, monkeypatch) -> None:
    make_event("Concert A")
    assert catalogue.search_events().total == 1
    elsewhere = khala_db.make_engine(db.url.render_as_string(hide_password=False))  # another process's engine
    try:
        with elsewhere.begin() as conn:
            conn.execute(text("UPDATE event SET status = 'draft'"))
    finally:
        elsewhere.dispose()
    assert catalogue.search_events().total == 1  # not noticed here yet: remembered
    clock = totals.time.monotonic() + totals.CACHE_SECONDS + 0.1
    monkeypatch.setattr(totals.time, "monotonic", lambda: clock)
    assert catalogue.search_events().total == 0


def test_which_statements_count_as_catalogue_writes() -> None:
    from khala.events.models import Event
    from khala.registrations.models import Registration

    e, p = Event.__table__.c, Package.__table__.c  # type: ignore[attr-defined]
    writes = totals.writes_catalogue
    assert writes(Event.__table__.update().values(title="x"))  # type: ignore[attr-defined]
    assert writes(Package.__table__.update().values(price_minor=0))  # type: ignore[attr-defined]
    assert writes(Event.__table__.delete())  # type: ignore[attr-defined]
    assert not writes(Event.__table__.update().values(seats_taken=e.seats_taken + 1, seats_version=1))  # type: ignore[attr-defined]
    assert not writes(Package.__table__.update().values(taken=p.taken + 1))  # type: ignore[attr-defined]
    assert not writes(Registration.__table__.insert())  # type: ignore[attr-defined]
    assert writes('DELETE FROM "event"') and writes(text("truncate table location"))
    assert writes("  update category set name = 'x'") and not writes("SELECT * FROM event")
    assert not writes("INSERT INTO auditentry VALUES (1)")
