"""The catalogue through the API: pages with total and Link headers (edges included), an event with live
availability, categories, ETag/304, gzip, CORS only for configured origins."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from api_helpers import assert_problem

from khala.events.models import EventStatus
from khala.settings import get_settings


def _links(response) -> dict[str, str]:
    out = {}
    for part in response.headers["link"].split(","):
        url, rel = part.split(";")
        out[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return out


def test_empty_catalogue_is_200_with_an_empty_list(client, read_headers):
    r = client.get("/events", headers=read_headers)
    assert r.status_code == 200
    assert r.json() == {"items": [], "total": 0, "page": 1, "page_size": 24, "pages": 1}
    assert client.get("/categories", headers=read_headers).json() == []


def test_pages_total_and_link_headers(client, make_event, read_headers):
    for i in range(5):
        make_event(f"Concert {i}", starts_in=timedelta(days=i + 1))
    first = client.get("/events", params={"page_size": 2, "q": "concert"}, headers=read_headers)
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 5 and body["pages"] == 3 and body["page"] == 1
    assert [e["title"] for e in body["items"]] == ["Concert 0", "Concert 1"]
    assert first.headers["x-total-count"] == "5"
    links = _links(first)
    assert set(links) == {"first", "next", "last"}
    assert "page=2" in links["next"] and "q=concert" in links["next"] and "page_size=2" in links["next"]
    assert links["next"].startswith("http://testserver/api/v1/events?")

    last = client.get(links["last"], headers=read_headers)
    assert [e["title"] for e in last.json()["items"]] == ["Concert 4"]
    assert set(_links(last)) == {"first", "prev", "last"}

    past = client.get("/events", params={"page_size": 2, "page": 9}, headers=read_headers)
    assert past.status_code == 200 and past.json()["items"] == [] and past.json()["page"] == 9
    assert "page=3" in _links(past)["prev"]

    whole = client.get("/events", params={"page_size": 100}, headers=read_headers)
    assert len(whole.json()["items"]) == 5 and set(_links(whole)) == {"first", "last"}


def test_paging_and_filter_limits_are_422(client, read_headers):
    for params, field in [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"sort": "random"}, "sort"),
        ({"price": "cheap"}, "price"),
        ({"date_from": "2026-01-01T00:00:00"}, "date_from"),  # no time zone
    ]:
        body = assert_problem(
            client.get("/events", params=params, headers=read_headers), 422, "invalid-input"
        )
        assert [e["field"] for e in body["errors"]] == [field]
    reversed_range = client.get(
        "/events",
        params={"date_from": "2026-02-01T00:00:00Z", "date_to": "2026-01-01T00:00:00Z"},
        headers=read_headers,
    )
    assert assert_problem(reversed_range, 422)["errors"][0]["field"] == "date_to"


def test_event_by_id_or_slug_with_live_availability(client, make_event, make_key, read_headers):
    event = make_event("Jazz Night", packages=[{"title": "Standard", "capacity": 3, "price_minor": 25000}])
    by_id = client.get(f"/events/{event.id}", headers=read_headers)
    assert by_id.status_code == 200
    body = by_id.json()
    assert body["slug"] == event.slug and body["venue"]["city"] == "Stockholm"
    assert body["category"] == {"slug": "music", "name": "Music"}
    (package,) = body["packages"]
    assert package["capacity"] == 3 and package["seats_left"] == 3 and package["sales_state"] == "open"
    assert client.get(f"/events/{event.slug}", headers=read_headers).json() == body

    _, writer = make_key("write")
    client.post(
        f"/packages/{package['id']}/registrations",
        json={"email": "a@example.com", "quantity": 2},
        headers=writer,
    )
    live = client.get(f"/events/{event.slug}", headers=read_headers).json()
    assert live["packages"][0]["seats_left"] == 1 and live["seats_left"] == 1

    assert_problem(client.get(f"/events/{uuid.uuid4()}", headers=read_headers), 404, "not-found")
    assert_problem(client.get("/events/no-such-event", headers=read_headers), 404)


def test_drafts_are_for_write_keys_only(client, make_event, read_headers, write_headers):
    draft = make_event("Secret Gig", status=EventStatus.draft)
    assert_problem(client.get(f"/events/{draft.id}", headers=read_headers), 404)
    assert client.get(f"/events/{draft.id}", headers=write_headers).json()["status"] == "draft"
    assert client.get("/events", headers=read_headers).json()["total"] == 0


def test_etag_and_304(client, make_event, read_headers):
    event = make_event("Cached Night")
    first = client.get(f"/events/{event.id}", headers=read_headers)
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    again = client.get(f"/events/{event.id}", headers={**read_headers, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = client.get(f"/events/{event.id}", headers={**read_headers, "If-None-Match": 'W/"other", ' + tag})
    assert other.status_code == 304
    stale = client.get(f"/events/{event.id}", headers={**read_headers, "If-None-Match": 'W/"stale"'})
    assert stale.status_code == 200 and stale.json() == first.json()
    listing = client.get("/events", headers=read_headers)
    assert (
        client.get("/events", headers={**read_headers, "If-None-Match": listing.headers["etag"]}).status_code
        == 304
    )
    make_event("Another Night")  # the list changed: the old tag no longer matches
    changed = client.get("/events", headers={**read_headers, "If-None-Match": listing.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["total"] == 2
    # Errors are never cached.
    missing = client.get(f"/events/{uuid.uuid4()}", headers=read_headers)
    assert "etag" not in missing.headers and missing.headers["cache-control"] == "no-store"


def test_gzip_for_clients_that_accept_it(client, make_event, read_headers):
    for i in range(6):
        make_event(f"Long Summary {i}", summary="A summary long enough to compress. " * 6)
    raw = client.get("/events", headers={**read_headers, "Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.json()["total"] == 6
    plain = client.get("/events", headers={**read_headers, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert raw.headers["etag"] == plain.headers["etag"]  # the same representation either way
    assert raw.json() == plain.json()


def test_cors_only_for_configured_origins(client, read_headers):
    allowed = get_settings().cors_origins[0]
    ok = client.get("/events", headers={**read_headers, "Origin": allowed})
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "ETag" in ok.headers["access-control-expose-headers"]
    other = client.get("/events", headers={**read_headers, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/events",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-API-Key",
        },
    )
    assert (
        preflight.status_code == 200
        and "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    )
    refused = client.options(
        "/events", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "q=jazz&page=2&page_size=5",
        "page=1&page=4&q=",
        "city=Malm%C3%B6&sort=price",
        "q=a+b&x=%26",
    ],
)
def test_link_urls_keep_every_other_parameter_as_starlette_would(query: str) -> None:
    from starlette.requests import Request

    from khala.api.http import link_header

    scope = {
        "type": "http",
        "scheme": "https",
        "server": ("api.example.org", 443),
        "path": "/api/v1/events",
        "query_string": query.encode(),
        "headers": [(b"host", b"api.example.org")],
    }
    request = Request(scope)
    expected = [
        f'<{request.url.include_query_params(page=1)}>; rel="first"',
        f'<{request.url.include_query_params(page=2)}>; rel="prev"',
        f'<{request.url.include_query_params(page=4)}>; rel="next"',
        f'<{request.url.include_query_params(page=9)}>; rel="last"',
    ]
    assert link_header(request, 3, 9) == ", ".join(expected)
