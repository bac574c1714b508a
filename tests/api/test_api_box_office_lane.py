"""The box-office lane (``registrations.api_v1.BoxOfficeLane``) answers plain registrations without FastAPI's
per-request machinery: every answer must be the one the route gives, whatever the request, and the requests
that are not plain must reach the route untouched (body included)."""

from __future__ import annotations

import re
import uuid

import fastapi.routing
import pytest
from sqlmodel import select

from khala.api import ratelimit
from khala.events.models import Package
from khala.registrations import api_v1
from khala.settings import get_settings

# Values that differ between two runs of the same requests (ids, codes, times, the run's own addresses).
_VARYING = (
    "id",
    "user_id",
    "package_id",
    "event_id",
    "ticket_code",
    "created_at",
    "instance",
    "registration_id",
)


def _package(make_event, **package):
    event = make_event("Box Office Lane", packages=[{"title": "Standard", **package}])
    from khala.db import session_scope

    with session_scope() as s:
        return s.exec(select(Package).where(Package.event_id == event.id)).one()


def _answer(response, tag: str) -> tuple:
    """Status, headers and body of a response, with what differs between runs blanked."""
    headers = sorted((k, v) for k, v in response.headers.items() if k != "content-length")
    text = response.text.replace(tag, "TAG")
    try:
        body = response.json()
    except ValueError:
        return response.status_code, headers, text
    body = {k: ("…" if k in _VARYING and v is not None else v) for k, v in body.items()}
    if isinstance(body.get("attendee_email"), str):
        body["attendee_email"] = body["attendee_email"].replace(tag, "TAG")
    if isinstance(body.get("detail"), str):
        body["detail"] = re.sub(r"[0-9a-f-]{36}", "…", body["detail"])
    return response.status_code, headers, body


def _run(client, make_event, make_user, make_key, *, lane: bool, monkeypatch) -> list[tuple]:
    monkeypatch.setattr(api_v1.BoxOfficeLane, "enabled", lane)
    tag = uuid.uuid4().hex[:8]
    _, write = make_key("write")
    _, read = make_key("read")
    pkg = _package(make_event, capacity=2, max_per_registration=2)
    make_user(email=f"grace@{tag}.example.com")
    url = f"/packages/{pkg.id}/registrations"
    client.get("/events", headers=write)  # the key is checked once: from now on this process remembers it
    sv = {**write, "Accept-Language": "sv"}
    plain = {**write, "Content-Type": "application/json"}
    answers = [
        client.post(url, json={"email": f" Ada@{tag}.example.com ", "display_name": "Ada"}, headers=write),
        client.post(url, json={"email": f"grace@{tag}.example.com"}, headers=write),
        client.post(url, json={"email": f"ada@{tag}.example.com"}, headers=write),  # already registered
        client.post(url, json={"email": f"erin@{tag}.example.com"}, headers=write),  # sold out
        client.post(url, json={"email": f"erin@{tag}.example.com"}, headers=sv),  # sold out, in Swedish
        client.post(url, json={"email": f"erin@{tag}.example.com", "waitlist": True}, headers=write),
        client.post(url, json={"email": f"frank@{tag}.example.com", "quantity": 3}, headers=write),  # > max
        client.post(url, json={"email": "not-an-address"}, headers=write),
        client.post(
            url, json={"email": f"x@{tag}.example.com", "display_name": "call 0701234567"}, headers=write
        ),
        client.post(
            f"/packages/{uuid.uuid4()}/registrations", json={"email": "b@example.com"}, headers=write
        ),
        client.post(
            url.replace(str(pkg.id), str(pkg.id).upper()), json={"email": "ada@example.com"}, headers=sv
        ),
        client.post(
            url.replace(str(pkg.id), pkg.id.hex), json={"email": f"h@{tag}.example.com"}, headers=write
        ),
        client.post(url, json={}, headers=write),  # the route's own validation
        client.post(url, json={"email": "a@example.com", "quantity": 0}, headers=write),
        client.post(url, json=["a@example.com"], headers=write),
        client.post(url, content=b'{"email": ', headers=plain),  # not JSON: 400
        client.post(url, content=b"", headers=plain),
        client.post(url, content=b'{"email": "\xff"}', headers=plain),
        client.post(
            url,
            content=f'{{"email": "j@{tag}.example.com"}}'.encode(),
            headers={**write, "Content-Type": "text/plain"},
        ),
        client.post(
            url,
            content=f'{{"email": "k@{tag}.example.com"}}'.encode(),
            headers={**write, "Content-Type": "application/json; charset=utf-8"},
        ),
        client.post(url, json={"email": f"m@{tag}.example.com"}, headers={**write, "Idempotency-Key": "one"}),
        client.post(url, json={"email": f"m@{tag}.example.com"}, headers={**write, "Idempotency-Key": "one"}),
        client.post(url, json={"email": f"n@{tag}.example.com"}, headers=read),  # 403
        client.post(url, json={"email": f"n@{tag}.example.com"}, headers={"X-API-Key": "khala_0000_nope"}),
        client.post(url, json={"email": f"n@{tag}.example.com"}),  # 401
        client.post(
            url,
            json={"email": f"p@{tag}.example.com"},
            headers={"Ocp-Apim-Subscription-Key": write["X-API-Key"]},
        ),
        client.post(
            url,
            json={"email": f"q@{tag}.example.com"},
            headers={**write, "Origin": "https://elsewhere.example"},
        ),
        client.post(
            url, json={"email": f"r@{tag}.example.com"}, headers={**write, "Accept-Encoding": "gzip"}
        ),
    ]
    return [_answer(a, tag) for a in answers]


