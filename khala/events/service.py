"""Catalogue and event operations: plain functions, sessions opened here or passed in."""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events.models import Category, Event, EventStatus, Package
from khala.locations.models import Location

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100
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
class EventPage:
    items: list[EventCard]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


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
class EventDetail:
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
    street: str
    postal_code: str
    city: str
    region: str
    country: str
    latitude: float | None
    longitude: float | None
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_text(text: str) -> str:
    """Lower-case, accent-preserving, whitespace-collapsed text for matching."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _seats_left(taken: int, capacity: int | None) -> int | None:
    return None if capacity is None else max(0, capacity - taken)


def _card(event: Event, location: Location | None, category: Category | None) -> EventCard:
    left = _seats_left(event.seats_taken, event.seats_capacity)
    return EventCard(
        id=str(event.id),
        slug=event.slug,
        title=event.title,
        summary=event.summary,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
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


def _coerce_page(value: object, default: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return number


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
) -> EventPage:
    """One page of published events matching every given filter, plus the total.

    ``text`` matches title, summary, venue and city (every word must match, SQL wildcards are literal).
    Without a date range only events that have not ended are listed. A page past the end gives the last
    page; an invalid page gives the first.
    """
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput({"q": f"Search text is too long (at most {MAX_QUERY_LENGTH} characters)."})
    if sort not in SORTS:
        raise InvalidInput({"sort": f"Sort must be one of: {', '.join(SORTS)}."})
    if price and price not in PRICE_FILTERS:
        raise InvalidInput({"price": "Price must be 'free' or 'paid'."})
    if date_from and date_to and date_to < date_from:
        raise InvalidInput({"date_to": "The end of the date range is before its start."})
    size = min(max(_coerce_page(page_size, 24), 1), MAX_PAGE_SIZE)
    wanted = max(_coerce_page(page, 1), 1)
    now = now or utcnow()

    conditions: list[sa.ColumnElement[bool]] = [col(Event.status) == EventStatus.published.value]
    if date_from is None and date_to is None:
        conditions.append(col(Event.ends_at) >= now)
    if date_from is not None:
        conditions.append(col(Event.ends_at) >= date_from)
    if date_to is not None:
        conditions.append(col(Event.starts_at) < date_to)
    for word in normalise_text(text).split()[:10]:
        conditions.append(col(Event.search_text).like(f"%{_escape_like(word)}%", escape="\\"))
    if category:
        conditions.append(col(Event.category_id).in_(select(Category.id).where(Category.slug == category)))
    if city:
        conditions.append(
            col(Event.location_id).in_(
                select(Location.id).where(func.lower(Location.city) == normalise_text(city))
            )
        )
    if price == "free":
        conditions.append(col(Event.min_price_minor) == 0)
    elif price == "paid":
        conditions.append(col(Event.min_price_minor) > 0)

    order: list[sa.ColumnElement] = {
        "date": [col(Event.starts_at).asc()],
        "price": [col(Event.min_price_minor).asc().nulls_last(), col(Event.starts_at).asc()],
        "popularity": [col(Event.seats_taken).desc(), col(Event.starts_at).asc()],
    }[sort] + [col(Event.id).asc()]

    with _reading(session) as s:
        total = s.exec(select(func.count()).select_from(Event).where(*conditions)).one()
        pages = max(1, math.ceil(total / size))
        current = min(wanted, pages)
        rows = s.exec(
            select(Event, Location, Category)
            .where(*conditions)
            .join(Location, col(Event.location_id) == col(Location.id), isouter=True)
            .join(Category, col(Event.category_id) == col(Category.id), isouter=True)
            .order_by(*order)
            .offset((current - 1) * size)
            .limit(size)
        ).all()
    return EventPage(items=[_card(*row) for row in rows], total=total, page=current, page_size=size)


def events_between(start: datetime, end: datetime, *, session: Session | None = None) -> list[EventCard]:
    """Published events overlapping [start, end), by start time (the calendar's month)."""
    with _reading(session) as s:
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
    left = _seats_left(package.taken, package.capacity)
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


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_event(
    id_or_slug: str | uuid.UUID,
    *,
    include_unpublished: bool = False,
    now: datetime | None = None,
    session: Session | None = None,
) -> EventDetail:
    """An event with its venue and packages; NotFound for unknown or (for the public) draft events."""
    key = str(id_or_slug or "").strip()
    event_id = _parse_uuid(key)
    with _reading(session) as s:
        where = col(Event.id) == event_id if event_id else col(Event.slug) == key[:120]
        event = s.exec(select(Event).where(where)).first()
        if event is None or (not include_unpublished and event.status == EventStatus.draft):
            raise NotFound("We could not find that event. It may have been removed or the link is wrong.")
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
        slug=event.slug,
        title=event.title,
        summary=event.summary,
        description=event.description,
        status=str(event.status),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        category_name=card.category_name,
        category_slug=card.category_slug,
        image_id=card.image_id,
        venue=card.venue,
        street=location.street if location else "",
        postal_code=location.postal_code if location else "",
        city=card.city,
        region=location.region if location else "",
        country=location.country if location else "",
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        min_price_minor=event.min_price_minor,
        currency=event.currency,
        seats_left=card.seats_left,
        sold_out=card.sold_out,
        seats_version=event.seats_version,
        packages=[package_view(event, p, moment) for p in packages],
    )


