"""Catalogue search and reads: filters, sort, pagination and hostile input, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from khala.audit import service as audit
from khala.db import utcnow
from khala.errors import InvalidInput, NotFound
from khala.events import catalogue, service
from khala.events.models import EventStatus
from khala.lib.paging import Page


def titles(page: Page) -> list[str]:
    return [c.title for c in page.items]


def test_empty_catalogue(db) -> None:
    page = catalogue.search_events()
    assert (page.items, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_text_matches_title_summary_venue_and_city_case_insensitively(make_event) -> None:
    make_event("Jazz Night", summary="Smooth trio", venue="Blue Room", city="Malmö")
    make_event("Rock Show", summary="Loud guitars", venue="Arena", city="Oslo")
    assert titles(catalogue.search_events("jazz")) == ["Jazz Night"]
    assert titles(catalogue.search_events("TRIO")) == ["Jazz Night"]
    assert titles(catalogue.search_events("blue room")) == ["Jazz Night"]
    assert titles(catalogue.search_events("malmö")) == ["Jazz Night"]
    assert titles(catalogue.search_events("oslo guitars")) == ["Rock Show"]
    assert titles(catalogue.search_events("jazz oslo")) == []


def test_sql_wildcards_are_literal(make_event) -> None:
    make_event("100% Techno")
    make_event("Plain Event")
    assert titles(catalogue.search_events("%")) == ["100% Techno"]
    assert titles(catalogue.search_events("_")) == []
    assert titles(catalogue.search_events("\\")) == []
    assert titles(catalogue.search_events("' OR 1=1 --")) == []


def test_very_long_query_gets_a_clear_message(db) -> None:
    with pytest.raises(InvalidInput) as err:
        catalogue.search_events("x" * 201)
    assert "too long" in err.value.errors["q"]
    assert catalogue.search_events("x" * 200).total == 0


def test_filters_category_city_price_and_dates(make_event) -> None:
    now = utcnow()
    make_event("Free Talk", category="tech", city="Uppsala", packages=[{"title": "Free", "price_minor": 0}])
    make_event("Paid Gig", category="music", city="Uppsala", packages=[{"title": "A", "price_minor": 25000}])
    make_event(
        "Far Gig",
        category="music",
        city="Oslo",
        starts_in=timedelta(days=90),
        packages=[{"title": "A", "price_minor": 1000}],
    )
    assert titles(catalogue.search_events(category="tech")) == ["Free Talk"]
    assert titles(catalogue.search_events(city="uppsala", sort="price")) == ["Free Talk", "Paid Gig"]
    assert titles(catalogue.search_events(price="free")) == ["Free Talk"]
    assert sorted(titles(catalogue.search_events(price="paid"))) == ["Far Gig", "Paid Gig"]
    assert titles(catalogue.search_events(category="music", city="Oslo")) == ["Far Gig"]
    month = catalogue.search_events(date_from=now, date_to=now + timedelta(days=30))
    assert sorted(titles(month)) == ["Free Talk", "Paid Gig"]
    assert titles(catalogue.search_events(category="nope")) == []
    with pytest.raises(InvalidInput):
        catalogue.search_events(date_from=now, date_to=now - timedelta(days=1))
    with pytest.raises(InvalidInput):
        catalogue.search_events(price="cheap")


def test_only_published_upcoming_events_are_listed(make_event) -> None:
    make_event("Draft", status=EventStatus.draft)
    make_event("Over", starts_at=utcnow() - timedelta(days=2))
    make_event("Live")
    assert titles(catalogue.search_events()) == ["Live"]
    with pytest.raises(NotFound):
        catalogue.get_event(service.slugify("Draft"))


def test_sorts(make_event) -> None:
    make_event("Later Cheap", starts_in=timedelta(days=20), packages=[{"title": "A", "price_minor": 100}])
    make_event("Soon Dear", starts_in=timedelta(days=2), packages=[{"title": "A", "price_minor": 90000}])
    assert titles(catalogue.search_events(sort="date")) == ["Soon Dear", "Later Cheap"]
    assert titles(catalogue.search_events(sort="price")) == ["Later Cheap", "Soon Dear"]
    with pytest.raises(InvalidInput):
        catalogue.search_events(sort="title; DROP TABLE event")


def test_pagination_one_page_last_page_and_invalid_pages(make_event) -> None:
    for i in range(7):
        make_event(f"Event {i}", starts_in=timedelta(days=1 + i))
    one = catalogue.search_events(page_size=24)
    assert (one.total, one.pages, len(one.items)) == (7, 1, 7)
    p1 = catalogue.search_events(page=1, page_size=3)
    p3 = catalogue.search_events(page=3, page_size=3)
    assert (p1.pages, titles(p1)) == (3, ["Event 0", "Event 1", "Event 2"])
    assert (p3.page, titles(p3)) == (3, ["Event 6"])
    assert catalogue.search_events(page=99, page_size=3).page == 3
    assert catalogue.search_events(page=-4, page_size=3).page == 1
    assert catalogue.search_events(page="abc", page_size=3).page == 1
    assert catalogue.search_events(page_size=10_000).page_size == catalogue.MAX_PAGE_SIZE
    assert catalogue.search_events(page_size=0).page_size == 1


def test_get_event_by_slug_or_id_with_packages_and_sales_state(make_event) -> None:
    now = utcnow()
    event = make_event(
        "Detail Event",
        packages=[
            {"title": "Open", "capacity": 10, "perks": ["Drink", " "], "price_minor": 15000},
            {"title": "Soon", "sales_opens_at": now + timedelta(days=1)},
        ],
    )
    by_slug = catalogue.get_event("detail-event")
    by_id = catalogue.get_event(str(event.id))
    assert by_slug.id == by_id.id == str(event.id)
    assert [p.title for p in by_slug.packages] == ["Open", "Soon"]
    assert by_slug.packages[0].perks == ["Drink"]
    assert [p.sales_state for p in by_slug.packages] == ["open", "not_yet"]
    assert by_slug.min_price_minor == 0 and by_slug.seats_left is None
    with pytest.raises(NotFound):
        catalogue.get_event("no-such-event")


def test_event_validation_messages(db) -> None:
    from khala.db import session_scope

    with session_scope(write=True) as s, pytest.raises(InvalidInput) as err:
        service.create_event(
            s, title="x" * 101, starts_at=utcnow(), timezone="Mars/Olympus", actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"title", "timezone"}
