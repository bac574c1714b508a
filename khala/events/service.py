"""Changes to the catalogue: typed functions that hold every rule, each writing one audit entry.

``create_event``, ``update_event``, ``duplicate_event`` and the package functions are building blocks that
run in the caller's transaction (``<verb>(session, …)``; the caller commits); ``set_status`` opens its own
(categories live in ``categories.py``). Every
rule about what a valid event or package is lives here, once, with a message per field: the admin form
(``forms.py``) only turns text into values and calls these, the demo and the tests call them directly.

Lower domains never import upward: registrations react to status changes through the hook lists below,
connected in ``khala/wiring.py``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events.catalogue import normalise_text
from khala.events.models import Category, Event, EventStatus, Package
from khala.images.models import Image
from khala.lib import dates, money
from khala.lib.i18n import N_, ngettext
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.locations.models import Location

ADMIN_STATUSES = tuple(s.value for s in EventStatus)
STATUS_MESSAGE = N_("Status must be draft, published or cancelled.")
MAX_TITLE = 100
MAX_SUMMARY = 300
MAX_DESCRIPTION = 20_000
MAX_PACKAGE_DESCRIPTION = 300
MAX_PERK = 120
MAX_PERKS = 20
DEFAULT_LENGTH = timedelta(hours=2)
CHOOSE_CATEGORY = N_("Choose a category from the list.")
CHOOSE_VENUE = N_("Choose a venue from the list.")
CHOOSE_IMAGE = N_("Choose an image from the list (upload it under Images first).")

# The fields an edit can change (and the audit entry compares).
DETAIL_FIELDS = (
    "title",
    "summary",
    "description",
    "category_id",
    "location_id",
    "image_id",
    "starts_at",
    "ends_at",
    "timezone",
)
PACKAGE_FIELDS = (
    "event_id",
    "title",
    "description",
    "perks",
    "price_minor",
    "currency",
    "capacity",
    "max_per_registration",
    "sales_opens_at",
    "sales_closes_at",
    "position",
)
# What add_package and update_package take (the rest are set by the service).
PACKAGE_INPUT = tuple(f for f in PACKAGE_FIELDS if f not in ("event_id", "position"))
_STATUS_ACTION = {
    EventStatus.published: "event.published",
    EventStatus.draft: "event.unpublished",
    EventStatus.cancelled: "event.cancelled",
}

StatusHook = Callable[[Session, Event, EventStatus], None]
# Called inside the status change's own transaction, before anything changes, with (session, event, new
# status): a hook refuses the change by raising a DomainError (registrations: an event someone holds seats
# for cannot go back to draft).
before_status_change: list[StatusHook] = []
# Called inside the status change's own transaction with (session, event, old status): e.g. registrations
# mails every ticket holder when an event is cancelled, so the change and its mails commit together.
on_status_change: list[StatusHook] = []


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
    ascii_text = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "event"


def unique_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.exec(select(Event.id).where(Event.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _check_details(session: Session, d: dict[str, Any]) -> dict[str, str]:
    """Normalise the event's details in ``d`` in place; the errors by field (empty when all is well)."""
    errors: dict[str, str] = {}
    d["title"] = _one_line(d["title"])
    if not d["title"]:
        errors["title"] = _("A title is required.")
    elif len(d["title"]) > MAX_TITLE:
        errors["title"] = _("The title can be at most %(num)d characters.") % {"num": MAX_TITLE}
    d["summary"] = (d["summary"] or "").strip()
    if len(d["summary"]) > MAX_SUMMARY:
        errors["summary"] = _("The summary can be at most %(num)d characters.") % {"num": MAX_SUMMARY}
    d["description"] = d["description"] or ""
    if len(d["description"]) > MAX_DESCRIPTION:
        errors["description"] = _("The description can be at most %(num)d characters.") % {
            "num": MAX_DESCRIPTION
        }
    if not dates.is_timezone(d["timezone"]):
        errors["timezone"] = _("Unknown time zone '%(zone)s'. Use an IANA name such as %(example)s.") % {
            "zone": d["timezone"],
            "example": dates.default_timezone(),
        }
    starts, ends = d["starts_at"], d["ends_at"]
    if starts is None:
        errors["starts_at"] = _("A start date and time is required.")
    elif starts.tzinfo is None:
        errors["starts_at"] = _("A start time with a time zone is required.")
    elif ends is None:
        d["ends_at"] = starts + DEFAULT_LENGTH
    elif ends.tzinfo is None:
        errors["ends_at"] = _("An end time with a time zone is required.")
    elif ends < starts:
        errors["ends_at"] = _("The event cannot end before it starts.")
    if d["category_id"] is not None and session.get(Category, d["category_id"]) is None:
        errors["category_id"] = _(CHOOSE_CATEGORY)
    if d["location_id"] is not None and session.get(Location, d["location_id"]) is None:
        errors["location_id"] = _(CHOOSE_VENUE)
    if d["image_id"] is not None and session.get(Image, d["image_id"]) is None:
        errors["image_id"] = _(CHOOSE_IMAGE)
    return errors