def list_categories(*, session: Session | None = None) -> list[tuple[str, str]]:
    """(slug, name) of every category, by name."""
    with _reading(session) as s:
        return [(c.slug, c.name) for c in s.exec(select(Category).order_by(col(Category.name))).all()]


def list_cities(*, session: Session | None = None) -> list[str]:
    """Cities that have at least one published, upcoming event."""
    with _reading(session) as s:
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
    ids = [u for u in (_parse_uuid(i) for i in event_ids) if u is not None][:500]
    if not ids:
        return {}
    with _reading(session) as s:
        rows = s.exec(select(Event.id, Event.seats_version).where(col(Event.id).in_(ids))).all()
    return {str(i): v for i, v in rows}


def seat_states(event_ids: Iterable[str], *, session: Session | None = None) -> dict[str, SeatState]:
    """Current seat counts of the given events and their packages (read after a version changed)."""
    ids = [u for u in (_parse_uuid(i) for i in event_ids) if u is not None][:500]
    if not ids:
        return {}
    with _reading(session) as s:
        events = s.exec(select(Event).where(col(Event.id).in_(ids))).all()
        packages = s.exec(select(Package).where(col(Package.event_id).in_(ids))).all()
    per_event: dict[str, dict[str, int | None]] = {str(e.id): {} for e in events}
    for p in packages:
        per_event[str(p.event_id)][str(p.id)] = _seats_left(p.taken, p.capacity)
    out = {}
    for e in events:
        left = _seats_left(e.seats_taken, e.seats_capacity)
        out[str(e.id)] = SeatState(e.seats_version, left, left == 0, per_event[str(e.id)])
    return out


# ---------------------------------------------------------------------------------------------------------
# Writing (used by the demo seeder, the admin dashboard and the API)


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
    ascii_text = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "event"


