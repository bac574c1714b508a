"""Every registration change writes one audit entry with its actor, in the change's own transaction."""

from __future__ import annotations

import pytest
from sqlmodel import select

from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import NotFound, SoldOut
from khala.events.models import Package
from khala.registrations import service as registrations


def _package(event) -> Package:
    with session_scope() as s:
        return s.exec(select(Package).where(Package.event_id == event.id)).first()


def _entries() -> list[AuditEntry]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditEntry)
                .where(AuditEntry.object_type == "registration")
                .order_by(AuditEntry.at, AuditEntry.id)
            ).all()
        )


def test_register_and_cancel_by_the_owner_are_audited_with_the_owner(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 3}])
    ada = make_user(email="ada@example.com")
    reg = registrations.register(ada.id, _package(event).id, 2, actor=Actor.user(ada))
    [created] = _entries()
    assert (created.action, created.actor_kind, created.actor_id) == ("registration.created", "user", ada.id)
    assert created.actor_label == "ada@example.com" and created.object_id == reg.id
    assert created.changes["quantity"] == 2 and created.changes["status"] == "confirmed"
    registrations.cancel(reg.id, actor=Actor.user(ada))
    created, cancelled = _entries()
    assert cancelled.action == "registration.cancelled" and cancelled.actor_id == ada.id
    assert cancelled.changes == {"status": ["confirmed", "cancelled"]}


def test_a_refused_change_leaves_no_entry(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    owner, stranger = make_user(), make_user()
    reg = registrations.register(owner.id, _package(event).id, actor=Actor.user(owner))
    with pytest.raises(SoldOut):
        registrations.register(stranger.id, _package(event).id, actor=Actor.user(stranger))
    with pytest.raises(NotFound):
        registrations.cancel(reg.id, actor=Actor.user(stranger))
    assert [e.action for e in _entries()] == ["registration.created"]


def test_an_admin_cancelling_for_someone_is_audited_as_the_admin(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    holder, waiting, admin = make_user(), make_user(), make_user(is_admin=True)
    reg = registrations.register(holder.id, _package(event).id, actor=Actor.user(holder))
    queued = registrations.register(waiting.id, _package(event).id, waitlist=True, actor=Actor.user(waiting))
    registrations.cancel(reg.id, actor=Actor.user(admin), reason="double booking")
    actions = [(e.action, e.actor_kind, e.actor_id, e.object_id) for e in _entries()]
    assert actions == [
        ("registration.created", "user", holder.id, reg.id),
        ("registration.waitlisted", "user", waiting.id, queued.id),
        ("registration.cancelled_by_admin", "user", admin.id, reg.id),
        # The freed seat goes to the waiting list: the system did that, not the admin.
        ("registration.promoted", "system", None, queued.id),
    ]
    assert _entries()[2].data["reason"] == "double booking"


def test_account_deletion_cancellations_name_the_owner(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5}])
    ada = make_user()
    registrations.register(ada.id, _package(event).id, 2, actor=audit.SYSTEM)
    with session_scope(write=True) as s:
        assert registrations.cancel_all_for_user(s, ada.id) == 1
    last = _entries()[-1]
    assert (last.action, last.actor_id, last.data["reason"]) == (
        "registration.cancelled",
        ada.id,
        "account deleted",
    )


def test_a_registration_without_confirmation_queues_no_mail_but_is_audited(make_event, make_user) -> None:
    from khala.mail.models import OutboxMessage

    event = make_event(packages=[{"title": "A", "capacity": 5}])
    ada = make_user()
    reg = registrations.register(ada.id, _package(event).id, actor=audit.SYSTEM, send_confirmation=False)
    assert reg.status == "confirmed" and reg.mail_message_id is None
    with session_scope() as s:
        assert s.exec(select(OutboxMessage)).all() == []
    assert [(e.action, e.actor_kind) for e in _entries()] == [("registration.created", "system")]