def create_event(
    session: Session,
    *,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None = None,
    summary: str = "",
    description: str = "",
    category_id: int | None = None,
    location_id: uuid.UUID | None = None,
    image_id: uuid.UUID | None = None,
    timezone: str | None = None,
    status: EventStatus | str = EventStatus.draft,
    slug: str | None = None,
    actor: Actor,
) -> Event:
    """Validate and add an event to ``session`` (the caller commits), with one ``event.created`` entry.

    Without ``ends_at`` the event lasts two hours; ``timezone`` defaults to ``settings.default_timezone``.
    InvalidInput with a message per field.
    """
    timezone = timezone or dates.default_timezone()
    d = _given(DETAIL_FIELDS, locals())
    errors = _check_details(session, d)
    try:
        status = EventStatus(status)
    except ValueError:
        errors["status"] = _(STATUS_MESSAGE)
    if errors:
        raise InvalidInput(errors)
    event = Event(slug=unique_slug(session, slugify(slug or d["title"])), status=status, **d)
    session.add(event)
    session.flush()
    refresh_event(session, event.id)
    audit.record(
        session, actor, "event.created", event, audit.snapshot(event, ("slug", "status", *DETAIL_FIELDS))
    )
    return event


def update_event(
    session: Session,
    event_id: str | uuid.UUID,
    *,
    title: str = UNSET,
    starts_at: datetime | None = UNSET,
    ends_at: datetime | None = UNSET,
    summary: str = UNSET,
    description: str = UNSET,
    category_id: int | None = UNSET,
    location_id: uuid.UUID | None = UNSET,
    image_id: uuid.UUID | None = UNSET,
    timezone: str = UNSET,
    actor: Actor,
) -> Event:
    """Change the given details of an event (the rest stay) under the same rules as ``create_event``; the
    status changes through ``set_status``. Passing ``ends_at=None`` makes the event last two hours.

    Writes one ``event.updated`` entry with the before/after of the fields that changed (none when nothing
    did). InvalidInput per field, NotFound for an unknown event.
    """
    event = event_row(session, event_id)
    given = _given(DETAIL_FIELDS, locals())
    d = {k: getattr(event, k) if v is UNSET else v for k, v in given.items()}
    errors = _check_details(session, d)
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(event, DETAIL_FIELDS)
    for key, value in d.items():
        setattr(event, key, value)
    changes = audit.diff(before, audit.snapshot(event, DETAIL_FIELDS))
    if not changes:
        return event
    event.sequence += 1  # subscribed calendars pick the change up
    session.add(event)
    session.flush()
    refresh_event(session, event.id)  # search text, venue, change counter
    audit.record(session, actor, "event.updated", event, changes)
    return event


