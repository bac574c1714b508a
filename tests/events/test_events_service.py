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
from khala.events import catalogue, categories, forms, service
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
        category = categories.create_category(s, slug="food-drink", name=" Food &  Drink ", actor=ADA)
    [entry] = entries("category.created")
    assert entry.changes == {"slug": "food-drink", "name": "Food & Drink"}
    assert entry.object_id == str(category.id)
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        categories.create_category(s, slug="food-drink", name="Again", actor=ADA)
    assert set(err.value.errors) == {"slug"}
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        categories.create_category(s, slug="Not a slug!", name="", actor=ADA)
    assert set(err.value.errors) == {"slug", "name"}
    with session_scope() as s:
        assert len(s.exec(select(Category)).all()) == 1


# ------------------------------------------------------------------------------------------------ forms


def test_forms_parse_then_call_the_typed_functions_once(db) -> None:
    venue_id = locations.create_location(name="Hall A", city="Uppsala", actor=ADA)
    with session_scope(write=True) as s:
        categories.create_category(s, slug="music", name="Music", actor=ADA)
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


# ----------------------------------------------------------------------------- the admin's package editor


def _event_with(*packages: dict, **fields) -> tuple[Event, list[Package]]:
    with session_scope(write=True) as s:
        event = service.create_event(
            s, title="Gala", starts_at=utcnow() + timedelta(days=30), actor=ADA, **fields
        )
        made = [service.add_package(s, event.id, actor=ADA, **p) for p in packages]
    return event, made


def test_capacity_never_goes_below_the_seats_taken_and_says_why(make_user) -> None:
    from khala.registrations import service as registrations

    event, [package] = _event_with({"title": "Std", "capacity": 5})
    service.set_status(event.id, "published", actor=ADA)
    for _ in range(3):
        user = make_user()
        registrations.register(user.id, package.id, actor=Actor.user(user))
    with pytest.raises(InvalidInput) as err, session_scope(write=True) as s:
        service.update_package(s, package.id, capacity=2, actor=ADA)
    assert err.value.errors["capacity"] == (
        "3 seats are already taken, so the capacity cannot be lower than 3. To stop selling, close sales instead."
    )
    with session_scope(write=True) as s:  # exactly the seats taken is fine
        service.update_package(s, package.id, capacity=3, actor=ADA)
    [entry] = entries("package.capacity_changed")
    assert entry.changes == {"capacity": [5, 3]} and entry.actor_id == ADA.id
    with pytest.raises(InvalidInput) as err:  # the admin form says the same
        forms.update_package_from_form(str(package.id), title="Std", capacity="1", actor=ADA)
    assert "cannot be lower than 3" in err.value.errors["capacity"]


def test_raising_the_capacity_moves_the_waiting_list_up_at_once(make_user) -> None:
    from khala.registrations import queries
    from khala.registrations import service as registrations

    event, [package] = _event_with({"title": "Std", "capacity": 1})
    service.set_status(event.id, "published", actor=ADA)
    first, second, third = make_user(), make_user(), make_user()
    registrations.register(first.id, package.id, actor=Actor.user(first))
    a = registrations.register(second.id, package.id, actor=Actor.user(second), waitlist=True)
    b = registrations.register(third.id, package.id, actor=Actor.user(third), quantity=2, waitlist=True)
    forms.update_package_from_form(str(package.id), title="Std", capacity="2", actor=ADA)
    assert queries.get_registration(a.id, viewer=audit.SYSTEM).status == "confirmed"
    assert queries.get_registration(b.id, viewer=audit.SYSTEM).status == "waitlisted"  # 2 seats do not fit
    with session_scope(write=True) as s:  # unlimited: everyone waiting gets in
        service.update_package(s, package.id, capacity=None, actor=ADA)
    assert queries.get_registration(b.id, viewer=audit.SYSTEM).status == "confirmed"
    detail = catalogue.get_event(event.id)
    assert detail.packages[0].taken == 4 and detail.seats_left is None
    promoted = [e for e in entries("registration.promoted")]
    assert [e.object_id for e in promoted] == [str(a.id), str(b.id)]
    assert [e.action for e in entries() if e.actor_id == ADA.id][-2:] == [
        "package.capacity_changed",
        "package.capacity_changed",
    ]


