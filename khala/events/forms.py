"""The admin dashboard's event and package forms: what a person typed, turned into values.

Forms only parse (wall times in the event's zone, prices in major units, a category slug, a venue id) and
then call the typed functions in ``service.py``, which hold every rule. Errors come back by the form's own
field names, the parse errors and the rule errors together, so a person sees every problem at once; when
anything is wrong nothing is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import NotRequired, TypedDict, Unpack
from zoneinfo import ZoneInfoNotFoundError

from sqlmodel import Session, select

from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import InvalidInput, NotFound
from khala.events import service
from khala.events.catalogue import reading
from khala.events.models import Category, EventStatus
from khala.lib import dates, money
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id

# A typed function's field → the form field that shows its message.
_FORM_FIELD = {"category_id": "category", "location_id": "venue_id", "price_minor": "price"}
_TIMES = ("starts_at", "ends_at")


def _merge(rule_errors: Mapping[str, str], parse_errors: dict[str, str], skip: tuple[str, ...] = ()) -> dict:
    """The rule errors under the form's names, minus fields the form could not read (``skip``, or a parse
    error of its own, which says more)."""
    renamed = {_FORM_FIELD.get(k, k): v for k, v in rule_errors.items() if k not in skip}
    return {**renamed, **parse_errors}


def _time(
    value: str | None, timezone: str, field: str, errors: dict[str, str], label: str
) -> datetime | None:
    try:
        return dates.parse_local_datetime(value, timezone)
    except (ValueError, ZoneInfoNotFoundError):
        errors[field] = _("Enter the %(label)s as a date and time, e.g. 2026-12-01 19:00.") % {
            "label": _(label)
        }
        return None


def _id(text: str) -> uuid.UUID | None:
    try:
        return parse_id(text, "choice")
    except NotFound:
        return None


def _whole(value: str | int | None, field: str, errors: dict[str, str], message: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,9}", text):
        errors[field] = message
        return None
    return int(text)


def _amount_text(minor: int, currency: str) -> str:
    """Minor units as the price field takes them back: ``24950`` SEK → ``"249.50"``, ``25000`` → ``"250"``."""
    places = money.exponent(currency)
    whole, frac = divmod(minor, 10**places) if places else (minor, 0)
    return f"{whole}.{str(frac).rjust(places, '0')}" if frac else str(whole)


def _chosen(s: Session, *, category: str, venue_id: str, image_id: str, errors: dict[str, str]) -> dict:
    """The category slug and the venue and image ids as the typed values (None when left empty)."""
    category_id = None
    if category:
        category_id = s.exec(select(Category.id).where(Category.slug == str(category)[:60])).first()
        if category_id is None:
            errors["category"] = _(service.CHOOSE_CATEGORY)
    location_id = _id(venue_id) if venue_id else None
    if venue_id and location_id is None:
        errors["venue_id"] = _(service.CHOOSE_VENUE)
    picture = _id(image_id) if image_id else None
    if image_id and picture is None:
        errors["image_id"] = _(service.CHOOSE_IMAGE)
    return {"category_id": category_id, "location_id": location_id, "image_id": picture}


class EventFormFields(TypedDict):
    """The event form's fields as typed (the same for creating and editing an event)."""

    title: str
    starts_at: str
    ends_at: NotRequired[str]
    timezone: NotRequired[str]  # empty: settings.default_timezone
    summary: NotRequired[str]
    description: NotRequired[str]
    category: NotRequired[str]  # a category slug
    venue_id: NotRequired[str]
    image_id: NotRequired[str]  # an uploaded image


def _read_event_form(s: Session, f: EventFormFields) -> tuple[dict, dict[str, str], tuple[str, ...]]:
    """(typed values, parse errors by form field, typed fields the form could not read)."""
    errors: dict[str, str] = {}
    zone = (f.get("timezone") or "").strip()[:64] or dates.default_timezone()
    skip: tuple[str, ...] = ()
    starts = ends = None
    if dates.is_timezone(zone):  # wall times can only be read in a known zone
        starts = _time(f["starts_at"], zone, "starts_at", errors, N_("start"))
        ends = _time(f.get("ends_at"), zone, "ends_at", errors, N_("end"))
    else:
        skip = _TIMES
    chosen = _chosen(
        s,
        category=f.get("category") or "",
        venue_id=f.get("venue_id") or "",
        image_id=f.get("image_id") or "",
        errors=errors,
    )
    values = {
        "title": f["title"] or "",
        "summary": f.get("summary") or "",
        "description": f.get("description") or "",
        "starts_at": starts,
        "ends_at": ends,
        "timezone": zone,
        **chosen,
    }
    return values, errors, skip


def create_event_from_form(
    *, status: str = EventStatus.draft.value, actor: Actor, **fields: Unpack[EventFormFields]
) -> str:
    """Create an event from what an administrator typed; times are wall times in the form's time zone.
    Category, venue and image are optional. Returns the new event's id; InvalidInput with a message per
    field."""
    with session_scope(write=True) as s:
        values, errors, skip = _read_event_form(s, fields)
        try:
            event = service.create_event(s, status=str(status), actor=actor, **values)
        except InvalidInput as exc:
            raise InvalidInput(_merge(exc.errors, errors, skip)) from None
        if errors:
            raise InvalidInput(errors)  # rolls the event back
        return str(event.id)