def _given(fields: tuple[str, ...], arguments: dict[str, Any]) -> dict[str, Any]:
    """``fields`` (``DETAIL_FIELDS`` or ``PACKAGE_INPUT``) among the arguments a create or update function
    passes as its ``locals()``: those tuples stay the one list of what a form may set."""
    return {name: arguments[name] for name in fields}


def _check_package(d: dict[str, Any]) -> dict[str, str]:
    """Normalise a package's values in ``d`` in place; the errors by field (empty when all is well)."""
    errors: dict[str, str] = {}
    d["title"] = title = _one_line(d["title"])
    if not title:
        errors["title"] = _("A package title is required.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The package title can be at most %(num)d characters.") % {"num": MAX_TITLE}
    d["description"] = description = (d["description"] or "").strip()
    if len(description) > MAX_PACKAGE_DESCRIPTION:
        errors["description"] = _("The description can be at most %(num)d characters.") % {
            "num": MAX_PACKAGE_DESCRIPTION
        }
    price_minor = d["price_minor"]
    if isinstance(price_minor, bool) or not isinstance(price_minor, int) or price_minor < 0:
        errors["price_minor"] = _("The price must be zero or more.")
    if not money.is_currency_code(d["currency"]):
        errors["currency"] = _("The currency must be a three-letter ISO code such as SEK.")
    capacity = d["capacity"]
    if capacity is not None and capacity < 0:
        errors["capacity"] = _("Capacity must be zero or more (leave empty for unlimited).")
    if d["max_per_registration"] < 1:
        errors["max_per_registration"] = _("At least one seat per registration must be allowed.")
    opens, closes = d["sales_opens_at"], d["sales_closes_at"]
    if opens and closes and closes <= opens:
        errors["sales_closes_at"] = _("Sales must close after they open.")
    d["perks"] = clean_perks = [_one_line(p) for p in d["perks"] if p and p.strip()]
    if len(clean_perks) > MAX_PERKS:
        errors["perks"] = _("At most %(num)d perks.") % {"num": MAX_PERKS}
    elif any(len(p) > MAX_PERK for p in clean_perks):
        errors["perks"] = _("Each perk can be at most %(num)d characters.") % {"num": MAX_PERK}
    return errors


def add_package(
    session: Session,
    event_id: uuid.UUID,
    *,
    title: str,
    price_minor: int = 0,
    currency: str | None = None,
    description: str = "",
    perks: Sequence[str] = (),
    capacity: int | None = None,
    max_per_registration: int = 10,
    sales_opens_at: datetime | None = None,
    sales_closes_at: datetime | None = None,
    position: int | None = None,
    actor: Actor,
) -> Package:
    """Validate and add a ticket tier to an event (the caller commits), with one ``package.created`` entry.

    ``currency`` defaults to ``settings.default_currency``; ``capacity`` None means unlimited seats.
    NotFound for an unknown event; InvalidInput per field, and for a cancelled event.
    """
    event = event_row(session, event_id)
    if event.status == EventStatus.cancelled:
        raise InvalidInput({"form": _("The event is cancelled; it cannot get new packages.")})
    currency = currency or money.default_currency()
    values = _given(PACKAGE_INPUT, locals())
    errors = _check_package(values)
    if errors:
        raise InvalidInput(errors)
    if position is None:
        position = session.exec(
            select(func.count()).select_from(Package).where(Package.event_id == event.id)
        ).one()
    package = Package(event_id=event.id, position=position, **values)
    session.add(package)
    session.flush()
    refresh_event(session, event.id)
    audit.record(session, actor, "package.created", package, audit.snapshot(package, PACKAGE_FIELDS))
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


def event_row(session: Session, event_id: object) -> Event:
    """The event with that id in ``session``; NotFound for an unknown (or malformed) id."""
    event = session.get(Event, parse_id(event_id, "event"))
    if event is None:
        raise NotFound(_("We could not find that event."))
    return event


