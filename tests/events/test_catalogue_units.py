"""Catalogue building blocks below the browser: seat badges, sanitized Markdown, date filters,
display views (map link, package rows) and the live-seat hub's fan-out (one query per round, not per tab)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from khala.events import presenter
from khala.events.live import SeatHub
from khala.events.markdown import render_markdown

# ------------------------------------------------------------------------------------------- wording


def test_seat_badges() -> None:
    assert presenter.seats_badge(None, False) == ("", "")
    assert presenter.seats_badge(50, False) == ("", "")
    assert presenter.seats_badge(3, False) == ("3 left", "few")
    assert presenter.seats_badge(0, True) == ("Sold out", "soldout")


# ------------------------------------------------------------------------------------------ markdown


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<svg onload="alert(1)"></svg>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_never_lets_script_through(attack: str) -> None:
    html = render_markdown(f"Hello\n\n{attack}\n\n**bold**")
    for tag, attrs in _elements(html):
        assert tag in {"p", "strong", "a", "em", "code"}, html
        assert not any(name.startswith("on") or name == "style" for name in attrs), html
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http:", "https:", "mailto:")), html
    assert "<strong>bold</strong>" in html


def test_markdown_renders_the_usual_things_and_safe_links() -> None:
    html = render_markdown("# Title\n\n- one\n- two\n\n[site](https://example.com) and `code`")
    assert "<h2>Title</h2>" in html  # the page's h1 is the event title
    assert "<li>one</li>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<code>code</code>" in html
    assert render_markdown("") == ""


# ------------------------------------------------------------------------------------------- filters


def test_date_range_choices_in_the_site_timezone() -> None:
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    start, end = presenter.date_range("today", now=wednesday, tz="Europe/Stockholm")
    assert start == datetime(2026, 11, 24, 23, 0, tzinfo=UTC) and end - start == timedelta(days=1)
    start, end = presenter.date_range("weekend", now=wednesday, tz="Europe/Stockholm")
    assert start == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # Friday 17:00 local
    assert end == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Monday 00:00 local
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert presenter.date_range("weekend", now=sunday, tz="Europe/Stockholm")[0].day == 27  # this weekend
    start, end = presenter.date_range("month", now=wednesday, tz="Europe/Stockholm")
    assert end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 1 December local
    assert presenter.date_range("custom", "2026-12-01", "2026-12-01", tz="UTC") == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 12, 2, tzinfo=UTC),
    )
    assert presenter.date_range("custom", "not-a-date", "", tz="UTC") == (None, None)
    assert presenter.date_range("", tz="UTC") == (None, None)
    from khala.errors import InvalidInput

    with pytest.raises(InvalidInput):
        presenter.date_range("custom", "2026-12-02", "2026-12-01", tz="UTC")


# ---------------------------------------------------------------------------------------------- views


def test_detail_view_map_link_packages_and_meta(make_event) -> None:
    event = make_event(
        "Jazz & Friends",
        summary="A night of jazz.",
        description="Hello <script>x</script> **there**",
        packages=[
            {"title": "Seat", "capacity": 5, "price_minor": 25000, "perks": ["Drink"]},
            {"title": "Free entry", "capacity": None, "price_minor": 0},
        ],
    )
    view = presenter.event_detail(event.slug)
    assert view.title == "Jazz & Friends"
    assert view.map_url.startswith("https://www.openstreetmap.org/search?query=")  # one provider
    assert "Storgatan" in view.map_url and str(event.id) not in view.map_url
    assert "<script" not in view.description_html and "<strong>there</strong>" in view.description_html
    assert view.ics_url == f"/events/{event.slug}.ics"
    assert view.meta_description.endswith("A night of jazz.")
    seat, free = view.packages
    assert (seat.price_label, seat.seats_label, seat.perks, seat.can_register) == (
        "SEK\u00a0250",  # English: CLDR puts the code first
        "5 seats left",
        ["Drink"],
        True,
    )
    assert (free.price_label, free.seats_label) == ("Free", "Seats available")
    assert presenter.package_with_seats(seat, 0).seats_label == "Sold out"
    assert not presenter.package_with_seats(seat, 0).can_register


# ---------------------------------------------------------------------------------------------- live


def _take(event_id, n: int = 1) -> None:
    from sqlmodel import select

    from khala.db import session_scope
    from khala.events import service
    from khala.events.models import Package

    with session_scope(write=True) as s:
        package = s.exec(select(Package).where(Package.event_id == event_id)).first()
        package.taken += n
        s.add(package)
        s.flush()
        service.refresh_event(s, event_id)


def test_hub_reads_once_per_round_and_fans_out_only_newer_counts(make_event) -> None:
    a = make_event("A", packages=[{"title": "S", "capacity": 10}])
    b = make_event("B", packages=[{"title": "S", "capacity": 10}])
    hub = SeatHub()
    delivered: list[tuple[str, dict]] = []

    async def deliver(token, newer):
        delivered.append((token, {k: v.seats_left for k, v in newer.items()}))

    from khala.events import catalogue

    va = catalogue.seat_versions([str(a.id)])[str(a.id)]
    vb = catalogue.seat_versions([str(b.id)])[str(b.id)]

    async def scenario() -> None:
        for n in range(200):  # 200 tabs: 100 show A, 100 show B
            hub.watch(f"tab{n}", {str(a.id): va} if n % 2 else {str(b.id): vb})
        await hub.poll_once()  # driven by hand here (no delivery installed, so no background poller)
        hub.deliver = deliver
        assert await hub.fan_out() == 0
        queries = hub.queries
        _take(a.id, 2)
        moved = await hub.poll_once()
        assert moved == {str(a.id)}
        assert hub.queries - queries == 2  # one counter read for all tabs + one count read for the change
        assert await hub.fan_out() == 100
        assert {t for t, _ in delivered} == {f"tab{n}" for n in range(1, 200, 2)}
        assert all(d == {str(a.id): 8} for _, d in delivered)
        delivered.clear()
        await hub.poll_once()
        assert await hub.fan_out() == 0  # never the same change twice

    asyncio.run(scenario())
    hub._watch.clear()