def update_event_from_form(
    event_id: str | uuid.UUID, *, actor: Actor, **fields: Unpack[EventFormFields]
) -> None:
    """Change an event's details from what an administrator typed (the same fields as creating one; every
    field is taken as given, an empty end means two hours). InvalidInput per field, NotFound for an unknown
    event."""
    with session_scope(write=True) as s:
        values, errors, skip = _read_event_form(s, fields)
        try:
            service.update_event(s, event_id, actor=actor, **values)
        except InvalidInput as exc:
            raise InvalidInput(_merge(exc.errors, errors, skip)) from None
        if errors:
            raise InvalidInput(errors)


def event_form_values(event_id: str | uuid.UUID) -> dict[str, str]:
    """An event's details as the edit form shows them (times as wall times in its own zone)."""
    with reading(None) as s:
        event = service.event_row(s, event_id)
        category = s.get(Category, event.category_id) if event.category_id else None
        return {
            "title": event.title,
            "summary": event.summary,
            "description": event.description,
            "category": category.slug if category else "",
            "venue_id": str(event.location_id) if event.location_id else "",
            "image_id": str(event.image_id) if event.image_id else "",
            "starts_at": dates.local_input(event.starts_at, event.timezone),
            "ends_at": dates.local_input(event.ends_at, event.timezone),
            "timezone": event.timezone,
        }


class PackageFormFields(TypedDict):
    """The package form's fields as typed (the same for adding and editing a package)."""

    title: str
    price: NotRequired[str]  # major units, "249.50"; empty = free
    currency: NotRequired[str]  # empty: settings.default_currency
    capacity: NotRequired[str]  # empty = unlimited
    max_per_registration: NotRequired[str]
    sales_opens_at: NotRequired[str]  # wall time in the event's zone; empty = now
    sales_closes_at: NotRequired[str]  # empty = when the event starts
    perks: NotRequired[str]  # one per line
    description: NotRequired[str]


def _read_package_form(timezone: str, f: PackageFormFields) -> tuple[dict, dict[str, str]]:
    """(typed values for ``service.add_package``/``update_package``, parse errors by form field)."""
    errors: dict[str, str] = {}
    code = (f.get("currency") or "").strip().upper()[:10] or money.default_currency()
    try:
        price_minor = money.parse_amount(f.get("price") or "", code)
    except ValueError:
        errors["price"] = _("Enter the price as a number, e.g. 250 or 249.50.")
        price_minor = 0
    cap = _whole(
        f.get("capacity"), "capacity", errors, _("Capacity must be a whole number (empty = unlimited).")
    )
    most = _whole(
        f.get("max_per_registration", "10"),
        "max_per_registration",
        errors,
        _("Enter a whole number of seats, e.g. 10."),
    )
    values = {
        "title": f["title"],
        "price_minor": price_minor,
        "currency": code,
        "description": f.get("description") or "",
        "perks": str(f.get("perks") or "").splitlines(),
        "capacity": cap,
        "max_per_registration": 10 if most is None else most,
        "sales_opens_at": _time(
            f.get("sales_opens_at"), timezone, "sales_opens_at", errors, N_("sales opening")
        ),
        "sales_closes_at": _time(
            f.get("sales_closes_at"), timezone, "sales_closes_at", errors, N_("sales closing")
        ),
    }
    return values, errors


def add_package_from_form(event_id: str, *, actor: Actor, **fields: Unpack[PackageFormFields]) -> str:
    """Add a package to an event from what an administrator typed: the price in major units ("249.50"; the
    currency's own decimals), an empty capacity for unlimited seats, perks one per line, the sales window as
    wall times in the event's time zone. Returns the package id; InvalidInput per field, NotFound for an
    unknown event."""
    with session_scope(write=True) as s:
        event = service.event_row(s, event_id)
        values, errors = _read_package_form(event.timezone, fields)
        try:
            package = service.add_package(s, event.id, actor=actor, **values)
        except InvalidInput as exc:
            raise InvalidInput(_merge(exc.errors, errors)) from None
        if errors:
            raise InvalidInput(errors)
        return str(package.id)


def update_package_from_form(package_id: str, *, actor: Actor, **fields: Unpack[PackageFormFields]) -> None:
    """Change a package from what an administrator typed (the add form's fields, every one taken as given):
    ``service.update_package``'s rules, so the capacity cannot go below the seats taken, and a raised
    capacity moves the waiting list up at once. InvalidInput per field, NotFound for an unknown package."""
    with session_scope(write=True) as s:
        package = service.package_row(s, package_id)
        event = service.event_row(s, package.event_id)
        values, errors = _read_package_form(event.timezone, fields)
        try:
            service.update_package(s, package.id, actor=actor, **values)
        except InvalidInput as exc:
            raise InvalidInput(_merge(exc.errors, errors)) from None
        if errors:
            raise InvalidInput(errors)


def package_form_values(package_id: str) -> dict[str, str]:
    """A package as the edit form shows it: the price in major units, wall times in the event's zone."""
    with reading(None) as s:
        package = service.package_row(s, package_id)
        event = service.event_row(s, package.event_id)
        return {
            "title": package.title,
            "price": _amount_text(package.price_minor, package.currency),
            "currency": package.currency,
            "capacity": "" if package.capacity is None else str(package.capacity),
            "max_per_registration": str(package.max_per_registration),
            "sales_opens_at": dates.local_input(package.sales_opens_at, event.timezone),
            "sales_closes_at": dates.local_input(package.sales_closes_at, event.timezone),
            "perks": "\n".join(package.perks or []),
            "description": package.description,
        }
