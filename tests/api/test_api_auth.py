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
