"""The admin dashboard's reads: counts for the overview, the list of every event (drafts included), and
which events use a venue, an image or a category (the deletion guards and the admin lists)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from khala.db import utcnow
from khala.errors import InvalidInput
from khala.events.catalogue import MAX_PAGE_SIZE, check_query, reading, text_conditions
from khala.events.models import Event, EventStatus, Package
from khala.events.service import ADMIN_STATUSES, STATUS_MESSAGE
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.lib.usage import EXAMPLES, Usage
from khala.locations.models import Location

# The admin list's sort keys (each ascending or descending).
SORTS = ("starts", "title", "status", "venue", "seats", "price")
SORT_MESSAGE = N_("Sort by starts, title, status, venue, seats or price.")


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
    with reading(session) as s:
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


def list_events_admin(
    text: str | None = None,
    status: str | None = None,
    page: int | str = 1,
    page_size: int | str = 25,
    *,
    sort: str = "starts",
    descending: bool = True,
    session: Session | None = None,
) -> Page[AdminEventRow]:
    """One page of every event (drafts and cancelled included), latest start first unless ``sort`` (one of
    ``SORTS``) and ``descending`` say otherwise; ties go by start, then id."""
    text = check_query(text)
    if status and status not in ADMIN_STATUSES:
        raise InvalidInput({"status": _(STATUS_MESSAGE)})
    if sort not in SORTS:
        raise InvalidInput({"sort": _(SORT_MESSAGE)})
    key: Any = {
        "starts": col(Event.starts_at),
        "title": func.lower(col(Event.title)),
        "status": col(Event.status),
        "venue": func.lower(col(Location.name)),
        "seats": col(Event.seats_taken),
        "price": col(Event.min_price_minor),
    }[sort]
    order = [(key.desc() if descending else key.asc()).nulls_last()]
    if sort != "starts":
        order.append(col(Event.starts_at).desc())
    size = clamp_page_size(page_size, default=25, maximum=MAX_PAGE_SIZE)
    conditions: list[sa.ColumnElement[bool]] = [col(Event.status) == status] if status else []
    conditions += text_conditions(text)
    package_count = (
        select(func.count())
        .select_from(Package)
        .where(col(Package.event_id) == col(Event.id))
        .scalar_subquery()
    )
    with reading(session) as s:
        total = s.exec(select(func.count()).select_from(Event).where(*conditions)).one()
        current = clamp_page(page, total, size)
        rows = s.exec(
            select(Event, Location, package_count)
            .where(*conditions)
            .join(Location, col(Event.location_id) == col(Location.id), isouter=True)
            .order_by(*order, col(Event.id))
            .offset(offset_of(current, size))
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
    return Page(items=items, total=total, page=current, page_size=size)


# ---------------------------------------------------------------------------------------------------------
# Where venues, images and categories are used (hooks of locations and images, connected in wiring.py)

_EXAMPLE_ROWS = 500  # events read for the examples of one batch of ids (the counts are exact)


_STATUS_LABELS = {
    EventStatus.draft.value: N_("%(title)s (draft)"),
    EventStatus.cancelled.value: N_("%(title)s (cancelled)"),
}


def _label(title: str, status: str) -> str:
    """An event as a usage example: its title, with its status when it is not published."""
    if status == EventStatus.published.value:
        return title
    label = _STATUS_LABELS.get(status)
    return _(label) % {"title": title} if label else f"{title} ({status})"


def _events_by(session: Session, column: Any, ids: Iterable[Any]) -> dict[Any, Usage]:
    keys = list(dict.fromkeys(ids))
    if not keys:
        return {}
    counts = session.exec(select(column, func.count()).where(column.in_(keys)).group_by(column)).all()
    rows = session.exec(
        select(column, Event.title, Event.status)
        .where(column.in_(keys))
        .order_by(col(Event.starts_at).desc(), col(Event.id))
        .limit(_EXAMPLE_ROWS)
    ).all()
    examples: dict[Any, list[str]] = {}
    for key, title, status in rows:
        shown = examples.setdefault(key, [])
        if len(shown) < EXAMPLES:
            shown.append(_label(title, str(status)))
    return {key: Usage(int(n), tuple(examples.get(key, ()))) for key, n in counts}


def events_at_locations(session: Session, location_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Usage]:
    """The events at each venue (``locations.service.users_of``)."""
    return _events_by(session, col(Event.location_id), location_ids)


def events_showing_images(session: Session, image_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Usage]:
    """The events showing each image (``images.service.users_of``)."""
    return _events_by(session, col(Event.image_id), image_ids)


def events_in_categories(session: Session, category_ids: Iterable[int]) -> dict[int, Usage]:
    """The events in each category."""
    return _events_by(session, col(Event.category_id), category_ids)
