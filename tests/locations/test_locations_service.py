"""Venues: created once per name and city with one audit entry, shown by one address line and one map link."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import InvalidInput
from khala.locations import service as locations
from khala.locations.models import Location

ADA = Actor("user", uuid.uuid4(), "ada@example.com")


def test_create_location_writes_location_created_with_its_actor(db) -> None:
    venue_id = locations.create_location(
        name=" Södra  Teatern ", city="Stockholm", street="Mosebacke torg 1", country="se", actor=ADA
    )
    with session_scope() as s:
        [entry] = s.exec(select(AuditEntry)).all()
        venue = s.get(Location, uuid.UUID(venue_id))
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "location.created",
        ADA.id,
        "location",
        venue_id,
    )
    assert entry.changes["name"] == "Södra Teatern" and entry.changes["country"] == "SE"
    assert venue.name == "Södra Teatern"
    assert locations.list_venues() == [(venue_id, "Södra Teatern, Stockholm")]


def test_refused_venues_write_nothing(db) -> None:
    locations.create_location(name="Södra Teatern", city="Stockholm", actor=ADA)
    with pytest.raises(InvalidInput) as err:
        locations.create_location(name="södra teatern", city="STOCKHOLM", actor=ADA)
    assert set(err.value.errors) == {"name"}
    with pytest.raises(InvalidInput) as err:
        locations.create_location(
            name="", city="", country="Sweden", postal_code="1" * 21, latitude=91, actor=ADA
        )
    assert set(err.value.errors) == {"name", "city", "country", "postal_code", "latitude"}
    with session_scope() as s:
        assert len(s.exec(select(AuditEntry)).all()) == 1
        assert len(s.exec(select(Location)).all()) == 1


def test_inside_a_callers_transaction(db) -> None:
    with pytest.raises(RuntimeError), session_scope(write=True) as s:
        locations.create_location(name="Hall", city="Oslo", actor=ADA, session=s)
        assert locations.find_location(s, name="HALL", city="oslo") is not None
        raise RuntimeError("rolled back with the caller")
    with session_scope() as s:
        assert s.exec(select(Location)).all() == []
        assert s.exec(select(AuditEntry)).all() == []


def test_address_line_and_map_url() -> None:
    hall = Location(name="Test Hall", street="Storgatan 1", postal_code="111 11", city="Stockholm")
    assert locations.address_line(hall) == "Storgatan 1, 111 11 Stockholm"
    assert locations.address_line(hall, with_name=True) == "Test Hall, Storgatan 1, 111 11 Stockholm"
    assert locations.map_url(hall) == (
        "https://www.openstreetmap.org/search?query=Test+Hall%2C+Storgatan+1%2C+111+11+Stockholm"
    )
    pinned = Location(
        name="Pustervik", city="Göteborg", region="Västra Götaland", latitude=57.6998, longitude=11.9536
    )
    assert locations.address_line(pinned) == "Göteborg, Västra Götaland"
    assert (
        locations.map_url(pinned)
        == "https://www.openstreetmap.org/?mlat=57.6998&mlon=11.9536#map=17/57.6998/11.9536"
    )
    assert locations.address_line(Location(name="X", city="Oslo", region="Oslo")) == "Oslo"  # region = city
    assert locations.address_line(None) == locations.map_url(None) == ""
