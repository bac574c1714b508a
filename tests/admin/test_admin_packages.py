"""The package editor of /admin/events, through its handlers as an administrator: edit every field, the
capacity floor's message at the field, a raised capacity moving the waiting list up at once, reorder,
close sales, and remove only what nobody registered for (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from khala.admin.state import AdminEventsState
from khala.audit.service import SYSTEM, Actor
from khala.events import catalogue
from khala.events import service as events
from khala.events.models import EventStatus
from khala.lib import money
from khala.registrations import queries
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate


@pytest.fixture
def editor(person):
    """(state, open) — an administrator's events section; open(event_id) manages that event."""
    _, token = person(admin=True)
    state = substate(state_tree(token, path="/admin/events", ip="10.7.0.1"), AdminEventsState)
    run(state.load())

    def open_(event_id) -> AdminEventsState:
        run(state.open_event(str(event_id)))
        return state

    return open_


def _full_event(make_event, make_user):
    """A published event whose one-seat package is taken, with two people on its waiting list."""
    event = make_event(
        "Gala",
        packages=[{"title": "Std", "capacity": 1}, {"title": "VIP", "capacity": 5}],
        status=EventStatus.draft,
    )
    events.set_status(event.id, "published", actor=SYSTEM)
    std = catalogue.get_event(event.id).packages[0].id
    people = [make_user() for _ in range(3)]
    held = registrations.register(people[0].id, std, actor=Actor.user(people[0]))
    waiting = [registrations.register(p.id, std, actor=Actor.user(p), waitlist=True) for p in people[1:]]
    return event, std, held, waiting


def test_edit_a_package_in_place(editor, make_event) -> None:
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 10, "price_minor": 25000}])
    state = editor(event.id)
    package = state.selected.packages[0]
    assert (package.title, package.price, package.seats, package.sales_label) == (
        "Std",
        money.format_price(25000, "SEK"),
        "0 / 10",
        "On sale",
    )
    run(state.edit_package(package.id))
    assert state.editing_package == package.id
    assert state.package_values["price"] == "250" and state.package_values["capacity"] == "10"
    form = {
        **state.package_values,
        "title": "Standard",
        "price": "199.50",
        "max_per_registration": "4",
        "perks": "Drink\nCoat check",
        "description": "Seated",
        "sales_closes_at": "2099-01-01T10:00",
    }
    run(state.save_package(form))
    assert state.package_edit_errors == {} and state.editing_package == ""
    p = state.selected.packages[0]
    assert (p.title, p.price, p.max_per_registration, p.perks, p.description) == (
        "Standard",
        money.format_price(19950, "SEK"),
        4,
        "Drink, Coat check",
        "Seated",
    )
    assert state.rows[0].price == money.from_price(19950, "SEK")  # the list row follows


def test_the_capacity_floor_is_shown_at_the_field_and_raising_it_promotes(
    editor, make_event, make_user
) -> None:
    event, std, _, waiting = _full_event(make_event, make_user)
    state = editor(event.id)
    run(state.edit_package(std))
    run(state.save_package({**state.package_values, "capacity": "0"}))
    assert state.package_edit_errors == {
        "capacity": "1 seat is already taken, so the capacity cannot be lower than 1. "
        "To stop selling, close sales instead."
    }
    assert state.editing_package == std  # the form stays open with what was typed
    run(state.save_package({**state.package_values, "capacity": "2"}))
    assert state.package_edit_errors == {}
    assert queries.get_registration(waiting[0].id, viewer=SYSTEM).status == "confirmed"
    assert queries.get_registration(waiting[1].id, viewer=SYSTEM).status == "waitlisted"
    assert state.selected.packages[0].seats == "2 / 2"


def test_reorder_close_and_remove(editor, make_event, make_user) -> None:
    event, std, held, _ = _full_event(make_event, make_user)
    state = editor(event.id)
    vip = state.selected.packages[1].id
    assert (state.selected.packages[0].first, state.selected.packages[1].last) == (True, True)
    run(state.move_package_up(vip))
    assert [p.title for p in state.selected.packages] == ["VIP", "Std"]
    run(state.move_package_up(vip))  # already first: nothing moves
    run(state.move_package_down(vip))
    assert [p.title for p in catalogue.get_event(event.id).packages] == ["Std", "VIP"]

    reply = run(state.remove_package(std))
    assert "People have registered for “Std”, so it cannot be deleted; close its sales instead." in str(reply)
    run(state.close_package_sales(std))
    assert state.selected.packages[0].sales_state == "closed"
    assert state.selected.packages[0].sales_label == "Sales closed"
    run(state.remove_package(vip))
    assert [p.title for p in state.selected.packages] == ["Std"]
    assert queries.get_registration(held.id, viewer=SYSTEM).status == "confirmed"


def test_package_handlers_act_only_on_the_managed_event(editor, make_event) -> None:
    mine = make_event("Mine")
    other = make_event("Other", venue="Elsewhere")
    state = editor(mine.id)
    theirs = catalogue.get_event(other.id).packages[0].id
    for handler in (
        state.edit_package,
        state.close_package_sales,
        state.remove_package,
        state.move_package_up,
    ):
        assert "Open the package's event first." in str(run(handler(theirs)))
    assert catalogue.get_event(other.id).packages[0].sales_state == "open"


def test_adding_a_package_to_a_cancelled_event_is_refused(editor, make_event) -> None:
    event = make_event("Gone", status=EventStatus.cancelled)
    state = editor(event.id)
    run(state.add_package({"title": "Late", "price": "", "currency": "SEK"}))
    assert state.package_errors == {"form": "The event is cancelled; it cannot get new packages."}
