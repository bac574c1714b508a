"""Calendar feeds and the widget over raw HTTP: /calendar.ics carries every published upcoming event once (with
the catalogue's filters), a changed event raises its SEQUENCE, ETag/304; the personal feed shows only its
owner's tickets and stops working when replaced or turned off; /embed and /embed.js."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import timedelta

from icalendar import Calendar

from khala.accounts import calendar_feeds
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.events import embed
from khala.events import service as events
from khala.events.models import Event, EventStatus, Package
from khala.lib import routes
from khala.registrations import service as registrations
from khala.settings import get_settings


def _vevents(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def _by_uid(body: bytes) -> dict[str, object]:
    return {str(ev["UID"]): ev for ev in _vevents(body)}


def _uid(event) -> str:
    host = get_settings().public_url.split("://", 1)[-1].split("/")[0].split(":")[0]
    return f"event-{event.id}@{host}"


def test_public_feed_carries_every_published_upcoming_event_once(site, make_event) -> None:
    a = make_event("Jazz", category="music", city="Stockholm")
    b = make_event("Rock", category="music", city="Göteborg", venue="Ullevi", starts_in=timedelta(days=60))
    c = make_event("Data talk", category="talks", city="Stockholm")
    off = make_event("Called off", category="misc", status=EventStatus.cancelled)
    make_event("Draft", status=EventStatus.draft)
    make_event("Past", starts_in=timedelta(days=-5))

    r = site.get("/calendar.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    assert str(cal["X-WR-CALNAME"]) == "Khala events" and "REFRESH-INTERVAL" in cal
    uids = [str(ev["UID"]) for ev in cal.walk("VEVENT")]
    assert Counter(uids) == Counter(_uid(e) for e in (a, c, b, off))  # each once; no draft, nothing past
    by_uid = _by_uid(r.content)
    assert str(by_uid[_uid(off)]["STATUS"]) == "CANCELLED" and "STATUS" not in by_uid[_uid(a)]
    jazz = by_uid[_uid(a)]
    assert str(jazz["SUMMARY"]) == "Jazz" and str(jazz["LOCATION"]).startswith("Test Hall, Storgatan 1")
    assert str(jazz["URL"]) == get_settings().public_url + routes.event(a.slug)
    assert jazz.decoded("DTSTART") == a.starts_at.replace(microsecond=0)
    assert str(jazz["DTSTART"].params["TZID"]) == "Europe/Stockholm"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]

    music = _by_uid(site.get("/calendar.ics?category=music").content)
    assert set(music) == {_uid(a), _uid(b)}
    assert str(Calendar.from_ical(site.get("/calendar.ics?category=music").content)["X-WR-CALNAME"]) == (
        "Khala · Music events"
    )
    assert set(_by_uid(site.get("/calendar.ics?city=stockholm").content)) == {_uid(a), _uid(c), _uid(off)}
    assert set(_by_uid(site.get("/calendar.ics?category=music&city=G%C3%B6teborg").content)) == {_uid(b)}
    assert _by_uid(site.get("/calendar.ics?category=nothing-here").content) == {}


def test_feed_etag_and_a_changed_event_raises_its_sequence(site, make_event) -> None:
    event = make_event("Moving target")
    first = site.get("/calendar.ics")
    tag = first.headers["etag"]
    assert site.get("/calendar.ics").content == first.content  # same data, same bytes
    assert site.get("/calendar.ics", headers={"if-none-match": tag}).status_code == 304
    before = int(_by_uid(first.content)[_uid(event)]["SEQUENCE"])

    with session_scope(write=True) as s:
        events.update_event(s, event.id, starts_at=event.starts_at + timedelta(hours=2), actor=audit.SYSTEM)
    moved = site.get("/calendar.ics", headers={"if-none-match": tag})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    entry = _by_uid(moved.content)[_uid(event)]
    assert int(entry["SEQUENCE"]) > before
    assert entry.decoded("DTSTART") == (event.starts_at + timedelta(hours=2)).replace(microsecond=0)

    events.set_status(event.id, "cancelled", actor=audit.SYSTEM)
    cancelled = _by_uid(site.get("/calendar.ics").content)[_uid(event)]
    assert int(cancelled["SEQUENCE"]) > int(entry["SEQUENCE"]) and str(cancelled["STATUS"]) == "CANCELLED"

    single = _by_uid(site.get(routes.event_ics(event.slug)).content)  # the "Add to calendar" file: same UID
    assert int(single[_uid(event)]["SEQUENCE"]) == int(cancelled["SEQUENCE"])

    # seats taken are not a calendar change: the sequence stays
    with session_scope(write=True) as s:
        seq = s.get(Event, event.id).sequence
        events.bump_seats(s, event.id, 1)
    with session_scope() as s:
        assert s.get(Event, event.id).sequence == seq


def _ticket(user, event) -> None:
    with session_scope() as s:
        package = s.query(Package).filter(Package.event_id == event.id).first()
    registrations.register(user.id, package.id, 1, actor=Actor.user(user), send_confirmation=False)


def test_personal_feed_shows_only_its_owners_tickets_and_stops_when_revoked(
    site, make_event, make_user
) -> None:
    alice = make_user(email_verified_at=utcnow())
    bob = make_user(email_verified_at=utcnow())
    jazz, rock, talk = make_event("Jazz"), make_event("Rock"), make_event("Talk")
    _ticket(alice, jazz)
    _ticket(alice, rock)
    _ticket(bob, talk)

    assert calendar_feeds.feed_info(alice.id) is None
    token = calendar_feeds.new_feed_token(alice.id, actor=Actor.user(alice))
    url = calendar_feeds.feed_url(token)
    assert url == get_settings().public_url + routes.tickets_feed(token) and token not in str(
        calendar_feeds.feed_info(alice.id)
    )
    bob_token = calendar_feeds.new_feed_token(bob.id, actor=Actor.user(bob))

    r = site.get(routes.tickets_feed(token))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "private" in r.headers["cache-control"] and r.headers["etag"]
    cal = Calendar.from_ical(r.content)
    assert str(cal["X-WR-CALNAME"]) == "Khala · My tickets"
    assert sorted(str(ev["SUMMARY"]) for ev in cal.walk("VEVENT")) == ["Jazz", "Rock"]
    assert [str(ev["SUMMARY"]) for ev in _vevents(site.get(routes.tickets_feed(bob_token)).content)] == [
        "Talk"
    ]
    assert (
        site.get(routes.tickets_feed(token), headers={"if-none-match": r.headers["etag"]}).status_code == 304
    )
    assert calendar_feeds.feed_info(alice.id).last_used_at is not None

    # a cancelled event stays with STATUS:CANCELLED and a higher SEQUENCE; a cancelled ticket leaves
    seq = {str(ev["SUMMARY"]): int(ev.get("SEQUENCE", 0)) for ev in cal.walk("VEVENT")}
    events.set_status(rock.id, "cancelled", actor=audit.SYSTEM)
    after = {str(ev["SUMMARY"]): ev for ev in _vevents(site.get(routes.tickets_feed(token)).content)}
    assert str(after["Rock"]["STATUS"]) == "CANCELLED" and int(after["Rock"]["SEQUENCE"]) > seq["Rock"]
    [jazz_ticket] = [t for t in registrations_of(alice) if t.event_id == str(jazz.id)]
    registrations.cancel(jazz_ticket.id, actor=Actor.user(alice))
    assert [str(ev["SUMMARY"]) for ev in _vevents(site.get(routes.tickets_feed(token)).content)] == ["Rock"]

    for bad in ("", "short", "x" * 43, token + "x", "../" + token):
        assert site.get(f"{routes.TICKETS_FEED}?token={bad}").status_code == 404
    assert site.get(routes.TICKETS_FEED).status_code == 404

    # a new address turns the old one off; turning it off ends it
    new = calendar_feeds.new_feed_token(alice.id, actor=Actor.user(alice))
    assert site.get(routes.tickets_feed(token)).status_code == 404
    assert site.get(routes.tickets_feed(new)).status_code == 200
    assert calendar_feeds.revoke_feed(alice.id, actor=Actor.user(alice)) is True
    assert calendar_feeds.revoke_feed(alice.id, actor=Actor.user(alice)) is False
    assert site.get(routes.tickets_feed(new)).status_code == 404
    assert site.get(routes.tickets_feed(bob_token)).status_code == 200

    entries = [e for e in audit.list_entries(object_id=alice.id).items if "calendar_feed" in e.action]
    assert [e.action for e in entries] == [
        "user.calendar_feed_revoked",
        "user.calendar_feed_replaced",
        "user.calendar_feed_created",
    ]
    assert all(e.actor_id == str(alice.id) and e.object_type == "user" for e in entries)


def registrations_of(user):
    from khala.registrations import queries

    return queries.list_for_user(user.id)


def test_a_deleted_account_has_no_feed(site, make_user) -> None:
    from khala.accounts.models import User

    user = make_user(email_verified_at=utcnow())
    token = calendar_feeds.new_feed_token(user.id, actor=Actor.user(user))
    assert site.get(routes.tickets_feed(token)).status_code == 200
    with session_scope(write=True) as s:
        row = s.get(User, user.id)
        row.deleted_at = utcnow()
        s.add(row)
    assert site.get(routes.tickets_feed(token)).status_code == 404


def test_widget_page_and_loader(site, make_event, monkeypatch) -> None:
    base = get_settings().public_url
    jazz = make_event(
        "Jazz <night>", category="music", packages=[{"title": "Std", "capacity": 5, "price_minor": 15000}]
    )
    make_event("Talk", category="talks")
    make_event("Draft gig", category="music", status=EventStatus.draft)

    r = site.get("/embed?category=music&limit=3")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert f'href="{base}/events/{jazz.slug}"' in page and "Jazz &lt;night&gt;" in page
    assert "Talk" not in page and "Draft gig" not in page
    assert "from SEK\u00a0150" in page and "Upcoming music events" in page
    assert f'href="{base}/events?category=music"' in page and 'target="_blank"' in page
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "default-src 'none'" in csp and embed.RESIZE_HASH in csp
    assert len(gzip.compress(r.content)) < 15_000
    assert (
        site.get("/embed?category=music&limit=3", headers={"if-none-match": r.headers["etag"]}).status_code
        == 304
    )
    assert "No upcoming events" in site.get("/embed?city=Nowhere").text
    assert site.get("/embed?price=bogus&limit=abc&q=" + "x" * 500).status_code == 200

    monkeypatch.setattr(get_settings(), "embed_origins", ["https://club.example", "http://127.0.0.1:*"])
    assert (
        "frame-ancestors https://club.example http://127.0.0.1:*;"
        in site.get("/embed").headers["content-security-policy"] + ";"
    )
    monkeypatch.setattr(get_settings(), "embed_origins", [])
    assert "frame-ancestors 'none'" in site.get("/embed").headers["content-security-policy"]

    js = site.get("/embed.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert js.headers["cross-origin-resource-policy"] == "cross-origin" and "/embed" in js.text
    assert len(gzip.compress(js.content)) < 15_000

    snippet = embed.snippets(base, category="music")
    assert (
        snippet["script"]
        == f'<script src="{base}/embed.js" data-category="music" data-limit="5" async></script>'
    )
    assert f'src="{base}/embed?category=music&amp;limit=5"' in snippet["iframe"]


def test_sequence_survives_updates_without_changes(make_event) -> None:
    event = make_event("Still")
    with session_scope(write=True) as s:
        before = s.get(Event, event.id).sequence
        events.update_event(s, event.id, title="Still", actor=audit.SYSTEM)  # nothing changed
    with session_scope() as s:
        assert s.get(Event, event.id).sequence == before