def test_a_package_with_registrations_is_closed_not_removed(make_user) -> None:
    from khala.registrations import service as registrations

    event, [held, empty] = _event_with({"title": "Held", "capacity": 5}, {"title": "Empty"})
    service.set_status(event.id, "published", actor=ADA)
    user = make_user()
    ticket = registrations.register(user.id, held.id, actor=Actor.user(user))
    registrations.cancel(ticket.id, actor=Actor.user(user))  # even a cancelled registration is history
    with (
        pytest.raises(
            Conflict, match="People have registered for “Held”, so it cannot be deleted; close its sales"
        ),
        session_scope(write=True) as s,
    ):
        service.delete_package(s, held.id, actor=ADA)
    assert entries("package.deleted") == []
    with session_scope(write=True) as s:
        service.delete_package(s, empty.id, actor=ADA)
    [deleted] = entries("package.deleted")
    assert deleted.object_id == str(empty.id) and deleted.data["title"] == "Empty"

    now = utcnow()
    with session_scope(write=True) as s:
        service.close_sales(s, held.id, actor=ADA, now=now)
    [closed] = entries("package.sales_closed")
    assert closed.changes == {"sales_closes_at": [None, now.isoformat()]}
    assert catalogue.get_event(event.id).packages[0].sales_state == "closed"
    with session_scope(write=True) as s:  # closed already: nothing changes, nothing is written
        service.close_sales(s, held.id, actor=ADA)
    assert len(entries("package.sales_closed")) == 1


def test_closing_sales_that_have_not_opened_yet(db) -> None:
    opens = utcnow() + timedelta(days=3)
    _, [package] = _event_with({"title": "Later", "sales_opens_at": opens})
    with session_scope(write=True) as s:
        closed = service.close_sales(s, package.id, actor=ADA)
    assert closed.sales_opens_at is None and closed.sales_closes_at is not None
    assert set(entries("package.sales_closed")[0].changes) == {"sales_opens_at", "sales_closes_at"}


def test_reorder_packages(db) -> None:
    event, made = _event_with({"title": "A"}, {"title": "B"}, {"title": "C"})
    a, b, c = (str(p.id) for p in made)
    with session_scope(write=True) as s:
        service.reorder_packages(s, event.id, [c, a, b], actor=ADA)
    assert [p.title for p in catalogue.get_event(event.id, include_unpublished=True).packages] == [
        "C",
        "A",
        "B",
    ]
    [entry] = entries("event.packages_reordered")
    assert entry.object_id == str(event.id) and entry.changes == {"packages": [[a, b, c], [c, a, b]]}
    for wrong in ([a, b], [a, b, c, c], [a, b, str(uuid.uuid4())]):
        with pytest.raises(InvalidInput), session_scope(write=True) as s:
            service.reorder_packages(s, event.id, wrong, actor=ADA)
    with session_scope(write=True) as s:  # the same order: nothing to record
        service.reorder_packages(s, event.id, [c, a, b], actor=ADA)
    assert len(entries("event.packages_reordered")) == 1


def test_duplicate_event_copies_its_packages_as_a_draft(make_user) -> None:
    from khala.events import copying
    from khala.registrations import service as registrations

    venue_id = locations.create_location(name="Hall A", city="Uppsala", actor=ADA)
    event, made = _event_with(
        {"title": "VIP", "price_minor": 50000, "capacity": 2, "perks": ["Drink"], "max_per_registration": 2},
        {"title": "Standard", "price_minor": 25000, "capacity": 100, "description": "Seated"},
        summary="Lights",
        description="## Programme",
        location_id=uuid.UUID(venue_id),
    )
    service.set_status(event.id, "published", actor=ADA)
    user = make_user()
    registrations.register(user.id, made[0].id, actor=Actor.user(user))
    before = len(entries())
    with session_scope(write=True) as s:
        copy = copying.duplicate_event(s, event.id, actor=ADA)
    [entry] = entries()[before:]  # one entry for the copy and its packages
    assert (entry.action, entry.object_id, entry.actor_id) == ("event.duplicated", str(copy.id), ADA.id)
    assert entry.data == {"source": str(event.id), "source_title": "Gala", "packages": 2}
    original = catalogue.get_event(event.id)
    dup = catalogue.get_event(copy.id, include_unpublished=True)
    assert (dup.title, dup.slug, dup.status) == ("Gala (copy)", "gala-copy", "draft")
    assert (dup.summary, dup.description, dup.starts_at, dup.venue) == (
        original.summary,
        original.description,
        original.starts_at,
        original.venue,
    )
    assert [(p.title, p.price_minor, p.capacity, p.perks, p.max_per_registration, p.description, p.taken)
            for p in dup.packages] == [
        ("VIP", 50000, 2, ["Drink"], 2, "", 0),
        ("Standard", 25000, 100, [], 10, "Seated", 0),
    ]  # fmt: skip
    assert {p.id for p in dup.packages}.isdisjoint({p.id for p in original.packages})
    assert original.packages[0].taken == 1 and dup.seats_left == 102
    with session_scope(write=True) as s:  # again: another slug, the title stays within its limit
        long = service.create_event(s, title="x" * 100, starts_at=START, actor=ADA)
        again = copying.duplicate_event(s, long.id, actor=ADA)
        assert len(again.title) == 100 and again.title.endswith(" (copy)")
        third = copying.duplicate_event(s, copy.id, actor=ADA)
        assert third.slug == "gala-copy-copy"
    with pytest.raises(NotFound), session_scope(write=True) as s:
        copying.duplicate_event(s, uuid.uuid4(), actor=ADA)


