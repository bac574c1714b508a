"""Venues: plain functions, sessions opened here."""

from __future__ import annotations

import re

from sqlmodel import col, func, select

from khala.db import session_scope
from khala.errors import InvalidInput
from khala.locations.models import Location


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
) -> str:
    """Validate and store a venue; returns its id. InvalidInput with a message per field, also when a venue
    of that name already exists in that city."""
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
    if errors:
        raise InvalidInput(errors)
    with session_scope(write=True) as s:
        same = s.exec(
            select(Location.id).where(
                func.lower(col(Location.name)) == name.lower(), func.lower(col(Location.city)) == city.lower()
            )
        ).first()
        if same is not None:
            raise InvalidInput({"name": f"{name} in {city} already exists; choose it from the list."})
        location = Location(
            name=name, city=city, street=street, postal_code=postal_code, region=region, country=country
        )
        s.add(location)
        s.flush()
        return str(location.id)
