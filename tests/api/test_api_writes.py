"""Writes through the API (write scope): events, packages, venues and images with the admin's services and
rules; every change is one audit entry with the key as actor."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from api_helpers import assert_problem, audit_actions

from khala.audit import service as audit
from khala.db import utcnow
from khala.images import service as images
from khala.images import storage


def _at(days: int, hour: int = 19) -> str:
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


@pytest.fixture
def venue(client, write_headers) -> dict:
    r = client.post(
        "/locations",
        json={"name": "Cirkus", "city": "Stockholm", "street": "Djurgårdsslätten 43", "country": "se"},
        headers=write_headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_event_lifecycle_with_packages(client, write_key, venue, make_event):
    key, headers = write_key
    make_event("Seed", category="jazz")  # a category to choose
    created = client.post(
        "/events",
        json={
            "title": "  API   Night ",
            "starts_at": _at(20),
            "category": "jazz",
            "location_id": venue["id"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert created.headers["location"] == f"/api/v1/events/{event['id']}"
    assert event["title"] == "API Night" and event["status"] == "draft" and event["slug"] == "api-night"
    assert event["venue"]["name"] == "Cirkus" and event["category"]["slug"] == "jazz"
    assert event["packages"] == []

    pkg = client.post(
        f"/events/{event['id']}/packages",
        json={"title": "Standard", "price_minor": 24900, "capacity": 1, "max_per_registration": 1},
        headers=headers,
    )
    assert pkg.status_code == 201, pkg.text
    package = pkg.json()
    assert package["seats_left"] == 1 and package["currency"] == "SEK"
    assert client.get(f"/packages/{package['id']}", headers=headers).json() == package

    patched = client.patch(
        f"/events/{event['id']}", json={"title": "API Night Live", "ends_at": None}, headers=headers
    )
    assert patched.status_code == 200 and patched.json()["title"] == "API Night Live"
    bad = client.patch(
        f"/events/{event['id']}", json={"category": "nope", "timezone": "Mars/Base"}, headers=headers
    )
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {"category", "timezone"}
    assert_problem(client.patch(f"/events/{event['id']}", json={"title": None}, headers=headers), 422)

    published = client.put(f"/events/{event['id']}/status", json={"status": "published"}, headers=headers)
    assert published.status_code == 200 and published.json()["status"] == "published"

    # The package sells out; more capacity moves the waiting list up.
    first = client.post(
        f"/packages/{package['id']}/registrations", json={"email": "a@example.com"}, headers=headers
    )
    waiting = client.post(
        f"/packages/{package['id']}/registrations",
        json={"email": "b@example.com", "waitlist": True},
        headers=headers,
    )
    assert first.json()["status"] == "confirmed" and waiting.json()["status"] == "waitlisted"
    too_low = client.patch(f"/packages/{package['id']}", json={"capacity": 0}, headers=headers)
    assert assert_problem(too_low, 422)["errors"][0]["field"] == "capacity"
    grown = client.patch(f"/packages/{package['id']}", json={"capacity": 3}, headers=headers)
    assert grown.status_code == 200 and grown.json()["taken"] == 2 and grown.json()["seats_left"] == 1
    listing = client.get(f"/events/{event['id']}/registrations", headers=headers).json()
    assert {r["status"] for r in listing["items"]} == {"confirmed"}

    assert_problem(client.delete(f"/packages/{package['id']}", headers=headers), 409)
    assert_problem(client.delete(f"/events/{event['id']}", headers=headers), 409)
    back_to_draft = client.put(f"/events/{event['id']}/status", json={"status": "draft"}, headers=headers)
    assert_problem(back_to_draft, 409)
    cancelled = client.put(f"/events/{event['id']}/status", json={"status": "cancelled"}, headers=headers)
    assert cancelled.json()["status"] == "cancelled"

    actions = audit_actions(key)
    assert actions[:4] == ["location.created", "event.created", "package.created", "event.updated"]
    assert "event.published" in actions and "package.capacity_changed" in actions
    assert actions[-1] == "event.cancelled"
    entries = audit.list_entries(
        object_type="package", object_id=package["id"], action="package.capacity_changed"
    )
    assert entries.items[0].changes == {"capacity": [1, 3]} and entries.items[0].actor_label == key.name


def test_delete_what_nobody_registered_for(client, write_key, venue):
    key, headers = write_key
    event = client.post("/events", json={"title": "Short-lived", "starts_at": _at(5)}, headers=headers).json()
    package = client.post(f"/events/{event['id']}/packages", json={"title": "Only"}, headers=headers).json()
    assert client.delete(f"/packages/{package['id']}", headers=headers).status_code == 204
    assert_problem(client.get(f"/packages/{package['id']}", headers=headers), 404)
    assert client.delete(f"/events/{event['id']}", headers=headers).status_code == 204
    assert_problem(client.get(f"/events/{event['id']}", headers=headers), 404)
    assert_problem(client.delete(f"/events/{event['id']}", headers=headers), 404)
    assert audit_actions(key)[-2:] == ["package.deleted", "event.deleted"]


def test_event_and_package_field_errors(client, write_headers):
    missing = client.post("/events", json={"starts_at": _at(3)}, headers=write_headers)
    assert [e["field"] for e in assert_problem(missing, 422)["errors"]] == ["title"]
    naive = client.post(
        "/events", json={"title": "T", "starts_at": "2027-01-01T19:00:00"}, headers=write_headers
    )
    assert assert_problem(naive, 422)["errors"][0]["field"] == "starts_at"
    backwards = client.post(
        "/events", json={"title": "T", "starts_at": _at(3, 20), "ends_at": _at(3, 18)}, headers=write_headers
    )
    assert assert_problem(backwards, 422)["errors"] == [
        {"field": "ends_at", "detail": "The event cannot end before it starts."}
    ]
    unknown_venue = client.post(
        "/events",
        json={"title": "T", "starts_at": _at(3), "location_id": str(uuid.uuid4())},
        headers=write_headers,
    )
    assert assert_problem(unknown_venue, 422)["errors"][0]["field"] == "location_id"
    event = client.post("/events", json={"title": "T", "starts_at": _at(3)}, headers=write_headers).json()
    bad = client.post(
        f"/events/{event['id']}/packages",
        json={"title": "", "currency": "kr", "sales_opens_at": _at(2), "sales_closes_at": _at(1)},
        headers=write_headers,
    )
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {
        "title",
        "currency",
        "sales_closes_at",
    }
    assert_problem(
        client.post(f"/events/{uuid.uuid4()}/packages", json={"title": "X"}, headers=write_headers), 404
    )


def test_venues(client, write_key, venue, make_event, read_headers):
    key, headers = write_key
    assert venue["country"] == "SE" and venue["address"].startswith("Djurgårdsslätten 43")
    dup = client.post("/locations", json={"name": "cirkus", "city": "STOCKHOLM"}, headers=headers)
    assert assert_problem(dup, 422)["errors"][0]["field"] == "name"
    client.post("/locations", json={"name": "Ullevi", "city": "Göteborg"}, headers=headers)
    listing = client.get("/locations", headers=read_headers).json()
    assert [v["name"] for v in listing["items"]] == ["Cirkus", "Ullevi"] and listing["total"] == 2
    in_city = client.get("/locations", params={"city": "göteborg"}, headers=read_headers).json()
    assert [v["name"] for v in in_city["items"]] == ["Ullevi"]
    assert client.get(f"/locations/{venue['id']}", headers=read_headers).json() == venue

    event = client.post(
        "/events",
        json={"title": "Circus Gala", "starts_at": _at(9), "location_id": venue["id"], "status": "published"},
        headers=headers,
    ).json()
    renamed = client.patch(
        f"/locations/{venue['id']}", json={"name": "Cirkus Arena", "latitude": 59.3}, headers=headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Cirkus Arena"
    found = client.get("/events", params={"q": "arena"}, headers=read_headers).json()
    assert [e["id"] for e in found["items"]] == [event["id"]]  # the event follows its venue
    assert_problem(
        client.patch(f"/locations/{venue['id']}", json={"country": "Sweden"}, headers=headers), 422
    )
    assert_problem(client.delete(f"/locations/{venue['id']}", headers=headers), 409)
    client.delete(f"/events/{event['id']}", headers=headers)
    assert client.delete(f"/locations/{venue['id']}", headers=headers).status_code == 204
    assert_problem(client.get(f"/locations/{venue['id']}", headers=read_headers), 404)
    assert_problem(client.post("/locations", json={"name": "X", "city": "Y"}, headers=read_headers), 403)
    actions = audit_actions(key)
    assert actions.count("location.created") == 2
    assert "location.updated" in actions and actions[-1] == "location.deleted"


@pytest.fixture
def local_images(tmp_path) -> Iterator[None]:
    storage.use_store(storage.LocalStore(tmp_path / "media", secret_key="k" * 48))
    images._exists_cache.clear()
    yield
    storage.use_store(None)
    images._exists_cache.clear()


def _png(size=(64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


def test_images_upload_read_describe_delete(client, write_key, read_headers, local_images):
    key, headers = write_key
    up = client.post(
        "/images",
        files={"file": ("poster.png", _png(), "image/png")},
        data={"alt_text": "A pink square", "description": "Test"},
        headers=headers,
    )
    assert up.status_code == 201, up.text
    image = up.json()
    assert image["name"] == "poster.png" and image["width"] == 64 and image["content_type"] == "image/webp"
    assert up.headers["location"] == f"/api/v1/images/{image['id']}"
    got = client.get(f"/images/{image['id']}", headers=read_headers)
    assert got.status_code == 200 and got.headers["cache-control"] == "private, no-store"
    card = got.json()["urls"]["card"]
    assert card["url"].startswith("http") and "/media/images/" in card["url"] and "sig=" in card["url"]

    not_image = client.post(
        "/images",
        files={"file": ("x.png", b"not an image", "image/png")},
        data={"alt_text": "x"},
        headers=headers,
    )
    assert assert_problem(not_image, 422)["errors"][0]["field"] == "file"
    no_alt = client.post(
        "/images", files={"file": ("p.png", _png(), "image/png")}, data={"alt_text": " "}, headers=headers
    )
    assert assert_problem(no_alt, 422)["errors"][0]["field"] == "alt_text"

    described = client.patch(f"/images/{image['id']}", json={"alt_text": "A magenta square"}, headers=headers)
    assert described.json()["alt_text"] == "A magenta square"
    assert client.delete(f"/images/{image['id']}", headers=headers).status_code == 204
    assert_problem(client.get(f"/images/{image['id']}", headers=read_headers), 404)
    assert audit_actions(key) == ["image.uploaded", "image.updated", "image.deleted"]


def test_upload_size_is_capped_before_parsing(client, write_headers, local_images, monkeypatch):
    from khala.settings import get_settings

    monkeypatch.setattr(get_settings(), "upload_max_bytes", 1000)
    from starlette.testclient import TestClient

    from khala.rest import standalone

    with TestClient(standalone(), base_url="http://testserver/api/v1") as small:
        r = small.post(
            "/images",
            files={"file": ("big.png", b"\0" * 400_000, "image/png")},
            data={"alt_text": "big"},
            headers=write_headers,
        )
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