def test_the_lane_answers_exactly_as_the_route(client, make_event, make_user, make_key, monkeypatch):
    through_route = _run(client, make_event, make_user, make_key, lane=False, monkeypatch=monkeypatch)
    through_lane = _run(client, make_event, make_user, make_key, lane=True, monkeypatch=monkeypatch)
    assert [a[0] for a in through_route][:6] == [201, 201, 409, 409, 409, 201]
    for n, (route, lane) in enumerate(zip(through_route, through_lane, strict=True)):
        assert lane == route, f"request {n}"


@pytest.mark.parametrize("counters", ["memory", "redis"])
def test_the_rate_limit_counts_once_either_way(
    client, make_event, make_key, rate_limit, monkeypatch, counters, request
):
    rate_limit("3/minute")
    if counters == "redis":  # as with KHALA_REDIS_URL: the count is made in the registration's thread
        url = request.getfixturevalue("redis_url")
        monkeypatch.setattr(get_settings(), "redis_url", url)
        ratelimit.use_storage(url)
        ratelimit.reset()
    for lane in (False, True):
        monkeypatch.setattr(api_v1.BoxOfficeLane, "enabled", lane)
        _, write = make_key("write")
        pkg = _package(make_event, capacity=5)
        url = f"/packages/{pkg.id}/registrations"
        assert client.get("/events", headers=write).status_code == 200  # 1 of 3
        bad = client.post(url, json={"email": "not-an-address"}, headers=write)  # 2 of 3: refused, counted
        good = client.post(url, json={"email": f"s{int(lane)}@example.com"}, headers=write)  # 3 of 3
        limited = client.post(url, json={"email": f"t{int(lane)}@example.com"}, headers=write)
        assert (bad.status_code, good.status_code, limited.status_code) == (422, 201, 429)
        assert limited.headers["retry-after"] and limited.json()["code"] == "rate-limited"
    if counters == "redis":
        ratelimit.reset()


@pytest.fixture
def solved(monkeypatch) -> list[int]:
    """How many times FastAPI's dependency solver ran for a route (the lane never runs it)."""
    calls: list[int] = []
    solve = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):
        calls.append(1)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


def test_plain_registrations_take_the_lane_others_the_route(client, make_event, make_key, solved):
    _, write = make_key("write")
    pkg = _package(make_event, capacity=5)
    url = f"/packages/{pkg.id}/registrations"
    assert client.post(url, json={"email": "first@example.com"}, headers=write).status_code == 201
    assert len(solved) == 1  # a key this process has not checked yet: the route checks it
    assert client.post(url, json={"email": "second@example.com"}, headers=write).status_code == 201
    assert client.post(url, json={"email": "second@example.com"}, headers=write).status_code == 409
    assert len(solved) == 1  # the lane
    assert (
        client.post(
            url, json={"email": "third@example.com"}, headers={**write, "Idempotency-Key": "x"}
        ).status_code
        == 201
    )
    assert client.post(url, json={"email": "bad"}, headers=write).status_code == 422  # the service refuses it
    assert len(solved) == 2
    assert client.post(url, json={"display_name": "No address"}, headers=write).status_code == 422
    assert len(solved) == 3  # the route's own validation
