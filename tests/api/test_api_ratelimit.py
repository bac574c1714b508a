"""The per-key rate limit: past it 429 problem+json with Retry-After; keys are counted apart; Redis-backed
counters are shared (as by several workers)."""

from __future__ import annotations

from api_helpers import assert_problem

from khala.api import ratelimit


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
