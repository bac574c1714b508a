"""A shared event link carries its facts in the first HTML response: title, description, canonical, Open Graph
and Twitter tags, a schema.org Event that matches the database; 404 for unknown slugs and drafts; listing pages,
the sitemap and robots.txt. Raw HTTP, no browser (the browser side is tests/e2e/test_seo.py)."""

from __future__ import annotations

import gzip
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from khala.accounts.models import User
from khala.audit import service as audit
from khala.db import session_scope, utcnow
from khala.events import catalogue, seo
from khala.events import service as events
from khala.events.models import Event, EventStatus, Package
from khala.images import service as images
from khala.locations.models import Location
from khala.registrations import service as registrations
from khala.settings import get_settings
from tests.events.seo_helpers import json_ld, metas, png

SCHEMA = "https://schema.org/"


def _base() -> str:
    return get_settings().public_url


def _poster(alt: str = "A stage in pink light"):
    image = images.create_image(png(), actor=audit.SYSTEM, name="poster.png", alt_text=alt)
    return image.id


def _full_event(make_event, make_user, **fields):
    """A published event with a poster, coordinates and three packages: on sale, sold out, not yet on sale."""
    soon = utcnow() + timedelta(days=3)
    event = make_event(
        "Nordic Lights Festival",
        summary="Three stages of northern pop under the winter sky.",
        packages=[
            {"title": "Standard", "capacity": 100, "price_minor": 25000},
            {"title": "VIP", "capacity": 1, "price_minor": 99950},
            {"title": "Late bird", "capacity": 50, "price_minor": 30000, "sales_opens_at": soon},
        ],
        image_id=_poster(),
        **fields,
    )
    with session_scope(write=True) as s:
        e = s.get(Event, event.id)
        loc = s.get(Location, e.location_id)
        loc.latitude, loc.longitude, loc.region, loc.country = 59.3326, 18.0649, "Stockholms län", "SE"
        s.add(loc)
    vip = _package(event.id, "VIP")
    buyer = make_user(email_verified_at=utcnow())
    registrations.register(buyer.id, vip.id, 1, actor=audit.Actor.user(buyer), send_confirmation=False)
    return event


def _package(event_id, title: str) -> Package:
    with session_scope() as s:
        return next(p for p in s.query(Package).filter(Package.event_id == event_id) if p.title == title)


