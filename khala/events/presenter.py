"""From catalogue data to what a page shows: formatted, display-ready view objects.

Plain Python (no Reflex): the state modules call these off the event loop (``asyncio.to_thread``).
Everything a person reads is formatted here, once — prices in the package currency, dates in the event's
own timezone, seat badges, sanitized description HTML, signed image URLs with their alt text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from khala.errors import InvalidInput
from khala.events import catalogue
from khala.events.markdown import render_markdown
from khala.images import service as images
from khala.images.models import Image
from khala.lib import dates, money
from khala.lib.i18n import N_, ngettext
from khala.lib.i18n import gettext as _

WHEN_CHOICES = ("today", "weekend", "month", "custom")
PAGE_SIZE = 24


@dataclass
class CardView:
    id: str = ""
    slug: str = ""
    title: str = ""
    summary: str = ""
    venue_line: str = ""
    date_label: str = ""
    date_iso: str = ""
    day_key: str = ""  # YYYY-MM-DD in the event's timezone (calendar)
    time_label: str = ""
    price_label: str = ""
    badge: str = ""
    badge_tone: str = ""
    image_url: str = ""
    image_alt: str = ""
    category: str = ""
    version: int = 0


@dataclass
class PackageRow:
    id: str = ""
    title: str = ""
    description: str = ""
    perks: list[str] = field(default_factory=list)
    price_label: str = ""
    seats_label: str = ""
    seats_tone: str = ""
    sales_state: str = ""
    sales_label: str = ""
    can_register: bool = False
    max_per_registration: int = 1


@dataclass
class DetailView:
    id: str = ""
    slug: str = ""
    title: str = ""
    summary: str = ""
    status_note: str = ""
    date_label: str = ""
    date_iso: str = ""
    timezone: str = ""
    venue: str = ""
    address: str = ""
    map_url: str = ""
    category: str = ""
    category_slug: str = ""
    description_html: str = ""
    image_url: str = ""
    image_alt: str = ""
    ics_url: str = ""
    price_label: str = ""
    badge: str = ""
    badge_tone: str = ""
    meta_description: str = ""
    version: int = 0
    packages: list[PackageRow] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- images


def _image_rows(image_ids: Iterable[str | None]) -> dict[str, Image]:
    return images.images_by_id(image_ids)


def _image(rows: dict[str, Image], image_id: str | None, size: str) -> tuple[str, str]:
    img = rows.get(image_id or "")
    url = images.image_url(img, size).url  # type: ignore[arg-type]
    alt = img.alt_text if img is not None and url != images.PLACEHOLDER_URL else ""
    return url, alt


# -------------------------------------------------------------------------------------------- cards


def seats_badge(seats_left: int | None, sold_out: bool, few: int = 10) -> tuple[str, str]:
    """(label, tone) for a card badge: ``("Sold out", "soldout")``, ``("3 left", "few")`` or ``("", "")``."""
    if sold_out or seats_left == 0:
        return _("Sold out"), "soldout"
    if seats_left is not None and seats_left <= few:
        return ngettext("%(num)d left", "%(num)d left", seats_left) % {"num": seats_left}, "few"
    return "", ""


def card_view(card: catalogue.EventCard, rows: dict[str, Image] | None = None) -> CardView:
    url, alt = _image(rows or {}, card.image_id, "card")
    badge, tone = seats_badge(card.seats_left, card.sold_out)
    local = dates.local(card.starts_at, card.timezone)
    return CardView(
        id=card.id,
        slug=card.slug,
        title=card.title,
        summary=card.summary,
        venue_line=", ".join(p for p in (card.venue, card.city) if p),
        date_label=dates.format_date_short(card.starts_at, card.timezone),
        date_iso=local.isoformat(),
        day_key=local.date().isoformat(),
        time_label=dates.format_time(card.starts_at, card.timezone),
        price_label=money.from_price(card.min_price_minor, card.currency),
        badge=badge,
        badge_tone=tone,
        image_url=url,
        image_alt=alt,
        category=card.category_name,
        version=card.seats_version,
    )


def card_views(cards: Sequence[catalogue.EventCard]) -> list[CardView]:
    rows = _image_rows(c.image_id for c in cards)
    return [card_view(c, rows) for c in cards]


def with_seats(card: CardView, seats: catalogue.SeatState) -> CardView:
    badge, tone = seats_badge(seats.seats_left, seats.sold_out)
    return replace(card, badge=badge, badge_tone=tone, version=seats.version)


# ------------------------------------------------------------------------------------------ filters


def local_today(tz: str | None = None, now: datetime | None = None) -> date:
    return dates.local(now or datetime.now(UTC), tz or dates.default_timezone()).date()


def _parse_day(value: str) -> date | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def date_range(
    when: str, date_from: str = "", date_to: str = "", *, tz: str | None = None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """The UTC range of a date filter, in the site's timezone: today, this weekend, this month, custom."""
    zone = ZoneInfo(tz or dates.default_timezone())
    today = local_today(str(zone), now)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone)

    if when == "today":
        return start_of(today), start_of(today + timedelta(days=1))
    if when == "weekend":
        # Friday 17:00 to Monday 00:00; on a weekend day, the current one.
        friday = today + timedelta(days=(4 - today.weekday()) % 7) if today.weekday() < 4 else None
        if friday is None:
            friday = today - timedelta(days=today.weekday() - 4)
        start = datetime.combine(friday, time(17, 0), tzinfo=zone)
        return start, start_of(friday + timedelta(days=3))
    if when == "month":
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return start_of(today), start_of(first_next)
    if when == "custom":
        d1, d2 = _parse_day(date_from), _parse_day(date_to)
        if d1 and d2 and d2 < d1:
            raise InvalidInput({"date_to": _("The end date is before the start date.")})
        return (start_of(d1) if d1 else None), (start_of(d2 + timedelta(days=1)) if d2 else None)
    return None, None