def set_status(event_id: str | uuid.UUID, status: str, *, actor: Actor) -> str:
    """Publish, unpublish (back to draft) or cancel an event; returns the new status.

    A cancelled event stays cancelled; the ``before_status_change`` hooks may refuse a change (an event
    someone holds seats or a waiting-list place for cannot go back to draft: cancel it instead). Cancelling
    keeps the registrations; sales stop at once. Writes one ``event.published`` / ``event.unpublished`` /
    ``event.cancelled`` entry; setting the status it already has changes nothing and writes none.
    """
    try:
        new = EventStatus(str(status))
    except ValueError:
        raise InvalidInput({"status": _(STATUS_MESSAGE)}) from None
    with session_scope(write=True) as s:
        event = event_row(s, event_id)
        if event.status == new:
            return new.value
        if event.status == EventStatus.cancelled:
            raise Conflict(_("A cancelled event stays cancelled; create a new event instead."))
        for veto in before_status_change:
            veto(s, event, new)
        old = EventStatus(event.status)
        event.status = new
        event.seats_version += 1  # open pages re-read the event
        event.sequence += 1  # and subscribed calendars
        event.updated_at = utcnow()
        s.add(event)
        s.flush()
        audit.record(s, actor, _STATUS_ACTION[new], event, {"status": [old.value, new.value]})
        for hook in on_status_change:
            hook(s, event, old)
    return new.value


# Called inside the change's own transaction with (session, package id) when a package gains free seats
# (its capacity grew, or became unlimited): registrations moves its waiting list up.
on_seats_added: list[Callable[[Session, uuid.UUID], object]] = []


def package_row(session: Session, package_id: object, *, lock: bool = False) -> Package:
    """The package with that id; ``lock`` holds its row until the transaction ends (PostgreSQL: FOR NO KEY
    UPDATE, as registrations take seats, so the seats taken cannot move under a capacity check)."""
    query = select(Package).where(Package.id == parse_id(package_id, "package"))
    package = session.exec(query.with_for_update(key_share=True) if lock else query).first()
    if package is None:
        raise NotFound(_("We could not find that package."))
    if lock:
        session.refresh(package)
    return package


def update_package(
    session: Session,
    package_id: str | uuid.UUID,
    *,
    title: str = UNSET,
    price_minor: int = UNSET,
    currency: str = UNSET,
    description: str = UNSET,
    perks: Sequence[str] = UNSET,
    capacity: int | None = UNSET,
    max_per_registration: int = UNSET,
    sales_opens_at: datetime | None = UNSET,
    sales_closes_at: datetime | None = UNSET,
    actor: Actor,
) -> Package:
    """Change the given fields of a package (the rest stay) under ``add_package``'s rules; the capacity
    cannot go below the seats already taken. One entry: ``package.capacity_changed`` when only the capacity
    changed, else ``package.updated`` (none when nothing did). Freed seats go to the waiting list."""
    package = package_row(session, package_id, lock=True)
    given = _given(PACKAGE_INPUT, locals())
    d = {k: getattr(package, k) if v is UNSET else v for k, v in given.items()}
    errors = _check_package(d)
    if d["capacity"] is not None and "capacity" not in errors and d["capacity"] < package.taken:
        errors["capacity"] = ngettext(
            "%(num)d seat is already taken, so the capacity cannot be lower than %(num)d. "
            "To stop selling, close sales instead.",
            "%(num)d seats are already taken, so the capacity cannot be lower than %(num)d. "
            "To stop selling, close sales instead.",
            package.taken,
        ) % {"num": package.taken}
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(package, PACKAGE_FIELDS)
    old_capacity = package.capacity
    for key, value in d.items():
        setattr(package, key, value)
    changes = audit.diff(before, audit.snapshot(package, PACKAGE_FIELDS))
    if not changes:
        return package
    session.add(package)
    session.flush()
    refresh_event(session, package.event_id)
    action = "package.capacity_changed" if set(changes) == {"capacity"} else "package.updated"
    audit.record(session, actor, action, package, changes)
    if old_capacity is not None and (package.capacity is None or package.capacity > old_capacity):
        for hook in on_seats_added:
            hook(session, package.id)
    return package


