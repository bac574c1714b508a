"""Venues: create and list them, and the two ways a venue is shown (its address line and its map link).

``address_line`` and ``map_url`` are the one place a venue becomes text or a link, for the event page, the
calendar file and the mails alike. The map provider is OpenStreetMap; links are built from the coordinates
or the address, never from an id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote_plus

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.lib.usage import Usage, events_phrase, merged
from khala.locations.models import Location

ADDRESS_FIELDS = ("street", "postal_code", "city", "region", "country", "latitude", "longitude")
FIELDS = ("name", *ADDRESS_FIELDS)
_MAP = "https://www.openstreetmap.org"


class Place(Protocol):
    """What the address line and the map link read: a Location row, or any object with these fields."""

    name: str
    street: str
    postal_code: str
    city: str
    region: str
    latitude: float | None
    longitude: float | None


def _line(value: str | None) -> str:
    return " ".join(str(value or "").split())


def _check(d: dict[str, Any]) -> dict[str, str]:
    """Normalise a venue's values in ``d`` in place; the errors by field (empty when all is well)."""
    for key in ("name", "city", "street", "postal_code", "region"):
        d[key] = _line(d[key])
    d["country"] = _line(d["country"]).upper() or "SE"
    name, city, latitude, longitude = d["name"], d["city"], d["latitude"], d["longitude"]
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("A venue name is required.")
    elif len(name) > 120:
        errors["name"] = _("The name can be at most %(num)d characters.") % {"num": 120}
    if not city:
        errors["city"] = _("A city is required.")
    elif len(city) > 100:
        errors["city"] = _("The city can be at most %(num)d characters.") % {"num": 100}
    if len(d["street"]) > 200:
        errors["street"] = _("The street address can be at most %(num)d characters.") % {"num": 200}
    if len(d["postal_code"]) > 20:
        errors["postal_code"] = _("The postal code can be at most %(num)d characters.") % {"num": 20}
    if len(d["region"]) > 100:
        errors["region"] = _("The region can be at most %(num)d characters.") % {"num": 100}
    if not re.fullmatch(r"[A-Z]{2}", d["country"]):
        errors["country"] = _("Use a two-letter country code such as SE.")
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = _("The latitude must be between -90 and 90.")
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = _("The longitude must be between -180 and 180.")
    return errors


def create_location(
    *,
    name: str,
    city: str,
    street: str = "",
    postal_code: str = "",
    region: str = "",
    country: str = "SE",
    latitude: float | None = None,
    longitude: float | None = None,
    actor: Actor,
    session: Session | None = None,
) -> str:
    """Validate and store a venue; returns its id. InvalidInput with a message per field, also when a venue
    of that name already exists in that city. Writes one ``location.created`` audit entry.

    With ``session`` the venue joins the caller's transaction (the caller commits); without, it commits here.
    """
    d: dict[str, Any] = {
        "name": name,
        "city": city,
        "street": street,
        "postal_code": postal_code,
        "region": region,
        "country": country,
        "latitude": latitude,
        "longitude": longitude,
    }
    errors = _check(d)
    if errors:
        raise InvalidInput(errors)
    name, city, street, postal_code = d["name"], d["city"], d["street"], d["postal_code"]
    region, country = d["region"], d["country"]
    if session is None:
        with session_scope(write=True) as s:
            return _store(s, actor, name, city, street, postal_code, region, country, latitude, longitude)
    return _store(session, actor, name, city, street, postal_code, region, country, latitude, longitude)


def _store(
    s: Session,
    actor: Actor,
    name: str,
    city: str,
    street: str,
    postal_code: str,
    region: str,
    country: str,
    latitude: float | None,
    longitude: float | None,
) -> str:
    if find_location(s, name=name, city=city) is not None:
        raise InvalidInput(
            {
                "name": _("%(name)s in %(city)s already exists; choose it from the list.")
                % {"name": name, "city": city}
            }
        )
    location = Location(
        name=name,
        city=city,
        street=street,
        postal_code=postal_code,
        region=region,
        country=country,
        latitude=latitude,
        longitude=longitude,
    )
    s.add(location)
    s.flush()
    audit.record(s, actor, "location.created", location, audit.snapshot(location, FIELDS))
    return str(location.id)


