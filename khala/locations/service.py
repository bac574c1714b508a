"""Venues: create and list them, and the two ways a venue is shown (its address line and its map link).

``address_line`` and ``map_url`` are the one place a venue becomes text or a link, for the event page, the
calendar file and the mails alike. The map provider is OpenStreetMap; links are built from the coordinates
or the address, never from an id.
"""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import quote_plus

from sqlmodel import Session, col, func, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import InvalidInput
from khala.locations.models import Location

FIELDS = ("name", "street", "postal_code", "city", "region", "country", "latitude", "longitude")
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
    name, city, street = _line(name), _line(city), _line(street)
    postal_code, region = _line(postal_code), _line(region)
    country = _line(country).upper() or "SE"
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "A venue name is required."
    elif len(name) > 120:
        errors["name"] = "The name can be at most 120 characters."
    if not city:
        errors["city"] = "A city is required."
    elif len(city) > 100:
        errors["city"] = "The city can be at most 100 characters."
    if len(street) > 200:
        errors["street"] = "The street address can be at most 200 characters."
    if len(postal_code) > 20:
        errors["postal_code"] = "The postal code can be at most 20 characters."
    if len(region) > 100:
        errors["region"] = "The region can be at most 100 characters."
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = "Use a two-letter country code such as SE."
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = "The latitude must be between -90 and 90."
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = "The longitude must be between -180 and 180."
    if errors:
        raise InvalidInput(errors)
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
        raise InvalidInput({"name": f"{name} in {city} already exists; choose it from the list."})
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
