"""The public catalogue: search, an event with its packages, the calendar's month and the live seat counts.

Reads only. Value types are plain frozen dataclasses (no ORM objects leave this module), shared by the UI
state, the REST API and tests. Every function takes an optional ``session`` (a caller's transaction) or opens
a read-only one.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from khala.db import connect, session_scope, utcnow
from khala.errors import InvalidInput, NotFound
from khala.events import totals
from khala.events.models import Category, Event, EventStatus, Package
from khala.images.models import Image
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id, parse_ids
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.locations import service as locations
from khala.locations.models import Location

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100
MAX_WORDS = 10
MAX_WATCHED = 500  # events one seat poll reads
SORTS = ("date", "price", "popularity")
PRICE_FILTERS = ("free", "paid")


# ---------------------------------------------------------------------------------------------------------
# Value types returned to callers (UI state, REST API, tests). Plain data, no ORM objects.


@dataclass(frozen=True)
class EventCard:
    id: str
    slug: str
    title: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    city: str
    category_name: str
    category_slug: str
    image_id: str | None
    min_price_minor: int | None
    currency: str
    seats_left: int | None  # None = unlimited
    sold_out: bool
    seats_version: int


@dataclass(frozen=True)
class PackageView:
    id: str
    title: str
    description: str
    perks: list[str]
    price_minor: int
    currency: str
    capacity: int | None
    taken: int
    seats_left: int | None
    sold_out: bool
    max_per_registration: int
    opens_at: datetime | None
    closes_at: datetime | None
    # open | not_yet | closed | event_past | event_cancelled
    sales_state: str
    position: int


@dataclass(frozen=True)
class EventDetail(locations.Address):  # the venue's address, then the event
    id: str
    slug: str
    title: str
    summary: str
    description: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    category_name: str
    category_slug: str
    image_id: str | None
    venue: str
    address: str  # street, postal code and city (locations.address_line)
    map_url: str  # locations.map_url
    min_price_minor: int | None
    currency: str
    seats_left: int | None
    sold_out: bool
    seats_version: int
    packages: list[PackageView] = field(default_factory=list)


@dataclass(frozen=True)
class SeatState:
    """What a live page needs to refresh its counts."""

    version: int
    seats_left: int | None
    sold_out: bool
    packages: dict[str, int | None]  # package id -> seats left (None = unlimited)


# ---------------------------------------------------------------------------------------------------------
# Reading


class reading:
    """Use the caller's session, or open a read-only one (``with reading(session) as s``)."""

    def __init__(self, session: Session | None) -> None:
        self._given = session
        self._scope = None

    def __enter__(self) -> Session:
        if self._given is not None:
            return self._given
        self._scope = session_scope()
        return self._scope.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._scope is not None:
            self._scope.__exit__(*exc)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_text(text: str) -> str:
    """Lower-case, accent-preserving, whitespace-collapsed text for matching."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_conditions(text: str) -> list[sa.ColumnElement[bool]]:
    """Every word of ``text`` (the first ten) must appear in the event's search text; wildcards are literal."""
    return [
        col(Event.search_text).like(f"%{escape_like(word)}%", escape="\\")
        for word in normalise_text(text).split()[:MAX_WORDS]
    ]


def check_query(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            {"q": _("Search text is too long (at most %(num)d characters).") % {"num": MAX_QUERY_LENGTH}}
        )
    return text


def category_and_city(category: str | None, city: str | None) -> list[sa.ColumnElement[bool]]:
    """The catalogue's category (a slug) and city (any case) filters; none for empty ones."""
    conditions: list[sa.ColumnElement[bool]] = []
    if category:
        conditions.append(col(Event.category_id).in_(select(Category.id).where(Category.slug == category)))
    if city:
        conditions.append(
            col(Event.location_id).in_(
                select(Location.id).where(func.lower(Location.city) == normalise_text(city))
            )
        )
    return conditions


def seats_left(taken: int, capacity: int | None) -> int | None:
    return None if capacity is None else max(0, capacity - taken)


_ROW_FIELDS = ("slug", "title", "summary", "starts_at", "ends_at", "timezone")


def _row_fields(event: Event) -> dict[str, Any]:
    """What a card, a detail and a listed event copy straight from the event's row."""
    return {f: getattr(event, f) for f in _ROW_FIELDS}


def _card(event: Event, location: Location | None, category: Category | None) -> EventCard:
    left = seats_left(event.seats_taken, event.seats_capacity)
    return EventCard(
        id=str(event.id),
        **_row_fields(event),
        venue=location.name if location else "",
        city=location.city if location else "",
        category_name=category.name if category else "",
        category_slug=category.slug if category else "",
        image_id=str(event.image_id) if event.image_id else None,
        min_price_minor=event.min_price_minor,
        currency=event.currency,
        seats_left=left,
        sold_out=left == 0,
        seats_version=event.seats_version,
    )


