"""The per-key rate limit: past it 429 problem+json with Retry-After; keys are counted apart; Redis-backed
counters are shared (as by several workers)."""

from __future__ import annotations

import pytest
from api_helpers import assert_problem

from khala.api import ratelimit
from khala.settings import get_settings


def test_past_the_limit_is_429_with_retry_after(client, make_key, rate_limit):
    rate_limit("3/minute")
    _, headers = make_key("read")
    answers = [client.get("/categories", headers=headers) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
    assert answers[0].headers["ratelimit-limit"] == "3"
    refused = client.get("/categories", headers=headers)
    body = assert_problem(refused, 429, "rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "3 requests per minute" in body["detail"]
    # Another key has its own allowance; health needs none.
    _, other = make_key("read")
    assert client.get("/categories", headers=other).status_code == 200
    assert client.get("/health").status_code == 200


def test_the_default_is_600_a_minute(client, read_headers):
    r = client.get("/categories", headers=read_headers)
    assert r.headers["ratelimit-limit"] == "600" and r.headers["ratelimit-remaining"] == "599"


def test_counters_in_redis_are_shared(client, make_key, rate_limit, redis_url):
    rate_limit("2/minute")
    ratelimit.use_storage(redis_url)
    ratelimit.reset()
    _, headers = make_key("read")
    assert client.get("/categories", headers=headers).status_code == 200
    # Another worker (a fresh limiter on the same Redis) sees the same count.
    ratelimit.use_storage(redis_url)
    assert client.get("/categories", headers=headers).status_code == 200
    assert_problem(client.get("/categories", headers=headers), 429)
    ratelimit.reset()


def _package_id(make_event) -> str:
    from sqlmodel import select

    from khala.db import session_scope
    from khala.events.models import Package

    event = make_event(packages=[{"title": "A", "capacity": 5}])
    with session_scope() as s:
        return str(s.exec(select(Package).where(Package.event_id == event.id)).one().id)


@pytest.mark.parametrize("lane", [True, False], ids=["box-office lane", "route"])
def test_writes_answered_with_their_own_response_tell_the_rate_limit_too(
    client, make_key, make_event, rate_limit, monkeypatch, lane
):
    """A route that returns its own Response (a registration's 201, a refusal's problem) and the box-office
    lane answer with the RateLimit headers as every other route does."""
    from khala.registrations import api_v1

    monkeypatch.setattr(api_v1.BoxOfficeLane, "enabled", lane)
    rate_limit("5/minute")
    _, write = make_key("write")
    url = f"/packages/{_package_id(make_event)}/registrations"
    made = client.post(url, json={"email": "ada@example.com"}, headers=write)
    again = client.post(url, json={"email": "ada@example.com"}, headers=write)  # 409 already registered
    assert (made.status_code, again.status_code) == (201, 409)
    assert [r.headers.get("ratelimit-remaining") for r in (made, again)] == ["4", "3"]
    assert made.headers["ratelimit-limit"] == "5" and int(made.headers["ratelimit-reset"]) > 0


def test_the_lane_with_counters_in_redis_tells_the_rate_limit(
    client, make_key, make_event, rate_limit, redis_url, monkeypatch
):
    monkeypatch.setattr(get_settings(), "redis_url", redis_url)
    rate_limit("5/minute")
    ratelimit.use_storage(redis_url)
    ratelimit.reset()
    try:
        _, write = make_key("write")
        client.get("/categories", headers=write)  # the key is checked once: the lane takes the next request
        url = f"/packages/{_package_id(make_event)}/registrations"
        made = client.post(url, json={"email": "grace@example.com"}, headers=write)
        assert made.status_code == 201 and made.headers.get("ratelimit-remaining") == "3"
    finally:
        ratelimit.reset()