def test_event_page_head_and_json_ld_match_the_database(site, image_store, make_event, make_user) -> None:
    event = _full_event(make_event, make_user)
    r = site.get(f"/events/{event.slug}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    base = _base()
    url = f"{base}/events/{event.slug}"
    detail = catalogue.get_event(event.slug)
    shared = catalogue.get_shared_event(event.slug)

    # one title, the event's; the prebuilt page's script and body are still there, the head first in <head>
    assert page.count("<title>") == 1 and "<title>Nordic Lights Festival · Khala</title>" in page
    # the event route's prerendered shell (not the empty SPA fallback), its placeholder path made the event's
    assert "document.documentElement.dataset.prebuilt" in page and "<h1>Event</h1>" in page
    assert f'href="/events/{event.slug}/#main"' in page and "/events/_" not in page
    assert page.index("<title>") < page.index("<script>")
    # the JSON-LD comes after the page's own inline script (React would take it for that one), still in <head>
    assert page.index("<script>") < page.index("application/ld+json") < page.index("</head>")
    m = metas(page)
    assert m["og:title"] == "Nordic Lights Festival · Khala" and m["twitter:title"] == m["og:title"]
    assert m["og:url"] == url and f'<link rel="canonical" href="{url}"/>' in page
    assert m["og:type"] == "website" and m["og:site_name"] == "Khala"
    poster = f"{base}/media/public/{shared.poster.image_id}/modal.webp"
    assert m["og:image"] == poster and m["twitter:image"] == poster
    assert m["og:image:alt"] == "A stage in pink light" and m["twitter:card"] == "summary_large_image"
    assert (m["og:image:width"], m["og:image:height"]) == (
        str(shared.poster.width),
        str(shared.poster.height),
    )
    local_start = detail.starts_at.astimezone(ZoneInfo(detail.timezone))
    # the event's local day and time, as English writes them (12-hour clock: "1:01 PM", not "13:01")
    clock = f"{local_start:%I:%M}".lstrip("0") + ("\u202fPM" if local_start.hour >= 12 else "\u202fAM")
    assert f"{local_start.day} {local_start:%b %Y} · " in m["og:description"]
    assert clock.replace("\u202f", " ") in m["og:description"].replace("\u202f", " ").replace("\xa0", " ")
    assert "Test Hall, Stockholm" in m["og:description"] and "northern pop" in m["description"]
    assert m["twitter:description"] == m["og:description"] == m["description"]
    assert "robots" not in m
    assert f'href="{base}/events/{event.slug}.ics"' in page  # alternate: the event's calendar file

    # the poster is public at that address (what an unfurler fetches), with caching headers
    img = site.get(poster.removeprefix(base))
    assert img.status_code == 200 and img.headers["content-type"] == "image/webp"
    assert img.content[:4] == b"RIFF" and "max-age" in img.headers["cache-control"] and img.headers["etag"]

    [ld] = json_ld(page)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "Event"
    assert ld["name"] == "Nordic Lights Festival" and ld["url"] == url
    assert ld["description"] == "Three stages of northern pop under the winter sky."
    start = datetime.fromisoformat(ld["startDate"])
    end = datetime.fromisoformat(ld["endDate"])
    assert start == detail.starts_at.replace(microsecond=0) and end == detail.ends_at.replace(microsecond=0)
    assert start.utcoffset() == local_start.utcoffset() and re.search(r"[+-]\d\d:\d\d$", ld["startDate"])
    assert ld["eventStatus"] == SCHEMA + "EventScheduled"
    assert ld["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
    place = ld["location"]
    assert place["@type"] == "Place" and place["name"] == "Test Hall"
    assert place["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Storgatan 1",
        "postalCode": "111 11",
        "addressLocality": "Stockholm",
        "addressRegion": "Stockholms län",
        "addressCountry": "SE",
    }
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 59.3326, "longitude": 18.0649}
    assert ld["image"] == [poster]
    assert ld["organizer"]["@type"] == "Organization" and ld["organizer"]["url"] == base + "/"
    offers = {o["name"]: o for o in ld["offers"]}
    assert set(offers) == {"Standard", "VIP", "Late bird"}
    assert all(
        o["@type"] == "Offer" and o["priceCurrency"] == "SEK" and o["url"] == url for o in offers.values()
    )
    assert offers["Standard"]["price"] == "250.00" and offers["VIP"]["price"] == "999.50"
    assert offers["Standard"]["availability"] == SCHEMA + "InStock"
    assert offers["VIP"]["availability"] == SCHEMA + "SoldOut"  # its one seat is taken
    assert offers["Late bird"]["availability"] == SCHEMA + "PreOrder"  # sales open in three days
    late = _package(event.id, "Late bird")
    assert datetime.fromisoformat(offers["Late bird"]["validFrom"]) == late.sales_opens_at.replace(
        microsecond=0
    )
    assert datetime.fromisoformat(offers["Standard"]["validFrom"]) == shared.created_at.replace(microsecond=0)
    assert "isAccessibleForFree" not in ld


def test_a_cancelled_event_says_so_and_sells_nothing(site, make_event) -> None:
    event = make_event("Called off", packages=[{"title": "Free", "capacity": 10, "price_minor": 0}])
    events.set_status(event.id, "cancelled", actor=audit.SYSTEM)
    r = site.get(f"/events/{event.slug}")
    assert r.status_code == 200
    [ld] = json_ld(r.text)
    assert ld["eventStatus"] == SCHEMA + "EventCancelled"
    assert [o["availability"] for o in ld["offers"]] == [SCHEMA + "SoldOut"]
    assert ld["offers"][0]["price"] == "0.00" and ld["isAccessibleForFree"] is True
    assert "image" not in ld and metas(r.text)["twitter:card"] == "summary"
    assert metas(r.text)["og:description"].startswith("Cancelled · ")


def test_unknown_slug_and_draft_answer_404_without_exposing_the_draft(site, make_event) -> None:
    draft = make_event("Secret draft party", summary="Nobody may know", status=EventStatus.draft)
    for path in ("/events/no-such-event", f"/events/{draft.slug}", f"/events/{draft.id}"):
        r = site.get(path)
        assert r.status_code == 404, path
        assert "Secret draft" not in r.text and "Nobody may know" not in r.text
        assert metas(r.text)["robots"] == "noindex" and "<title>Event not found · Khala</title>" in r.text
        assert 'rel="canonical"' not in r.text and not json_ld(r.text)
    assert site.get(f"/events/{draft.slug}.ics").status_code == 404
    assert site.get(f"/events/{draft.slug}", headers={"cookie": "anything=1"}).status_code == 404


def test_json_ld_cannot_break_out_of_its_script(site, make_event) -> None:
    event = make_event("</script><script>alert(1)</script>", summary="<b>&</b>")
    page = site.get(f"/events/{event.slug}").text
    assert "<script>alert(1)" not in page and page.count("</script>") == 2  # the prebuilt one and ours
    [ld] = json_ld(page)
    assert ld["name"] == "</script><script>alert(1)</script>" and ld["description"] == "<b>&</b>"
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Khala" in page  # in <title>, escaped


def test_listing_pages_carry_social_tags_and_an_item_list(site, image_store, make_event) -> None:
    base = _base()
    music = make_event("Jazz night", category="music", image_id=_poster())
    talk = make_event("Data talk", category="talks", city="Göteborg", venue="Hall B")
    make_event("Hidden draft", category="music", status=EventStatus.draft)
    make_event("Long gone", category="music", starts_in=timedelta(days=-30))

    home = site.get("/").text
    assert home.count("<title>") == 1 and "<title>Khala · Discover events</title>" in home
    m = metas(home)
    assert m["description"] == "Concerts, talks and meetups near you." and m["og:url"] == base + "/"
    assert m["og:image"].startswith(f"{base}/media/public/") and "favicon.ico" not in home
    [ld] = json_ld(home)
    assert ld["@type"] == "ItemList"
    assert [i["url"] for i in ld["itemListElement"]] == [f"{base}/events/{e.slug}" for e in (music, talk)]

    r = site.get("/events?category=music&city=stockholm")
    assert r.status_code == 200 and "<title>Music events in stockholm · Khala</title>" in r.text
    m = metas(r.text)
    assert m["og:url"] == f"{base}/events?category=music&city=stockholm"
    [ld] = json_ld(r.text)
    assert [i["name"] for i in ld["itemListElement"]] == ["Jazz night"]
    assert "Hidden draft" not in r.text and "Long gone" not in r.text
    assert site.get("/events?category=<nope>").text.count("<title>Events · Khala</title>") == 1

    cal = site.get("/calendar").text
    assert "<title>Calendar · Khala</title>" in cal and f'href="{base}/calendar.ics"' in cal
    assert metas(cal)["og:url"] == f"{base}/calendar"


def test_head_responses_are_conditional_and_compressed(site, make_event) -> None:
    event = make_event("Cached")
    first = site.get(f"/events/{event.slug}")
    tag = first.headers["etag"]
    again = site.get(f"/events/{event.slug}", headers={"if-none-match": tag})
    assert again.status_code == 304 and not again.content
    head = site.client.head(f"/events/{event.slug}")
    assert head.status_code == 200 and not head.content and int(head.headers["content-length"]) > 0
    raw = site.client.get(f"/events/{event.slug}", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.text == first.text  # httpx decodes it
    assert "Accept-Encoding" in raw.headers["vary"]
    assert gzip.decompress(gzip.compress(first.content)) == first.content


def test_without_a_build_the_request_passes_through(site, make_event) -> None:
    shutil.rmtree(site.static_dir)
    site.static_dir.mkdir()
    event = make_event("No build")
    r = site.get(f"/events/{event.slug}")
    assert r.status_code == 200 and r.text == "the plain prebuilt page"
    assert site.client.post("/events").text == "the plain prebuilt page"


def test_posters_are_public_only_while_their_event_is_out(site, image_store, make_event) -> None:
    unused = _poster()
    draft = make_event("Draft with poster", status=EventStatus.draft, image_id=_poster())
    assert site.get(f"/media/public/{unused}/card.webp").status_code == 404
    assert site.get(f"/media/public/{draft.image_id}/card.webp").status_code == 404
    events.set_status(draft.id, "published", actor=audit.SYSTEM)
    ok = site.get(f"/media/public/{draft.image_id}/card.webp")
    assert ok.status_code == 200 and ok.headers["cross-origin-resource-policy"] == "cross-origin"
    assert (
        site.get(
            f"/media/public/{draft.image_id}/card.webp", headers={"if-none-match": ok.headers["etag"]}
        ).status_code
        == 304
    )
    assert site.get(f"/media/public/{draft.image_id}/huge.webp").status_code == 404
    assert site.get("/media/public/not-a-uuid/card.webp").status_code == 404


def test_sitemap_lists_published_upcoming_events_and_robots_points_to_it(site, make_event) -> None:
    base = _base()
    shown = [make_event("One"), make_event("Two", starts_in=timedelta(days=40))]
    make_event("Draft", status=EventStatus.draft)
    make_event("Past", starts_in=timedelta(days=-3))
    make_event("Off", status=EventStatus.cancelled)
    r = site.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)  # noqa: S314 (our own document)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert locs[:3] == [base + "/", base + "/events", base + "/calendar"]
    assert locs[3:] == [f"{base}/events/{e.slug}" for e in shown]
    with session_scope() as s:
        updated = s.get(Event, shown[0].id).updated_at
    lastmod = root.findall("s:url", ns)[3].findtext("s:lastmod", namespaces=ns)
    assert datetime.fromisoformat(lastmod.replace("Z", "+00:00")) == updated.astimezone(UTC).replace(
        microsecond=0
    )
    assert site.get("/sitemap.xml", headers={"if-none-match": r.headers["etag"]}).status_code == 304

    robots = site.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {base}/sitemap.xml" in lines
    for path in ("/admin", "/account", "/tickets", "/calendar/tickets.ics", "/auth/"):
        assert f"Disallow: {path}" in lines


def test_plain_text_and_prices() -> None:
    assert seo.plain_text("# Hi\n\nSome **bold** & <b>raw</b> [link](https://x.se)") == (
        "Hi Some bold & <b>raw</b> link"
    )
    assert seo.decimal_price(25000, "SEK") == "250.00" and seo.decimal_price(500, "JPY") == "500"
    assert seo.decimal_price(12345, "TND") == "12.345"
    assert seo.shorten("word " * 100, 30).endswith("…") and len(seo.shorten("word " * 100, 30)) <= 30


def test_the_user_model_is_untouched_by_the_head(site, make_event, make_user) -> None:
    """Sanity: rendering pages reads only; nothing is written (no audit entry, no row)."""
    event = make_event("Read only")
    before = audit.list_entries(page_size=100).total
    site.get(f"/events/{event.slug}")
    site.get("/")
    assert audit.list_entries(page_size=100).total == before
    with session_scope() as s:
        assert s.query(User).count() == 0
