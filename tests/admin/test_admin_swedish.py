"""The admin dashboard in Swedish: the sections' handlers answer in the tab's language (toasts, form errors from
the services, labels made at run time), and the compiled sections carry both languages, picked in the browser.
English stays the default (the other admin tests read the English words)."""

from __future__ import annotations

import re

import pytest
import reflex as rx

from khala.admin.components.events import events_section
from khala.admin.components.overview import overview
from khala.admin.components.shell import admin_gate
from khala.admin.components.venues import venues_section
from khala.admin.state import AdminEventsState, AdminVenuesState
from khala.audit.service import SYSTEM
from khala.errors import Conflict, InvalidInput
from khala.events import categories
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.ui.i18n import tf
from tests.handlers import run, state_tree, substate


@pytest.fixture
def venues(person):
    _, token = person(admin=True)
    state = substate(state_tree(token, path="/admin/venues", ip="10.7.0.2"), AdminVenuesState)
    run(state.load())
    return state


@pytest.fixture
def events_state(person):
    _, token = person(admin=True)
    state = substate(state_tree(token, path="/admin/events", ip="10.7.0.3"), AdminEventsState)
    run(state.load())
    return state


def _compiled(component: rx.Component) -> str:
    """The component as the page's JavaScript has it (non-ASCII letters as \\uXXXX escapes, decoded here)."""
    return re.sub(r"\\+u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), str(component.render()))


def test_the_venue_handlers_answer_in_swedish(venues, make_event) -> None:
    with i18n.use_language("sv"):
        run(venues.save_venue({"venue_id": "", "name": "", "city": "", "country": "sverige"}))
        assert venues.venue_errors == {
            "name": "Ange platsens namn.",
            "city": "Ange en ort.",
            "country": "Ange en landskod med två bokstäver, till exempel SE.",
        }
        reply = run(
            venues.save_venue({"venue_id": "", "name": "Stadshallen", "city": "Lund", "country": "se"})
        )
        assert "Platsen ”Stadshallen” är tillagd." in str(reply)
        assert venues.venues[0].usage == "Inga evenemang"
        make_event("Gala", venue="Cirkus", city="Stockholm")
        make_event("Jazz", venue="Cirkus", city="Stockholm")
        run(venues.load())
        cirkus = next(v for v in venues.venues if v.name == "Cirkus")
        assert cirkus.usage in ("2 evenemang: Gala och Jazz", "2 evenemang: Jazz och Gala")
        refusal = str(run(venues.delete_venue(cirkus.id)))
        assert re.search(
            r"Cirkus är plats för 2 evenemang \((Gala|Jazz) och (Gala|Jazz)\); flytta dem", refusal
        )
    run(venues.load())  # the next event in English again
    assert next(v for v in venues.venues if v.name == "Cirkus").usage.startswith("2 events: ")


def test_the_events_handlers_answer_in_swedish(events_state, make_event) -> None:
    event = make_event("Gala", packages=[{"title": "Standard", "capacity": None}], status="draft")
    with i18n.use_language("sv"):
        run(events_state.load())
        row = events_state.rows[0]
        assert (row.status_label, row.seats) == ("Utkast", "0 / obegränsat")
        reply = run(events_state.set_status(str(event.id), "published"))
        assert "Evenemanget är nu publicerat." in str(reply)
        assert events_state.rows[0].status_label == "Publicerat"
        run(events_state.open_event(str(event.id)))
        package = events_state.selected.packages[0]
        assert package.sales_label == "Till salu" and package.sales == "tills evenemanget börjar"
        refused = str(run(events_state.edit_package("not-a-package")))
        assert "Öppna biljettens evenemang först." in refused
    run(events_state.load())
    assert events_state.rows[0].status_label == "Published"


def test_a_category_refusal_is_in_swedish(make_event) -> None:
    make_event("Gala", category="jazz")
    with i18n.use_language("sv"):
        with pytest.raises(InvalidInput) as bad:
            categories.add_category(slug="Not a slug!", name="", actor=SYSTEM)
        assert bad.value.by_field() == {
            "slug": "Använd högst 60 små bokstäver, siffror och bindestreck, till exempel mat-dryck.",
            "name": "Ange kategorins namn.",
        }
        with pytest.raises(Conflict) as used:
            categories.delete_category("jazz", actor=SYSTEM)
        assert used.value.message.startswith("”Jazz” är kategori för 1 evenemang (Gala)")


def test_the_compiled_sections_carry_both_languages() -> None:
    page = _compiled(events_section())
    for english, swedish in [
        ("New event", "Nytt evenemang"),
        ("Cancel the event", "Ställ in evenemanget"),
        ("Sort by start", "Sortera efter starttid"),
        ("Previous page of events", "Föregående sida med evenemang"),
        ("Save package", "Spara biljetten"),
        ("No packages yet: add one below.", "Inga biljetter än: lägg till en nedan."),
    ]:
        assert english in page and swedish in page, english
    assert "Bokade platser på " in _compiled(overview()) and "Intäkter" in _compiled(overview())
    assert "Byt namn på " in _compiled(venues_section()) and "Radera platsen" in _compiled(venues_section())
    assert "som inte är ett administratörskonto" in _compiled(admin_gate(rx.text("x")))


def test_tf_keeps_each_languages_word_order() -> None:
    title = AdminEventsState.selected.title
    both = str(tf(N_("Move %(title)s up"), title=title))
    assert '"Flytta upp "+' in both and '+" up"' in both  # "Flytta upp Gala" / "Move Gala up"
    assert tf(N_("Edit %(name)s"), name="x") is not None
    assert tf("Nothing to translate %(n)s here", n="1") == "Nothing to translate 1 here"