def find_location(session: Session, *, name: str, city: str) -> Location | None:
    """The venue of that name in that city (case-insensitive), if there is one."""
    return session.exec(
        select(Location).where(
            func.lower(col(Location.name)) == _line(name).lower(),
            func.lower(col(Location.city)) == _line(city).lower(),
        )
    ).first()


def list_venues() -> list[tuple[str, str]]:
    """(id, "name, city") of every venue, by name (the event form's choices)."""
    with session_scope() as s:
        rows = s.exec(select(Location).order_by(col(Location.name), col(Location.city)).limit(1000)).all()
    return [(str(loc.id), f"{loc.name}, {loc.city}" if loc.city else loc.name) for loc in rows]


def address_line(location: Place | None, *, with_name: bool = False) -> str:
    """``"Storgatan 1, 111 11 Stockholm"`` (street, postal code and city, the region when it is not the
    city); ``with_name`` puts the venue's name first. None → ``""``."""
    if location is None:
        return ""
    town = " ".join(p for p in (location.postal_code, location.city) if p)
    region = location.region if location.region != location.city else ""
    parts = [location.name if with_name else "", location.street, town, region]
    return ", ".join(p for p in parts if p)


def map_url(location: Place | None) -> str:
    """An OpenStreetMap link: a pin at the coordinates when known, else a search for the address."""
    if location is None:
        return ""
    lat, lon = location.latitude, location.longitude
    if lat is not None and lon is not None:
        return f"{_MAP}/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    query = address_line(location, with_name=True)
    return f"{_MAP}/search?query={quote_plus(query)}" if query else ""


# ---------------------------------------------------------------------------------------------------------
# Reading, changing and removing venues (the REST API; the same rules as creating one).

# Called inside an update's transaction with (session, location id): the events at the venue refresh their
# catalogue columns (its name and city are searchable). Connected in khala/wiring.py.
on_location_change: list[Callable[[Session, uuid.UUID], object]] = []
# Called with (session, venue ids): what uses each venue, as {id: Usage} (the events at it). A venue in use
# cannot be deleted; the admin list shows the usage. Connected in khala/wiring.py.
users_of: list[Callable[[Session, list[uuid.UUID]], Mapping[uuid.UUID, Usage]]] = []


@dataclass(frozen=True)
class Address:
    """Where a venue is (``ADDRESS_FIELDS``): a venue's view, an event's detail and a demo venue carry it."""

    street: str
    postal_code: str
    city: str
    region: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float | None
    longitude: float | None


def address_of(place: object | None) -> dict[str, Any]:
    """The ``Address`` fields of a venue (a Location row, a view, a demo venue); blank ones for None."""
    if place is None:
        return {f: None if f in ("latitude", "longitude") else "" for f in ADDRESS_FIELDS}
    return {f: getattr(place, f) for f in ADDRESS_FIELDS}


@dataclass(frozen=True)
class LocationView(Address):
    id: str
    name: str
    address: str
    map_url: str


def view(location: Location) -> LocationView:
    return LocationView(
        id=str(location.id),
        name=location.name,
        **address_of(location),
        address=address_line(location),
        map_url=map_url(location),
    )


def _row(session: Session, location_id: object) -> Location:
    location = session.get(Location, parse_id(location_id, "venue"))
    if location is None:
        raise NotFound(_("We could not find that venue."))
    return location


def _page_of(
    s: Session, conditions: Sequence[Any], order: Sequence[Any], page: object, size: int
) -> tuple[Sequence[Location], int, int]:
    """One page of the venues that meet ``conditions``, in ``order``: (rows, total, page number)."""
    total = s.exec(select(func.count()).select_from(Location).where(*conditions)).one()
    number = clamp_page(page, total, size)
    rows = s.exec(
        select(Location).where(*conditions).order_by(*order).offset(offset_of(number, size)).limit(size)
    ).all()
    return rows, total, number