@dataclass
class CataloguePage:
    cards: list[CardView]
    total: int
    page: int
    pages: int


def catalogue_page(
    *,
    q: str = "",
    category: str = "",
    city: str = "",
    when: str = "",
    date_from: str = "",
    date_to: str = "",
    price: str = "",
    sort: str = "date",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CataloguePage:
    start, end = date_range(when, date_from, date_to)
    result = catalogue.search_events(
        text=q or None,
        category=category or None,
        city=city or None,
        date_from=start,
        date_to=end,
        price=price or None,
        sort=sort or "date",
        page=page,
        page_size=page_size,
    )
    return CataloguePage(card_views(result.items), result.total, result.page, result.pages)


def filter_options() -> tuple[list[tuple[str, str]], list[str]]:
    return catalogue.list_categories(), catalogue.list_cities()


def month_cards(year: int, month: int, tz: str | None = None) -> list[CardView]:
    zone = ZoneInfo(tz or dates.default_timezone())
    first = datetime(year, month, 1, tzinfo=zone)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return card_views(catalogue.events_between(first, nxt))


# ------------------------------------------------------------------------------------------- detail

_SALES_LABEL = {
    "open": N_("On sale"),
    "not_yet": N_("Sales open %(opens)s"),
    "closed": N_("Sales closed"),
    "event_past": N_("This event has ended"),
    "event_cancelled": N_("Event cancelled"),
}


def _seat_text(left: int | None, sold_out: bool) -> tuple[str, str]:
    if sold_out or left == 0:
        return _("Sold out"), "soldout"
    if left is None:
        return _("Seats available"), "open"
    return (
        ngettext("%(num)d seat left", "%(num)d seats left", left) % {"num": left},
        "few" if left <= 10 else "open",
    )


def package_row(p: catalogue.PackageView, tz: str) -> PackageRow:
    seats, tone = _seat_text(p.seats_left, p.sold_out)
    label = _(_SALES_LABEL[p.sales_state]) if p.sales_state in _SALES_LABEL else p.sales_state
    if p.sales_state == "not_yet":
        label = _(_SALES_LABEL["not_yet"]) % {"opens": dates.format_datetime_short(p.opens_at, tz)}
    if p.sales_state == "open" and p.closes_at:
        label = _("On sale until %(closes)s") % {"closes": dates.format_datetime_short(p.closes_at, tz)}
    return PackageRow(
        id=p.id,
        title=p.title,
        description=p.description,
        perks=list(p.perks),
        price_label=money.format_price(p.price_minor, p.currency),
        seats_label=seats,
        seats_tone=tone,
        sales_state=p.sales_state,
        sales_label=label,
        can_register=p.sales_state == "open" and not p.sold_out,
        max_per_registration=p.max_per_registration,
    )


def package_with_seats(row: PackageRow, left: int | None) -> PackageRow:
    seats, tone = _seat_text(left, left == 0)
    return replace(
        row, seats_label=seats, seats_tone=tone, can_register=row.sales_state == "open" and left != 0
    )


def _plain(text: str) -> str:
    text = re.sub(r"[#*_`>\[\]()!|-]+", " ", text or "")
    return " ".join(text.split())


def meta_description(d: catalogue.EventDetail) -> str:
    when = dates.format_date_short(d.starts_at, d.timezone)
    where = ", ".join(p for p in (d.venue, d.city) if p)
    lead = d.summary or _plain(d.description)
    text = f"{when}{' · ' + where if where else ''}. {lead}".strip()
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"


def detail_view(d: catalogue.EventDetail) -> DetailView:
    rows = _image_rows([d.image_id])
    url, alt = _image(rows, d.image_id, "modal")
    badge, tone = seats_badge(d.seats_left, d.sold_out)
    note = ""
    if d.status == "cancelled":
        note = _("This event has been cancelled.")
    elif d.ends_at < datetime.now(UTC):
        note = _("This event has ended.")
    return DetailView(
        id=d.id,
        slug=d.slug,
        title=d.title,
        summary=d.summary,
        status_note=note,
        date_label=dates.format_date_long(d.starts_at, d.ends_at, d.timezone),
        date_iso=dates.local(d.starts_at, d.timezone).isoformat(),
        timezone=d.timezone,
        venue=d.venue,
        address=d.address,
        map_url=d.map_url,
        category=d.category_name,
        category_slug=d.category_slug,
        description_html=render_markdown(d.description),
        image_url=url,
        image_alt=alt,
        ics_url=f"/events/{quote_plus(d.slug)}.ics",
        price_label=money.from_price(d.min_price_minor, d.currency),
        badge=badge,
        badge_tone=tone,
        meta_description=meta_description(d),
        version=d.seats_version,
        packages=[package_row(p, d.timezone) for p in d.packages],
    )


def event_detail(id_or_slug: str) -> DetailView:
    return detail_view(catalogue.get_event(id_or_slug))


# ----------------------------------------------------------------------------------------- discover


@dataclass
class DiscoverData:
    highlights: list[CardView]
    weekend: list[CardView]
    nearly_sold_out: list[CardView]
    categories: list[tuple[str, str]]


def discover(now: datetime | None = None) -> DiscoverData:
    """Upcoming highlights, this weekend, nearly sold out (few seats left, not sold out), categories."""
    upcoming = catalogue.search_events(sort="date", page_size=8, now=now).items
    start, end = date_range("weekend", now=now)
    weekend = catalogue.search_events(date_from=start, date_to=end, sort="date", page_size=4, now=now).items
    popular = catalogue.search_events(sort="popularity", page_size=60, now=now).items
    scarce = sorted(
        (c for c in popular if c.seats_left is not None and 0 < c.seats_left <= 25),
        key=lambda c: (c.seats_left, c.starts_at),
    )[:4]
    rows = _image_rows(c.image_id for c in [*upcoming, *weekend, *scarce])
    return DiscoverData(
        highlights=[card_view(c, rows) for c in upcoming],
        weekend=[card_view(c, rows) for c in weekend],
        nearly_sold_out=[card_view(c, rows) for c in scarce],
        categories=catalogue.list_categories(),
    )
