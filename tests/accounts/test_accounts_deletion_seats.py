"""Account deletion through the accounts service keeps seat counts right (registrations hooks in)."""

from __future__ import annotations

from datetime import timedelta

from accounts_helpers import STRONG

from khala.accounts import privacy
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.events.models import Event, EventStatus, Package
from khala.registrations import service as registrations
from khala.registrations.models import Registration


def test_deleting_an_account_gives_its_seats_back(db, make_user) -> None:
    with session_scope(write=True) as session:
        event = Event(
            slug="seats-test",
            title="Seats test",
            starts_at=utcnow() + timedelta(days=7),
            ends_at=utcnow() + timedelta(days=7, hours=2),
            status=EventStatus.published,
        )
        session.add(event)
        session.flush()
        package = Package(event_id=event.id, title="Standard", capacity=3)
        session.add(package)
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    registrations.register(ada.id, package.id, 2, actor=Actor.user(ada))
    registrations.register(bob.id, package.id, 1, actor=Actor.user(bob))
    with session_scope() as session:
        assert session.get(Package, package.id).taken == 3

    assert privacy.export_user_data(ada.id)["registrations"][0]["quantity"] == 2
    privacy.delete_account(ada.id, STRONG, actor=Actor.user(ada))

    with session_scope() as session:
        assert session.get(Package, package.id).taken == 1
        regs = {r.user_id: r.status for r in session.exec(Registration.__table__.select()).all()}
    assert regs[ada.id] == "cancelled" and regs[bob.id] == "confirmed"
    # The freed seats can be taken again.
    carol = make_user("carol@example.com")
    registrations.register(carol.id, package.id, 2, actor=Actor.user(carol))
