"""The catalogue's typed writes: every rule lives here once, and each change writes one audit entry with
its actor in the change's own transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events import catalogue, forms, service
from khala.events.models import Category, Event, EventStatus, Package
from khala.locations import service as locations

ADA = Actor("user", uuid.uuid4(), "ada@example.com")
START = datetime(2030, 12, 1, 18, 0, tzinfo=UTC)


def entries(action: str | None = None) -> list[AuditEntry]:
    with session_scope() as s:
        rows = s.exec(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)).all()
    return [e for e in rows if action is None or e.action == action]


def _draft(title: str = "Gala", **fields) -> Event:
    with session_scope(write=True) as s:
        return service.create_event(s, title=title, starts_at=START, actor=ADA, **fields)


def test_create_event_writes_one_entry_with_its_actor_and_defaults_from_settings(db) -> None:
    event = _draft("  Winter   Gala ", summary=" Lights ")
    [entry] = entries()
    assert (entry.action, entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "event.created",
        "user",
        ADA.id,
        "ada@example.com",
    )
    assert (entry.object_type, entry.object_id) == ("event", str(event.id))
    assert entry.changes["title"] == "Winter Gala" and entry.changes["status"] == "draft"
    assert entry.changes["timezone"] == "Europe/Stockholm"  # settings.default_timezone
    assert entry.changes["ends_at"] == (START + timedelta(hours=2)).isoformat()
    assert event.slug == "winter-gala" and event.summary == "Lights"


def test_a_refused_or_rolled_back_create_leaves_neither_event_nor_entry(db) -> None:
    with pytest.raises(InvalidInput), session_scope(write=True) as s:
        service.create_event(s, title="", starts_at=START, actor=ADA)
    with pytest.raises(RuntimeError), session_scope(write=True) as s:
        service.create_event(s, title="Fine", starts_at=START, actor=ADA)
        raise RuntimeError("the caller's transaction fails later")
    with session_scope() as s:
        assert s.exec(select(Event)).all() == []
    assert entries() == []


def test_typed_rules_hold_for_every_caller(db) -> None:
    with session_scope(write=True) as s, pytest.raises(InvalidInput) as err:
        service.create_event(
            s,
            title="T",
            starts_at=datetime(2030, 1, 1, 10, 0),  # naive
            description="x" * (service.MAX_DESCRIPTION + 1),
            category_id=999,
            location_id=uuid.uuid4(),
            image_id=uuid.uuid4(),
            status="live",
            actor=ADA,
        )
    assert set(err.value.errors) == {
        "starts_at",
        "description",
        "category_id",
        "location_id",
        "image_id",
        "status",
    }
    with session_scope(write=True) as s, pytest.raises(InvalidInput) as err:
        service.create_event(s, title="T", starts_at=START, ends_at=START - timedelta(hours=1), actor=ADA)
    assert set(err.value.errors) == {"ends_at"}
    with session_scope(write=True) as s, pytest.raises(InvalidInput) as err:
        service.create_event(s, title="T", starts_at=None, actor=ADA)
    assert err.value.errors == {"starts_at": "A start date and time is required."}


def test_update_event_records_only_the_fields_that_changed(db) -> None:
    event = _draft("Gala", summary="Old")
    with session_scope(write=True) as s:
        service.update_event(s, event.id, title="Gala Night", summary="Old", actor=ADA)
    [entry] = entries("event.updated")
    assert entry.changes == {"title": ["Gala", "Gala Night"]}
    assert entry.actor_id == ADA.id
    with session_scope(write=True) as s:  # nothing changed: nothing to record
        service.update_event(s, event.id, title="Gala Night", actor=ADA)
    assert len(entries("event.updated")) == 1
    with session_scope(write=True) as s:
        service.update_event(s, event.id, ends_at=None, starts_at=START + timedelta(days=1), actor=ADA)
    changes = entries("event.updated")[-1].changes
    assert set(changes) == {"starts_at", "ends_at"}
    assert catalogue.get_event(event.id, include_unpublished=True).ends_at == START + timedelta(
        days=1, hours=2
    )
    with pytest.raises(InvalidInput), session_scope(write=True) as s:
        service.update_event(s, event.id, title="", actor=ADA)
    with pytest.raises(NotFound), session_scope(write=True) as s:
        service.update_event(s, "not-an-id", title="X", actor=ADA)
    assert catalogue.get_event(event.id, include_unpublished=True).title == "Gala Night"


def test_add_package_writes_package_created_and_checks_the_event(db) -> None:
    event = _draft()
    with session_scope(write=True) as s:
        package = service.add_package(s, event.id, title="VIP", price_minor=12345, capacity=10, actor=ADA)
    [entry] = entries("package.created")
    assert (entry.object_type, entry.object_id) == ("package", str(package.id))
    assert entry.changes["price_minor"] == 12345 and entry.changes["currency"] == "SEK"  # the default
    assert entry.changes["event_id"] == str(event.id)
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        service.add_package(s, event.id, title="P", perks=[f"perk {i}" for i in range(21)], actor=ADA)
    assert set(err.value.errors) == {"perks"}
    with pytest.raises(NotFound), session_scope(write=True) as s:
        service.add_package(s, uuid.uuid4(), title="X", actor=ADA)
    service.set_status(event.id, "cancelled", actor=ADA)
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        service.add_package(s, event.id, title="Late", actor=ADA)
    assert set(err.value.errors) == {"form"}
    assert len(entries("package.created")) == 1


def test_set_status_names_each_change_and_records_nothing_when_refused(make_event, make_user) -> None:
    from khala.registrations import service as registrations

    event = make_event("Gala", status=EventStatus.draft)
    before = len(entries())
    assert service.set_status(event.id, "published", actor=ADA) == "published"
    assert service.set_status(event.id, "published", actor=ADA) == "published"  # no change, no entry
    assert service.set_status(event.id, "draft", actor=ADA) == "draft"
    service.set_status(event.id, "published", actor=ADA)
    user = make_user()
    package_id = catalogue.get_event(event.id).packages[0].id
    registrations.register(user.id, package_id, actor=Actor.user(user))
    with pytest.raises(Conflict):  # the registrations veto, connected in wiring.py
        service.set_status(event.id, "draft", actor=ADA)
    assert service.set_status(event.id, "cancelled", actor=ADA) == "cancelled"
    with pytest.raises(Conflict):
        service.set_status(event.id, "published", actor=ADA)
    status_entries = [e for e in entries()[before:] if e.object_type == "event"]
    assert [(e.action, e.changes["status"]) for e in status_entries] == [
        ("event.published", ["draft", "published"]),
        ("event.unpublished", ["published", "draft"]),
        ("event.published", ["draft", "published"]),
        ("event.cancelled", ["published", "cancelled"]),
    ]
    assert {e.actor_id for e in status_entries} == {ADA.id}
    with pytest.raises(InvalidInput):
        service.set_status(event.id, "archived", actor=ADA)
    with pytest.raises(NotFound):
        service.set_status("nope", "published", actor=ADA)


def test_a_before_status_change_veto_stops_the_change(db, monkeypatch) -> None:
    event = _draft()

    def refuse(session, ev, new) -> None:
        raise Conflict(f"not {new} today")

    monkeypatch.setattr(service, "before_status_change", [refuse])
    with pytest.raises(Conflict, match="not published today"):
        service.set_status(event.id, "published", actor=ADA)
    assert catalogue.get_event(event.id, include_unpublished=True).status == "draft"
    assert entries("event.published") == []


def test_create_category(db) -> None:
    with session_scope(write=True) as s:
        category = service.create_category(s, slug="food-drink", name=" Food &  Drink ", actor=ADA)
    [entry] = entries("category.created")
    assert entry.changes == {"slug": "food-drink", "name": "Food & Drink"}
    assert entry.object_id == str(category.id)
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        service.create_category(s, slug="food-drink", name="Again", actor=ADA)
    assert set(err.value.errors) == {"slug"}
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        service.create_category(s, slug="Not a slug!", name="", actor=ADA)
    assert set(err.value.errors) == {"slug", "name"}
    with session_scope() as s:
        assert len(s.exec(select(Category)).all()) == 1


# ------------------------------------------------------------------------------------------------ forms


def test_forms_parse_then_call_the_typed_functions_once(db) -> None:
    venue_id = locations.create_location(name="Hall A", city="Uppsala", actor=ADA)
    with session_scope(write=True) as s:
        service.create_category(s, slug="music", name="Music", actor=ADA)
    event_id = forms.create_event_from_form(
        title="Gala",
        starts_at="2030-12-01T19:00",
        category="music",
        venue_id=venue_id,
        actor=ADA,
    )
    [created] = entries("event.created")
    assert created.object_id == event_id and created.actor_id == ADA.id
    forms.update_event_from_form(
        event_id,
        title="Gala",
        starts_at="2030-12-01T20:00",
        ends_at="2030-12-01T23:00",
        category="music",
        venue_id=venue_id,
        actor=ADA,
    )
    [updated] = entries("event.updated")
    assert set(updated.changes) == {"starts_at", "ends_at"}
    assert updated.changes["starts_at"][1] == "2030-12-01T19:00:00+00:00"
    package_id = forms.add_package_from_form(event_id, title="VIP", price="12.345", currency="tnd", actor=ADA)
    [package] = entries("package.created")
    assert package.object_id == package_id
    assert (package.changes["price_minor"], package.changes["currency"]) == (12345, "TND")


def test_a_form_with_any_error_writes_nothing(db) -> None:
    with pytest.raises(InvalidInput) as err:
        forms.create_event_from_form(title="Fine", starts_at="2030-12-01T19:00", venue_id="nope", actor=ADA)
    assert set(err.value.errors) == {"venue_id"}
    with pytest.raises(InvalidInput) as err:  # typed names come back as the form's names
        forms.create_event_from_form(
            title="Fine", starts_at="2030-12-01T19:00", venue_id=str(uuid.uuid4()), actor=ADA
        )
    assert err.value.errors == {"venue_id": service.CHOOSE_VENUE}
    event_id = forms.create_event_from_form(title="Gala", starts_at="2030-12-01T19:00", actor=ADA)
    with pytest.raises(InvalidInput) as err:
        forms.add_package_from_form(event_id, title="VIP", price="1.2345", currency="TND", actor=ADA)
    assert set(err.value.errors) == {"price"}
    with pytest.raises(InvalidInput) as err:
        forms.update_event_from_form(event_id, title="", starts_at="later", actor=ADA)
    assert set(err.value.errors) == {"title", "starts_at"}
    assert [e.action for e in entries()] == ["event.created"]
    with session_scope() as s:
        assert s.exec(select(Package)).all() == []


def test_event_form_values_round_trip(db) -> None:
    event_id = forms.create_event_from_form(
        title="Gala", starts_at="2030-07-01T19:00", timezone="Europe/Oslo", actor=audit.SYSTEM
    )
    values = forms.event_form_values(event_id)
    assert (values["starts_at"], values["ends_at"], values["timezone"]) == (
        "2030-07-01T19:00",
        "2030-07-01T21:00",
        "Europe/Oslo",
    )
    with pytest.raises(NotFound):
        forms.event_form_values("not-an-id")
    assert utcnow() < catalogue.get_event(event_id, include_unpublished=True).starts_at
