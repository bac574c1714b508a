"""Query budgets on the hot paths (Indico's count_queries, Zulip's assert_database_query_count).

A budget is what the path needs today; a change that adds a query per row (an N+1) or a stray lookup fails here
with the statements listed, and raising a budget is then a decision, not an accident.
"""

from __future__ import annotations

from khala.audit.service import Actor
from khala.events import catalogue
from khala.events.models import Package
from khala.registrations import service as registrations


def test_search_is_a_count_and_one_page_query_however_many_events(make_event, count_queries) -> None:
    for i in range(30):
        make_event(f"Concert {i}", city="Malmö" if i % 2 else "Lund")
    with count_queries() as q:
        page = catalogue.search_events(text="concert", city="Malmö", page_size=10)
    assert page.total == 15 and len(page.items) == 10
    assert q.count <= 2, q.report()


def test_seat_versions_poll_is_one_query(make_event, count_queries) -> None:
    ids = [str(make_event(f"E{i}").id) for i in range(40)]
    with count_queries() as q:
        versions = catalogue.seat_versions(ids)
    assert len(versions) == 40
    assert q.count == 1, q.report()


def test_register_stays_within_its_budget(make_event, make_user, count_queries, db) -> None:
    from sqlmodel import Session, select

    event = make_event(packages=[{"title": "A", "capacity": 10}])
    with Session(db) as s:
        package_id = s.exec(select(Package.id).where(Package.event_id == event.id)).one()
    user = make_user()
    with count_queries() as q:
        registrations.register(user.id, package_id, 2, actor=Actor.user(user))
    # One read (package, event, account and an active registration of theirs, joined); then on PostgreSQL one
    # statement takes the seat, counts it on the event and inserts the registration, the outbox row that names
    # its mail (+ NOTIFY) and the audit entry; on SQLite those are five statements in one BEGIN IMMEDIATE. The
    # mail's QR code, calendar file and text are made by the worker, outside this transaction.
    assert q.count <= (2 if db.dialect.name == "postgresql" else 6), q.report()
