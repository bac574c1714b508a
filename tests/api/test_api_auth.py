"""API keys: no key 401, unknown or revoked 401, a read key on a write endpoint 403, both header names work."""

from __future__ import annotations

import pytest
from api_helpers import assert_problem

from khala.api import keys
from khala.audit.service import Actor


def test_health_needs_no_key(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "version": "v1"}


def test_no_key_is_401_problem_with_a_challenge(client):
    r = client.get("/events")
    body = assert_problem(r, 401, "not-authenticated")
    assert "X-API-Key" in body["detail"] and body["instance"] == "/api/v1/events"
    assert r.headers["www-authenticate"].startswith("ApiKey")


@pytest.mark.parametrize(
    "secret",
    ["nonsense", "khala_0000000000_" + "a" * 43, "", "khala_zz_zz"],
)
def test_unknown_or_malformed_key_is_401(client, secret):
    assert_problem(client.get("/events", headers={"X-API-Key": secret}), 401, "not-authenticated")


def test_right_prefix_wrong_secret_is_401(client, make_key):
    _, headers = make_key("read")
    forged = headers["X-API-Key"][:-4] + ("AAAA" if not headers["X-API-Key"].endswith("AAAA") else "BBBB")
    assert_problem(client.get("/events", headers={"X-API-Key": forged}), 401)


def test_both_header_names_work(client, make_key):
    _, headers = make_key("read")
    secret = headers["X-API-Key"]
    assert client.get("/events", headers={"X-API-Key": secret}).status_code == 200
    assert client.get("/events", headers={"Ocp-Apim-Subscription-Key": secret}).status_code == 200


def test_revoked_key_is_401_at_once(client, make_key):
    key, headers = make_key("write")
    assert client.get("/events", headers=headers).status_code == 200
    keys.revoke_key(key.prefix, actor=Actor.system("tests"))
    assert_problem(client.get("/events", headers=headers), 401)
    assert_problem(
        client.post(
            "/checkins",
            json={"ticket_code": "ABC"},
            headers={"Ocp-Apim-Subscription-Key": headers["X-API-Key"]},
        ),
        401,
    )


def test_read_key_on_write_endpoints_is_403(client, read_headers):
    for method, path, body in [
        ("post", "/checkins", {"ticket_code": "ABCDEFGHJK"}),
        ("post", "/packages/6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10/registrations", {"email": "a@example.com"}),
        ("post", "/registrations/6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10/cancel", {}),
        ("get", "/events/6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10/registrations", None),
    ]:
        r = client.request(method.upper(), path, json=body, headers=read_headers)
        assert_problem(r, 403, "forbidden")


def test_use_is_noted_at_most_once_a_minute(client, make_key):
    key, headers = make_key("read")
    assert keys.find_key(key.prefix).last_used_at is None
    client.get("/events", headers=headers)
    first = keys.find_key(key.prefix).last_used_at
    assert first is not None
    client.get("/events", headers=headers)
    assert keys.find_key(key.prefix).last_used_at == first


def test_concurrent_requests_of_one_secret_share_one_look_up(make_key, monkeypatch):
    """50 requests with a key this process has not checked yet (start-up, or its remembered check expired)
    make one look-up, not 50; each gets the key, a bad secret gets None, and a revocation in between starts
    a fresh look-up that refuses it."""
    import asyncio
    import threading

    from khala.api import auth

    key, headers = make_key("write")
    secret = headers["X-API-Key"]
    calls: list[str] = []
    release = threading.Event()
    real = keys.authenticate

    def counted(given, **kw):
        calls.append(given)
        release.wait(5)  # the look-up is slow: the other requests arrive while it runs
        return real(given, **kw)

    monkeypatch.setattr(keys, "authenticate", counted)
    keys._cache.clear()

    async def rush(secret: str, n: int):
        waiting = [asyncio.ensure_future(auth.checked(secret)) for _ in range(n)]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(*waiting)

    found = asyncio.run(rush(secret, 50))
    assert len(calls) == 1 and all(k is not None and k.id == key.id for k in found)
    assert auth._looking_up == {}

    calls.clear()
    found = asyncio.run(rush(secret, 5))  # remembered now: no look-up at all
    assert calls == [] and all(k.id == key.id for k in found)

    release.clear()
    calls.clear()
    assert asyncio.run(rush(secret[:-4] + "AAAA", 10)) == [None] * 10 and len(calls) == 1

    async def revoked_meanwhile():
        keys._cache.clear()
        release.clear()
        before = asyncio.ensure_future(auth.checked(secret))
        await asyncio.sleep(0.05)
        keys.revoke_key(key.prefix, actor=Actor.system("tests"))
        after = asyncio.ensure_future(auth.checked(secret))
        await asyncio.sleep(0.05)
        release.set()
        return await before, await after

    calls.clear()
    _, after = asyncio.run(revoked_meanwhile())
    assert after is None and len(calls) == 2  # the request after the revocation made its own look-up
    assert keys.remembered(secret) is None