def list_locations(
    *, city: str | None = None, page: object = 1, page_size: object = 50
) -> Page[LocationView]:
    """One page of venues by name (and city), optionally in one city (case-insensitive)."""
    size = clamp_page_size(page_size)
    conditions = [func.lower(col(Location.city)) == _line(city).lower()] if city else []
    order = (col(Location.name), col(Location.city), col(Location.id))
    with session_scope() as s:
        rows, total, number = _page_of(s, conditions, order, page, size)
        return Page(items=[view(r) for r in rows], total=total, page=number, page_size=size)


def get_location(location_id: str | uuid.UUID) -> LocationView:
    with session_scope() as s:
        return view(_row(s, location_id))


def update_location(location_id: str | uuid.UUID, *, actor: Actor, **fields: Any) -> LocationView:
    """Change the given fields of a venue (the rest stay) under ``create_location``'s rules; writes one
    ``location.updated`` entry (none when nothing changed). InvalidInput per field, NotFound."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise InvalidInput({k: _("This field does not exist.") for k in sorted(unknown)})
    with session_scope(write=True) as s:
        location = _row(s, location_id)
        d = {k: fields.get(k, getattr(location, k)) for k in FIELDS}
        errors = _check(d)
        if errors:
            raise InvalidInput(errors)
        same = find_location(s, name=d["name"], city=d["city"])
        if same is not None and same.id != location.id:
            raise InvalidInput(
                {"name": _("%(name)s in %(city)s already exists.") % {"name": d["name"], "city": d["city"]}}
            )
        before = audit.snapshot(location, FIELDS)
        for key, value in d.items():
            setattr(location, key, value)
        changes = audit.diff(before, audit.snapshot(location, FIELDS))
        if changes:
            s.add(location)
            s.flush()
            audit.record(s, actor, "location.updated", location, changes)
            for hook in on_location_change:
                hook(s, location.id)
        return view(location)


def _usage(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Usage]:
    return merged(ids, (hook(session, ids) for hook in users_of))


@dataclass(frozen=True)
class VenueRow:
    """A venue as the admin list shows it: its fields and what uses it."""

    venue: LocationView
    usage: Usage


def list_venues_in_use(
    *, query: str | None = None, page: object = 1, page_size: object = 25
) -> Page[VenueRow]:
    """One page of venues by name and city, each with what uses it; ``query`` matches (part of) the name,
    street or city, case-insensitively."""
    size = clamp_page_size(page_size)
    text = _line(query).lower()[:100]
    conditions = []
    if text:
        conditions.append(
            func.lower(col(Location.name)).contains(text, autoescape=True)
            | func.lower(col(Location.city)).contains(text, autoescape=True)
            | func.lower(col(Location.street)).contains(text, autoescape=True)
        )
    order = (func.lower(col(Location.name)), func.lower(col(Location.city)), col(Location.id))
    with session_scope() as s:
        rows, total, number = _page_of(s, conditions, order, page, size)
        usage = _usage(s, [r.id for r in rows])
        items = [VenueRow(view(r), usage[r.id]) for r in rows]
    return Page(items=items, total=total, page=number, page_size=size)


def delete_location(location_id: str | uuid.UUID, *, actor: Actor) -> None:
    """Remove a venue nothing uses (Conflict naming the events at it otherwise); writes
    ``location.deleted``."""
    with session_scope(write=True) as s:
        location = _row(s, location_id)
        usage = _usage(s, [location.id])[location.id]
        if usage:
            raise Conflict(
                _(
                    "%(name)s is the venue of %(events)s (%(titles)s); "
                    "move them to another venue before deleting it."
                )
                % {"name": location.name, "events": events_phrase(usage.count), "titles": usage.text()}
            )
        audit.record(s, actor, "location.deleted", location, data=audit.snapshot(location, FIELDS))
        s.delete(location)
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(
                _("Events take place at this venue; move them elsewhere before deleting it.")
            ) from None