def test_package_form_values_round_trip(db) -> None:
    event_id = forms.create_event_from_form(title="Gala", starts_at="2030-07-01T19:00", actor=ADA)
    package_id = forms.add_package_from_form(
        event_id,
        title="VIP",
        price="249.50",
        capacity="40",
        max_per_registration="4",
        sales_opens_at="2030-06-01T09:00",
        perks="Drink\nCoat check",
        description="Front rows",
        actor=ADA,
    )
    values = forms.package_form_values(package_id)
    assert values == {
        "title": "VIP",
        "price": "249.50",
        "currency": "SEK",
        "capacity": "40",
        "max_per_registration": "4",
        "sales_opens_at": "2030-06-01T09:00",
        "sales_closes_at": "",
        "perks": "Drink\nCoat check",
        "description": "Front rows",
    }
    forms.update_package_from_form(package_id, actor=ADA, **values)  # saved unchanged: nothing written
    assert entries("package.updated") == []
    forms.update_package_from_form(package_id, actor=ADA, **{**values, "price": "300", "perks": "Drink"})
    [updated] = entries("package.updated")
    assert updated.changes == {"price_minor": [24950, 30000], "perks": [["Drink", "Coat check"], ["Drink"]]}
    with pytest.raises(InvalidInput) as err:
        forms.update_package_from_form(package_id, actor=ADA, **{**values, "price": "lots", "title": ""})
    assert set(err.value.errors) == {"price", "title"}
    with pytest.raises(NotFound):
        forms.package_form_values("nope")


# --------------------------------------------------------------------------------------------- categories


def test_categories_can_be_renamed_and_deleted_unless_events_use_them(db) -> None:
    food = categories.add_category(slug="food", name="Food", actor=ADA)
    jazz = categories.add_category(slug="jazz", name="Jazz", actor=ADA)
    with session_scope(write=True) as s:
        service.create_event(s, title="Late Set", starts_at=START, category_id=jazz.id, actor=ADA)
    renamed = categories.update_category("food", name=" Food &  Drink ", new_slug="food-drink", actor=ADA)
    assert (renamed.slug, renamed.name) == ("food-drink", "Food & Drink")
    [updated] = entries("category.updated")
    assert updated.changes == {"slug": ["food", "food-drink"], "name": ["Food", "Food & Drink"]}
    with pytest.raises(InvalidInput) as err:
        categories.update_category("food-drink", new_slug="jazz", actor=ADA)
    assert err.value.errors == {"slug": "The category 'jazz' already exists."}
    listed = {c.slug: c for c in categories.list_categories()}
    assert listed["jazz"].usage.count == 1 and listed["jazz"].usage.text() == "Late Set (draft)"
    assert not listed["food-drink"].usage
    with pytest.raises(
        Conflict, match=r"“Jazz” is the category of 1 event \(Late Set \(draft\)\); give them"
    ):
        categories.delete_category("jazz", actor=ADA)
    categories.delete_category("food-drink", actor=ADA)
    [deleted] = entries("category.deleted")
    assert deleted.object_id == str(food.id) and deleted.data == {
        "slug": "food-drink",
        "name": "Food & Drink",
    }
    with pytest.raises(NotFound):
        categories.delete_category("food-drink", actor=ADA)
    assert [c.slug for c in categories.list_categories()] == ["jazz"]


def test_list_events_admin_sorts_by_each_column(db) -> None:
    from khala.events import reports

    with session_scope(write=True) as s:
        for title, days, price in (("banana", 3, 300), ("Apple", 1, None), ("cherry", 2, 100)):
            event = service.create_event(s, title=title, starts_at=START + timedelta(days=days), actor=ADA)
            if price is not None:
                service.add_package(s, event.id, title="P", price_minor=price, actor=ADA)

    def titles(**kw) -> list[str]:
        return [r.title for r in reports.list_events_admin(**kw).items]

    assert titles() == ["banana", "cherry", "Apple"]  # latest start first
    assert titles(sort="starts", descending=False) == ["Apple", "cherry", "banana"]
    assert titles(sort="title", descending=False) == ["Apple", "banana", "cherry"]  # case-insensitive
    assert titles(sort="price", descending=False) == ["cherry", "banana", "Apple"]  # no price last
    assert titles(sort="price") == ["banana", "cherry", "Apple"]
    with pytest.raises(InvalidInput):
        reports.list_events_admin(sort="popularity")
