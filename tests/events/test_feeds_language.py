"""The calendar files and the shared pages' head in the visitor's language: our words in the event's and the
feeds' ``.ics`` (the feed's name and description, the line that says an event is cancelled) and in the head
follow the request (through the site's language middleware); a person's ticket feed speaks its owner's
language; the organiser's titles and summaries stay as written."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import select

from khala.accounts import calendar_feeds
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.events.api import router as events_router
from khala.events.models import EventStatus, Package
from khala.events.seo_http import SeoPages
from khala.lib import i18n, routes
from khala.registrations import service as registrations
from khala.registrations.api import router as registrations_router
from tests.events.seo_helpers import write_build

SV = {"Accept-Language": "sv-SE,sv;q=0.9"}


def _site(tmp_path) -> TestClient:
    api = FastAPI()
    api.include_router(events_router)
    api.include_router(registrations_router)
    api.mount("", PlainTextResponse("the plain prebuilt page"))
    return TestClient(i18n.asgi_middleware(SeoPages(api, static_dir=write_build(tmp_path / "client"))))


def _calendar(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_the_public_feed_in_swedish(tmp_path, make_event) -> None:
    site = _site(tmp_path)
    make_event("Jazzkväll", category="music", city="Malmö", summary="Trio i källaren.")
    make_event("Inställd konsert", category="music", city="Malmö", status=EventStatus.cancelled)

    r = site.get("/calendar.ics", headers=SV)
    assert "Accept-Language" in r.headers["vary"]
    cal = _calendar(r.content)
    assert str(cal["X-WR-CALNAME"]) == "Evenemang på Khala"
    assert str(cal["X-WR-CALDESC"]) == "Kommande evenemang på Khala"
    by_title = {str(ev["SUMMARY"]): ev for ev in cal.walk("VEVENT")}
    assert set(by_title) == {"Jazzkväll", "Inställd konsert"}  # titles as the organiser wrote them
    assert str(by_title["Jazzkväll"]["DESCRIPTION"]).startswith("Trio i källaren.\n\n")
    assert str(by_title["Inställd konsert"]["DESCRIPTION"]).startswith("Evenemanget är inställt.\n\n")

    filtered = _calendar(site.get("/calendar.ics?category=music&city=Malmö", headers=SV).content)
    assert str(filtered["X-WR-CALNAME"]) == "Khala · Evenemang: Music i Malmö"
    by_city = _calendar(site.get("/calendar.ics?city=Malmö", headers=SV).content)
    assert str(by_city["X-WR-CALNAME"]) == "Khala · Evenemang i Malmö"

    english = _calendar(site.get("/calendar.ics?category=music&city=Malmö").content)
    assert str(english["X-WR-CALNAME"]) == "Khala · Music events in Malmö"
    cancelled_en = {str(ev["SUMMARY"]): ev for ev in english.walk("VEVENT")}["Inställd konsert"]
    assert str(cancelled_en["DESCRIPTION"]).startswith("This event has been cancelled.\n\n")


def test_the_add_to_calendar_file_and_its_refusal_in_swedish(tmp_path, make_event) -> None:
    site = _site(tmp_path)
    event = make_event("Avlyst fest", status=EventStatus.cancelled)
    r = site.get(routes.event_ics(event.slug), headers=SV)
    assert r.status_code == 200 and "Accept-Language" in r.headers["vary"]
    [entry] = _calendar(r.content).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Avlyst fest" and str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["DESCRIPTION"]).startswith("Evenemanget är inställt.")

    missing = site.get("/events/no-such-event.ics", headers=SV)
    assert missing.status_code == 404 and missing.text == "Evenemanget hittades inte"
    assert site.get("/events/no-such-event.ics").text == "Event not found"


def test_a_ticket_feed_speaks_its_owners_language(tmp_path, make_event, make_user) -> None:
    site = _site(tmp_path)
    event = make_event("Fjord Jazz", packages=[{"title": "Balkong", "capacity": 5}])
    with session_scope() as s:
        package = s.exec(select(Package).where(Package.event_id == event.id)).one()
    ingrid = make_user(email_verified_at=utcnow(), locale="sv")
    registration = registrations.register(
        ingrid.id, package.id, 2, actor=Actor.user(ingrid), send_confirmation=False
    )
    token = calendar_feeds.new_feed_token(ingrid.id, actor=Actor.user(ingrid))

    cal = _calendar(site.get(routes.tickets_feed(token)).content)  # a calendar app: no Accept-Language
    assert str(cal["X-WR-CALNAME"]) == "Khala · Mina biljetter"
    assert str(cal["X-WR-CALDESC"]) == "Dina biljetter på Khala"
    [entry] = cal.walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Fjord Jazz"
    assert str(entry["DESCRIPTION"]) == f"Balkong × 2 – biljett {registration.ticket_code}"

    ada = make_user(email_verified_at=utcnow())  # never chose: the request decides
    registrations.register(ada.id, package.id, 1, actor=Actor.user(ada), send_confirmation=False)
    ada_token = calendar_feeds.new_feed_token(ada.id, actor=Actor.user(ada))
    assert str(_calendar(site.get(routes.tickets_feed(ada_token)).content)["X-WR-CALNAME"]) == (
        "Khala · My tickets"
    )
    swedish = _calendar(site.get(routes.tickets_feed(ada_token), headers=SV).content)
    assert str(swedish["X-WR-CALNAME"]) == "Khala · Mina biljetter"
    refused = site.get(routes.tickets_feed("x" * 43), headers=SV)
    assert refused.status_code == 404 and refused.text.startswith("Kalenderlänken är inte giltig")


def test_the_shared_pages_head_in_swedish(tmp_path, make_event) -> None:
    site = _site(tmp_path)
    event = make_event("Avlyst fest", status=EventStatus.cancelled, city="Malmö")
    page = site.get(routes.event(event.slug), headers=SV)
    assert page.status_code == 200 and "Accept-Language" in page.headers["vary"]
    assert '<html lang="sv">' in page.text
    assert 'title="Lägg till i kalendern"' in page.text
    assert "Inställt · " in page.text
    missing = site.get("/events/nothing-like-this", headers=SV)
    assert missing.status_code == 404 and "Evenemanget hittades inte · Khala" in missing.text
    listing = site.get("/events?city=Malmö", headers=SV)
    assert "<title>Evenemang i Malmö · Khala</title>" in listing.text
    english = site.get("/events?city=Malmö")
    assert '<html lang="en">' in english.text and "<title>Events in Malmö · Khala</title>" in english.text
