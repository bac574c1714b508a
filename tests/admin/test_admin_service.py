"""The read-only stats and form-level writes the admin dashboard calls, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events import catalogue, forms, reports
from khala.events import service as events
from khala.events.models import Event, EventStatus
from khala.lib import dates, money
from khala.locations import service as locations
from khala.mail import reports as mail_reports
from khala.mail.models import OutboxMessage
from khala.registrations import queries
from khala.registrations import service as registrations


def test_parse_local_datetime_reads_wall_time_in_the_event_zone() -> None:
    # Stockholm is UTC+1 in December and UTC+2 in July.
    assert dates.parse_local_datetime("2026-12-01T19:00", "Europe/Stockholm") == datetime(
        2026, 12, 1, 18, 0, tzinfo=UTC
    )
    assert dates.parse_local_datetime("2026-07-01 19:00", "Europe/Stockholm") == datetime(
        2026, 7, 1, 17, 0, tzinfo=UTC
    )
    assert dates.parse_local_datetime("", "Europe/Stockholm") is None
    with pytest.raises(ValueError):
        dates.parse_local_datetime("next friday", "Europe/Stockholm")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("250", "SEK", 25000),
        ("249.50", "SEK", 24950),
        ("249,5", "EUR", 24950),
        ("", "SEK", 0),
        ("900", "JPY", 900),
    ],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert money.parse_amount(text, currency) == minor


@pytest.mark.parametrize("text", ["12.345", "abc", "1e5", "10.5"])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        money.parse_amount(text, "JPY" if text == "10.5" else "SEK")


def test_create_event_from_form_stores_utc_and_defaults_to_draft(make_event) -> None:
    make_event("Existing", venue="Hall A", city="Uppsala")  # creates the 'music' category and a venue
    venue_id = locations.list_venues()[0][0]
    event_id = forms.create_event_from_form(
        title="  Winter   Gala ",
        summary="Lights",
        description="# Hello\n\nSome **Markdown**.",
        category="music",
        venue_id=venue_id,
        starts_at="2030-12-01T19:00",
        ends_at="2030-12-01T23:30",
        timezone="Europe/Stockholm",
        actor=audit.SYSTEM,
    )
    detail = catalogue.get_event(event_id, include_unpublished=True)
    assert detail.title == "Winter Gala" and detail.status == "draft"
    assert detail.starts_at == datetime(2030, 12, 1, 18, 0, tzinfo=UTC)
    assert detail.ends_at == datetime(2030, 12, 1, 22, 30, tzinfo=UTC)
    assert detail.category_slug == "music" and detail.venue == "Hall A"
    assert detail.description.startswith("# Hello")
    with pytest.raises(NotFound):  # a draft is not public
        catalogue.get_event(event_id)


def test_create_event_from_form_reports_every_field(db) -> None:
    with pytest.raises(InvalidInput) as err:
        forms.create_event_from_form(
            title="",
            starts_at="soon",
            ends_at="",
            category="no-such-category",
            venue_id="not-a-uuid",
            status="live",
            actor=audit.SYSTEM,
        )
    assert set(err.value.errors) >= {"title", "starts_at", "category", "venue_id", "status"}
    with pytest.raises(InvalidInput) as err:
        forms.create_event_from_form(
            title="T", starts_at="2030-01-01T10:00", ends_at="2030-01-01T09:00", actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"ends_at"}
    with pytest.raises(InvalidInput) as err:
        forms.create_event_from_form(
            title="T", starts_at="2030-01-01T10:00", timezone="Mars/Olympus", actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"timezone"}
    with pytest.raises(InvalidInput) as err:
        forms.create_event_from_form(title="T", starts_at="", actor=audit.SYSTEM)
    assert set(err.value.errors) == {"starts_at"}
    with session_scope() as s:
        assert s.exec(select(Event)).all() == []  # nothing half-created


def _bare_event() -> Event:
    """A draft without packages (make_event always adds one)."""
    event_id = forms.create_event_from_form(title="Gala", starts_at="2030-12-01T19:00", actor=audit.SYSTEM)
    with session_scope() as s:
        return s.get(Event, uuid.UUID(event_id))


def test_add_package_from_form(db) -> None:
    event = _bare_event()
    package_id = forms.add_package_from_form(
        str(event.id),
        title="VIP",
        price="1 249.50",
        currency="sek",
        capacity="40",
        max_per_registration="4",
        sales_opens_at="2030-11-01T09:00",
        sales_closes_at="2030-11-30T23:59",
        perks="Champagne\n\n  Front row  \n",
        actor=audit.SYSTEM,
    )
    detail = catalogue.get_event(event.id, include_unpublished=True)
    [package] = detail.packages
    assert package.id == package_id and package.title == "VIP"
    assert (package.price_minor, package.currency, package.capacity) == (124950, "SEK", 40)
    assert package.max_per_registration == 4 and package.perks == ["Champagne", "Front row"]
    assert package.opens_at == datetime(2030, 11, 1, 8, 0, tzinfo=UTC)  # event zone: Stockholm, UTC+1
    assert detail.min_price_minor == 124950 and detail.seats_left == 40
    forms.add_package_from_form(str(event.id), title="Standing", price="", capacity="", actor=audit.SYSTEM)
    assert catalogue.get_event(event.id, include_unpublished=True).seats_left is None  # unlimited


def test_add_package_from_form_errors(db) -> None:
    event = _bare_event()
    with pytest.raises(InvalidInput) as err:
        forms.add_package_from_form(
            str(event.id),
            title="",
            price="ten",
            currency="kronor",
            capacity="-1",
            max_per_registration="0",
            sales_opens_at="2030-11-02T09:00",
            sales_closes_at="2030-11-01T09:00",
            actor=audit.SYSTEM,
        )
    assert set(err.value.errors) == {
        "title",
        "price",
        "currency",
        "capacity",
        "max_per_registration",
        "sales_closes_at",
    }
    with pytest.raises(InvalidInput) as err:
        forms.add_package_from_form(
            str(event.id), title="X", capacity="lots", sales_opens_at="tomorrow", actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"capacity", "sales_opens_at"}
    with pytest.raises(NotFound):
        forms.add_package_from_form("00000000-0000-0000-0000-000000000000", title="X", actor=audit.SYSTEM)
    assert catalogue.get_event(event.id, include_unpublished=True).packages == []


def test_set_status_publish_unpublish_cancel(make_event, make_user) -> None:
    event = make_event("Gala", status=EventStatus.draft, packages=[{"title": "Std", "capacity": 5}])
    assert events.set_status(event.id, "published", actor=audit.SYSTEM) == "published"
    assert catalogue.get_event(event.id).status == "published"
    assert events.set_status(str(event.id), "draft", actor=audit.SYSTEM) == "draft"
    with pytest.raises(InvalidInput):
        events.set_status(event.id, "archived", actor=audit.SYSTEM)
    with pytest.raises(NotFound):
        events.set_status("nope", "published", actor=audit.SYSTEM)
    events.set_status(event.id, "published", actor=audit.SYSTEM)
    user = make_user()
    registrations.register(user.id, catalogue.get_event(event.id).packages[0].id, actor=Actor.user(user))
    with pytest.raises(Conflict):
        events.set_status(event.id, "draft", actor=audit.SYSTEM)  # someone holds a seat
    assert events.set_status(event.id, "cancelled", actor=audit.SYSTEM) == "cancelled"
    with pytest.raises(Conflict):
        events.set_status(event.id, "published", actor=audit.SYSTEM)
    with pytest.raises(InvalidInput):  # no new packages for a cancelled event
        forms.add_package_from_form(str(event.id), title="Late", actor=audit.SYSTEM)


def test_catalogue_stats(make_event) -> None:
    make_event("Up", packages=[{"title": "A", "capacity": 10}, {"title": "B", "capacity": None}])
    make_event("Draft", status=EventStatus.draft, packages=[{"title": "A", "capacity": 99}])
    make_event("Gone", status=EventStatus.cancelled)
    make_event("Past", starts_in=timedelta(days=-30), packages=[{"title": "A", "capacity": 7}])
    stats = reports.catalogue_stats()
    assert (stats.published, stats.draft, stats.cancelled, stats.upcoming) == (2, 1, 1, 1)
    assert (stats.seats_taken, stats.seats_capacity, stats.unlimited_packages) == (0, 10, 1)


def test_list_events_admin_includes_drafts_newest_first_and_pages(make_event) -> None:
    for i in range(5):
        make_event(
            f"Event {i}", starts_in=timedelta(days=i + 1), status=EventStatus.draft if i % 2 else "published"
        )
    page = reports.list_events_admin(page_size=2)
    assert [r.title for r in page.items] == ["Event 4", "Event 3"] and page.total == 5 and page.pages == 3
    assert [r.title for r in reports.list_events_admin(page=9, page_size=2).items] == ["Event 0"]
    drafts = reports.list_events_admin(status="draft")
    assert {r.title for r in drafts.items} == {"Event 1", "Event 3"}
    assert drafts.items[0].packages == 1 and drafts.items[0].seats_capacity == 100
    assert [r.title for r in reports.list_events_admin("event 2").items] == ["Event 2"]
    with pytest.raises(InvalidInput):
        reports.list_events_admin(status="bogus")


def test_registration_stats_and_list_for_event(make_event, make_user) -> None:
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 2}])
    package_id = catalogue.get_event(event.id).packages[0].id
    ada, bob, cy = make_user(display_name="Ada"), make_user(display_name="Bob"), make_user(display_name="Cy")
    first = registrations.register(ada.id, package_id, 2, actor=Actor.user(ada))
    registrations.register(bob.id, package_id, 1, actor=Actor.user(bob), waitlist=True)
    registrations.register(cy.id, package_id, 1, actor=Actor.user(cy), waitlist=True)
    stats = queries.registration_stats()
    assert (stats.confirmed, stats.waitlisted, stats.cancelled) == (1, 2, 0)
    assert (stats.seats_confirmed, stats.seats_waitlisted) == (2, 2)

    page = queries.list_for_event(event.id, page_size=2)
    assert page.total == 3 and page.pages == 2 and len(page.items) == 2
    assert {r.user_name for r in page.items} <= {"Ada", "Bob", "Cy"}
    assert all(r.cancellable for r in page.items)

    admin = make_user(is_admin=True)
    # as an admin: seats go back, the waiting list moves up
    registrations.cancel(first.id, actor=Actor.user(admin))
    stats = queries.registration_stats(event.id)
    assert (stats.confirmed, stats.waitlisted, stats.cancelled) == (2, 0, 1)
    cancelled = queries.list_for_event(event.id, status="cancelled")
    assert [r.user_name for r in cancelled.items] == ["Ada"] and not cancelled.items[0].cancellable
    with pytest.raises(NotFound):
        queries.list_for_event("00000000-0000-0000-0000-000000000000")
    with pytest.raises(InvalidInput):
        queries.list_for_event(event.id, status="weird")


def test_outbox_stats(db) -> None:
    assert mail_reports.outbox_stats() == {"queued": 0, "sending": 0, "sent": 0, "failed": 0, "captured": 0}
    with session_scope(write=True) as s:
        for i, status in enumerate(["queued", "failed", "failed", "sent"]):
            s.add(
                OutboxMessage(
                    message_id=f"<m{i}@test>",
                    recipient=f"a{i}@example.com",
                    subject="Hi",
                    template="verify_email",
                    html_body="",
                    text_body="",
                    status=status,
                    created_at=utcnow(),
                )
            )
    stats = mail_reports.outbox_stats()
    assert (stats["queued"], stats["failed"], stats["sent"], stats["captured"]) == (1, 2, 1, 0)


def test_update_event_from_form_and_its_form_values(make_event) -> None:
    make_event("Other", venue="Hall B", city="Lund", category="theatre")
    event = make_event("Gala", city="Oslo", venue="Opera")
    venues = dict((label, vid) for vid, label in locations.list_venues())
    values = forms.event_form_values(event.id)
    assert (
        values["title"] == "Gala"
        and values["category"] == "music"
        and values["timezone"] == "Europe/Stockholm"
    )
    assert values["venue_id"] == venues["Opera, Oslo"]
    assert len(values["starts_at"]) == 16  # 2030-12-01T19:00: what a datetime-local input takes
    forms.update_event_from_form(
        event.id,
        title="Gala Night",
        summary="Now with strings",
        description="*New*",
        category="theatre",
        venue_id=venues["Hall B, Lund"],
        starts_at="2031-06-01T20:00",
        ends_at="",
        timezone="Europe/Oslo",
        actor=audit.SYSTEM,
    )
    detail = catalogue.get_event(event.id)
    assert (detail.title, detail.summary, detail.category_slug, detail.city) == (
        "Gala Night",
        "Now with strings",
        "theatre",
        "Lund",
    )
    assert detail.starts_at == datetime(2031, 6, 1, 18, 0, tzinfo=UTC)  # Oslo summer time, UTC+2
    assert detail.ends_at == datetime(2031, 6, 1, 20, 0, tzinfo=UTC)  # empty end: two hours later
    assert [c.title for c in catalogue.search_events("lund strings").items] == ["Gala Night"]
    assert forms.event_form_values(event.id)["starts_at"] == "2031-06-01T20:00"
    with pytest.raises(InvalidInput) as err:
        forms.update_event_from_form(
            event.id, title=" ", starts_at="2031-06-01T20:00", ends_at="2031-06-01T19:00", actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"title", "ends_at"}
    assert catalogue.get_event(event.id).title == "Gala Night"
    with pytest.raises(NotFound):
        forms.update_event_from_form("x", title="T", starts_at="2031-06-01T20:00", actor=audit.SYSTEM)
    with pytest.raises(NotFound):
        forms.event_form_values(uuid.uuid4())


def test_create_location(db) -> None:
    venue_id = locations.create_location(
        name="  Södra   Teatern ",
        city="Stockholm",
        street="Mosebacke torg 1",
        postal_code="116 46",
        actor=audit.SYSTEM,
    )
    assert (venue_id, "Södra Teatern, Stockholm") in locations.list_venues()
    with pytest.raises(InvalidInput) as err:
        locations.create_location(name="södra teatern", city="STOCKHOLM", actor=audit.SYSTEM)
    assert set(err.value.errors) == {"name"}  # already there
    with pytest.raises(InvalidInput) as err:
        locations.create_location(
            name="", city="", country="Sweden", postal_code="1" * 21, actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"name", "city", "country", "postal_code"}
    assert len(locations.list_venues()) == 1


def test_event_form_takes_an_uploaded_image(make_event) -> None:
    from khala.images import service as images
    from khala.images.models import Image

    with session_scope(write=True) as s:
        picture = Image(
            storage_key=f"test/{uuid.uuid4().hex}",
            name="poster.jpg",
            alt_text="A crowd under pink lights",
            content_type="image/webp",
            width=800,
            height=600,
        )
        s.add(picture)
    assert images.list_images() == [(str(picture.id), "poster.jpg — A crowd under pink lights")]
    event_id = forms.create_event_from_form(
        title="Lit", starts_at="2030-12-01T19:00", image_id=str(picture.id), actor=audit.SYSTEM
    )
    assert catalogue.get_event(event_id, include_unpublished=True).image_id == str(picture.id)
    values = forms.event_form_values(event_id)
    assert values["image_id"] == str(picture.id)
    with pytest.raises(InvalidInput) as err:
        forms.update_event_from_form(
            event_id, **{**values, "image_id": str(uuid.uuid4())}, actor=audit.SYSTEM
        )
    assert set(err.value.errors) == {"image_id"}
    forms.update_event_from_form(event_id, **{**values, "image_id": ""}, actor=audit.SYSTEM)
    assert catalogue.get_event(event_id, include_unpublished=True).image_id is None