def search_events(
    text: str | None = None,
    category: str | None = None,
    city: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    price: str | None = None,
    sort: str = "date",
    page: int | str = 1,
    page_size: int | str = 24,
    *,
    now: datetime | None = None,
    session: Session | None = None,
) -> Page[EventCard]:
    """One page of published events matching every given filter, plus the total.

    ``text`` matches title, summary, venue and city (every word must match, SQL wildcards are literal).
    Without a date range only events that have not ended are listed. A page past the end gives the last
    page; an invalid page gives the first.
    """
    text = check_query(text)
    if sort not in SORTS:
        raise InvalidInput({"sort": _("Sort must be one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)}})
    if price and price not in PRICE_FILTERS:
        raise InvalidInput({"price": _("Price must be 'free' or 'paid'.")})
    if date_from and date_to and date_to < date_from:
        raise InvalidInput({"date_to": _("The end of the date range is before its start.")})
    size = clamp_page_size(page_size, default=24, maximum=MAX_PAGE_SIZE)
    now = now or utcnow()

    # Core columns, and the select's fixed parts built once (_CARD_*): the ORM attributes' operator layers
    # and rebuilding the joins, columns and orders cost more than the page query on PostgreSQL.
    conditions: list[sa.ColumnElement[bool]] = [_E.status == EventStatus.published.value]
    if date_from is None and date_to is None:
        conditions.append(_E.ends_at >= now)
    if date_from is not None:
        conditions.append(_E.ends_at >= date_from)
    if date_to is not None:
        conditions.append(_E.starts_at < date_to)
    conditions += text_conditions(text)
    conditions += category_and_city(category, city)
    if price == "free":
        conditions.append(_E.min_price_minor == 0)
    elif price == "paid":
        conditions.append(_E.min_price_minor > 0)
    # Without a caller's session: a plain connection, autocommit on PostgreSQL (two round trips, not four;
    # under READ COMMITTED each statement had its own snapshot inside a transaction too).
    with nullcontext(session) if session is not None else connect() as s:
        own = session is None  # nothing uncommitted in sight: the total may be remembered
        words = tuple(normalise_text(text).split()[:MAX_WORDS])
        filters = (words, category, city and normalise_text(city), date_from, date_to, price)
        total = totals.count_events(s, conditions, filters, now, dated=date_from or date_to, remember=own)
        current = clamp_page(page, total, size)
        # The page's ids first (from the event table alone, in index order where there is one), then only their
        # cards: the rows a later page skips are never joined to their venue and category.
        ids = sa.select(_E.id).where(*conditions).order_by(*_CARD_ORDERS[sort])
        ids = ids.offset(offset_of(current, size)).limit(size)
        rows = s.execute(
            sa.select(*_CARD_COLUMNS)
            .select_from(_CARD_FROM)
            .where(_E.id.in_(ids))
            .order_by(*_CARD_ORDERS[sort])
        ).all()
    items = []
    for row in rows:
        m = row._mapping
        event = SimpleNamespace(**{name: m[name] for name in _CARD_EVENT_COLUMNS})
        location = SimpleNamespace(name=m["venue"], city=m["city"]) if m["venue"] is not None else None
        category = (
            SimpleNamespace(name=m["category_name"], slug=m["category_slug"])
            if m["category_slug"] is not None
            else None
        )
        items.append(_card(event, location, category))  # type: ignore[arg-type]
    return Page(items=items, total=total, page=current, page_size=size)


_CARD_EVENT_COLUMNS = (
    "id",
    *_ROW_FIELDS,
    "image_id",
    "min_price_minor",
    "currency",
    "seats_taken",
    "seats_capacity",
    "seats_version",
)
# Only the columns a card shows (not descriptions and search text), as plain rows: no ORM objects.
_E, _L, _C = Event.__table__.c, Location.__table__.c, Category.__table__.c  # type: ignore[attr-defined]
_CARD_COLUMNS = [_E[name] for name in _CARD_EVENT_COLUMNS] + [
    *(_L.name.label("venue"), _L.city.label("city")),
    *(_C.name.label("category_name"), _C.slug.label("category_slug")),
]
_CARD_FROM = Event.__table__.outerjoin(Location.__table__, _E.location_id == _L.id).outerjoin(  # type: ignore[attr-defined]
    Category.__table__,
    _E.category_id == _C.id,  # type: ignore[attr-defined]
)
_CARD_ORDERS = {
    "date": (_E.starts_at.asc(), _E.id.asc()),
    "price": (_E.min_price_minor.asc().nulls_last(), _E.starts_at.asc(), _E.id.asc()),
    "popularity": (_E.seats_taken.desc(), _E.starts_at.asc(), _E.id.asc()),
}


def events_between(start: datetime, end: datetime, *, session: Session | None = None) -> list[EventCard]:
    """Published events overlapping [start, end), by start time (the calendar's month)."""
    with reading(session) as s:
        rows = s.exec(
            select(Event, Location, Category)
            .where(
                col(Event.status) == EventStatus.published.value,
                col(Event.starts_at) < end,
                col(Event.ends_at) >= start,
            )
            .join(Location, col(Event.location_id) == col(Location.id), isouter=True)
            .join(Category, col(Event.category_id) == col(Category.id), isouter=True)
            .order_by(col(Event.starts_at))
            .limit(1000)
        ).all()
    return [_card(*row) for row in rows]


def _sales_state(event: Event, package: Package, now: datetime) -> str:
    if event.status == EventStatus.cancelled:
        return "event_cancelled"
    if event.starts_at <= now:
        return "event_past"
    if package.sales_opens_at and now < package.sales_opens_at:
        return "not_yet"
    if package.sales_closes_at and now >= package.sales_closes_at:
        return "closed"
    return "open"


def package_view(event: Event, package: Package, now: datetime | None = None) -> PackageView:
    left = seats_left(package.taken, package.capacity)
    return PackageView(
        id=str(package.id),
        title=package.title,
        description=package.description,
        perks=list(package.perks or []),
        price_minor=package.price_minor,
        currency=package.currency,
        capacity=package.capacity,
        taken=package.taken,
        seats_left=left,
        sold_out=left == 0,
        max_per_registration=package.max_per_registration,
        opens_at=package.sales_opens_at,
        closes_at=package.sales_closes_at,
        sales_state=_sales_state(event, package, now or utcnow()),
        position=package.position,
    )


def get_event(
    id_or_slug: str | uuid.UUID,
    *,
    include_unpublished: bool = False,
    now: datetime | None = None,
    session: Session | None = None,
) -> EventDetail:
    """An event with its venue and packages; NotFound for unknown or (for the public) draft events."""
    key = str(id_or_slug or "").strip()
    try:
        event_id: uuid.UUID | None = parse_id(key, "event")
    except NotFound:
        event_id = None  # a slug
    with reading(session) as s:
        where = col(Event.id) == event_id if event_id else col(Event.slug) == key[:120]
        event = s.exec(select(Event).where(where)).first()
        if event is None or (not include_unpublished and event.status == EventStatus.draft):
            raise NotFound(_("We could not find that event. It may have been removed or the link is wrong."))
        location = s.get(Location, event.location_id) if event.location_id else None
        category = s.get(Category, event.category_id) if event.category_id else None
        packages = s.exec(
            select(Package)
            .where(Package.event_id == event.id)
            .order_by(col(Package.position), col(Package.id))
        ).all()
    card = _card(event, location, category)
    moment = now or utcnow()
    return EventDetail(
        id=card.id,
        **_row_fields(event),
        description=event.description,
        status=str(event.status),
        category_name=card.category_name,
        category_slug=card.category_slug,
        image_id=card.image_id,
        venue=card.venue,
        **locations.address_of(location),
        address=locations.address_line(location),
        map_url=locations.map_url(location),
        min_price_minor=event.min_price_minor,
        currency=event.currency,
        seats_left=card.seats_left,
        sold_out=card.sold_out,
        seats_version=event.seats_version,
        packages=[package_view(event, p, moment) for p in packages],
    )


def list_categories(*, session: Session | None = None) -> list[tuple[str, str]]:
    """(slug, name) of every category, by name."""
    with reading(session) as s:
        return [(c.slug, c.name) for c in s.exec(select(Category).order_by(col(Category.name))).all()]


def list_cities(*, session: Session | None = None) -> list[str]:
    """Cities that have at least one published, upcoming event."""
    with reading(session) as s:
        rows = s.exec(
            select(Location.city)
            .where(
                col(Location.id).in_(
                    select(Event.location_id).where(
                        col(Event.status) == EventStatus.published.value, col(Event.ends_at) >= utcnow()
                    )
                )
            )
            .distinct()
            .order_by(col(Location.city))
        ).all()
    return list(rows)


def seat_versions(event_ids: Iterable[str], *, session: Session | None = None) -> dict[str, int]:
    """The change counter of each event: one cheap indexed read for any number of open pages."""
    ids = parse_ids(event_ids, limit=MAX_WATCHED)
    if not ids:
        return {}
    with reading(session) as s:
        rows = s.exec(select(Event.id, Event.seats_version).where(col(Event.id).in_(ids))).all()
    return {str(i): v for i, v in rows}


def seat_states(event_ids: Iterable[str], *, session: Session | None = None) -> dict[str, SeatState]:
    """Current seat counts of the given events and their packages (read after a version changed)."""
    ids = parse_ids(event_ids, limit=MAX_WATCHED)
    if not ids:
        return {}
    with reading(session) as s:
        events = s.exec(select(Event).where(col(Event.id).in_(ids))).all()
        packages = s.exec(select(Package).where(col(Package.event_id).in_(ids))).all()
    per_event: dict[str, dict[str, int | None]] = {str(e.id): {} for e in events}
    for p in packages:
        per_event[str(p.event_id)][str(p.id)] = seats_left(p.taken, p.capacity)
    out = {}
    for e in events:
        left = seats_left(e.seats_taken, e.seats_capacity)
        out[str(e.id)] = SeatState(e.seats_version, left, left == 0, per_event[str(e.id)])
    return out


# ---------------------------------------------------------------------------------------------------------
# Sharing: what link previews, search engines, calendar feeds and the embed widget read (khala/events/seo.py)

MAX_LISTED = 5000  # events one feed or sitemap lists


@dataclass(frozen=True)
class ListedEvent:
    """An upcoming event as a calendar feed or the sitemap lists it."""

    id: str
    slug: str
    title: str
    summary: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    address: str  # locations.address_line with the venue's name
    city: str
    latitude: float | None
    longitude: float | None
    category_slug: str
    sequence: int  # raised by every change a calendar shows
    updated_at: datetime


@dataclass(frozen=True)
class Poster:
    """An event's image as a link preview names it (``/media/public/<image_id>/<size>.webp``)."""

    image_id: str
    storage_key: str
    alt_text: str
    width: int
    height: int


@dataclass(frozen=True)
class SharedEvent:
    detail: EventDetail
    created_at: datetime
    updated_at: datetime
    sequence: int
    poster: Poster | None


def _poster(image: Image | None) -> Poster | None:
    if image is None:
        return None
    return Poster(str(image.id), image.storage_key, image.alt_text, image.width, image.height)


def get_shared_event(
    slug: str, *, now: datetime | None = None, session: Session | None = None
) -> SharedEvent:
    """A published or cancelled event with what a shared link shows of it; NotFound for drafts and unknown
    slugs (drafts are never exposed)."""
    with reading(session) as s:
        detail = get_event(slug, now=now, session=s)
        event = s.get(Event, uuid.UUID(detail.id))
        image = s.get(Image, event.image_id) if event is not None and event.image_id else None
    if event is None:  # deleted between the two reads
        raise NotFound(_("We could not find that event. It may have been removed or the link is wrong."))
    return SharedEvent(detail, event.created_at, event.updated_at, event.sequence, _poster(image))


def list_listed_events(
    *,
    category: str | None = None,
    city: str | None = None,
    include_cancelled: bool = False,
    limit: int = MAX_LISTED,
    now: datetime | None = None,
    session: Session | None = None,
) -> list[ListedEvent]:
    """Upcoming (not yet ended) published events, and cancelled ones with ``include_cancelled`` (so a
    subscribed calendar learns of the cancellation), by start time; filtered like ``search_events``."""
    statuses = [EventStatus.published.value] + ([EventStatus.cancelled.value] if include_cancelled else [])
    conditions: list[sa.ColumnElement[bool]] = [
        col(Event.status).in_(statuses),
        col(Event.ends_at) >= (now or utcnow()),
    ]
    conditions += category_and_city(category, city)
    with reading(session) as s:
        rows = s.exec(
            select(Event, Location, Category)
            .where(*conditions)
            .join(Location, col(Event.location_id) == col(Location.id), isouter=True)
            .join(Category, col(Event.category_id) == col(Category.id), isouter=True)
            .order_by(col(Event.starts_at), col(Event.id))
            .limit(max(1, min(limit, MAX_LISTED)))
        ).all()
    return [
        ListedEvent(
            id=str(e.id),
            **_row_fields(e),
            status=str(e.status),
            venue=loc.name if loc else "",
            address=locations.address_line(loc, with_name=True),
            city=loc.city if loc else "",
            latitude=loc.latitude if loc else None,
            longitude=loc.longitude if loc else None,
            category_slug=cat.slug if cat else "",
            sequence=e.sequence,
            updated_at=e.updated_at,
        )
        for e, loc, cat in rows
    ]


def public_poster(image_id: str | uuid.UUID) -> Poster | None:
    """The image if it is the poster of a published or cancelled event (public: anyone may see it, for as
    long as the event is out), else None: drafts' and unused images stay behind signed URLs."""
    try:
        iid = parse_id(image_id, "image")
    except NotFound:
        return None
    with reading(None) as s:
        shown = s.exec(
            select(Event.id)
            .where(
                col(Event.image_id) == iid,
                col(Event.status).in_([EventStatus.published.value, EventStatus.cancelled.value]),
            )
            .limit(1)
        ).first()
        image = s.get(Image, iid) if shown is not None else None
    return _poster(image)