def _unique_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.exec(select(Event.id).where(Event.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _validate_timezone(name: str, errors: dict[str, str]) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"Unknown time zone '{name}'. Use an IANA name such as Europe/Stockholm."


def create_event(
    session: Session,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    summary: str = "",
    description: str = "",
    category_id: int | None = None,
    location_id: uuid.UUID | None = None,
    image_id: uuid.UUID | None = None,
    timezone: str = "Europe/Stockholm",
    status: EventStatus | str = EventStatus.draft,
    slug: str | None = None,
) -> Event:
    """Validate and add an event to ``session`` (the caller commits)."""
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "A title is required."
    elif len(title) > 100:
        errors["title"] = "The title can be at most 100 characters."
    if len(summary) > 300:
        errors["summary"] = "The summary can be at most 300 characters."
    if starts_at is None or starts_at.tzinfo is None:
        errors["starts_at"] = "A start time with a time zone is required."
    ends_at = ends_at or (starts_at + timedelta(hours=2) if starts_at else None)
    if ends_at is not None and starts_at is not None and ends_at < starts_at:
        errors["ends_at"] = "The event cannot end before it starts."
    _validate_timezone(timezone, errors)
    try:
        status = EventStatus(status)
    except ValueError:
        errors["status"] = "Status must be draft, published or cancelled."
    if errors:
        raise InvalidInput(errors)
    event = Event(
        slug=_unique_slug(session, slugify(slug or title)),
        title=title,
        summary=summary.strip(),
        description=description,
        category_id=category_id,
        location_id=location_id,
        image_id=image_id,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        status=status,
    )
    session.add(event)
    session.flush()
    refresh_event(session, event.id)
    return event


def add_package(
    session: Session,
    event_id: uuid.UUID,
    *,
    title: str,
    price_minor: int = 0,
    currency: str = "SEK",
    description: str = "",
    perks: Sequence[str] = (),
    capacity: int | None = None,
    max_per_registration: int = 10,
    sales_opens_at: datetime | None = None,
    sales_closes_at: datetime | None = None,
    position: int | None = None,
) -> Package:
    """Validate and add a ticket tier to an event (the caller commits)."""
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "A package title is required."
    elif len(title) > 100:
        errors["title"] = "The package title can be at most 100 characters."
    if len(description) > 300:
        errors["description"] = "The description can be at most 300 characters."
    if not isinstance(price_minor, int) or price_minor < 0:
        errors["price_minor"] = "The price must be zero or more."
    if not re.fullmatch(r"[A-Z]{3}", currency or ""):
        errors["currency"] = "The currency must be a three-letter ISO code such as SEK."
    if capacity is not None and capacity < 0:
        errors["capacity"] = "Capacity must be zero or more (leave empty for unlimited)."
    if max_per_registration < 1:
        errors["max_per_registration"] = "At least one seat per registration must be allowed."
    if sales_opens_at and sales_closes_at and sales_closes_at <= sales_opens_at:
        errors["sales_closes_at"] = "Sales must close after they open."
    clean_perks = [" ".join(p.split()) for p in perks if p and p.strip()]
    if any(len(p) > 120 for p in clean_perks):
        errors["perks"] = "Each perk can be at most 120 characters."
    if errors:
        raise InvalidInput(errors)
    if position is None:
        position = session.exec(
            select(func.count()).select_from(Package).where(Package.event_id == event_id)
        ).one()
    package = Package(
        event_id=event_id,
        title=title,
        description=description.strip(),
        perks=clean_perks,
        price_minor=price_minor,
        currency=currency,
        capacity=capacity,
        max_per_registration=max_per_registration,
        sales_opens_at=sales_opens_at,
        sales_closes_at=sales_closes_at,
        position=position,
    )
    session.add(package)
    session.flush()
    refresh_event(session, event_id)
    return package


def refresh_event(session: Session, event_id: uuid.UUID) -> None:
    """Recompute an event's denormalised catalogue columns from its packages and venue."""
    event = session.get(Event, event_id)
    if event is None:
        return
    packages = session.exec(select(Package).where(Package.event_id == event_id)).all()
    location = session.get(Location, event.location_id) if event.location_id else None
    event.min_price_minor = min((p.price_minor for p in packages), default=None)
    cheapest = min(packages, key=lambda p: p.price_minor, default=None)
    event.currency = cheapest.currency if cheapest else event.currency
    event.seats_taken = sum(p.taken for p in packages)
    capacities = [p.capacity for p in packages]
    event.seats_capacity = (
        sum(c for c in capacities if c is not None) if capacities and None not in capacities else None
    )
    parts = [event.title, event.summary]
    if location:
        parts += [location.name, location.city]
    event.search_text = normalise_text(" ".join(parts))
    event.seats_version += 1
    event.updated_at = utcnow()
    session.add(event)


def bump_seats(session: Session, event_id: uuid.UUID, delta: int) -> None:
    """Record a change of ``delta`` seats taken on an event, and bump its change counter."""
    session.execute(
        sa.update(Event)
        .where(col(Event.id) == event_id)
        .values(seats_taken=Event.seats_taken + delta, seats_version=Event.seats_version + 1)
    )


class _reading:
    """Use the caller's session, or open a read-only one."""

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


# ---------------------------------------------------------------------------------------------------------
# Administration: the dashboard's reads and its form-level writes. Form values arrive as text (what a person
# typed); they are parsed and validated here, once, with a message per field.

ADMIN_STATUSES = tuple(s.value for s in EventStatus)
MAX_DESCRIPTION = 20_000
# ISO 4217 minor-unit exponents that are not 2.
_MINOR_EXPONENT = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3}


@dataclass(frozen=True)
class CatalogueStats:
    published: int
    draft: int
    cancelled: int
    upcoming: int  # published and not yet started
    seats_taken: int  # in packages of published events that have not ended
    seats_capacity: int  # of the limited packages among those
    unlimited_packages: int  # packages without a capacity among those


def catalogue_stats(*, now: datetime | None = None, session: Session | None = None) -> CatalogueStats:
    """Counts for the admin overview: events by status, upcoming events, seats sold against capacity."""
    now = now or utcnow()
    with _reading(session) as s:
        by_status = dict(s.exec(select(Event.status, func.count()).group_by(Event.status)).all())
        upcoming = s.exec(
            select(func.count())
            .select_from(Event)
            .where(col(Event.status) == EventStatus.published.value, col(Event.starts_at) > now)
        ).one()
        taken, capacity, unlimited = s.exec(
            select(
                func.coalesce(func.sum(Package.taken), 0),
                func.coalesce(func.sum(Package.capacity), 0),
                func.coalesce(func.sum(sa.case((col(Package.capacity).is_(None), 1), else_=0)), 0),
            )
            .join(Event, col(Event.id) == col(Package.event_id))
            .where(col(Event.status) == EventStatus.published.value, col(Event.ends_at) >= now)
        ).one()
    counts = {str(k): int(v) for k, v in by_status.items()}
    return CatalogueStats(
        published=counts.get("published", 0),
        draft=counts.get("draft", 0),
        cancelled=counts.get("cancelled", 0),
        upcoming=int(upcoming),
        seats_taken=int(taken),
        seats_capacity=int(capacity),
        unlimited_packages=int(unlimited),
    )


@dataclass(frozen=True)
class AdminEventRow:
    id: str
    slug: str
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    city: str
    packages: int
    seats_taken: int
    seats_capacity: int | None  # None = at least one package is unlimited (or there are none)
    min_price_minor: int | None
    currency: str


@dataclass(frozen=True)
class AdminEventPage:
    items: list[AdminEventRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def list_events_admin(
    text: str | None = None,
    status: str | None = None,
    page: int | str = 1,
    page_size: int | str = 25,
    *,
    session: Session | None = None,
) -> AdminEventPage:
    """One page of every event (drafts and cancelled included), latest start first."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput({"q": f"Search text is too long (at most {MAX_QUERY_LENGTH} characters)."})
    if status and status not in ADMIN_STATUSES:
        raise InvalidInput({"status": "Status must be draft, published or cancelled."})
    size = min(max(_coerce_page(page_size, 25), 1), MAX_PAGE_SIZE)
    wanted = max(_coerce_page(page, 1), 1)
    conditions: list[sa.ColumnElement[bool]] = []
    if status:
        conditions.append(col(Event.status) == status)
    for word in normalise_text(text).split()[:10]:
        conditions.append(col(Event.search_text).like(f"%{_escape_like(word)}%", escape="\\"))
    package_count = (
        select(func.count())
        .select_from(Package)
        .where(col(Package.event_id) == col(Event.id))
        .scalar_subquery()
    )
    with _reading(session) as s:
        total = s.exec(select(func.count()).select_from(Event).where(*conditions)).one()
        pages = max(1, math.ceil(total / size))
        current = min(wanted, pages)
        rows = s.exec(
            select(Event, Location, package_count)
            .where(*conditions)
            .join(Location, col(Event.location_id) == col(Location.id), isouter=True)
            .order_by(col(Event.starts_at).desc(), col(Event.id))
            .offset((current - 1) * size)
            .limit(size)
        ).all()
    items = [
        AdminEventRow(
            id=str(e.id),
            slug=e.slug,
            title=e.title,
            status=str(e.status),
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            timezone=e.timezone,
            venue=loc.name if loc else "",
            city=loc.city if loc else "",
            packages=int(n),
            seats_taken=e.seats_taken,
            seats_capacity=e.seats_capacity,
            min_price_minor=e.min_price_minor,
            currency=e.currency,
        )
        for e, loc, n in rows
    ]
    return AdminEventPage(items=items, total=total, page=current, page_size=size)


def list_venues(*, session: Session | None = None) -> list[tuple[str, str]]:
    """(id, "name, city") of every venue, by name (the event form's choices)."""
    with _reading(session) as s:
        rows = s.exec(select(Location).order_by(col(Location.name), col(Location.city)).limit(1000)).all()
    return [(str(loc.id), f"{loc.name}, {loc.city}" if loc.city else loc.name) for loc in rows]


def parse_local_datetime(value: str | None, timezone: str) -> datetime | None:
    """``"2026-12-01T19:00"`` (a datetime-local field) read as wall time in ``timezone`` → aware UTC.
    Empty → None; anything else unreadable → ValueError."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 40:
        raise ValueError(text)
    parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(ZoneInfo("UTC"))


def parse_amount(value: str | int | None, currency: str) -> int:
    """``"249.50"``/``"249,50"`` in ``currency`` → minor units (24950); empty → 0. ValueError when unreadable."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return 0
    if not re.fullmatch(r"-?\d{1,9}([.,]\d+)?", text):
        raise ValueError(text)
    exponent = _MINOR_EXPONENT.get((currency or "").upper(), 2)
    whole, _, frac = text.replace(",", ".").partition(".")
    if len(frac) > exponent:
        raise ValueError(text)
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 10**exponent + int(frac.ljust(exponent, "0") or 0))


def _form_int(value: str | int | None, field: str, errors: dict[str, str], message: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,9}", text):
        errors[field] = message
        return None
    return int(text)


def _form_time(
    value: str | None, timezone: str, field: str, errors: dict[str, str], label: str
) -> datetime | None:
    try:
        return parse_local_datetime(value, timezone)
    except (ValueError, ZoneInfoNotFoundError):
        errors[field] = f"Enter the {label} as a date and time, e.g. 2026-12-01 19:00."
        return None


@dataclass(frozen=True)
class _EventForm:
    title: str
    summary: str
    description: str
    category_id: int | None
    location_id: uuid.UUID | None
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str
    image_id: uuid.UUID | None = None


def _read_event_form(
    s: Session,
    *,
    title: str,
    starts_at: str,
    ends_at: str,
    timezone: str,
    summary: str,
    description: str,
    category: str,
    venue_id: str,
    image_id: str = "",
) -> tuple[_EventForm, dict[str, str]]:
    """Parse and check the event form's fields; (values, errors by field)."""
    errors: dict[str, str] = {}
    clean_title = " ".join((title or "").split())
    if not clean_title:
        errors["title"] = "A title is required."
    elif len(clean_title) > 100:
        errors["title"] = "The title can be at most 100 characters."
    clean_summary = (summary or "").strip()
    if len(clean_summary) > 300:
        errors["summary"] = "The summary can be at most 300 characters."
    if len(description or "") > MAX_DESCRIPTION:
        errors["description"] = f"The description can be at most {MAX_DESCRIPTION} characters."
    timezone = (timezone or "").strip()[:64] or "Europe/Stockholm"
    _validate_timezone(timezone, errors)
    starts = ends = None
    if "timezone" not in errors:
        starts = _form_time(starts_at, timezone, "starts_at", errors, "start")
        ends = _form_time(ends_at, timezone, "ends_at", errors, "end")
        if starts is None and "starts_at" not in errors:
            errors["starts_at"] = "A start date and time is required."
        if starts and ends and ends < starts:
            errors["ends_at"] = "The event cannot end before it starts."
    category_id = None
    if category:
        category_id = s.exec(select(Category.id).where(Category.slug == str(category)[:60])).first()
        if category_id is None:
            errors["category"] = "Choose a category from the list."
    location_id = None
    if venue_id:
        location_id = _parse_uuid(venue_id)
        if location_id is None or s.get(Location, location_id) is None:
            errors["venue_id"] = "Choose a venue from the list."
    picture = None
    if image_id:
        from khala.images.models import Image

        picture = _parse_uuid(image_id)
        if picture is None or s.get(Image, picture) is None:
            errors["image_id"] = "Choose an image from the list (upload it under Images first)."
    values = _EventForm(
        clean_title,
        clean_summary,
        description or "",
        category_id,
        location_id,
        starts,
        ends,
        timezone,
        picture,
    )
    return values, errors


def create_event_from_form(
    *,
    title: str,
    starts_at: str,
    ends_at: str = "",
    timezone: str = "Europe/Stockholm",
    summary: str = "",
    description: str = "",
    category: str = "",
    venue_id: str = "",
    image_id: str = "",
    status: str = EventStatus.draft.value,
) -> str:
    """Create an event from what an administrator typed; times are wall times in ``timezone``.

    ``category`` is a category slug, ``venue_id`` a venue id, ``image_id`` an uploaded image (all optional).
    Returns the new event's id; raises InvalidInput with a message per field.
    """
    with session_scope(write=True) as s:
        form, errors = _read_event_form(
            s,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            summary=summary,
            description=description,
            category=category,
            venue_id=venue_id,
            image_id=image_id,
        )
        if str(status) not in ADMIN_STATUSES:
            errors["status"] = "Status must be draft, published or cancelled."
        if errors:
            raise InvalidInput(errors)
        event = create_event(
            s,
            title=form.title,
            starts_at=form.starts_at,  # type: ignore[arg-type]  # checked above
            ends_at=form.ends_at,
            summary=form.summary,
            description=form.description,
            category_id=form.category_id,
            location_id=form.location_id,
            image_id=form.image_id,
            timezone=form.timezone,
            status=status,
        )
        return str(event.id)


def update_event_from_form(
    event_id: str | uuid.UUID,
    *,
    title: str,
    starts_at: str,
    ends_at: str = "",
    timezone: str = "Europe/Stockholm",
    summary: str = "",
    description: str = "",
    category: str = "",
    venue_id: str = "",
    image_id: str = "",
) -> None:
    """Change an event's details from what an administrator typed (same fields and rules as creating one;
    the status changes through ``set_status``). InvalidInput per field, NotFound for an unknown event."""
    eid = _parse_uuid(str(event_id))
    with session_scope(write=True) as s:
        event = s.get(Event, eid) if eid else None
        if event is None:
            raise NotFound("We could not find that event.")
        form, errors = _read_event_form(
            s,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            summary=summary,
            description=description,
            category=category,
            venue_id=venue_id,
            image_id=image_id,
        )
        if errors:
            raise InvalidInput(errors)
        event.title = form.title
        event.summary = form.summary
        event.description = form.description
        event.category_id = form.category_id
        event.location_id = form.location_id
        event.image_id = form.image_id
        event.starts_at = form.starts_at  # type: ignore[assignment]  # checked above
        event.ends_at = form.ends_at or form.starts_at + timedelta(hours=2)  # type: ignore[operator]
        event.timezone = form.timezone
        s.add(event)
        s.flush()
        refresh_event(s, event.id)  # search text, venue, change counter


def _local_input(dt: datetime | None, timezone: str) -> str:
    if dt is None:
        return ""
    return dt.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def event_form_values(event_id: str | uuid.UUID) -> dict[str, str]:
    """An event's details as the edit form shows them (times as wall times in its own zone)."""
    eid = _parse_uuid(str(event_id))
    with _reading(None) as s:
        event = s.get(Event, eid) if eid else None
        if event is None:
            raise NotFound("We could not find that event.")
        category = s.get(Category, event.category_id) if event.category_id else None
        return {
            "title": event.title,
            "summary": event.summary,
            "description": event.description,
            "category": category.slug if category else "",
            "venue_id": str(event.location_id) if event.location_id else "",
            "image_id": str(event.image_id) if event.image_id else "",
            "starts_at": _local_input(event.starts_at, event.timezone),
            "ends_at": _local_input(event.ends_at, event.timezone),
            "timezone": event.timezone,
        }


def add_package_from_form(
    event_id: str,
    *,
    title: str,
    price: str = "",
    currency: str = "SEK",
    capacity: str = "",
    max_per_registration: str = "10",
    sales_opens_at: str = "",
    sales_closes_at: str = "",
    perks: str = "",
    description: str = "",
) -> str:
    """Add a package to an event from what an administrator typed: the price in major units ("249.50"),
    an empty capacity for unlimited seats, perks one per line, the sales window as wall times in the
    event's time zone. Returns the package id; InvalidInput per field, NotFound for an unknown event."""
    with session_scope(write=True) as s:
        eid = _parse_uuid(event_id)
        event = s.get(Event, eid) if eid else None
        if event is None:
            raise NotFound("We could not find that event.")
        if event.status == EventStatus.cancelled:
            raise InvalidInput({"form": "The event is cancelled; it cannot get new packages."})
        errors: dict[str, str] = {}
        currency = (currency or "").strip().upper()[:10] or "SEK"
        try:
            price_minor = parse_amount(price, currency)
        except ValueError:
            errors["price"] = "Enter the price as a number, e.g. 250 or 249.50."
            price_minor = 0
        cap = _form_int(capacity, "capacity", errors, "Capacity must be a whole number (empty = unlimited).")
        most = _form_int(
            max_per_registration, "max_per_registration", errors, "Enter a whole number of seats, e.g. 10."
        )
        opens = _form_time(sales_opens_at, event.timezone, "sales_opens_at", errors, "sales opening")
        closes = _form_time(sales_closes_at, event.timezone, "sales_closes_at", errors, "sales closing")
        perk_lines = [p for p in str(perks or "").splitlines() if p.strip()]
        if len(perk_lines) > 20:
            errors["perks"] = "At most 20 perks."
        try:
            package = add_package(
                s,
                event.id,
                title=title,
                price_minor=price_minor,
                currency=currency,
                description=(description or "").strip(),
                perks=perk_lines[:20],
                capacity=cap,
                max_per_registration=10 if most is None else most,
                sales_opens_at=opens,
                sales_closes_at=closes,
            )
        except InvalidInput as exc:
            renamed = {("price" if k == "price_minor" else k): v for k, v in exc.errors.items()}
            raise InvalidInput({**renamed, **errors}) from None
        if errors:
            raise InvalidInput(errors)
        return str(package.id)


# Called inside the status change's own transaction with (session, event, old status): e.g. registrations
# mails every ticket holder when an event is cancelled, so the change and its mails commit together.
on_status_change: list[Callable[[Session, Event, EventStatus], None]] = []


def set_status(event_id: str | uuid.UUID, status: str) -> str:
    """Publish, unpublish (back to draft) or cancel an event; returns the new status.

    An event someone holds seats or a waiting-list place for cannot go back to draft (cancel it instead),
    and a cancelled event stays cancelled. Cancelling keeps the registrations; sales stop at once.
    """
    from khala.registrations.models import ACTIVE, Registration  # registrations build on events, not back

    try:
        new = EventStatus(str(status))
    except ValueError:
        raise InvalidInput({"status": "Status must be draft, published or cancelled."}) from None
    eid = _parse_uuid(str(event_id))
    with session_scope(write=True) as s:
        event = s.get(Event, eid) if eid else None
        if event is None:
            raise NotFound("We could not find that event.")
        if event.status == new:
            return new.value
        if event.status == EventStatus.cancelled:
            raise Conflict("A cancelled event stays cancelled; create a new event instead.")
        if new == EventStatus.draft:
            holders = s.exec(
                select(func.count())
                .select_from(Registration)
                .where(Registration.event_id == event.id, col(Registration.status).in_(ACTIVE))
            ).one()
            if holders:
                raise Conflict(
                    f"{holders} registration(s) hold this event; it cannot go back to draft. Cancel it instead."
                )
        old = EventStatus(event.status)
        event.status = new
        event.seats_version += 1  # open pages re-read the event
        event.updated_at = utcnow()
        s.add(event)
        s.flush()
        for hook in on_status_change:
            hook(s, event, old)
    return new.value
