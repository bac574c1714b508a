"""Venues and categories from /admin/venues: full CRUD through the handlers as an administrator, and a venue
or category that events use cannot be deleted — the refusal names the events (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from khala.admin.state import AdminEventsState, AdminVenuesState
from khala.audit.service import SYSTEM
from khala.errors import Conflict
from khala.events import categories
from khala.locations import service as locations
from tests.handlers import run, state_tree, substate


@pytest.fixture
def venues(person):
    _, token = person(admin=True)
    state = substate(state_tree(token, path="/admin/venues", ip="10.7.0.1"), AdminVenuesState)
    run(state.load())
    return state


def test_the_list_shows_where_each_venue_is_used(make_event, venues) -> None:
    make_event("Gala", venue="Cirkus", city="Stockholm")
    make_event("Jazz Night", venue="Cirkus", city="Stockholm")
    make_event("Late Show", venue="Cirkus", city="Stockholm", status="draft")
    make_event("Folk", venue="Pustervik", city="Göteborg")
    locations.create_location(name="Empty Hall", city="Lund", actor=SYSTEM)
    run(venues.load())
    rows = {v.name: v for v in venues.venues}
    assert list(rows) == ["Cirkus", "Empty Hall", "Pustervik"]  # by name
    assert rows["Cirkus"].used and rows["Cirkus"].usage.startswith("3 events: ")
    assert "Late Show (draft)" in rows["Cirkus"].usage
    assert not rows["Empty Hall"].used and rows["Empty Hall"].usage == "No events"
    run(venues.search({"q": "göte"}))
    assert [v.name for v in venues.venues] == ["Pustervik"] and venues.total == 1
    run(venues.search({"q": "100%_"}))  # wildcards are text
    assert venues.venues == []


def test_add_edit_and_delete_a_venue(make_event, venues) -> None:
    run(venues.start_add_venue())
    assert venues.venue_form_open and venues.venue_values == {"country": "SE"}
    run(venues.save_venue({"venue_id": "", "name": "", "city": "", "country": "se"}))
    assert set(venues.venue_errors) == {"name", "city"} and venues.venue_form_open
    run(venues.save_venue({"venue_id": "", "name": "Stadshallen", "city": "Lund", "country": "se"}))
    assert not venues.venue_form_open and [v.name for v in venues.venues] == ["Stadshallen"]
    venue_id = venues.venues[0].id
    run(venues.edit_venue(venue_id))
    assert venues.editing_venue == venue_id and venues.venue_values["city"] == "Lund"
    run(venues.save_venue({**venues.venue_values, "venue_id": venue_id, "street": "Stortorget 1"}))
    assert venues.venues[0].address == "Stortorget 1, Lund"
    run(venues.delete_venue(venue_id))
    assert venues.venues == [] and venues.total == 0


def test_a_venue_in_use_is_not_deleted_and_the_refusal_names_its_events(make_event, venues) -> None:
    event = make_event("Gala", venue="Cirkus")
    with pytest.raises(Conflict) as err:
        locations.delete_location(event.location_id, actor=SYSTEM)
    assert err.value.message == (
        "Cirkus is the venue of 1 event (Gala); move them to another venue before deleting it."
    )
    for i in range(4):
        make_event(f"Show {i}", venue="Cirkus")
    with pytest.raises(Conflict, match=r"venue of 5 events \(Show 3, Show 2, Show 1 and 2 more\)"):
        locations.delete_location(event.location_id, actor=SYSTEM)
    run(venues.load())
    reply = run(venues.delete_venue(str(event.location_id)))
    assert "Cirkus is the venue of 5 events" in str(reply)
    assert [v.name for v in venues.venues] == ["Cirkus"]


def test_categories_from_the_section(make_event, venues) -> None:
    make_event("Gala", category="jazz")
    run(venues.load())
    assert [(c.slug, c.used) for c in venues.categories] == [("jazz", True)]
    run(venues.create_category({"name": "Food & Drink", "slug": ""}))  # the slug comes from the name
    assert venues.category_errors == {}
    assert [c.slug for c in venues.categories] == ["food-drink", "jazz"]
    run(venues.create_category({"name": "Again", "slug": "jazz"}))
    assert venues.category_errors == {"slug": "The category 'jazz' already exists."}
    run(venues.edit_category("food-drink"))
    assert venues.category_values == {"slug": "food-drink", "name": "Food & Drink"}
    run(venues.save_category({"name": "Food", "slug": "food"}))
    assert [(c.slug, c.name) for c in venues.categories] == [("food", "Food"), ("jazz", "Jazz")]
    reply = run(venues.delete_category("jazz"))
    assert "“Jazz” is the category of 1 event (Gala)" in str(reply)
    run(venues.delete_category("food"))
    assert [c.slug for c in categories.list_categories()] == ["jazz"]


def test_a_new_category_is_a_choice_in_the_event_form(person, venues) -> None:
    _, token = person(admin=True)
    run(venues.create_category({"name": "Comedy", "slug": "comedy"}))
    events = substate(state_tree(token, path="/admin/events", ip="10.7.0.1"), AdminEventsState)
    run(events.start_create())
    assert ("comedy", "Comedy") in [(o.value, o.label) for o in events.categories]