def delete_package(session: Session, package_id: str | uuid.UUID, *, actor: Actor) -> None:
    """Remove a package nobody ever registered for (Conflict otherwise, even when every registration was
    cancelled: they are its history; close its sales instead); writes ``package.deleted``."""
    from_db = package_row(session, package_id)
    title, event_id = from_db.title, from_db.event_id  # a failed flush expires the row
    snapshot = audit.snapshot(from_db, PACKAGE_FIELDS)
    audit.record(session, actor, "package.deleted", from_db, data=snapshot)
    session.delete(from_db)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(
            _("People have registered for “%(title)s”, so it cannot be deleted; close its sales instead.")
            % {"title": title}
        ) from None
    refresh_event(session, event_id)


def close_sales(
    session: Session, package_id: str | uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> Package:
    """Stop selling a package now (its sales close at ``now``; seats taken stay); ``package.sales_closed``.
    A package whose sales have already closed stays as it is, and nothing is written."""
    package = package_row(session, package_id)
    now = now or utcnow()
    if package.sales_closes_at is not None and package.sales_closes_at <= now:
        return package
    before = audit.snapshot(package, ("sales_opens_at", "sales_closes_at"))
    if package.sales_opens_at is not None and package.sales_opens_at >= now:
        package.sales_opens_at = None  # never opened: closed from now on
    package.sales_closes_at = now
    session.add(package)
    session.flush()
    refresh_event(session, package.event_id)  # open pages re-read the sales state
    changes = audit.diff(before, audit.snapshot(package, ("sales_opens_at", "sales_closes_at")))
    audit.record(session, actor, "package.sales_closed", package, changes)
    return package


def packages_of(session: Session, event_id: uuid.UUID) -> list[Package]:
    """An event's packages in their order."""
    return list(
        session.exec(
            select(Package)
            .where(Package.event_id == event_id)
            .order_by(col(Package.position), col(Package.id))
        ).all()
    )


def reorder_packages(
    session: Session, event_id: str | uuid.UUID, package_ids: Sequence[str | uuid.UUID], *, actor: Actor
) -> list[Package]:
    """Show an event's packages in the order of ``package_ids`` (every one of its packages, once);
    ``event.packages_reordered`` with the order before and after (nothing when it is the same)."""
    event = event_row(session, event_id)
    packages = packages_of(session, event.id)
    current = [str(p.id) for p in packages]
    wanted = [str(p) for p in package_ids]
    if sorted(wanted) != sorted(current):
        raise InvalidInput({"form": _("The new order must list each of the event's packages once.")})
    by_id = {str(p.id): p for p in packages}
    moved = [by_id[pid] for pid in wanted]
    if wanted == current and [p.position for p in moved] == list(range(len(moved))):
        return moved
    for position, package in enumerate(moved):
        package.position = position
        session.add(package)
    session.flush()
    refresh_event(session, event.id)
    if wanted != current:
        audit.record(session, actor, "event.packages_reordered", event, {"packages": [current, wanted]})
    return moved


def delete_event(session: Session, event_id: str | uuid.UUID, *, actor: Actor) -> None:
    """Remove an event nobody ever registered for, with its packages (Conflict otherwise: cancel it
    instead); writes ``event.deleted``."""
    event = event_row(session, event_id)
    audit.record(
        session, actor, "event.deleted", event, data=audit.snapshot(event, ("slug", "status", *DETAIL_FIELDS))
    )
    try:
        for package in session.exec(select(Package).where(Package.event_id == event.id)).all():
            session.delete(package)
        session.flush()  # the packages first (no ORM relationship tells the flush that order)
        session.delete(event)
        session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(
            _("People have registered for this event; it cannot be deleted. Cancel it instead.")
        ) from None


def refresh_events_at(session: Session, location_id: uuid.UUID) -> None:
    """A venue changed (its name or city): the catalogue columns of its events follow."""
    for eid in session.exec(select(Event.id).where(Event.location_id == location_id)).all():
        refresh_event(session, eid)
